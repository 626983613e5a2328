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
       asyncdrive report --diff BASE NEW [--limit N]

Prints finished evaluations side by side: CLS x100 per scenario type and overall, failures, planner
runtime percentiles and wall time, one column per output folder (what "make run" shows at the end).

With --diff it compares two evaluations of the same scenarios scenario by scenario (matched by key): the
CLS of the scenarios in both, before and after, overall and per type, then every scenario whose outcome
changed (CLS, a metric, the goal, at-fault collisions, the instruction, an error), largest drop first,
with what moved. Use it after a change, against the evaluation from before it, or to see where a planner
fails and log replay does not (BASE the log_replay folder).

examples:
  asyncdrive report out/log_replay-nonreactive out/log_replay-reactive out/idm-nonreactive out/idm-reactive
  asyncdrive report --diff out/pdm-before out/pdm-after
  asyncdrive report --diff --limit 0 out/real/log_replay-nonreactive out/real/pdm-nonreactive

`

func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	diff := fs.Bool("diff", false, "compare two evaluations (BASE NEW) scenario by scenario")
	limit := fs.Int("limit", 50, "with --diff: list at most N changed scenarios (0: all)")
	dirs, err := parseFlags(fs, reportHelp(), args, stdout)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("report", "no output folders given")
	}
	if isSet(fs, "limit") && !*diff {
		return usagef("report", "--limit applies to --diff only")
	}
	if *limit < 0 {
		return usagef("report", "--limit %d: want a count >= 0 (0 lists every change)", *limit)
	}
	var sums []*eval.Summary
	for _, d := range dirs {
		s, err := eval.ReadSummary(filepath.Join(d, eval.SummaryFile))
		if err != nil {
			return fmt.Errorf("%v (is %s a finished eval output folder?)", err, d)
		}
		sums = append(sums, s)
	}
	if !*diff {
		return eval.WriteComparison(stdout, sums)
	}
	if len(dirs) != 2 {
		return usagef("report", "--diff compares two output folders (BASE NEW), got %d", len(dirs))
	}
	var recs [2][]*eval.Record
	var names [2]string
	for i, d := range dirs {
		if recs[i], err = eval.ReadResults(filepath.Join(d, eval.ResultsFile)); err != nil {
			return fmt.Errorf("%v (is %s a finished eval output folder?)", err, d)
		}
		s := sums[i]
		names[i] = fmt.Sprintf("%s (%s, agents %s, %d scenarios, CLS x100 %.2f)", d, s.Planner, s.Agents, s.Scenarios, s.Score)
	}
	return eval.WriteDiff(stdout, names[0], names[1], eval.DiffRecords(recs[0], recs[1]), *limit)
}
