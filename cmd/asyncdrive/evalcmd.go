package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"asyncdrive/eval"
	"asyncdrive/scenarios"
)

func evalHelp() string {
	return evalHelpText + "planners: " + strings.Join(plannerNames(), ", ") + "\n" +
		"agents: " + strings.Join(agentModes, ", ") + "\n\nflags:\n"
}

const evalHelpText = `usage: asyncdrive eval --planner NAME [--agents nonreactive|reactive] [--scenarios DIR|builtin]
                       [--out DIR] [--workers N] [--suite nuplan|instructions] [--per-type N] [--seed S]
                       [--types a,b] [--steps N]
                       [--shard I/N | --shards N] [--retry-failed] [--match PATTERNS] [--failed-in DIR]
                       [--cpuprofile FILE]

Simulates every scenario in closed loop with the planner, scores it with nuPlan's metrics and writes
DIR/results.jsonl (one line per scenario) and DIR/summary.json, then prints the score table. Results are
identical whatever --workers is. Re-running into the same DIR resumes: finished scenarios are skipped.
--shard I/N evaluates scenarios k with k mod N = I; --shards N takes I from JOB_COMPLETION_INDEX
(Kubernetes Indexed Jobs). Combine shards with "asyncdrive merge". --match and --failed-in narrow the
scenarios first (both: those that pass both), for working on a few runs: evaluate the failures of a run
again after a change, then compare with "asyncdrive report --diff". --cpuprofile writes a CPU profile of the
whole run (scenario loading and generation, simulation, planner, metrics) for go tool pprof.

examples:
  asyncdrive eval --planner idm --agents reactive
  asyncdrive eval --planner log_replay --scenarios scenarios/ --out out/expert-files
  asyncdrive eval --planner idm --per-type 2 --types changing_lane --out /tmp/quick
  asyncdrive eval --planner pdm --suite instructions --out out/pdm-instructions
  asyncdrive eval --planner idm --shard 1/4 --out out/idm/shard-1
  asyncdrive eval --planner pdm --scenarios ../shared/data/commonroad --match 'SinD/*' --out out/sind
  asyncdrive eval --planner pdm --scenarios ../shared/data/commonroad --failed-in out/sind --out out/sind-fix

`

type evalFlags struct {
	scenarios string
	planner   string
	agents    string
	workers   int
	out       string
	suiteFlags
	steps        int
	goalOvertime overtimeFlag
	record       string
	guide        guideFlags
	perception   perceptionFlags
	shard        string
	shards       int
	retryFailed  bool
	match        string
	failedIn     string
	cpuProfile   string
	notes        []string // what config has to tell the user (printed by runEval)
}

func (e *evalFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&e.scenarios, "scenarios", "builtin", "scenario `folder` (searched recursively), or builtin for the generated suite")
	fs.StringVar(&e.planner, "planner", "", "planner `name` (required): "+strings.Join(plannerNames(), ", "))
	fs.StringVar(&e.agents, "agents", "nonreactive", "other agents: nonreactive (log replay), reactive (IDM) or reactive_nuplan (IDM exactly as nuPlan's)")
	fs.IntVar(&e.workers, "workers", runtime.NumCPU(), "scenarios simulated in parallel")
	fs.StringVar(&e.out, "out", "", "output `folder` (default out/PLANNER-AGENTS, with -shard-I-of-N for a shard)")
	e.suiteFlags.define(fs, "builtin suite: ")
	fs.IntVar(&e.steps, "steps", 0, "simulation steps per scenario (0: the scenario's own horizon, 150 = 15 s)")
	e.goalOvertime = autoOvertime
	fs.Var(&e.goalOvertime, "goal-overtime", "for scenarios with a goal (CommonRoad): go on after the scored horizon until the goal is reached, for up to `SECONDS`, or auto: at least 5 s and while the scenario's recorded road users last, at most 60 s (the metrics cover the horizon only; 0: stop at the horizon)")
	e.guide.define(fs)
	e.perception.define(fs)
	fs.StringVar(&e.record, "record", "", "write one MCAP run log per scenario into `DIR` (asyncdrive view, Foxglove)")
	fs.StringVar(&e.shard, "shard", "", "evaluate only shard `I/N` of the suite")
	fs.IntVar(&e.shards, "shards", 0, "evaluate shard JOB_COMPLETION_INDEX of `N` shards")
	fs.BoolVar(&e.retryFailed, "retry-failed", false, "when resuming, run the scenarios that failed before again")
	fs.StringVar(&e.match, "match", "", "evaluate only the scenarios whose key (TYPE/NNN, or the file's path under --scenarios) or file name matches one of these comma-separated `patterns` (* ? [...]; e.g. 'SinD/*,*US101-13_3*')")
	fs.StringVar(&e.failedIn, "failed-in", "", "evaluate only the scenarios that failed in the finished evaluation in `DIR`: an at-fault collision, a missed goal or an error")
	fs.StringVar(&e.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole evaluation to `FILE` (go tool pprof bin/asyncdrive FILE)")
}

