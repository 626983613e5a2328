package main

// This file is the only one in the command that imports the simulator, the planners, the metrics and the
// scenario generator: it adapts them to the eval package's Runner and Item.

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"asyncdrive/dynamics"
	"asyncdrive/eval"
	"asyncdrive/llmguide"
	"asyncdrive/metrics"
	"asyncdrive/perception"
	"asyncdrive/planner"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// Defaults of the builtin suite: 14 types x 20 scenarios from seed 1.
const (
	defaultSeed    = gen.DefaultSeed
	defaultPerType = gen.DefaultPerType
)

// spec is one scenario of the generated suite.
type spec = gen.Spec

// scenarioTypes returns the scenario types the generator makes (nuPlan's 14 challenge types).
func scenarioTypes() []string { return gen.Types }

// instructionTypes returns the instruction-dependent scenario types (--suite instructions).
func instructionTypes() []string { return gen.InstructionTypes }

// instructionSuite lists the instruction suite in its canonical order.
func instructionSuite(perType int, seed uint64) []spec { return gen.InstructionSuite(perType, seed) }

// builtinSuite lists the generated suite in its canonical order.
func builtinSuite(perType int, seed uint64) []spec { return gen.Suite(perType, seed) }

// generate makes one scenario of either generated suite.
func generate(s spec) (*scenarios.Scenario, error) {
	sc, err := gen.Generate(s.Type, s.Index, s.Seed)
	if err != nil {
		return nil, fmt.Errorf("generating %s/%03d (seed %d): %w", s.Type, s.Index, s.Seed, err)
	}
	return sc, nil
}

// plannerNames lists the planners --planner accepts.
func plannerNames() []string { return planner.Names() }

// metricNames lists the metrics recorded per scenario, in table order: nuPlan's eight closed-loop score
// metrics, then ego_lane_change (computed and reported, but not part of the score by default: see
// metrics.Weights).
func metricNames() []string { return append(slices.Clone(metrics.Names), metrics.NameLaneChange) }

// runOptions are the settings of an evaluation's runner (the eval flags that shape a simulation).
type runOptions struct {
	planner string // planner name
	agents  string // agent mode
	steps   int    // scored steps per scenario; 0: the scenario's horizon
	// goalOvertime lets a run with a goal go on past the scored horizon until the goal is reached, for up to
	// these seconds or, with autoOvertime, as goalOvertimeSteps says (CommonRoad goals outlast their
	// recordings); the metrics cover the horizon only.
	goalOvertime overtimeFlag
	// recordDir, when set, gets one MCAP run log per scenario (package runlog).
	recordDir string
	// guide, when set, runs the language-model guide (its flags) with sessions from pool.
	guide *guideFlags
	pool  *modelPool
	// perception, when set, makes the planner see a perception stack's tracks instead of the ground truth.
	perception *perceptionFlags
}

// newRunner returns the eval Runner that simulates a scenario with a fresh planner and scores it. The goal,
// when the scenario has one, counts as reached when any frame of the ego's history meets it (its time
// interval included), the overtime frames included.
func newRunner(o runOptions) eval.Runner {
	base := sim.Config{Agents: sim.AgentMode(o.agents), Steps: o.steps}
	return func(ctx context.Context, sc *scenarios.Scenario, goal eval.Goal) (eval.Outcome, error) {
		if err := ctx.Err(); err != nil {
			return eval.Outcome{}, err
		}
		p, err := planner.New(o.planner, sc)
		if err != nil {
			return eval.Outcome{}, err
		}
		cfg := base
		cfg.Vehicle = sc.EgoVehicle()
		if goal != nil && sc.DT > 0 {
			cfg.Overtime = goalOvertimeSteps(sc, o.steps, o.goalOvertime)
		}
		if cfg.Overtime > 0 {
			cfg.Until = func(e dynamics.State) bool { return goal.Reached(e.Time, e.Pose, e.Speed) }
		}
		var guide *llmguide.Guide
		if o.guide != nil {
			m, err := o.pool.get()
			if err != nil {
				return eval.Outcome{}, err
			}
			defer o.pool.put(m)
			if guide, err = llmguide.New(m, sc, o.guide.config()); err != nil {
				return eval.Outcome{}, err
			}
			cfg.Guide = guide
		}
		var percept *perception.Stack
		if o.perception.enabled() {
			if percept, err = o.perception.stack(sc, cfg.Vehicle); err != nil {
				return eval.Outcome{}, err
			}
			cfg.Perception = percept
		}
		var rec *runlog.Recorder
		if o.recordDir != "" {
			if rec, err = runlog.NewRecorder(filepath.Join(o.recordDir, runlogName(sc.ID)), sc, o.planner, o.agents, cfg.Vehicle); err != nil {
				return eval.Outcome{}, err
			}
			if guide != nil {
				rec.Guide = guide
			}
			if percept != nil {
				rec.Perception = perceptionSource{percept}
			}
			cfg.Observers = append(slices.Clip(cfg.Observers), rec)
		}
		res, err := sim.Run(sc, p, cfg)
		if rec != nil {
			if cerr := rec.Close(err); cerr != nil && err == nil {
				err = cerr
			}
		}
		if err != nil {
			return eval.Outcome{}, err
		}
		names := metricNames()
		m := make(map[string]float64, len(names))
		for _, name := range names {
			m[name] = res.Metrics.Value(name)
		}
		out := eval.Outcome{Metrics: m, Score: res.Metrics.Score, PlannerMS: res.PlannerMS}
		if guide != nil {
			st := guide.Stats()
			out.Guide = &eval.GuideOutcome{Calls: st.Calls, Errors: st.Errors, InferMS: st.InferMS}
		}
		out.LeftMapS = leftMapTime(res)
		out.AtFaultCollisions = res.Metrics.AtFaultTotal() + res.UnscoredAtFaultCollisions
		if out.CollisionUnavoidable, err = unavoidableCollision(sc, cfg, res); err != nil {
			return eval.Outcome{}, err
		}
		for _, v := range res.Metrics.Comfort.Violations(metrics.DefaultComfortBounds) {
			if out.Uncomfortable == nil {
				out.Uncomfortable = map[string]float64{}
			}
			out.Uncomfortable[v.Name] = v.Value
		}
		if goal != nil {
			reached := goalReached(goal, goalHistory(res))
			out.GoalReached = &reached
			if gm, ok := goal.(eval.GoalMisser); ok && !reached {
				m := gm.Miss(goalSamples(goalHistory(res)))
				out.GoalMiss = &m
			}
		}
		// Instructions that give the mission (instruction scenarios); elsewhere they only describe the route.
		if sc.RouteShown > 0 {
			if io := gen.CheckInstructions(sc, res.Ego[:res.ScoredFrames]); io.Checked {
				out.InstructionFollowed = &io.Followed
			}
		}
		return out, nil
	}
}

