package sim

import (
	"asyncdrive/dynamics"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Perception turns the ground truth into what the planner observes: a sensor and fusion stack fed with
// delayed, noisy detections (package perception). The simulator still scores the run on the ground truth.
//
// Perceive is called once per frame, in frame order, with the frame's virtual time, the ego state and the
// ground-truth objects of that frame (owned by the simulator: read them, don't keep them). It returns the
// objects the planner sees at that time; the simulator copies them, so the implementation may reuse the
// returned slice. An error ends the simulation with that error; implementations should rather degrade
// (return fewer or less certain objects) and count what went wrong.
type Perception interface {
	Perceive(t float64, ego dynamics.State, truth []scenarios.Object) ([]scenarios.Object, error)
}

// Guide supplies planner guidance in virtual time, such as a language-model guide whose result for the
// observation at t arrives at t + latency. Guidance is called at every planner tick, before planning, with
// the planner input (Guidance unset); it returns the guidance available at in.Time (the latest result that
// has arrived by then, whose Time says which observation it came from), or nil when there is none. The
// input and its slices belong to the simulator and are valid during the call only.
type Guide interface {
	Guidance(in *planner.Input) *planner.Guidance
}

// Frame is one finished simulation step, as a StepObserver sees it. Slices belong to the simulator and are
// valid during the call only: copy what you keep.
type Frame struct {
	Iteration int     // the planner iteration that produced this frame's plan
	Time      float64 // virtual time of the planner tick, s
	// Input is what the planner was given (ego history, observed objects, lights, guidance).
	Input *planner.Input
	// Truth are the ground-truth objects at Time (equal to the observed ones without Perception).
	Truth []scenarios.Object
	// Plan is the trajectory the planner returned.
	Plan dynamics.Trajectory
	// PlannerMS is the wall-clock runtime of the planner call, ms.
	PlannerMS float64
	// Next is the ego state one period later, after the tracker and motion model followed Plan.
	Next dynamics.State
	// Planner is the planner, for observers that ask it for more (an interface such as one that lists the
	// scored proposals).
	Planner planner.Planner
}

// StepObserver watches a simulation step by step: a run recorder, a live viewer. ObserveStep is called after
// every tick on the simulation's goroutine; a slow observer slows the simulation but cannot change it. An
// error ends the simulation with that error.
type StepObserver interface {
	ObserveStep(f *Frame) error
}
