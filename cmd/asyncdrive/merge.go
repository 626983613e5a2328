package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"asyncdrive/eval"
)

func mergeHelp() string { return mergeHelpText }

const mergeHelpText = `usage: asyncdrive merge --out DIR [--partial] SHARD_DIR...

Combines the output folders of "asyncdrive eval --shard I/N" (or --shards N) runs into DIR as one
single-process run would have written it: results.jsonl, summary.json, results/ and run.json, and prints
the score table. The shards must be finished and come from the same planner, agents, options and suite;
overlapping shards are refused. wall_s is the slowest shard's, wall_s_sum adds them up.

examples:
  asyncdrive merge --out out/idm out/idm/shard-0 out/idm/shard-1 out/idm/shard-2 out/idm/shard-3
  asyncdrive merge --out out/idm out/idm/shard-*

flags:
`

type mergeFlags struct {
	out     string
	partial bool
}

func (m *mergeFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&m.out, "out", "", "output `folder` (required)")
	fs.BoolVar(&m.partial, "partial", false, "merge even if the shards do not cover the whole suite")
}

func runMerge(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	var m mergeFlags
	m.define(fs)
	dirs, err := parseFlags(fs, mergeHelp(), args, stdout)
	if err != nil {
		return err
	}
	switch {
	case m.out == "":
		return usagef("merge", "missing --out DIR")
	case len(dirs) == 0:
		return usagef("merge", "no shard folders given")
	}
	s, err := eval.Merge(m.out, dirs, m.partial)
	if err != nil {
		return err
	}
	if err := eval.WriteTable(stdout, s, metricNames()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmerged %d shards into %s and %s\n", len(dirs),
		filepath.Join(m.out, eval.ResultsFile), filepath.Join(m.out, eval.SummaryFile))
	return nil
}