// overtimeFlag is --goal-overtime: seconds >= 0, or autoOvertime.
type overtimeFlag float64

// autoOvertime stands for --goal-overtime auto (goalOvertimeSteps).
const autoOvertime overtimeFlag = -1

// String returns "auto" or the seconds.
func (o *overtimeFlag) String() string {
	if *o == autoOvertime {
		return "auto"
	}
	return strconv.FormatFloat(float64(*o), 'g', -1, 64)
}

// Set reads "auto" or seconds in [0, 600].
func (o *overtimeFlag) Set(s string) error {
	if s == "auto" {
		*o = autoOvertime
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0 && v <= 600) {
		return fmt.Errorf("want auto or seconds between 0 and 600, got %q", s)
	}
	*o = overtimeFlag(v)
	return nil
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var f evalFlags
	f.define(fs)
	pos, err := parseFlags(fs, evalHelp(), args, stdout)
	if err != nil {
		return err
	}
	cfg, err := f.config(fs, pos, os.Getenv)
	if err != nil {
		return err
	}
	cfg.Workers = f.workers
	for _, n := range f.notes {
		fmt.Fprintln(stderr, "eval: "+n)
	}
	if f.record != "" {
		if err := os.MkdirAll(f.record, 0o755); err != nil {
			return fmt.Errorf("eval: --record: %w", err)
		}
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile, stderr)
		if err != nil {
			return fmt.Errorf("eval: --cpuprofile: %w", err)
		}
		defer stop()
	}

	var bar *eval.Bar
	if eval.ShowProgress(os.Stderr) {
		bar = eval.NewBar(os.Stderr, cfg.Planner+"/"+cfg.Agents)
		cfg.Progress = bar.Set
	}
	ro := runOptions{
		planner: cfg.Planner, agents: cfg.Agents, steps: f.steps, goalOvertime: f.goalOvertime, recordDir: f.record,
	}
	if f.perception.enabled() {
		ro.perception = &f.perception
	}
	if f.guide.guide != "" {
		// Open one session now, so that a missing library or a bad model fails before the run starts.
		m, err := f.guide.open()
		if err != nil {
			return fmt.Errorf("eval: --guide: %w", err)
		}
		ro.guide, ro.pool = &f.guide, newModelPool(f.guide.open, cfg.Workers)
		ro.pool.put(m)
	}
	s, err := eval.Run(ctx, cfg, newRunner(ro))
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if err := eval.WriteTable(stdout, s, metricNames()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s (records under %s/)\n",
		filepath.Join(cfg.Out, eval.ResultsFile), filepath.Join(cfg.Out, eval.SummaryFile), filepath.Join(cfg.Out, eval.ResultsDir))
	return nil
}

