package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"asyncdrive/eval"
	"asyncdrive/perception"
	"asyncdrive/scenarios"
)

const perceptionBenchHelpText = `usage: asyncdrive perception-bench [--scenarios DIR|builtin] [--delays 0,100,...] [--delay-model binomial|uniform]
                                   [--out DIR] [--workers N] [--per-type N] [--seed S] [--types a,b]

Runs the collaborative perception benchmark open loop (the ego and the agents on their logs): the ego's own
sensor alone (ego), naive late fusion (late) and trust-weighted fusion (fused) of the ego, two connected
vehicles and up to two roadside units, at every expected delay. Writes DIR/perception.json (BEV AP@0.5 and
AP@0.7 and the position RMSE per method and delay, and the delay targets) and prints the table.
docs/perception.md describes the sensors, the delay models and the protocol.

examples:
  asyncdrive perception-bench --out out/perception
  asyncdrive perception-bench --scenarios ../shared/data/commonroad --out out/perception-commonroad

`

func perceptionBenchHelp() string { return perceptionBenchHelpText + "flags:\n" }

// perceptionFile is the benchmark's output file name.
const perceptionFile = "perception.json"

type perceptionBenchFlags struct {
	scenarios  string
	delays     string
	delayModel string
	out        string
	workers    int
	suiteFlags
}

func (f *perceptionBenchFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.scenarios, "scenarios", "builtin", "scenario `folder` (searched recursively), or builtin for the generated suite")
	fs.StringVar(&f.delays, "delays", "0,100,200,300,400,500", "expected delays, `ms`, comma-separated")
	fs.StringVar(&f.delayModel, "delay-model", "binomial", "delay model: binomial (Binomial(10,p) x 100 ms) or uniform (OpenCOOD: uniform overhead + transmission)")
	fs.StringVar(&f.out, "out", filepath.Join("out", "perception"), "output `folder`")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "scenarios run in parallel")
	f.suiteFlags.define(fs, "builtin suite: ")
}

func runPerceptionBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perception-bench", flag.ContinueOnError)
	var f perceptionBenchFlags
	f.define(fs)
	pos, err := parseFlags(fs, perceptionBenchHelp(), args, stdout)
	if err != nil {
		return err
	}
	const cmd = "perception-bench"
	if len(pos) > 0 {
		return usagef(cmd, "unexpected argument %q (flags take the form --name value)", pos[0])
	}
	if f.workers < 1 {
		return usagef(cmd, "--workers must be at least 1, got %d", f.workers)
	}
	delays, err := parseDelays(f.delays)
	if err != nil {
		return usagef(cmd, "--delays: %v", err)
	}
	model, err := perception.ParseDelayModel(f.delayModel)
	if err != nil {
		return usagef(cmd, "--delay-model: %v", err)
	}
	var items []eval.Item
	if f.scenarios == "builtin" {
		specs, _, err := f.specs(cmd)
		if err != nil {
			return err
		}
		items = builtinItems(specs)
	} else {
		for _, name := range []string{"per-type", "seed", "types"} {
			if isSet(fs, name) {
				return usagef(cmd, "--%s applies to --scenarios builtin only", name)
			}
		}
		if items, err = eval.FolderItems(f.scenarios); err != nil {
			return usagef(cmd, "--scenarios: %v", err)
		}
	}
	if len(items) == 0 {
		return usagef(cmd, "no scenarios")
	}
	cfg := perception.DefaultBench(delays)
	cfg.Base.Channel.Model = model
	rep, err := perceptionBench(ctx, items, cfg, f.workers, stderr)
	if err != nil {
		return err
	}
	rep.Source, rep.DelayModel = f.scenarios, model.String()
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("perception-bench: %w", err)
	}
	path := filepath.Join(f.out, perceptionFile)
	if err := scenarios.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}); err != nil {
		return fmt.Errorf("perception-bench: %w", err)
	}
	fmt.Fprintf(stdout, "%d scenarios (%d failed), %d scored frames each per method and delay, %s delays\n\n",
		rep.Scenarios, rep.Failed, rep.Frames, rep.DelayModel)
	if err := perception.WriteBenchTable(stdout, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", path)
	return nil
}

// parseDelays reads comma-separated milliseconds into seconds.
func parseDelays(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ms, err := strconv.ParseFloat(part, 64)
		if err != nil || !(ms >= 0 && ms <= 10000) {
			return nil, fmt.Errorf("bad delay %q (want milliseconds between 0 and 10000)", part)
		}
		out = append(out, ms/1000)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no delays given")
	}
	return out, nil
}

// perceptionBench runs the benchmark on every item with workers in parallel and merges the counts in suite
// order, so the result does not depend on the number of workers. A scenario that fails to load or run is
// reported on stderr and counted.
func perceptionBench(ctx context.Context, items []eval.Item, cfg perception.BenchConfig, workers int, stderr io.Writer) (perception.BenchReport, error) {
	results := make([]*perception.BenchAccum, len(items))
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sc, _, err := items[i].Load()
				if err == nil {
					results[i], err = perception.BenchScenario(sc, cfg)
				}
				errs[i] = err
			}
		}()
	}
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return perception.BenchReport{}, err
	}
	total := perception.NewBenchAccum(cfg)
	failed := 0
	for i, r := range results {
		if errs[i] != nil {
			failed++
			fmt.Fprintf(stderr, "perception-bench: %s: %v\n", items[i].Key, errs[i])
			continue
		}
		total.Merge(r)
	}
	rep := total.Report()
	rep.Failed = failed
	if failed == len(items) {
		return rep, fmt.Errorf("perception-bench: every scenario failed")
	}
	return rep, nil
}
