package runlog

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// GuideSource reports the guide's state for a run log: the instruction in words and its inference latency.
// A language-model guide implements it; the recorder polls it after every tick.
type GuideSource interface {
	GuideState(t float64) (instruction string, latencyMS float64)
}

// PerceptionSource reports the perception stack's fused tracks and the raw detections it received, after
// every tick.
type PerceptionSource interface {
	PerceptionState(t float64) *Perception
}

// Converter turns simulation steps into run-log frames. It keeps a little state (the distance driven), so
// one converter serves one run, step after step.
type Converter struct {
	mx       *scenarios.MapIndex
	vehicle  dynamics.VehicleParams
	params   metrics.Params
	collided map[string]bool // objects the ego has collided with, by id
	skip     []bool          // per object of the frame: collided before (TTC ignores them)
	nColl    int             // collisions so far
	nAtFault int             // at-fault collisions so far
	progress float64
	last     geom.Vec2
	lastT    float64
	started  bool
	props    []planner.Proposal
	// Guide and Perception, when set, add the guide's and the perception's state to each frame.
	Guide      GuideSource
	Perception PerceptionSource
}

// NewConverter returns a converter for a run of sc with the given ego vehicle (zero: the scenario's).
func NewConverter(sc *scenarios.Scenario, vehicle dynamics.VehicleParams) *Converter {
	if vehicle == (dynamics.VehicleParams{}) {
		vehicle = sc.EgoVehicle()
	}
	return &Converter{mx: sc.Map.Index(), vehicle: vehicle, params: metrics.DefaultParams(), collided: map[string]bool{}}
}

// NewHeader returns the run-log header of a run of sc.
func NewHeader(sc *scenarios.Scenario, plannerName, agents string, vehicle dynamics.VehicleParams) Header {
	if vehicle == (dynamics.VehicleParams{}) {
		vehicle = sc.EgoVehicle()
	}
	h := Header{
		Format: Format, ScenarioID: sc.ID, Type: sc.Type, Planner: plannerName, Agents: agents, DT: sc.DT,
		Vehicle: Vehicle{Length: vehicle.Length(), Width: vehicle.Width, RearToCenter: vehicle.RearAxleToCenter(),
			WheelbaseMeter: vehicle.Wheelbase},
		Instructions: sc.Instructions,
		Route:        sc.Route,
		Flags:        sc.Flags,
	}
	if g := sc.Goal; scenarios.HasGoal(g) {
		h.Goal, h.GoalSpan = &g, sc.GoalSpan
	}
	for k, e := range sc.Expert {
		h.Expert = append(h.Expert, Point{T: float64(k) * sc.DT, X: e.Pose.X, Y: e.Pose.Y, Heading: e.Pose.Heading, Speed: e.Speed})
	}
	return h
}

// FrameFunc is a sim.StepObserver that converts each step and hands the frame to a function (a live
// viewer's channel, a test).
type FrameFunc struct {
	Conv *Converter
	Fn   func(*Frame) error
}

// ObserveStep converts the step and calls Fn.
func (o FrameFunc) ObserveStep(sf *sim.Frame) error {
	f, err := o.Conv.Convert(sf)
	if err != nil {
		return err
	}
	return o.Fn(f)
}

// Recorder is a sim.StepObserver that writes a run log as the simulation runs. It writes to a temporary
// file beside the destination and renames it on Close, so a file with the final name is always complete.
// Its Converter's Guide and Perception fields add the guide's and the perception's state.
type Recorder struct {
	*Converter
	path, tmp string
	f         *os.File
	w         *Writer
}

// NewRecorder creates the run log of scenario sc at path (its folder must exist).
func NewRecorder(path string, sc *scenarios.Scenario, plannerName, agents string, vehicle dynamics.VehicleParams) (*Recorder, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	w, err := NewWriter(f, NewHeader(sc, plannerName, agents, vehicle), &sc.Map)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &Recorder{Converter: NewConverter(sc, vehicle), path: path, tmp: f.Name(), f: f, w: w}, nil
}

// Path returns the file the recorder writes (complete after Close).
func (r *Recorder) Path() string { return r.path }

// ObserveStep converts a simulation step into a Frame and writes it.
func (r *Recorder) ObserveStep(sf *sim.Frame) error {
	f, err := r.Convert(sf)
	if err != nil {
		return err
	}
	return r.w.WriteFrame(f)
}