// unavoidableCollision says why the first at-fault collision in a run's scored frames is the scenario's, not
// the planner's (sim.UnavoidableCollision): "" when braking could have avoided it, or there is none.
func unavoidableCollision(sc *scenarios.Scenario, cfg sim.Config, res *sim.Result) (string, error) {
	for _, col := range res.Metrics.CollisionList() {
		if !col.AtFault {
			continue
		}
		t, ok, err := sim.UnavoidableCollision(sc, cfg, col.ObjectID)
		if err != nil || !ok {
			return "", err
		}
		return fmt.Sprintf("braking at %g m/s^2 from the start, the ego still meets %s at %.1f s, moving", sim.HardBrakeDecel, col.ObjectID, t), nil
	}
	return "", nil
}

// runlogName is the run log's file name for a scenario id: the id with path separators and other
// characters that are awkward in file names replaced, plus ".mcap".
func runlogName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b) + ".mcap"
}

// minAutoOvertime and maxAutoOvertime (s) bound --goal-overtime auto.
const minAutoOvertime, maxAutoOvertime = 5.0, 60.0

// goalOvertimeSteps returns how many steps a run of sc with a goal may go on after its scored horizon (steps,
// or 0 for the scenario's own) to reach the goal: the seconds given, or for autoOvertime at least
// minAutoOvertime and on while the scenario's recorded road users last (the end of its last track: the
// scene it records), at most maxAutoOvertime. A CommonRoad goal's interval usually outlasts both, and
// commonroad-io accepts a goal met anywhere in it; the traffic's end keeps the ego among recorded road users.
func goalOvertimeSteps(sc *scenarios.Scenario, steps int, o overtimeFlag) int {
	if o != autoOvertime {
		return int(math.Round(float64(o) / sc.DT))
	}
	if steps <= 0 {
		steps = int(math.Round(sc.Horizon / sc.DT))
	}
	last := 0 // the last frame any recorded road user is there
	for i := range sc.Tracks {
		last = max(last, sc.Tracks[i].Start+len(sc.Tracks[i].States)-1)
	}
	return min(max(int(math.Round(minAutoOvertime/sc.DT)), last-steps), int(math.Round(maxAutoOvertime/sc.DT)))
}

// goalHistory is the part of a run in which its goal counts: all of it, or, after an at-fault collision in
// the frames the metrics do not cover (the goal's overtime), the frames before it: a goal reached only after
// such a crash was not reached.
func goalHistory(res *sim.Result) []dynamics.State {
	if f := res.FirstUnscoredAtFault; f >= 0 && f < len(res.Ego) {
		return res.Ego[:f]
	}
	return res.Ego
}

// goalReached reports whether any state of the ego's history meets the goal.
func goalReached(goal eval.Goal, ego []dynamics.State) bool {
	for _, e := range ego {
		if goal.Reached(e.Time, e.Pose, e.Speed) {
			return true
		}
	}
	return false
}

// goalSamples is the ego's history as the CommonRoad goal test reads it.
func goalSamples(ego []dynamics.State) []commonroad.Sample {
	run := make([]commonroad.Sample, len(ego))
	for i, e := range ego {
		run[i] = commonroad.Sample{T: e.Time, Pose: e.Pose, Speed: e.Speed}
	}
	return run
}

