package dynamics

import (
	"asyncdrive/internal/benchlat"
	"math"
	"slices"
	"testing"

	"asyncdrive/geom"
)

func TestControllerStepIsCommandThenPropagate(t *testing.T) {
	v := Pacifica()
	c := NewController(v)
	tr := NewLQRTracker(DefaultLQR(), v)
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	s := State{Time: 0.4, Pose: traj.At(0.4).Pose.Translate(0.2, -0.3), Speed: 7.5, Accel: 0.3, Steering: 0.05}
	want := v.Propagate(s, tr.Command(s, traj), 0.1)
	if got := c.Step(s, traj, 0.1); got != want {
		t.Errorf("Step = %+v, want %+v", got, want)
	}
	if c.Vehicle() != v || c.Tracker().Params() != DefaultLQR() {
		t.Errorf("controller holds %+v / %+v", c.Vehicle(), c.Tracker().Params())
	}
}

func TestControllerRolloutMatchesStep(t *testing.T) {
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	s0 := State{Pose: geom.Pose{Y: 0.5}, Speed: 6}
	a := NewController(Pacifica())
	var want []State
	s := s0
	for i := 0; i < 40; i++ {
		s = a.Step(s, traj, 0.1)
		want = append(want, s)
	}
	b := NewController(Pacifica())
	got := b.Rollout(make([]State, 0, 40), s0, traj, 0.1, 40)
	if !slices.Equal(got, want) {
		t.Errorf("Rollout differs from stepping:\n%+v\n%+v", got[len(got)-1], want[len(want)-1])
	}
	// A non-finite state ends the rollout early.
	bad := b.Rollout(nil, State{Speed: math.NaN()}, traj, 0.1, 40)
	if len(bad) != 1 || bad[0].IsFinite() {
		t.Errorf("rollout from a NaN state: %d states", len(bad))
	}
}

func TestControllerNoAllocs(t *testing.T) {
	c := NewController(Pacifica())
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	s := State{Speed: 8, Steering: 0.1}
	if n := testing.AllocsPerRun(200, func() { _ = c.Step(s, traj, 0.1) }); n != 0 {
		t.Errorf("Step allocates %v times per call", n)
	}
	c.SetReference(traj)
	if n := testing.AllocsPerRun(200, func() { _ = c.StepReference(s, 0.1) }); n != 0 {
		t.Errorf("StepReference allocates %v times per call", n)
	}
	dst := make([]State, 0, 40)
	if n := testing.AllocsPerRun(50, func() { dst = c.Rollout(dst[:0], s, traj, 0.1, 40) }); n != 0 {
		t.Errorf("Rollout allocates %v times per call", n)
	}
}

// benchStates are ego states around an 8 s, 30 m radius arc at 8 m/s, as a planner tick sees them.
func benchStates(traj Trajectory) []State {
	states := make([]State, 64)
	for i := range states {
		ti := 0.1 * float64(i%40)
		states[i] = State{Time: ti, Pose: traj.At(ti).Pose.Translate(0.05*float64(i%7), 0.1*float64(i%5)-0.2),
			Speed: 7 + 0.05*float64(i%11), Steering: 0.1}
	}
	return states
}

// BenchmarkLQRCommand is one tracker command on an 8 s trajectory (81 resampled poses), fit included.
func BenchmarkLQRCommand(b *testing.B) {
	tr := NewLQRTracker(DefaultLQR(), Pacifica())
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	states := benchStates(traj)
	var sink Command
	benchlat.Run(b, 16, func(i int) { sink = tr.Command(states[i&63], traj) })
	_ = sink
}

// BenchmarkLQRCommandReference is one tracker command with the reference fitted beforehand (SetReference).
func BenchmarkLQRCommandReference(b *testing.B) {
	tr := NewLQRTracker(DefaultLQR(), Pacifica())
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	tr.SetReference(traj)
	states := benchStates(traj)
	var sink Command
	benchlat.Run(b, 16, func(i int) { sink = tr.CommandReference(states[i&63]) })
	_ = sink
}

// BenchmarkControllerStep is one two-stage controller step (command, fit included, then propagation).
func BenchmarkControllerStep(b *testing.B) {
	c := NewController(Pacifica())
	traj := sampled(circleRef(8, 30), 0, 8, 0.1)
	states := benchStates(traj)
	var sink State
	benchlat.Run(b, 16, func(i int) { sink = c.Step(states[i&63], traj, 0.1) })
	_ = sink
}

// BenchmarkProposalRollouts is the PDM-style load of one planner tick: 15 proposals, each fitted once and
// rolled out 40 steps of 0.1 s.
func BenchmarkProposalRollouts(b *testing.B) {
	c := NewController(Pacifica())
	var props [15]Trajectory
	for i := range props {
		props[i] = sampled(circleRef(4+float64(i%5)*2, 30+10*float64(i/5)), 0, 8, 0.1)
	}
	dst := make([]State, 0, 40)
	s := State{Speed: 6, Steering: 0.1}
	benchlat.Run(b, 16, func(int) {
		for _, p := range props {
			dst = c.Rollout(dst[:0], s, p, 0.1, 40)
		}
	})
}
