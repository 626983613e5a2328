package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"asyncdrive/eval"
)

func reportHelp() string { return reportHelpText }

const reportHelpText = `usage: asyncdrive report DIR...

Prints finished evaluations side by side: CLS x100 per scenario type and overall, failures, planner
runtime percentiles and wall time, one column per output folder (what "make run" shows at the end).

example:
  asyncdrive report out/log_replay-nonreactive out/log_replay-reactive out/idm-nonreactive out/idm-reactive

`

func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dirs, err := parseFlags(fs, reportHelp(), args, stdout)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("report", "no output folders given")
	}
	var sums []*eval.Summary
	for _, d := range dirs {
		s, err := eval.ReadSummary(filepath.Join(d, eval.SummaryFile))
		if err != nil {
			return fmt.Errorf("%v (is %s a finished eval output folder?)", err, d)
		}
		sums = append(sums, s)
	}
	return eval.WriteComparison(stdout, sums)
}
