package planner

import (
	"errors"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// HistorySeconds is the length of the ego and object history the planner input carries (nuPlan: 2 s).
const HistorySeconds = 2.0

// Initialization is what a planner gets once per scenario, in nuPlan's words: the map, the route (roadblock
// ids) and the mission goal.
type Initialization struct {
	Map   *scenarios.Map
	Route []string
	Goal  geom.Pose
	// GoalWindow, when set, is when the mission asks the ego to be at Goal, on Input.Time's clock (a
	// CommonRoad planning problem's goal time interval); nil: any time.
	GoalWindow *scenarios.TimeWindow
	// GoalSpan, when set, is how far the goal's region reaches along its lane behind and ahead of Goal (a
	// goal given as a whole lane); nil (or NaN or negative lengths): Goal is the place to be.
	GoalSpan *scenarios.Span
	Vehicle  dynamics.VehicleParams
	DT       float64 // simulation period, s
}

// mapFollowing validates the initialization of a planner that follows the map's lanes and fills the defaults:
// it returns the map index and the vehicle (nuPlan's Pacifica when unset). name prefixes the errors.
func (init Initialization) mapFollowing(name string) (*scenarios.MapIndex, dynamics.VehicleParams, error) {
	if init.Map == nil {
		return nil, dynamics.VehicleParams{}, errors.New(name + ": no map")
	}
	if len(init.Route) == 0 {
		return nil, dynamics.VehicleParams{}, errors.New(name + ": empty route")
	}
	return init.Map.Index(), init.vehicle(), nil
}

// vehicle returns the initialization's vehicle, nuPlan's Pacifica when unset.
func (init Initialization) vehicle() dynamics.VehicleParams {
	if init.Vehicle == (dynamics.VehicleParams{}) {
		return dynamics.Pacifica()
	}
	return init.Vehicle
}

// currentEgo returns the input's current ego state, or an error prefixed with name when there is none or it
// is not finite.
func currentEgo(in *Input, name string) (dynamics.State, error) {
	if in == nil || len(in.Ego) == 0 {
		return dynamics.State{}, errors.New(name + ": no ego state")
	}
	ego := in.Current()
	if !ego.IsFinite() {
		return dynamics.State{}, errors.New(name + ": ego state is not finite")
	}
	return ego, nil
}

// LightStatus is the observed state of the traffic light controlling a lane connector.
type LightStatus struct {
	Lane  int // lane connector index in the map
	State scenarios.LightState
}

// Input is the planner input at one iteration: the current time, the ego history (last element is the current
// state) and observed objects history (last element is the current frame), spaced one step apart over
// HistorySeconds, the current traffic-light states and, optionally, guidance with the time it was computed
// for (see Guidance).
type Input struct {
	Iteration int
	Time      float64
	Ego       []dynamics.State
	Objects   [][]scenarios.Object
	Lights    []LightStatus
	Guidance  *Guidance // nil: no guidance
}

// Current returns the current ego state.
func (in *Input) Current() dynamics.State { return in.Ego[len(in.Ego)-1] }

// CurrentObjects returns the objects observed at the current time.
func (in *Input) CurrentObjects() []scenarios.Object {
	if len(in.Objects) == 0 {
		return nil
	}
	return in.Objects[len(in.Objects)-1]
}

// Planner computes ego trajectories in closed loop, as nuPlan's AbstractPlanner: Initialize once per
// scenario, then ComputeTrajectory every iteration. A returned trajectory starts at (or before) the input time
// and should cover at least 8 s.
type Planner interface {
	Name() string
	Initialize(init Initialization) error
	ComputeTrajectory(in *Input) (dynamics.Trajectory, error)
}
