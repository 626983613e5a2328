package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"asyncdrive/eval"
	"asyncdrive/llmguide"
	"asyncdrive/metrics"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
	"asyncdrive/viz"
)

func simHelp() string {
	return `usage: asyncdrive sim --planner NAME (--scenario TYPE/INDEX | --file PATH) [--agents A] [--view] [--record FILE]
                      [--guide builtin [--instruction "change to the left lane"] ...]

Simulates one scenario in closed loop and prints its scores. --scenario picks one of the builtin suite or
of the instruction suite (TYPE/INDEX, e.g. starting_left_turn/3 or instruction_route_branch/0, with --seed);
--file reads a scenario file or a CommonRoad XML file.
--trace N prints every N-th planner tick: the ego's state, what the planner decided (PDM: mode, path, target
speed, score, time to collision, eased), the nearest road user in the ego's way, where the ego is against the
expert (metres ahead + or behind - of where the expert was at that time, along the expert's drive, and the
expert's speed then) and whether the goal is met.
For a CommonRoad file whose goal the run misses (any goal, with --trace), it says how the run fared against
each goal state: when it was in the goal's region, and whether it came early, late, or with the heading or
speed outside their intervals, or how near the region it came; and when no driver could have met the goal
within the posted limits (the goal is unreachable), why.
--proposals T1,T2,... prints, at the first planner tick at or after each time, every proposal the planner
weighed (PDM: path, offset, target speed) with the terms of its score: the multiplier metrics (at-fault
collision and when, drivable area, driving direction), progress, time to collision, comfort, the weight of
its lane, and the gap to and speed of what its IDM follows.
--view follows the simulation live in the OpenGL viewer, at --pace times real time; --record writes the run
log (view it later with asyncdrive view). With --view and --guide, keys 1 to 7 send operator commands to the
guide ("change to the left lane", "change to the right lane", "drive slowly", "keep going", "stop", "stop at
the pickup zone", and back to the route's instructions); the guide reads each from its next run on (H lists them).

`
}

type simFlags struct {
	planner  string
	agents   string
	scenario string
	file     string
	seed     uint64
	view     bool
	record   string
	pace     float64
	trace    int
	props    string
	guide    guideFlags
	viewFlags
}

func (s *simFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&s.planner, "planner", "", "planner `name` (required): "+strings.Join(plannerNames(), ", "))
	fs.StringVar(&s.agents, "agents", "nonreactive", "other agents: nonreactive (log replay), reactive (IDM) or reactive_nuplan (IDM exactly as nuPlan's)")
	fs.StringVar(&s.scenario, "scenario", "", "builtin scenario `TYPE/INDEX`")
	fs.StringVar(&s.file, "file", "", "scenario `file` (asyncdrive JSON or CommonRoad XML)")
	fs.Uint64Var(&s.seed, "seed", defaultSeed, "seed of the builtin suite")
	fs.BoolVar(&s.view, "view", false, "follow the simulation live in the OpenGL viewer")
	fs.StringVar(&s.record, "record", "", "write the run log to this MCAP `file`")
	fs.IntVar(&s.trace, "trace", 0, "print a line every `N` planner ticks: the ego's state, the planner's decision, the road user ahead, the goal (0: none)")
	fs.StringVar(&s.props, "proposals", "", "print the planner's proposals and the terms of their scores at these simulated `times` (s, comma-separated)")
	s.guide.define(fs)
	fs.Float64Var(&s.pace, "pace", 1, "with --view: simulated seconds per wall-clock second (0: as fast as it goes)")
	fs.IntVar(&s.width, "width", 1280, "window width, pixels")
	fs.IntVar(&s.height, "height", 720, "window height, pixels")
	fs.Float64Var(&s.zoom, "zoom", 8, "initial zoom, pixels per metre")
}

