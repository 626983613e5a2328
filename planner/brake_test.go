package planner

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

// brakeRun drives the ego from 12 m/s with a Brake planner of decel through nuPlan's controller for 8 s, as
// the simulator does, and returns its states every 0.1 s.
func brakeRun(t *testing.T, decel float64) []dynamics.State {
	t.Helper()
	b := NewBrake(decel)
	if err := b.Initialize(Initialization{}); err != nil {
		t.Fatal(err)
	}
	ctrl := dynamics.NewController(dynamics.Pacifica())
	st := dynamics.State{Pose: geom.Pose{X: 5, Y: 2, Heading: 0.3}, Speed: 12}
	states := []dynamics.State{st}
	for k := 0; k < 80; k++ {
		tr, err := b.ComputeTrajectory(&Input{Iteration: k, Time: st.Time, Ego: []dynamics.State{st}})
		if err != nil {
			t.Fatal(err)
		}
		st = ctrl.Step(st, tr, 0.1)
		states = append(states, st)
	}
	return states
}

func TestBrakeStopsHardWithoutBackingUp(t *testing.T) {
	dist := func(s []dynamics.State, i int) float64 { return math.Hypot(s[i].Pose.X-5, s[i].Pose.Y-2) }
	hard := brakeRun(t, 8)
	stop := -1
	for i, s := range hard {
		if s.Speed < -0.01 {
			t.Fatalf("the ego backs up at %.1f s (%.3f m/s)", s.Time, s.Speed)
		}
		if stop < 0 && s.Speed < 0.05 {
			stop = i
		}
	}
	// From 12 m/s at 8 m/s^2 behind the actuator's 0.2 s lag: 11.4 m in 1.7 s, then the command eases off as
	// the ego comes to rest (12.0 m, below 0.05 m/s at 2.4 s).
	if stop < 0 || stop > 30 {
		t.Fatalf("the ego is still moving at %.2f m/s after %.1f s", hard[30].Speed, hard[30].Time)
	}
	if d := dist(hard, stop); d < 9 || d > 13 {
		t.Errorf("braking at 8 m/s^2 from 12 m/s took %.1f m, want 9..13", d)
	}
	if drift := dist(hard, 80) - dist(hard, stop); drift > 0.1 {
		t.Errorf("the stopped ego crept on by %.2f m", drift)
	}
	if h := hard[80].Pose.Heading; math.Abs(h-0.3) > 0.01 {
		t.Errorf("the ego turned from 0.3 to %.3f rad braking along its heading", h)
	}
	if soft := brakeRun(t, 4); dist(soft, 80) < dist(hard, 80)+4 {
		t.Errorf("braking at 4 m/s^2 took %.1f m, want well beyond 8 m/s^2's %.1f", dist(soft, 80), dist(hard, 80))
	}
}

func TestBrakeBadInput(t *testing.T) {
	for _, d := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if err := NewBrake(d).Initialize(Initialization{}); err == nil {
			t.Errorf("deceleration %v: no error", d)
		}
	}
	b := NewBrake(8)
	if err := b.Initialize(Initialization{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ComputeTrajectory(&Input{}); err == nil {
		t.Error("no ego state: no error")
	}
	nan := dynamics.State{Pose: geom.Pose{X: math.NaN()}, Speed: 3}
	if _, err := b.ComputeTrajectory(&Input{Ego: []dynamics.State{nan}}); err == nil {
		t.Error("a NaN ego state: no error")
	}
}