// config checks the flags and builds the run's configuration (Workers and Progress are left to the caller).
func (f *evalFlags) config(fs *flag.FlagSet, pos []string, getenv func(string) string) (eval.Config, error) {
	var cfg eval.Config
	switch {
	case len(pos) > 0:
		return cfg, usagef("eval", "unexpected argument %q (flags take the form --name value)", pos[0])
	case f.workers < 1:
		return cfg, usagef("eval", "--workers must be at least 1, got %d", f.workers)
	case f.steps < 0:
		return cfg, usagef("eval", "--steps must be >= 0, got %d", f.steps)
	case f.shard != "" && isSet(fs, "shards"):
		return cfg, usagef("eval", "give --shard I/N or --shards N, not both")
	}
	if err := checkChoice("eval", "planner", f.planner, plannerNames()); err != nil {
		return cfg, err
	}
	if err := checkChoice("eval", "agents", f.agents, agentModes); err != nil {
		return cfg, err
	}
	shard, err := eval.ParseShard(f.shard)
	if err != nil {
		return cfg, usagef("eval", "--shard: %v", err)
	}
	if isSet(fs, "shards") {
		if f.shards < 1 {
			return cfg, usagef("eval", "--shards must be at least 1, got %d", f.shards)
		}
		if shard, err = eval.ShardFromEnv(f.shards, getenv); err != nil {
			return cfg, usagef("eval", "%v", err)
		}
	}

	options := map[string]string{"steps": strconv.Itoa(f.steps)}
	if err := f.guide.check("eval", options); err != nil {
		return cfg, err
	}
	if err := f.perception.check("eval", options); err != nil {
		return cfg, err
	}
	if f.scenarios == "builtin" {
		specs, types, err := f.specs("eval")
		if err != nil {
			return cfg, err
		}
		options["per_type"] = strconv.Itoa(f.perType)
		options["seed"] = strconv.FormatUint(f.seed, 10)
		if f.suite != suiteNuPlan {
			options["suite"] = f.suite
		}
		if len(types) > 0 {
			options["types"] = strings.Join(types, ",")
		}
		cfg.Items = builtinItems(specs)
	} else {
		for _, name := range []string{"suite", "per-type", "seed", "types"} {
			if isSet(fs, name) {
				return cfg, usagef("eval", "--%s applies to --scenarios builtin only", name)
			}
		}
		items, err := eval.FolderItems(f.scenarios)
		if err != nil {
			return cfg, usagef("eval", "--scenarios: %v", err)
		}
		cfg.Items = items
		options["goal_overtime_s"] = f.goalOvertime.String()
	}
	if len(cfg.Items) == 0 {
		return cfg, usagef("eval", "no scenarios to evaluate")
	}
	if err := f.selectItems(&cfg, options); err != nil {
		return cfg, err
	}

	out := f.out
	if out == "" {
		out = filepath.Join("out", f.planner+"-"+f.agents)
		if !shard.Whole() {
			out += fmt.Sprintf("-shard-%d-of-%d", shard.I, shard.N)
		}
	}
	cfg.Planner, cfg.Agents, cfg.Scenarios, cfg.Options = f.planner, f.agents, f.scenarios, options
	cfg.Shard, cfg.Out, cfg.RetryFailed = shard, out, f.retryFailed
	return cfg, nil
}

// selectItems narrows cfg.Items to --match and --failed-in, recording both in options (run.json).
func (f *evalFlags) selectItems(cfg *eval.Config, options map[string]string) error {
	all := len(cfg.Items)
	if f.match != "" {
		pats, err := eval.ParseMatch(f.match)
		if err != nil {
			return usagef("eval", "--match: %v", err)
		}
		cfg.Items = eval.SelectItems(cfg.Items, func(k string) bool { return eval.MatchKey(k, pats) })
		options["match"] = strings.Join(pats, ",")
		if len(cfg.Items) == 0 {
			return usagef("eval", "--match %s: none of the %d scenarios matches", f.match, all)
		}
	}
	if f.failedIn != "" {
		recs, err := eval.ReadResults(filepath.Join(f.failedIn, eval.ResultsFile))
		if err != nil {
			return usagef("eval", "--failed-in: %v (is %s a finished eval output folder?)", err, f.failedIn)
		}
		failed := eval.FailedKeys(recs)
		if len(failed) == 0 {
			return usagef("eval", "--failed-in %s: no scenario failed there (of %d)", f.failedIn, len(recs))
		}
		cfg.Items = eval.SelectItems(cfg.Items, func(k string) bool { return failed[k] })
		options["failed_in"] = f.failedIn
		if len(cfg.Items) == 0 {
			return usagef("eval", "--failed-in %s: none of its %d failed scenarios is among the %d to evaluate here (another suite or folder?)",
				f.failedIn, len(failed), all)
		}
		if f.match == "" && len(cfg.Items) < len(failed) {
			f.notes = append(f.notes, fmt.Sprintf("--failed-in %s: %d of its %d failed scenarios are not among the scenarios here, and are left out",
				f.failedIn, len(failed)-len(cfg.Items), len(failed)))
		}
	}
	return nil
}

// builtinItems turns generator specs into eval items: each scenario is generated inside the worker that
// runs it. Keys are "type/NNN".
func builtinItems(specs []spec) []eval.Item {
	items := make([]eval.Item, len(specs))
	for i, sp := range specs {
		items[i] = eval.Item{
			Key: fmt.Sprintf("%s/%03d", sp.Type, sp.Index), Type: sp.Type, Source: "builtin",
			Load: func() (*scenarios.Scenario, eval.Goal, error) {
				sc, err := generate(sp)
				return sc, nil, err // generated scenarios have no goal description: goal_reached is null
			},
		}
	}
	return items
}
