package sim

import (
	"errors"
	"fmt"
	"math"
	"time"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Config sets up one closed-loop simulation.
type Config struct {
	Agents  AgentMode              // NonReactive (default), Reactive or ReactiveNuPlan
	Steps   int                    // number of 0.1 s steps; 0 means the scenario's horizon
	Vehicle dynamics.VehicleParams // ego vehicle; zero means the scenario's (Scenario.EgoVehicle)

	// Perception, when set, makes what the planner observes (metrics still use the ground truth); nil: the
	// planner sees the ground truth.
	Perception Perception
	// Guide, when set, supplies the planner's guidance at every tick; nil: unguided.
	Guide Guide
	// Observers see every finished step (run recorders, live viewers).
	Observers []StepObserver

	// Overtime lets the run go on past the scored horizon, for up to this many steps, until Until reports
	// true for an ego state (or not at all when Until is nil or has been true for any earlier state, frame 0
	// included). It serves goals whose time interval outlasts the recording, as CommonRoad's do: metrics
	// cover the scored horizon only, and recorded road users whose logs end leave the scene.
	Overtime int
	Until    func(ego dynamics.State) bool
}

// Result is a finished simulation: the metric scores, the per-call planner runtimes and the full history.
type Result struct {
	Metrics   metrics.Result
	PlannerMS []float64 // wall-clock runtime of each ComputeTrajectory call, ms
	// History, one entry per frame (Steps+1 frames, frame 0 = start).
	Ego []dynamics.State
	// Objects are the ground truth. Ego and Objects include the overtime frames after the first
	// ScoredFrames, which the metrics do not cover.
	Objects      [][]scenarios.Object
	ScoredFrames int
	// LeftMap is the frame at which the ego drove off the map through the open end of a lane, where the
	// recorded map was cut (scenarios.MapIndex.OpenEnd): the first with the centre of its footprint past the
	// end. The map describes nothing beyond, so the metrics stop there: ScoredFrames ends before it. The run
	// goes on as before (the goal, overtime). 0 when it stayed on the map inside the scored horizon.
	LeftMap int
	// UnscoredAtFaultCollisions counts the ego's at-fault collisions (nuPlan's classification, as the metrics
	// count them) in the frames after ScoredFrames: the goal's overtime, or past an open map end. The
	// metrics do not cover those frames. FirstUnscoredAtFault is the first such collision's frame, -1 when
	// there is none: a goal met only from there on was met after a crash.
	UnscoredAtFaultCollisions int
	FirstUnscoredAtFault      int
	// Observed holds what the planner observed at each frame when Config.Perception was set; nil otherwise
	// (the planner observed Objects).
	Observed [][]scenarios.Object
	Plans    []dynamics.Trajectory // the trajectory returned at each iteration (Steps entries)
}

// Simulation is a closed-loop run of one planner on one scenario in virtual time. Use Run for a whole
// scenario, or Step to advance it one period at a time (the live viewer does).
type Simulation struct {
	sc       *scenarios.Scenario
	mx       *scenarios.MapIndex
	planner  planner.Planner
	cfg      Config
	dt       float64
	steps    int // scored steps
	overtime int // further steps allowed while cfg.Until is false
	ctrl     *dynamics.Controller
	reactive *reactiveAgents // Reactive
	nuplan   *nuplanAgents   // ReactiveNuPlan
	queue    EventQueue

	iter int
	// leftMap is the frame of the horizon at which the ego drove off the map through the open end of a lane
	// (0: it has not); the frames before it are scored.
	leftMap  int
	untilMet bool // cfg.Until has been true for an ego state
	ego      []dynamics.State
	objects  [][]scenarios.Object // ground truth, one entry per frame
	// observed is what the planner sees, one entry per frame (Config.Perception set); nil: objects.
	observed [][]scenarios.Object
	plans    []dynamics.Trajectory
	ms       []float64
	input    planner.Input
	obsBuf   []obstacle
	lights   []planner.LightStatus
	done     bool
}

// New prepares a simulation of p on sc: it validates the inputs and initialises the planner with the map,
// route and goal.
func New(sc *scenarios.Scenario, p planner.Planner, cfg Config) (*Simulation, error) {
	if sc == nil || p == nil {
		return nil, errors.New("sim: nil scenario or planner")
	}
	if err := scenarios.Validate(sc); err != nil {
		return nil, fmt.Errorf("sim: scenario %s: %w", sc.ID, err)
	}
	if cfg.Agents == "" {
		cfg.Agents = NonReactive
	}
	if !cfg.Agents.Valid() {
		return nil, fmt.Errorf("sim: unknown agent mode %q (want %s, %s or %s)", cfg.Agents, NonReactive, Reactive, ReactiveNuPlan)
	}
	if cfg.Vehicle == (dynamics.VehicleParams{}) {
		cfg.Vehicle = sc.EgoVehicle()
	}
	steps := sc.Steps()
	if cfg.Steps > 0 && cfg.Steps < steps {
		steps = cfg.Steps
	}
	if cfg.Overtime < 0 {
		return nil, fmt.Errorf("sim: overtime must be >= 0 steps, got %d", cfg.Overtime)
	}
	s := &Simulation{
		sc: sc, mx: sc.Map.Index(), planner: p, cfg: cfg, dt: sc.DT, steps: steps, overtime: cfg.Overtime,
		ctrl:    dynamics.NewController(cfg.Vehicle),
		ego:     make([]dynamics.State, 0, steps+1),
		objects: make([][]scenarios.Object, 0, steps+1),
		plans:   make([]dynamics.Trajectory, 0, steps),
		ms:      make([]float64, 0, steps),
	}
	// The ego starts in the expert's first state with its wheels straight, as nuPlan's initial ego state
	// (built from the log's pose, velocity and acceleration, with no steering angle or yaw rate).
	e0 := ExpertState(sc, 0, cfg.Vehicle)
	e0.Steering, e0.YawRate = 0, 0
	switch cfg.Agents {
	case Reactive:
		s.reactive = newReactiveAgents(sc)
		s.reactive.spawn(0, cfg.Vehicle.Footprint(e0.Pose))
	case ReactiveNuPlan:
		s.nuplan = newNuPlanAgents(sc, cfg.Vehicle.Footprint(e0.Pose), e0.Speed)
	}
	// The planner is told the mission the scenario shows it: the whole route and the goal, or, where the
	// instructions give the mission, the route up to the branch and no goal (Scenario.PlannerMission).
	route, goal := sc.PlannerMission()
	init := planner.Initialization{Map: &sc.Map, Route: route, Goal: goal, GoalWindow: sc.PlannerGoalWindow(), GoalSpan: sc.PlannerGoalSpan(), Vehicle: cfg.Vehicle, DT: sc.DT}
	if err := p.Initialize(init); err != nil {
		return nil, fmt.Errorf("sim: %s: initialize planner %s: %w", sc.ID, p.Name(), err)
	}
	s.ego = append(s.ego, e0)
	s.checkUntil(s.ego[0])
	s.objects = append(s.objects, s.observe(0))
	if err := s.perceive(0); err != nil {
		return nil, err
	}
	s.queue.Schedule(0, EventTick, 0)
	return s, nil
}

// ExpertState returns the expert log's state at frame i as a dynamics.State.
func ExpertState(sc *scenarios.Scenario, i int, v dynamics.VehicleParams) dynamics.State {
	e := sc.Expert[i]
	return dynamics.State{
		Time:     float64(i) * sc.DT,
		Pose:     e.Pose,
		Speed:    e.Speed,
		Accel:    e.Accel,
		Steering: e.Steering,
		YawRate:  e.Speed * math.Tan(e.Steering) / v.Wheelbase,
	}
}

// Done reports whether the simulation has run all its steps.
func (s *Simulation) Done() bool { return s.done }

// finished reports whether no further step is due: the scored steps are done and the overtime, if any, is
// spent or no longer wanted.
func (s *Simulation) finished() bool {
	if s.iter < s.steps {
		return false
	}
	return s.cfg.Until == nil || s.untilMet || s.iter >= s.steps+s.overtime
}

// checkUntil records whether cfg.Until holds for the ego state st.
func (s *Simulation) checkUntil(st dynamics.State) {
	if s.cfg.Until != nil && !s.untilMet && s.cfg.Until(st) {
		s.untilMet = true
	}
}

// Iteration returns the number of steps taken so far.
func (s *Simulation) Iteration() int { return s.iter }

// Steps returns the number of scored steps the simulation takes (Config.Overtime may add more).
func (s *Simulation) Steps() int { return s.steps }

// Scenario returns the simulated scenario.
func (s *Simulation) Scenario() *scenarios.Scenario { return s.sc }

// Ego returns the ego history so far (frame 0 = start). The slice is owned by the simulation.
func (s *Simulation) Ego() []dynamics.State { return s.ego }

// Objects returns the ground-truth objects history so far. The slices are owned by the simulation.
func (s *Simulation) Objects() [][]scenarios.Object { return s.objects }

// Observed returns the history of what the planner observed: the perceived objects with Config.Perception,
// the ground truth without. The slices are owned by the simulation.
func (s *Simulation) Observed() [][]scenarios.Object {
	if s.cfg.Perception == nil {
		return s.objects
	}
	return s.observed
}

// perceive runs the perception on frame i of the ground truth (a no-op without Config.Perception).
func (s *Simulation) perceive(i int) error {
	if s.cfg.Perception == nil {
		return nil
	}
	obs, err := s.cfg.Perception.Perceive(float64(i)*s.dt, s.ego[i], s.objects[i])
	if err != nil {
		return fmt.Errorf("sim: %s: perception at frame %d: %w", s.sc.ID, i, err)
	}
	s.observed = append(s.observed, append([]scenarios.Object(nil), obs...))
	return nil
}

// LastPlan returns the most recent planned trajectory, or nil before the first step.
func (s *Simulation) LastPlan() dynamics.Trajectory {
	if len(s.plans) == 0 {
		return nil
	}
	return s.plans[len(s.plans)-1]
}

// Step processes events up to and including the next planner tick: the planner plans from the current
// state, the ego follows the plan through the tracker and motion model for one period, and the other road
// users move. It returns an error when the planner fails or returns an unusable trajectory.
func (s *Simulation) Step() error {
	for !s.done {
		ev, ok := s.queue.Pop()
		if !ok {
			s.done = true
			return nil
		}
		switch ev.Kind {
		case EventTick:
			if err := s.tick(ev.Arg); err != nil {
				s.done = true
				return err
			}
			if s.finished() {
				s.done = true
			} else {
				s.queue.Schedule(s.tickTime(s.iter), EventTick, s.iter)
			}
			return nil
		}
	}
	return nil
}

func (s *Simulation) tickTime(i int) time.Duration {
	return time.Duration(math.Round(float64(i) * s.dt * float64(time.Second)))
}

// tick runs iteration i.
func (s *Simulation) tick(i int) error {
	t := float64(i) * s.dt
	s.fillInput(i, t)
	if s.cfg.Guide != nil {
		s.input.Guidance = s.cfg.Guide.Guidance(&s.input)
	}
	start := time.Now()
	traj, err := s.planner.ComputeTrajectory(&s.input)
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	s.ms = append(s.ms, ms)
	if err != nil {
		return fmt.Errorf("sim: %s: planner %s at iteration %d (t=%.1fs): %w", s.sc.ID, s.planner.Name(), i, t, err)
	}
	if err := checkTrajectory(traj, t); err != nil {
		return fmt.Errorf("sim: %s: planner %s at iteration %d (t=%.1fs): %w", s.sc.ID, s.planner.Name(), i, t, err)
	}
	// Planners may reuse their output buffer: keep a copy.
	s.plans = append(s.plans, append(dynamics.Trajectory(nil), traj...))
	cur := s.ego[len(s.ego)-1]
	// The other road users move first, reacting to the ego's current state, as nuPlan's propagate does.
	if s.reactive != nil {
		s.reactive.step(t, s.dt, s.cfg.Vehicle.Footprint(cur.Pose).Center.Pos(), s.obstacles(cur))
		s.reactive.spawn(i+1, s.cfg.Vehicle.Footprint(cur.Pose))
	}
	if s.nuplan != nil {
		s.nuplan.step(i, t, s.dt, cur, s.cfg.Vehicle.Footprint(cur.Pose))
	}
	next := s.ctrl.Step(cur, traj, s.dt)
	next.Time = t + s.dt
	if !next.IsFinite() {
		return fmt.Errorf("sim: %s: ego state became non-finite at iteration %d", s.sc.ID, i)
	}
	s.ego = append(s.ego, next)
	s.iter = i + 1
	s.checkUntil(next)
	if s.leftMap == 0 && s.iter <= s.steps && s.leavingMap(next) {
		s.leftMap = s.iter
	}
	s.objects = append(s.objects, s.observe(i+1))
	if len(s.cfg.Observers) > 0 {
		f := Frame{
			Iteration: i, Time: t, Input: &s.input, Truth: s.objects[i], Plan: s.plans[len(s.plans)-1],
			PlannerMS: ms, Next: next, Planner: s.planner,
		}
		for _, o := range s.cfg.Observers {
			if err := o.ObserveStep(&f); err != nil {
				return fmt.Errorf("sim: %s: observer at iteration %d: %w", s.sc.ID, i, err)
			}
		}
	}
	return s.perceive(i + 1)
}

// checkTrajectory rejects trajectories the tracker cannot follow.
func checkTrajectory(traj dynamics.Trajectory, t float64) error {
	if len(traj) < 2 {
		return fmt.Errorf("trajectory has %d points, need at least 2", len(traj))
	}
	for k, p := range traj {
		if !p.Pose.IsFinite() || math.IsNaN(p.Speed) || math.IsInf(p.Speed, 0) || math.IsNaN(p.Time) {
			return fmt.Errorf("trajectory point %d is not finite", k)
		}
		if k > 0 && !(p.Time > traj[k-1].Time) {
			return fmt.Errorf("trajectory times must increase (point %d at %.3fs after %.3fs)", k, p.Time, traj[k-1].Time)
		}
	}
	if traj[len(traj)-1].Time < t+1e-6 {
		return fmt.Errorf("trajectory ends at %.2fs, before the current time %.2fs", traj[len(traj)-1].Time, t)
	}
	return nil
}

// fillInput builds the planner input for iteration i from the last HistorySeconds of history.
func (s *Simulation) fillInput(i int, t float64) {
	h := int(math.Round(planner.HistorySeconds/s.dt)) + 1
	from := len(s.ego) - h
	if from < 0 {
		from = 0
	}
	s.lights = s.lights[:0]
	for li := range s.sc.Map.TrafficLights {
		tl := &s.sc.Map.TrafficLights[li]
		st := tl.StateAt(t)
		for _, id := range tl.Connectors {
			if lane, ok := s.mx.LaneIndex(id); ok {
				s.lights = append(s.lights, planner.LightStatus{Lane: lane, State: st})
			}
		}
	}
	s.input = planner.Input{
		Iteration: i,
		Time:      t,
		Ego:       s.ego[from:],
		Objects:   s.Observed()[from:],
		Lights:    s.lights,
	}
}

// observe returns the ground-truth objects at frame i: logged objects, with vehicles replaced by their IDM
// agents in reactive mode (a vehicle held back from entering is not there).
func (s *Simulation) observe(i int) []scenarios.Object {
	if s.nuplan != nil {
		return s.nuplan.observe(i)
	}
	var out []scenarios.Object
	for ti := range s.sc.Tracks {
		t := &s.sc.Tracks[ti]
		if s.reactive != nil && t.Type == scenarios.Vehicle {
			if ai := s.reactive.byTrk[ti]; ai >= 0 {
				if a := &s.reactive.agents[ai]; a.active {
					out = append(out, a.object(s.sc))
				}
				continue
			} else if ai == -1 {
				continue // not in the scene yet, or held back until its place is clear (reactiveAgents.spawn)
			}
		}
		if o, ok := LoggedObject(s.sc, ti, i); ok {
			out = append(out, o)
		}
	}
	return out
}

// LoggedObject returns track ti of sc as logged at frame i; ok is false when the track has no state there.
func LoggedObject(sc *scenarios.Scenario, ti, i int) (scenarios.Object, bool) {
	t := &sc.Tracks[ti]
	st, ok := t.StateAt(i)
	if !ok {
		return scenarios.Object{}, false
	}
	return scenarios.Object{
		ID: t.ID, Track: ti, Type: t.Type,
		Box: st.Box(t.Length, t.Width),
		Vel: geom.Vec2{X: st.VX, Y: st.VY}, Indicator: st.Indicator,
	}, true
}

// obstacles lists what IDM agents react to: the ego, the current objects (agents and replayed objects).
func (s *Simulation) obstacles(ego dynamics.State) []obstacle {
	s.obsBuf = s.obsBuf[:0]
	s.obsBuf = append(s.obsBuf, obstacle{
		box: s.cfg.Vehicle.Footprint(ego.Pose),
		vel: ego.Pose.Forward().Scale(ego.Speed),
		own: -1,
	})
	cur := s.objects[len(s.objects)-1]
	for k := range cur {
		o := &cur[k]
		own := -1
		if o.Type == scenarios.Vehicle {
			own = s.reactive.byTrk[o.Track]
		}
		if own >= 0 {
			a := &s.reactive.agents[own]
			s.obsBuf = append(s.obsBuf, obstacle{box: a.box(), vel: geom.Unit(a.pose.Heading).Scale(a.v), own: own})
			continue
		}
		s.obsBuf = append(s.obsBuf, obstacle{box: o.Box, vel: o.Vel, own: -1})
	}
	return s.obsBuf
}

// Result scores the finished simulation with nuPlan's metrics. It is an error to call it before Done.
func (s *Simulation) Result() (*Result, error) {
	if !s.done || s.iter < s.steps {
		return nil, fmt.Errorf("sim: %s: simulation not finished (%d of %d steps)", s.sc.ID, s.iter, s.steps)
	}
	scored := s.steps + 1
	if s.leftMap > 0 {
		scored = min(scored, s.leftMap)
	}
	expert := make([]dynamics.State, 0, scored)
	for i := 0; i < scored && i < len(s.sc.Expert); i++ {
		expert = append(expert, ExpertState(s.sc, i, s.cfg.Vehicle))
	}
	run := &metrics.Run{
		DT:      s.dt,
		Map:     s.mx,
		Vehicle: s.cfg.Vehicle,
		Ego:     s.ego[:scored],
		Objects: s.objects[:scored],
		Expert:  expert,
		Route:   s.sc.Route,
	}
	res := &Result{
		Metrics:      metrics.Evaluate(run),
		PlannerMS:    s.ms,
		Ego:          s.ego,
		Objects:      s.objects,
		ScoredFrames: scored,
		LeftMap:      s.leftMap,
		Observed:     s.observed,
		Plans:        s.plans,

		FirstUnscoredAtFault: -1,
	}
	if len(s.ego) > scored {
		// The whole history's at-fault collisions, less the scored frames': each object collides once per run
		// and a frame's classification depends on nothing after it, so the scored frames count alike in both.
		whole := *run
		whole.Ego, whole.Objects = s.ego, s.objects
		all := metrics.Evaluate(&whole)
		if res.UnscoredAtFaultCollisions = all.AtFaultTotal() - res.Metrics.AtFaultTotal(); res.UnscoredAtFaultCollisions > 0 {
			res.FirstUnscoredAtFault = scored // when the collision list is cut short, the earliest it can be
			for _, c := range all.CollisionList() {
				if c.AtFault && c.Frame >= scored {
					res.FirstUnscoredAtFault = c.Frame
					break
				}
			}
		}
	}
	return res, nil
}

// Run simulates p on sc in closed loop and scores the run.
func Run(sc *scenarios.Scenario, p planner.Planner, cfg Config) (*Result, error) {
	s, err := New(sc, p, cfg)
	if err != nil {
		return nil, err
	}
	for !s.Done() {
		if err := s.Step(); err != nil {
			return nil, err
		}
	}
	return s.Result()
}
