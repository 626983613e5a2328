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
       asyncdrive report --failures DIR [--below CLS] [--limit N]

Prints finished evaluations side by side: CLS x100 per scenario type and overall, failures, planner
runtime percentiles and wall time, one column per output folder (what "make run" shows at the end).

With --diff it compares two evaluations of the same scenarios scenario by scenario (matched by key): the
CLS of the scenarios in both, before and after, overall and per type, then every scenario whose outcome
changed (CLS, a metric, the goal, at-fault collisions, the instruction, an error), largest drop first,
with what moved. Use it after a change, against the evaluation from before it, or to see where a planner
fails and log replay does not (BASE the log_replay folder).

With --failures it lists the scenarios of one evaluation that failed (an at-fault collision, a missed
goal, another multiplier such as making progress, an error), and with --below those scoring under that
CLS x100 too, type by type and lowest score first, each with why in a line: the collision (and whether
the scenario causes it), how the goal was missed and by how much, the multipliers and weighted metrics
it lost, leaving the map. The start of finding out why a run fails; "asyncdrive sim --file F --trace 5"
takes one apart.

examples:
  asyncdrive report out/log_replay-nonreactive out/log_replay-reactive out/idm-nonreactive out/idm-reactive
  asyncdrive report --diff out/pdm-before out/pdm-after
  asyncdrive report --diff --limit 0 out/real/log_replay-nonreactive out/real/pdm-nonreactive
  asyncdrive report --failures out/real/pdm-nonreactive
  asyncdrive report --failures --below 90 out/pdm-reactive

`

func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	diff := fs.Bool("diff", false, "compare two evaluations (BASE NEW) scenario by scenario")
	failures := fs.Bool("failures", false, "list the scenarios of one evaluation that failed, with why")
	below := fs.Float64("below", 0, "with --failures: also list the scenarios scoring under this CLS x100")
	limit := fs.Int("limit", 50, "with --diff or --failures: list at most N scenarios (0: all)")
	dirs, err := parseFlags(fs, reportHelp(), args, stdout)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("report", "no output folders given")
	}
	switch {
	case *diff && *failures:
		return usagef("report", "--diff and --failures are two different reports: give one")
	case isSet(fs, "limit") && !*diff && !*failures:
		return usagef("report", "--limit applies to --diff and --failures only")
	case isSet(fs, "below") && !*failures:
		return usagef("report", "--below applies to --failures only")
	case *limit < 0:
		return usagef("report", "--limit %d: want a count >= 0 (0 lists them all)", *limit)
	case !(*below >= 0 && *below <= 100):
		return usagef("report", "--below %g: want a CLS x100 in [0, 100]", *below)
	case *failures && len(dirs) != 1:
		return usagef("report", "--failures lists one output folder, got %d", len(dirs))
	}
	var sums []*eval.Summary
	for _, d := range dirs {
		s, err := eval.ReadSummary(filepath.Join(d, eval.SummaryFile))
		if err != nil {
			return fmt.Errorf("%v (is %s a finished eval output folder?)", err, d)
		}
		sums = append(sums, s)
	}
	if *failures {
		recs, err := eval.ReadResults(filepath.Join(dirs[0], eval.ResultsFile))
		if err != nil {
			return fmt.Errorf("%v (is %s a finished eval output folder?)", err, dirs[0])
		}
		return eval.WriteFailures(stdout, evalName(dirs[0], sums[0]), recs, *below, *limit)
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
		names[i] = evalName(d, sums[i])
	}
	return eval.WriteDiff(stdout, names[0], names[1], eval.DiffRecords(recs[0], recs[1]), *limit)
}

// evalName labels an evaluation's output folder with its planner, agents, size and CLS.
func evalName(dir string, s *eval.Summary) string {
	return fmt.Sprintf("%s (%s, agents %s, %d scenarios, CLS x100 %.2f)", dir, s.Planner, s.Agents, s.Scenarios, s.Score)
}
