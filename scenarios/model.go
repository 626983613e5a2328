package scenarios

import (
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

// FormatVersion is the version of the scenario file format this package reads and writes.
const FormatVersion = 1

// DefaultDT is nuPlan's log and simulation period, in seconds.
const DefaultDT = 0.1

// ObjectType is the class of a tracked object.
type ObjectType string

// Object classes, as in nuPlan's tracked object types (reduced to the four the metrics distinguish).
const (
	Vehicle      ObjectType = "vehicle"
	Pedestrian   ObjectType = "pedestrian"
	Bicycle      ObjectType = "bicycle"
	StaticObject ObjectType = "static"
)

// Valid reports whether t is one of the known classes.
func (t ObjectType) Valid() bool {
	switch t {
	case Vehicle, Pedestrian, Bicycle, StaticObject:
		return true
	}
	return false
}

// IsVRU reports whether t is a vulnerable road user (pedestrian or bicycle).
func (t ObjectType) IsVRU() bool { return t == Pedestrian || t == Bicycle }

// LightState is the state of a traffic light.
type LightState string

// Traffic light states.
const (
	Green   LightState = "green"
	Yellow  LightState = "yellow"
	Red     LightState = "red"
	Unknown LightState = "unknown"
)

// Scenario is one closed-loop test case: a map, a mission, the expert's log and the other road users' logs.
type Scenario struct {
	Version int     `json:"version"`
	ID      string  `json:"id"`
	Type    string  `json:"type"`             // one of the scenario type tags, e.g. "changing_lane"
	Source  string  `json:"source,omitempty"` // where it came from (generator seed, recording)
	DT      float64 `json:"dt"`               // log period in seconds (0.1)
	// Horizon is the simulated length in seconds (nuPlan: 15). The expert and the tracks may run longer: the
	// extra future is what a log-replay planner reads near the end.
	Horizon float64   `json:"horizon"`
	Map     Map       `json:"map"`
	Route   []string  `json:"route"` // roadblock ids from the ego's start to its goal, in order
	Goal    geom.Pose `json:"goal"`  // mission goal (rear-axle pose)
	// GoalWindow, when set, is the time interval in which the mission asks the ego to be at its goal (seconds
	// from the run start), as a CommonRoad planning problem gives it; nil: no time is asked for.
	GoalWindow *TimeWindow `json:"goal_window,omitempty"`
	// GoalSpan, when set, is how far the goal's region reaches along the goal's lane behind and ahead of Goal:
	// a CommonRoad goal given as lanelets is met anywhere in them, and Goal (the middle of the first) only
	// stands for it. nil: the goal is a pose, or a region small enough to aim at its centre.
	GoalSpan *Span `json:"goal_span,omitempty"`
	// Expert is the human or expert ego log at DT spacing; Expert[0] is the initial state at t=0.
	Expert []EgoState `json:"expert"`
	Tracks []Track    `json:"tracks"`
	// Instructions are routing or operator instructions in words, with the time they are given.
	Instructions []Instruction `json:"instructions,omitempty"`
	// RouteShown, when > 0, marks a scenario whose mission the instructions give: a planner is told only the
	// first RouteShown roadblocks of Route and no goal (see PlannerMission), so that where the route branches
	// after them, or which lane or speed the ego should take, only the Instructions say. Route and Goal stay
	// complete: the expert followed them. 0 (the default): the planner is told Route and Goal.
	RouteShown int `json:"route_shown,omitempty"`
	// Vehicle, when set, is the ego vehicle the scenario is made for (a CommonRoad benchmark names one); nil:
	// nuPlan's Pacifica. See EgoVehicle.
	Vehicle *dynamics.VehicleParams `json:"ego_vehicle,omitempty"`
	// StopZone is the id of the map area (a pickup_dropoff area) in which an instruction asks the ego to stop,
	// or "" for none.
	StopZone string `json:"stop_zone,omitempty"`
	// Flags name what the scenario's importer noticed about its source data that bears on reading its scores
	// (commonroad.Report.Flags: "short_expert", "start_overlap", "synthetic_expert", ...); evaluation
	// records carry them. Empty for generated scenarios.
	Flags []string `json:"flags,omitempty"`
}

// EgoVehicle returns the ego vehicle to simulate: Vehicle, or nuPlan's Pacifica when the scenario names none.
func (s *Scenario) EgoVehicle() dynamics.VehicleParams {
	if s.Vehicle != nil {
		return *s.Vehicle
	}
	return dynamics.Pacifica()
}

// HasGoal reports whether a goal pose is given: finite and not the zero pose, which stands for no goal (see
// PlannerMission).
func HasGoal(goal geom.Pose) bool { return goal.IsFinite() && goal != (geom.Pose{}) }

// PlannerMission returns the route and the goal a planner is initialized with: Route and Goal, or, for a
// scenario whose mission the instructions give (RouteShown > 0), the first RouteShown roadblocks of Route and
// the zero pose (no goal). The route shares Route's backing array: don't modify it.
func (s *Scenario) PlannerMission() (route []string, goal geom.Pose) {
	if s.RouteShown > 0 && s.RouteShown <= len(s.Route) {
		return s.Route[:s.RouteShown:s.RouteShown], geom.Pose{}
	}
	return s.Route, s.Goal
}

// TimeWindow is a closed time interval, in seconds from the run start.
type TimeWindow struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Span is a stretch along a lane around a point: Behind and Ahead of it, in metres (both >= 0).
type Span struct {
	Behind float64 `json:"behind"`
	Ahead  float64 `json:"ahead"`
}

// SpanAimInside (m) is how far inside either end of a goal's span a driver aims.
const SpanAimInside = 2.0

// Aim returns the part of the span a driver aims for: from behind metres before its point to ahead metres past
// it, SpanAimInside inside either end, or the point itself where the span reaches less far. A nil span is
// the point.
func (s *Span) Aim() (behind, ahead float64) {
	if s == nil {
		return 0, 0
	}
	return max(s.Behind-SpanAimInside, 0), max(s.Ahead-SpanAimInside, 0)
}

// PlannerGoalSpan returns the goal's span a planner is told: GoalSpan, or nil when the scenario shows the
// planner no goal (see PlannerMission).
func (s *Scenario) PlannerGoalSpan() *Span {
	if _, goal := s.PlannerMission(); !HasGoal(goal) {
		return nil
	}
	return s.GoalSpan
}

// PlannerGoalWindow returns the goal's time window a planner is told: GoalWindow, or nil when the scenario
// shows the planner no goal (see PlannerMission).
func (s *Scenario) PlannerGoalWindow() *TimeWindow {
	if _, goal := s.PlannerMission(); !HasGoal(goal) {
		return nil
	}
	return s.GoalWindow
}

// Instruction is a routing or operator instruction given at a time, in words ("turn left in 40 meters").
type Instruction struct {
	T    float64 `json:"t"`
	Text string  `json:"text"`
}

// Steps returns the number of simulation steps: Horizon/DT, limited to what the expert log covers.
func (s *Scenario) Steps() int {
	if len(s.Expert) == 0 || s.DT <= 0 {
		return 0
	}
	n := int(math.Round(s.Horizon / s.DT))
	if n <= 0 || n > len(s.Expert)-1 {
		n = len(s.Expert) - 1
	}
	return n
}

// Map is a vector map in nuPlan's vocabulary: lanes and lane connectors grouped into roadblocks, stop lines,
// crosswalks, extra drivable or walkable areas and traffic lights.
type Map struct {
	Lanes         []Lane         `json:"lanes"` // lanes and lane connectors
	Roadblocks    []Roadblock    `json:"roadblocks"`
	StopLines     []StopLine     `json:"stop_lines,omitempty"`
	Crosswalks    []Polygon      `json:"crosswalks,omitempty"`
	Areas         []Area         `json:"areas,omitempty"`
	TrafficLights []TrafficLight `json:"traffic_lights,omitempty"`

	index *MapIndex
}

// Lane is a lane or a lane connector (a lane through an intersection). Boundaries and the centerline run in
// the direction of travel.
type Lane struct {
	ID         string      `json:"id"`
	Roadblock  string      `json:"roadblock"`
	Connector  bool        `json:"connector,omitempty"`
	Centerline []geom.Vec2 `json:"centerline"`
	Left       []geom.Vec2 `json:"left"`
	Right      []geom.Vec2 `json:"right"`
	SpeedLimit float64     `json:"speed_limit"` // m/s; 0 means none
	// Highway marks a motorway lane (CommonRoad's highway and interstate lanelets): a road without crossings,
	// whose end in a recorded map is where the recording was cut, not where the road ends.
	Highway       bool     `json:"highway,omitempty"`
	Successors    []string `json:"successors,omitempty"`
	Predecessors  []string `json:"predecessors,omitempty"`
	LeftNeighbor  string   `json:"left_neighbor,omitempty"`  // adjacent lane, same direction, to the left
	RightNeighbor string   `json:"right_neighbor,omitempty"` // adjacent lane, same direction, to the right
}

// Roadblock groups the parallel lanes (or the connectors of one intersection movement group) that share a
// direction of travel. Routes are sequences of roadblocks.
type Roadblock struct {
	ID        string   `json:"id"`
	Lanes     []string `json:"lanes"`
	Connector bool     `json:"connector,omitempty"` // a roadblock connector inside an intersection
}

// StopLineKind says what a stop line is for.
type StopLineKind string

// Stop line kinds.
const (
	StopTrafficLight StopLineKind = "traffic_light"
	StopSign         StopLineKind = "stop_sign"
	StopCrosswalk    StopLineKind = "crosswalk"
)

// StopLine is a stop polygon in front of an intersection or a crosswalk; Lane is the lane or connector it
// guards.
type StopLine struct {
	ID      string       `json:"id"`
	Kind    StopLineKind `json:"kind"`
	Lane    string       `json:"lane"`
	Polygon []geom.Vec2  `json:"polygon"`
}

// Polygon is an identified polygon such as a crosswalk.
type Polygon struct {
	ID      string      `json:"id"`
	Polygon []geom.Vec2 `json:"polygon"`
}

// AreaKind is the type of an extra map area.
type AreaKind string

// Area kinds, after nuPlan's map layers.
const (
	AreaCarpark         AreaKind = "carpark"
	AreaPickupDropoff   AreaKind = "pickup_dropoff"
	AreaGenericDrivable AreaKind = "generic_drivable"
	AreaWalkway         AreaKind = "walkway"
)

// Drivable reports whether an area of kind k is part of the drivable area.
func (k AreaKind) Drivable() bool { return k != AreaWalkway }

// Area is an extra map polygon (car park, pickup/drop-off zone, walkway).
type Area struct {
	ID      string      `json:"id"`
	Kind    AreaKind    `json:"kind"`
	Polygon []geom.Vec2 `json:"polygon"`
}

// TrafficLight controls lane connectors; its state over time is a list of phases.
type TrafficLight struct {
	ID         string       `json:"id"`
	Connectors []string     `json:"connectors"` // lane connector ids it controls
	Phases     []LightPhase `json:"phases"`     // ordered by Start
}

// LightPhase is a light state starting at time Start (seconds from the scenario start) and lasting until the
// next phase.
type LightPhase struct {
	Start float64    `json:"start"`
	State LightState `json:"state"`
}

// StateAt returns the light's state at time t (Unknown before the first phase).
func (l *TrafficLight) StateAt(t float64) LightState {
	st := Unknown
	for _, p := range l.Phases {
		if p.Start > t+1e-9 {
			break
		}
		st = p.State
	}
	return st
}

// EgoState is one expert ego log entry: the rear-axle pose, the longitudinal speed and acceleration, and the
// front-wheel steering angle. Encoded as [x, y, heading, v, a, steering].
type EgoState struct {
	Pose     geom.Pose
	Speed    float64
	Accel    float64
	Steering float64
}

// Track is one tracked object's log: a box of constant size and a state per frame from frame Start on.
type Track struct {
	ID     string       `json:"id"`
	Type   ObjectType   `json:"type"`
	Length float64      `json:"length"`
	Width  float64      `json:"width"`
	Start  int          `json:"start"`  // frame index of States[0]
	States []AgentState `json:"states"` // consecutive frames
}

// StateAt returns the state at frame i and whether the object is present then.
func (t *Track) StateAt(i int) (AgentState, bool) {
	j := i - t.Start
	if j < 0 || j >= len(t.States) {
		return AgentState{}, false
	}
	return t.States[j], true
}

// AgentState is a tracked object's box-centre pose and velocity in the world frame. Encoded as
// [x, y, heading, vx, vy], with the turn signal as a sixth number when it is on.
type AgentState struct {
	Pose   geom.Pose
	VX, VY float64
	// Indicator is the turn signal the road user shows (vehicles; recorded data may not have it).
	Indicator Indicator
}

// Indicator is a turn signal: what a driver shows the others before turning or changing lanes.
type Indicator int8

// Turn signals. The values are the sign of the turn: left positive, as headings are.
const (
	IndicatorOff   Indicator = 0
	IndicatorLeft  Indicator = 1
	IndicatorRight Indicator = -1
)

// Speed returns the magnitude of the velocity.
func (a AgentState) Speed() float64 { return geom.Vec2{X: a.VX, Y: a.VY}.Norm() }

// Box returns the oriented box of an object of the given size in state a.
func (a AgentState) Box(length, width float64) geom.Box {
	return geom.Box{Center: a.Pose, Length: length, Width: width}
}

// Object is one tracked object at one instant, as the simulator observes it and the metrics score it.
type Object struct {
	ID    string
	Track int // index into Scenario.Tracks
	Type  ObjectType
	Box   geom.Box  // oriented box around the object's centre
	Vel   geom.Vec2 // world-frame velocity
	// Indicator is the turn signal the object shows (IndicatorOff when none or unknown).
	Indicator Indicator
}

// InstructionAt returns the instruction of list in force at time t: the text of the last entry with T <= t;
// ok is false when there is none yet.
func InstructionAt(list []Instruction, t float64) (text string, ok bool) {
	for _, it := range list {
		if it.T <= t+1e-9 {
			text, ok = it.Text, true
		}
	}
	return text, ok
}

// LaneAlong returns a lane of the given width along centerline, its bounds the centerline offset half the
// width to each side (geom.Polyline.Offset), speed limit and links unset.
func LaneAlong(id, roadblock string, centerline []geom.Vec2, width float64) Lane {
	pl := geom.NewPolyline(centerline)
	return Lane{ID: id, Roadblock: roadblock, Centerline: pl.Pts, Left: pl.Offset(width / 2), Right: pl.Offset(-width / 2)}
}
