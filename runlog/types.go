package runlog

import (
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Format is the version of the run-log channels' messages, written in the Header.
const Format = 1

// Header describes a recorded run; it is written once, first.
type Header struct {
	Format     int     `json:"format"`
	ScenarioID string  `json:"scenario_id"`
	Type       string  `json:"type"`
	Planner    string  `json:"planner"`
	Agents     string  `json:"agents"`
	DT         float64 `json:"dt"` // planner period, s
	// Vehicle is the ego's footprint: length and width (m) and how far the rear axle is behind the centre.
	Vehicle Vehicle `json:"vehicle"`
	// Instructions are the scenario's routing or operator instructions in words.
	Instructions []scenarios.Instruction `json:"instructions"`
	// Route is the scenario's route (roadblock ids) and Goal its goal pose (rear axle), when it has one; a
	// viewer tints the route and marks the goal. Absent in logs written before they were recorded.
	Route []string   `json:"route,omitempty"`
	Goal  *geom.Pose `json:"goal,omitempty"`
	// GoalSpan is how far the goal reaches along its lane behind and ahead of Goal, for a goal given as
	// lanelets (scenarios.Scenario.GoalSpan); absent otherwise.
	GoalSpan *scenarios.Span `json:"goal_span,omitempty"`
	// Expert is the scenario's expert log (the recorded driver, or the importer's synthetic one): its rear
	// axle and speed at every state, T from the run's start; a viewer draws where it was at each frame. Absent
	// without an expert and in logs written before it was recorded.
	Expert []Point `json:"expert,omitempty"`
	// Flags are the scenario's import flags (scenarios.Scenario.Flags: "short_expert", "start_shifted", ...),
	// what bears on reading its scores; absent when it has none.
	Flags []string `json:"flags,omitempty"`
}

// Vehicle is the ego's footprint.
type Vehicle struct {
	Length         float64 `json:"length"`
	Width          float64 `json:"width"`
	RearToCenter   float64 `json:"rear_to_center"` // from the rear axle to the box centre, m
	WheelbaseMeter float64 `json:"wheelbase"`
}

// Frame is one planner tick: the world as it was, what the planner saw and decided, and the scores so far.
type Frame struct {
	T         float64 `json:"t"` // s from the run start
	Iteration int     `json:"iteration"`
	Ego       Ego     `json:"ego"`
	// Agents are the ground-truth road users and objects at T.
	Agents []Agent `json:"agents"`
	// Lights are the states of the traffic-light-controlled lanes ("green", "yellow", "red", "unknown").
	Lights []Light `json:"lights"`
	// Plan is the trajectory the planner returned.
	Plan []Point `json:"plan"`
	// Proposals are the trajectories the planner weighed (planners that list them).
	Proposals []Proposal `json:"proposals"`
	// Guidance is the guidance the planner was given, when any.
	Guidance *Guidance `json:"guidance"`
	// Perception is what the planner saw through the perception stack, when one was used.
	Perception *Perception `json:"perception"`
	// Metrics are per-step indicators: see the Metric* names.
	Metrics   map[string]float64 `json:"metrics"`
	PlannerMS float64            `json:"planner_ms"`
	// Mode is the planner's decision mode, when it says (PDM: proposal, emergency_brake, stop, arrived).
	Mode string `json:"mode"`
}

// Per-step metric names in Frame.Metrics. The collision, TTC and drivable-area values use package metrics'
// kernels and nuPlan's default thresholds, frame by frame as metrics.Evaluate does over the whole run, so the
// last frame of the scored horizon agrees with the run's scores (overtime frames keep counting).
const (
	MetricSpeed        = "speed"      // ego speed, m/s
	MetricMinGap       = "min_gap"    // distance from the ego's box to the nearest agent's box, m (absent without agents)
	MetricProgress     = "progress"   // distance driven so far, m
	MetricObjectsInput = "objects_in" // objects in the planner's input
	// MetricCollisions is the number of objects overlapping the ego's box at this frame.
	MetricCollisions = "collisions_now"
	// MetricCollisionsSoFar counts the objects the ego has collided with so far (each once, as nuPlan).
	MetricCollisionsSoFar = "collisions"
	// MetricAtFaultSoFar counts the at-fault collisions so far (metrics.AtFault).
	MetricAtFaultSoFar = "at_fault_collisions"
	// MetricTTC is nuPlan's time to collision at this frame, s: 0 at an at-fault collision, absent when no
	// object qualifies (infinite).
	MetricTTC = "ttc"
	// MetricDrivableViolation is how far the ego's corner farthest outside the drivable area lies from it, m
	// (metrics.DrivableViolation; 0 inside; absent when beyond the map index's reach).
	MetricDrivableViolation = "drivable_violation"
)

// Ego is the ego's state (rear axle).
type Ego struct {
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	Heading  float64 `json:"heading"`
	Speed    float64 `json:"speed"`
	Accel    float64 `json:"accel"`
	Steering float64 `json:"steering"`
}

// Agent is a road user or object: its oriented box (centre), velocity and turn signal.
type Agent struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"` // vehicle, pedestrian, bicycle, static_object, ...
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	Heading   float64 `json:"heading"`
	Length    float64 `json:"length"`
	Width     float64 `json:"width"`
	VX        float64 `json:"vx"`
	VY        float64 `json:"vy"`
	Indicator int     `json:"indicator"` // 1 left, -1 right, 0 off
}

// Light is the state of a traffic-light-controlled lane.
type Light struct {
	Lane  string `json:"lane"`
	State string `json:"state"`
}

