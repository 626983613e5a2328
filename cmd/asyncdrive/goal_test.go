package main

import (
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/eval"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// A goal reached in the overtime after an at-fault crash there is no goal; one reached before it is.
func TestGoalCountsOnlyBeforeAnUnscoredCrash(t *testing.T) {
	ego := make([]dynamics.State, 20)
	for i := range ego {
		ego[i] = dynamics.State{Time: float64(i) * 0.1, Pose: geom.Pose{X: float64(i)}}
	}
	at := func(x float64) eval.Goal {
		return eval.GoalFunc(func(_ float64, p geom.Pose, _ float64) bool { return p.X == x })
	}
	res := &sim.Result{Ego: ego, ScoredFrames: 10, FirstUnscoredAtFault: -1}
	if !goalReached(at(15), goalHistory(res)) {
		t.Error("a goal met in a clean overtime does not count")
	}
	res.UnscoredAtFaultCollisions, res.FirstUnscoredAtFault = 1, 12
	if goalReached(at(15), goalHistory(res)) {
		t.Error("a goal met after an at-fault crash in the overtime counts")
	}
	if goalReached(at(12), goalHistory(res)) {
		t.Error("a goal met at the crash's frame counts")
	}
	if !goalReached(at(11), goalHistory(res)) || !goalReached(at(3), goalHistory(res)) {
		t.Error("a goal met before the crash does not count")
	}
}

// --goal-overtime takes auto or seconds; auto runs at least 5 s, on while the recorded road users last, at
// most 60 s.
func TestGoalOvertime(t *testing.T) {
	var o overtimeFlag
	for in, want := range map[string]overtimeFlag{"auto": autoOvertime, "7.5": 7.5, "0": 0} {
		if err := o.Set(in); err != nil || o != want || o.String() != in {
			t.Errorf("Set(%q): %v, %v (%q), want %v", in, o, err, o.String(), want)
		}
	}
	for _, bad := range []string{"-1", "601", "NaN", "soon", ""} {
		if err := o.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	sc := &scenarios.Scenario{DT: 0.1, Horizon: 10}
	traffic := func(lastFrame int) {
		sc.Tracks = []scenarios.Track{{ID: "a", Start: 5, States: make([]scenarios.AgentState, lastFrame-4)}}
	}
	for _, c := range []struct {
		lastFrame, steps int
		o                overtimeFlag
		want             int
	}{
		{250, 0, autoOvertime, 150},  // the road users last 15 s past the 10 s horizon
		{120, 0, autoOvertime, 50},   // they leave before 5 s are up: 5 s
		{9000, 0, autoOvertime, 600}, // at most 60 s
		{250, 200, autoOvertime, 50}, // --steps 200 scores 20 s: 5 s
		{250, 0, 3, 30},              // seconds given: as given
		{250, 0, 0, 0},
	} {
		traffic(c.lastFrame)
		if got := goalOvertimeSteps(sc, c.steps, c.o); got != c.want {
			t.Errorf("road users to frame %d, steps %d, %v: %d overtime steps, want %d", c.lastFrame, c.steps, c.o.String(), got, c.want)
		}
	}
}