// simJob is one simulation of the sim command.
type simJob struct {
	sc      *scenarios.Scenario
	goal    eval.Goal
	planner string
	agents  string
	record  string // run log path, "" for none
	guide   *guideFlags
	// operator, when set, brings live operator commands to the guide (the viewer's keys).
	operator *llmguide.Operator
	// trace, when set, prints the run tick by tick (sim --trace).
	trace *traceObserver
}

// simOutcome is a finished simJob.
type simOutcome struct {
	score      float64
	collisions int // at-fault collisions over the whole run, the unscored frames included
	// unavoidable says why the first at-fault collision is the scenario's (unavoidableCollision); "" if not.
	unavoidable string
	// unscoredCollisions of them came after the scored frames (goal overtime), the first at unscoredAt (s).
	unscoredCollisions int
	unscoredAt         float64
	goal               *bool
	metrics            map[string]float64
	record             string
	ego                []dynamics.State // the ego's history, overtime included, up to an unscored at-fault collision (goalHistory)
	leftMapS           *float64         // when the ego drove off the map through an open lane end (leftMapTime)
	// uncomfortable: the comfort quantities outside their bounds (metrics.ComfortResult.Violations).
	uncomfortable []metrics.ComfortViolation
	// minTTC (s) is the run's smallest time to collision, at minTTCAt (s) to object minTTCWith.
	minTTC, minTTCAt float64
	minTTCWith       string
}

// leftMapTime returns the time at which the run's ego drove off the map through the open end of a lane,
// where its scoring ended (sim.Result.LeftMap), or nil.
func leftMapTime(res *sim.Result) *float64 {
	if res.LeftMap <= 0 || res.LeftMap >= len(res.Ego) {
		return nil
	}
	t := res.Ego[res.LeftMap].Time
	return &t
}

// run simulates the job; live, when set, gets every step's frame (a viewer's feed; an error stops the run).
func (j simJob) run(ctx context.Context, live func(*runlog.Frame) error) (simOutcome, error) {
	p, err := planner.New(j.planner, j.sc)
	if err != nil {
		return simOutcome{}, err
	}
	cfg := sim.Config{Agents: sim.AgentMode(j.agents), Vehicle: j.sc.EgoVehicle()}
	if j.goal != nil && j.sc.DT > 0 {
		cfg.Overtime = goalOvertimeSteps(j.sc, 0, autoOvertime)
	}
	if cfg.Overtime > 0 {
		cfg.Until = func(e dynamics.State) bool { return j.goal.Reached(e.Time, e.Pose, e.Speed) }
	}
	var guide *llmguide.Guide
	if j.guide != nil {
		m, err := j.guide.open()
		if err != nil {
			return simOutcome{}, fmt.Errorf("--guide: %w", err)
		}
		defer m.Close()
		gcfg := j.guide.config()
		gcfg.Operator = j.operator
		if guide, err = llmguide.New(m, j.sc, gcfg); err != nil {
			return simOutcome{}, err
		}
		cfg.Guide = guide
	}
	if live != nil {
		conv := runlog.NewConverter(j.sc, cfg.Vehicle)
		if guide != nil {
			conv.Guide = guide
		}
		cfg.Observers = append(cfg.Observers, runlog.FrameFunc{Conv: conv, Fn: func(f *runlog.Frame) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return live(f)
		}})
	}
	if j.trace != nil {
		cfg.Observers = append(cfg.Observers, j.trace)
	}
	var rec *runlog.Recorder
	if j.record != "" {
		if rec, err = runlog.NewRecorder(j.record, j.sc, j.planner, j.agents, cfg.Vehicle); err != nil {
			return simOutcome{}, err
		}
		if guide != nil {
			rec.Guide = guide
		}
		cfg.Observers = append(cfg.Observers, rec)
	}
	res, err := sim.Run(j.sc, p, cfg)
	if rec != nil {
		if cerr := rec.Close(err); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return simOutcome{}, err
	}
	out := simOutcome{score: res.Metrics.Score, metrics: map[string]float64{}, record: j.record, ego: goalHistory(res), leftMapS: leftMapTime(res),
		uncomfortable: res.Metrics.Comfort.Violations(metrics.DefaultComfortBounds), minTTC: res.Metrics.MinTTC, minTTCWith: res.Metrics.MinTTCObject}
	if f := res.Metrics.MinTTCFrame; f >= 0 && f < len(res.Ego) {
		out.minTTCAt = res.Ego[f].Time
	}
	for _, name := range metricNames() {
		out.metrics[name] = res.Metrics.Value(name)
	}
	out.collisions = res.Metrics.AtFaultTotal() + res.UnscoredAtFaultCollisions
	if out.unavoidable, err = unavoidableCollision(j.sc, cfg, res); err != nil {
		return simOutcome{}, err
	}
	if out.unscoredCollisions = res.UnscoredAtFaultCollisions; out.unscoredCollisions > 0 {
		out.unscoredAt = res.Ego[res.FirstUnscoredAtFault].Time
	}
	if j.goal != nil {
		reached := goalReached(j.goal, goalHistory(res))
		out.goal = &reached
	}
	return out, nil
}