// item resolves the scenario flags to an eval item.
func (s *simFlags) item() (eval.Item, error) {
	switch {
	case (s.scenario == "") == (s.file == ""):
		return eval.Item{}, usagef("sim", "give --scenario TYPE/INDEX or --file PATH (one of them)")
	case s.file != "":
		it, err := eval.FileItem(s.file)
		if err != nil {
			return eval.Item{}, usagef("sim", "--file: %v", err)
		}
		return it, nil
	}
	typ, idx, ok := strings.Cut(s.scenario, "/")
	n, err := strconv.Atoi(idx)
	if !ok || err != nil || n < 0 {
		if _, statErr := os.Stat(s.scenario); statErr == nil {
			return eval.Item{}, usagef("sim", "--scenario takes a builtin TYPE/INDEX; %q is a file: use --file %s", s.scenario, s.scenario)
		}
		return eval.Item{}, usagef("sim", "--scenario must be TYPE/INDEX, e.g. starting_left_turn/3; got %q", s.scenario)
	}
	if err := checkChoice("sim", "scenario type", typ, append(slices.Clip(scenarioTypes()), instructionTypes()...)); err != nil {
		return eval.Item{}, err
	}
	return builtinItems([]spec{{Type: typ, Index: n, Seed: s.seed}})[0], nil
}

func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	var s simFlags
	s.define(fs)
	pos, err := parseFlags(fs, simHelp(), args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("sim", "unexpected argument %q (flags take the form --name value)", pos[0])
	}
	if err := checkChoice("sim", "planner", s.planner, plannerNames()); err != nil {
		return err
	}
	if err := checkChoice("sim", "agents", s.agents, agentModes); err != nil {
		return err
	}
	if !(s.pace >= 0) {
		return usagef("sim", "--pace must be >= 0")
	}
	if s.trace < 0 {
		return usagef("sim", "--trace must be >= 0 (ticks between lines; 0: no trace)")
	}
	propsAt, err := parseTimes(s.props)
	if err != nil {
		return usagef("sim", "--proposals: %v", err)
	}
	if err := s.guide.check("sim", nil); err != nil {
		return err
	}
	it, err := s.item()
	if err != nil {
		return err
	}
	o, err := s.options("asyncdrive sim " + it.Key)
	if err != nil {
		return err
	}
	if s.view && !viz.Available {
		return viz.ErrNoCGO
	}
	// A CommonRoad file is imported here, not by the item, to keep its goal for explainGoal.
	var crGoal *commonroad.Goal
	var sc *scenarios.Scenario
	var goal eval.Goal
	if s.file != "" && commonroad.IsFile(s.file) {
		res, err := commonroad.Import(s.file)
		if err != nil {
			return err
		}
		sc, goal, crGoal = res.Scenario, eval.CommonRoadGoal(&res.Goal), &res.Goal
		for _, n := range res.Report.Notes {
			fmt.Fprintf(stdout, "import: %s\n", n)
		}
	} else if sc, goal, err = it.Load(); err != nil {
		return err
	}
	job := simJob{sc: sc, goal: goal, planner: s.planner, agents: s.agents, record: s.record}
	if s.trace > 0 || len(propsAt) > 0 {
		job.trace = &traceObserver{w: stdout, every: s.trace, at: propsAt, vehicle: sc.EgoVehicle(), goal: goal,
			expert: newExpertTrack(sc.Expert, sc.DT)}
	}
	if s.guide.guide != "" {
		job.guide = &s.guide
	}
	if !s.view {
		out, err := job.run(ctx, nil)
		if err != nil {
			return err
		}
		out.print(stdout, sc)
		s.explainGoal(stdout, crGoal, out)
		return nil
	}
	// The viewer owns this (the main) goroutine; the simulation runs beside it, paced.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	frames := make(chan runlog.Frame, 64)
	type result struct {
		out simOutcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		out, err := job.run(ctx, func(f *runlog.Frame) error {
			if s.pace > 0 {
				if wait := time.Until(start.Add(time.Duration(f.T / s.pace * float64(time.Second)))); wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
						return ctx.Err()
					}
				}
			}
			select {
			case frames <- *f:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(frames)
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "asyncdrive sim: the simulation stopped: %v (close the viewer to exit)\n", err)
		}
		done <- result{out, err}
	}()
	if job.guide != nil {
		// Operator commands from the viewer's keys to the guide.
		job.operator = &llmguide.Operator{}
		o.Commands, o.OnCommand = llmguide.OperatorCommands, job.operator.Send
	}
	o.Route = viz.Route{Roadblocks: sc.Route}
	if sc.Goal.IsFinite() {
		o.Route.Goal, o.Route.GoalSpan = &sc.Goal, sc.GoalSpan
	}
	verr := viz.Live(runlog.NewHeader(sc, s.planner, s.agents, sc.EgoVehicle()), &sc.Map, frames, o)
	cancel()
	r := <-done
	if verr != nil {
		return verr
	}
	if r.err != nil {
		if errors.Is(r.err, context.Canceled) {
			fmt.Fprintln(stderr, "asyncdrive sim: the viewer was closed before the run ended")
			return nil
		}
		return r.err
	}
	r.out.print(stdout, sc)
	s.explainGoal(stdout, crGoal, r.out)
	return nil
}