// Point is a trajectory point (rear axle).
type Point struct {
	T       float64 `json:"t"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Heading float64 `json:"heading"`
	Speed   float64 `json:"speed"`
}

// Proposal is a trajectory the planner weighed.
type Proposal struct {
	Points []Point `json:"points"`
	Score  float64 `json:"score"`
	Chosen bool    `json:"chosen"`
	// Terms says how its score was made (planners that break it down: PDM); absent otherwise.
	Terms *ProposalTerms `json:"terms,omitempty"`
}

// ProposalTerms is a PDM proposal and the terms of its score (planner.ProposalTerms; docs/planner.md,
// "Reading a decision").
type ProposalTerms struct {
	Path        string  `json:"path"`         // centerline, left_lane or right_lane
	Offset      float64 `json:"offset"`       // lateral offset from the path, m (left positive)
	TargetSpeed float64 `json:"target_speed"` // m/s
	Kind        string  `json:"kind"`         // idm, eased (braking eased in) or stop
	Multiplier  float64 `json:"multiplier"`   // product of the three multiplier metrics
	Drivable    bool    `json:"drivable"`     // every corner inside the drivable area
	Direction   float64 `json:"direction"`    // driving-direction compliance: 1, 0.5 or 0
	// CollideWith is the id of the road user of the first at-fault collision (absent: none) and CollideAt
	// when it happens, s from now (absent with a collision now).
	CollideAt     float64 `json:"collide_at,omitempty"`
	CollideWith   string  `json:"collide_with,omitempty"`
	ProgressRatio float64 `json:"progress_ratio"` // progress over the best proposal's
	TTC           float64 `json:"ttc"`            // time to collision within bound: 1 or 0
	// TTCWith is the id of the road user the time to collision first fails with (absent: it does not) and
	// TTCAt when, s from now (absent: now).
	TTCAt      float64 `json:"ttc_at,omitempty"`
	TTCWith    string  `json:"ttc_with,omitempty"`
	Comfort    float64 `json:"comfort"`     // 1 or 0; -1 not evaluated (it could not win)
	LaneWeight float64 `json:"lane_weight"` // the weight of its lane (guidance, the goal's lane)
}

// Guidance is the guide's advice as the planner received it.
type Guidance struct {
	Instruction string  `json:"instruction"` // the instruction in words, when known
	Lane        string  `json:"lane"`        // lane intent: any, keep, left, right
	SpeedCap    float64 `json:"speed_cap"`   // m/s, 0 none
	Stop        bool    `json:"stop"`
	StopProb    float64 `json:"stop_prob"`
	AgeS        float64 `json:"age_s"`      // age of the observation it came from, s
	LatencyMS   float64 `json:"latency_ms"` // the guide's inference latency, when known
	// LaneProbs are the guide's lane-change probabilities: left, keep, right (all zero when none).
	LaneProbs [3]float64 `json:"lane_probs"`
	// TargetSpeed (m/s) is the guide's speed cap from its target speed, 0 none.
	TargetSpeed float64 `json:"target_speed"`
	// Turn is the junction movement asked for: any, left, straight, right.
	Turn string `json:"turn,omitempty"`
	// PullOver says that the guidance asks to stop at the pickup zone; PullOverProb is the guide's
	// probability of it.
	PullOver     bool    `json:"pull_over,omitempty"`
	PullOverProb float64 `json:"pull_over_prob,omitempty"`
	// HeadwayS is the time gap to the vehicle ahead the guidance asks for (s), 0 none.
	HeadwayS float64 `json:"headway_s,omitempty"`
}

// Perception is what the planner saw: fused tracks and the raw delayed detections they came from.
type Perception struct {
	Tracks     []Track     `json:"tracks"`
	Detections []Detection `json:"detections"`
}

// Track is a fused track: box, velocity, 2x2 position covariance (xx, xy, yy) and existence probability.
type Track struct {
	ID        string     `json:"id"`
	X         float64    `json:"x"`
	Y         float64    `json:"y"`
	Heading   float64    `json:"heading"`
	Length    float64    `json:"length"`
	Width     float64    `json:"width"`
	VX        float64    `json:"vx"`
	VY        float64    `json:"vy"`
	Cov       [3]float64 `json:"cov"`
	Existence float64    `json:"existence"`
}

// Detection is one raw detection as received: its sender, when it was captured and how old it was at T.
type Detection struct {
	Sender   string  `json:"sender"`
	CaptureT float64 `json:"capture_t"`
	AgeS     float64 `json:"age_s"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	Heading  float64 `json:"heading"`
	Length   float64 `json:"length"`
	Width    float64 `json:"width"`
}

// Run is a recorded run read back.
type Run struct {
	Header Header
	// Map is the scenario's map; nil when the file has none (a warning says so).
	Map    *scenarios.Map
	Frames []Frame // in time order
	// Warnings say what was skipped or missing: unknown channels, bad messages, a truncated file.
	Warnings []string
}

// FrameAt returns the index of the last frame at or before time t (0 before the first), or -1 when the run
// has no frames.
func (r *Run) FrameAt(t float64) int {
	lo, hi := 0, len(r.Frames)
	if hi == 0 {
		return -1
	}
	for lo < hi {
		m := (lo + hi) / 2
		if r.Frames[m].T <= t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return max(0, lo-1)
}

// Duration returns the time of the last frame (0 without frames).
func (r *Run) Duration() float64 {
	if len(r.Frames) == 0 {
		return 0
	}
	return r.Frames[len(r.Frames)-1].T
}