// Close finishes the file and gives it its final name. runErr, the simulation's error if it failed, is
// logged in the file first, so that a failed run still replays up to where it stopped.
func (r *Recorder) Close(runErr error) error {
	if r.f == nil {
		return nil
	}
	if runErr != nil {
		r.w.Log(r.lastT, LevelError, "run failed: "+runErr.Error())
	}
	err := r.w.Close()
	if cerr := r.f.Chmod(0o644); err == nil {
		err = cerr
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	r.f = nil
	if err == nil {
		err = os.Rename(r.tmp, r.path)
	}
	if err != nil {
		os.Remove(r.tmp)
		return fmt.Errorf("runlog: %s: %w", r.path, err)
	}
	return nil
}

// proposalTerms converts a planner's proposal terms (nil: none) for the log, numbers rounded to a
// thousandth (they are only shown).
func proposalTerms(t *planner.ProposalTerms) *ProposalTerms {
	if t == nil {
		return nil
	}
	r := func(x float64) float64 { return roundTo(finite(x), 1000) }
	out := &ProposalTerms{
		Path: t.Path.String(), Offset: r(t.Offset), TargetSpeed: r(t.TargetSpeed), Kind: t.Kind(),
		Multiplier: r(t.Multiplier), Drivable: t.Drivable, Direction: r(t.Direction),
		ProgressRatio: r(t.ProgressRatio), TTC: r(t.TTC), Comfort: r(t.Comfort), LaneWeight: r(t.LaneWeight),
	}
	if !math.IsInf(t.CollideAt, 1) {
		out.CollideAt, out.CollideWith = r(t.CollideAt), t.CollideWith
	}
	if !math.IsInf(t.TTCAt, 1) {
		out.TTCAt, out.TTCWith = r(t.TTCAt), t.TTCWith
	}
	return out
}

// finite replaces a number that is not finite (which JSON cannot hold) by 0.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Convert turns a simulation step into a frame.
func (r *Converter) Convert(sf *sim.Frame) (*Frame, error) {
	in := sf.Input
	if in == nil || len(in.Ego) == 0 {
		return nil, fmt.Errorf("runlog: step %d has no planner input", sf.Iteration)
	}
	e := in.Current()
	pos := e.Pose.Pos()
	if r.started {
		r.progress += pos.Dist(r.last)
	}
	r.started, r.last, r.lastT = true, pos, sf.Time
	f := &Frame{
		T: sf.Time, Iteration: sf.Iteration, PlannerMS: finite(sf.PlannerMS),
		Ego: Ego{X: e.Pose.X, Y: e.Pose.Y, Heading: e.Pose.Heading, Speed: e.Speed, Accel: e.Accel, Steering: e.Steering},
		Metrics: map[string]float64{
			MetricSpeed: e.Speed, MetricProgress: r.progress, MetricObjectsInput: float64(len(in.CurrentObjects())),
		},
	}
	box := r.vehicle.Footprint(e.Pose)
	minGap, overlaps := math.Inf(1), 0
	for _, o := range sf.Truth {
		f.Agents = append(f.Agents, Agent{
			ID: o.ID, Type: string(o.Type), X: o.Box.Center.X, Y: o.Box.Center.Y, Heading: o.Box.Center.Heading,
			Length: o.Box.Length, Width: o.Box.Width, VX: o.Vel.X, VY: o.Vel.Y, Indicator: int(o.Indicator),
		})
		d := geom.BoxDistance(box, o.Box)
		if d <= 0 {
			overlaps++
		}
		minGap = math.Min(minGap, d)
	}
	if !math.IsInf(minGap, 1) {
		f.Metrics[MetricMinGap] = math.Max(0, minGap)
	}
	f.Metrics[MetricCollisions] = float64(overlaps)
	r.scoreFrame(f, e, box, sf.Truth)
	for _, l := range in.Lights {
		if l.Lane >= 0 && l.Lane < r.mx.NumLanes() {
			f.Lights = append(f.Lights, Light{Lane: r.mx.Lane(l.Lane).ID, State: string(l.State)})
		}
	}
	f.Plan = points(sf.Plan)
	if pl, ok := sf.Planner.(planner.ProposalLister); ok {
		r.props = pl.Proposals(r.props[:0])
		for _, p := range r.props {
			pts := points(thin(p.Trajectory, proposalStride))
			for i := range pts {
				pts[i] = pts[i].rounded()
			}
			f.Proposals = append(f.Proposals, Proposal{Points: pts, Score: finite(p.Score), Chosen: p.Chosen, Terms: proposalTerms(p.Terms)})
		}
	}
	if d, ok := sf.Planner.(interface{ Decision() planner.PDMDecision }); ok {
		f.Mode = d.Decision().Mode.String()
	}
	if g := in.Guidance; g != nil {
		f.Guidance = &Guidance{
			Lane: g.Lane.String(), SpeedCap: finite(g.SpeedCap), Stop: g.Stop, StopProb: finite(g.StopProb),
			AgeS: finite(g.Age(sf.Time)), TargetSpeed: finite(g.TargetSpeed), Turn: g.Turn.String(),
			PullOver: g.PullOver, PullOverProb: finite(g.PullOverProb), HeadwayS: finite(g.Headway),
		}
		for i, p := range g.LaneProbs {
			f.Guidance.LaneProbs[i] = finite(p)
		}
		if r.Guide != nil {
			f.Guidance.Instruction, f.Guidance.LatencyMS = r.Guide.GuideState(sf.Time)
			f.Guidance.LatencyMS = finite(f.Guidance.LatencyMS)
		}
	}
	if r.Perception != nil {
		f.Perception = r.Perception.PerceptionState(sf.Time)
	}
	return f, nil
}

// scoreFrame adds the collision, TTC and drivable-area metrics of one frame, as metrics.EvaluateWith scores
// each frame of a run: an object counts once, at its first contact; an at-fault contact sets TTC to 0; TTC
// skips objects collided with before and looks sideways when the ego is not in its lane or is in a junction.
func (r *Converter) scoreFrame(f *Frame, e dynamics.State, box geom.Box, objs []scenarios.Object) {
	p := &r.params
	_, status := metrics.EgoLaneStatus(r.mx, box)
	ego := metrics.NewEgoBox(box)
	atFault := false
	for i := range objs {
		o := &objs[i]
		if r.collided[o.ID] || !metrics.BoxesOverlap(&ego, o.Box) {
			continue
		}
		r.collided[o.ID] = true
		r.nColl++
		if metrics.AtFault(metrics.ClassifyCollision(e.Pose, box, e.Speed, o, p.StoppedSpeed), status == metrics.InLane) {
			r.nAtFault++
			atFault = true
		}
	}
	f.Metrics[MetricCollisionsSoFar] = float64(r.nColl)
	f.Metrics[MetricAtFaultSoFar] = float64(r.nAtFault)
	ttc := 0.0
	if !atFault {
		r.skip = r.skip[:0]
		for i := range objs {
			r.skip = append(r.skip, r.collided[objs[i].ID])
		}
		te := metrics.TTCEgo{Rear: e.Pose, Box: box, Speed: e.Speed, Lateral: status != metrics.InLane || metrics.InConnector(r.mx, e.Pose.Pos())}
		ttc = metrics.FrameTTC(te, objs, r.skip, p.TTCStep, p.TTCHorizon, p.TTCStoppedSpeed)
	}
	if !math.IsInf(ttc, 0) && !math.IsNaN(ttc) {
		f.Metrics[MetricTTC] = ttc
	}
	if v := metrics.DrivableViolation(r.mx, box); !math.IsInf(v, 0) && !math.IsNaN(v) {
		f.Metrics[MetricDrivableViolation] = v
	}
}

// proposalStride keeps every fifth point of a proposal (0.5 s apart at 0.1 s): enough to draw it, a fifth of
// the size.
const proposalStride = 5

// rounded returns p rounded for drawing: time to the millisecond, position to the millimetre, heading to
// 1e-4 rad, speed to the mm/s.
func (p Point) rounded() Point {
	return Point{T: roundTo(p.T, 1e3), X: roundTo(p.X, 1e3), Y: roundTo(p.Y, 1e3), Heading: roundTo(p.Heading, 1e4), Speed: roundTo(p.Speed, 1e3)}
}

// thin returns every k-th point of tr and its last.
func thin(tr dynamics.Trajectory, k int) dynamics.Trajectory {
	if len(tr) <= 2 || k <= 1 {
		return tr
	}
	out := make(dynamics.Trajectory, 0, len(tr)/k+2)
	for i := 0; i < len(tr); i += k {
		out = append(out, tr[i])
	}
	if (len(tr)-1)%k != 0 {
		out = append(out, tr[len(tr)-1])
	}
	return out
}

// points converts a trajectory, dropping points that are not finite.
func points(tr dynamics.Trajectory) []Point {
	out := make([]Point, 0, len(tr))
	for _, p := range tr {
		if !p.Pose.IsFinite() || math.IsNaN(p.Speed) || math.IsInf(p.Speed, 0) || math.IsNaN(p.Time) {
			continue
		}
		out = append(out, Point{T: p.Time, X: p.Pose.X, Y: p.Pose.Y, Heading: p.Pose.Heading, Speed: p.Speed})
	}
	return out
}