// explainGoal says, for a CommonRoad goal g (nil: none) that the run missed (or any, with --trace), how the
// run fared against each goal state (commonroad.Goal.Explain), and whether any driver could have met it
// (commonroad.Goal.Unreachable).
func (s *simFlags) explainGoal(w io.Writer, g *commonroad.Goal, out simOutcome) {
	if g == nil || out.goal == nil || (*out.goal && s.trace == 0) {
		return
	}
	for _, line := range g.Explain(goalSamples(out.ego)) {
		fmt.Fprintln(w, line)
	}
	if u := g.Unreachable(); u != "" {
		fmt.Fprintf(w, "the goal is unreachable: %s\n", u)
	}
}

// print writes a finished run's scores.
func (o simOutcome) print(w io.Writer, sc *scenarios.Scenario) {
	fmt.Fprintf(w, "%s: CLS %.2f, %d at-fault collisions", sc.ID, 100*o.score, o.collisions)
	if o.goal != nil {
		fmt.Fprintf(w, ", goal reached %v", *o.goal)
	}
	fmt.Fprintln(w)
	if len(sc.Flags) > 0 {
		fmt.Fprintf(w, "  flagged on import: %s\n", strings.Join(sc.Flags, ", "))
	}
	if o.unavoidable != "" {
		fmt.Fprintf(w, "  the first at-fault collision is the scenario's: %s\n", o.unavoidable)
	}
	if o.unscoredCollisions > 0 {
		fmt.Fprintf(w, "  %d of the at-fault collisions came after the scored horizon (the goal's overtime), the first at %.1f s; the goal counts only before it\n",
			o.unscoredCollisions, o.unscoredAt)
	}
	if o.leftMapS != nil {
		fmt.Fprintf(w, "  the ego drove off the map through the open end of its lane at %.1f s; the metrics cover the run up to then\n", *o.leftMapS)
	}
	for _, name := range metricNames() {
		fmt.Fprintf(w, "  %-36s %.4f\n", name, o.metrics[name])
	}
	if o.metrics[metrics.NameTimeToCollisionWithinBound] < 1 && !math.IsInf(o.minTTC, 1) {
		fmt.Fprintf(w, "  time to collision %.1f s at %.1f s, to %s (nuPlan's bound %.2f s)\n", o.minTTC, o.minTTCAt, o.minTTCWith, metrics.DefaultParams().TTCLeastMin)
	}
	for _, v := range o.uncomfortable {
		at := ""
		if v.Frame >= 0 && v.Frame < len(o.ego) {
			at = fmt.Sprintf(" at %.1f s", o.ego[v.Frame].Time)
		}
		fmt.Fprintf(w, "  uncomfortable: %s %.3f%s, outside its bound %.2f\n", v.Name, v.Value, at, v.Bound)
	}
	if o.record != "" {
		fmt.Fprintf(w, "wrote %s\n", o.record)
	}
}

// parseTimes parses a comma-separated list of times in seconds ("" gives none) into ascending order.
func parseTimes(list string) ([]float64, error) {
	var ts []float64
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("%q is not a time in seconds >= 0", f)
		}
		ts = append(ts, v)
	}
	slices.Sort(ts)
	return ts, nil
}
