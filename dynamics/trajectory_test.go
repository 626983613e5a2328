package dynamics

import (
	"math"
	"testing"

	"asyncdrive/geom"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestTrajectoryAt(t *testing.T) {
	tr := Trajectory{
		{Time: 1, Pose: geom.Pose{X: 0, Y: 0, Heading: 0}, Speed: 2, Accel: 1},
		{Time: 2, Pose: geom.Pose{X: 10, Y: -4, Heading: 0.5}, Speed: 4, Accel: -1},
		{Time: 4, Pose: geom.Pose{X: 20, Y: 0, Heading: 3.0}, Speed: 8, Accel: 0},
		{Time: 5, Pose: geom.Pose{X: 30, Y: 10, Heading: -3.0}, Speed: 6, Accel: 2}, // crosses +-pi
	}
	tests := []struct {
		name string
		t    float64
		want TrajectoryPoint
	}{
		{"first point", 1, tr[0]},
		{"before start clamps", 0.2, tr[0]},
		{"after end clamps", 9, tr[3]},
		{"last point", 5, tr[3]},
		{"interior point", 2, TrajectoryPoint{Time: 2, Pose: geom.Pose{X: 10, Y: -4, Heading: 0.5}, Speed: 4, Accel: -1}},
		{"quarter", 1.25, TrajectoryPoint{Time: 1.25, Pose: geom.Pose{X: 2.5, Y: -1, Heading: 0.125}, Speed: 2.5, Accel: 0.5}},
		{"uneven spacing", 3.5, TrajectoryPoint{Time: 3.5, Pose: geom.Pose{X: 17.5, Y: -1, Heading: 0.5 + 0.75*2.5}, Speed: 7, Accel: -0.25}},
		// From 3.0 to -3.0 the short way is +(2 pi - 6) = 0.2831853 through pi, not -6 through 0.
		{"wrap quarter", 4.25, TrajectoryPoint{Time: 4.25, Pose: geom.Pose{X: 22.5, Y: 2.5, Heading: 3.0 + 0.25*(2*math.Pi-6)}, Speed: 7.5, Accel: 0.5}},
		{"wrap three quarters", 4.75, TrajectoryPoint{Time: 4.75, Pose: geom.Pose{X: 27.5, Y: 7.5, Heading: 3.0 + 0.75*(2*math.Pi-6) - 2*math.Pi}, Speed: 6.5, Accel: 1.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tr.At(tc.t)
			const tol = 1e-12
			if !near(got.Time, tc.want.Time, tol) || !near(got.Pose.X, tc.want.Pose.X, tol) ||
				!near(got.Pose.Y, tc.want.Pose.Y, tol) || !near(got.Pose.Heading, tc.want.Pose.Heading, tol) ||
				!near(got.Speed, tc.want.Speed, tol) || !near(got.Accel, tc.want.Accel, tol) {
				t.Errorf("At(%v) = %+v, want %+v", tc.t, got, tc.want)
			}
			if h := got.Pose.Heading; h < -math.Pi || h >= math.Pi {
				t.Errorf("heading %v outside [-pi, pi)", h)
			}
		})
	}
}

func TestTrajectoryAtEdgeCases(t *testing.T) {
	if got := (Trajectory{}).At(3); got != (TrajectoryPoint{}) {
		t.Errorf("empty trajectory: %+v, want zero", got)
	}
	one := Trajectory{{Time: 1, Pose: geom.Pose{X: 3}, Speed: 2}}
	for _, x := range []float64{0, 1, 2} {
		if got := one.At(x); got != one[0] {
			t.Errorf("single point At(%v) = %+v", x, got)
		}
	}
	dup := Trajectory{{Time: 0}, {Time: 1, Speed: 1}, {Time: 1, Speed: 5}, {Time: 2, Speed: 5}}
	if got := dup.At(1); got.Speed != 5 {
		t.Errorf("duplicate time: speed %v, want the later point's 5", got.Speed)
	}
	// NaN and infinite times must not panic.
	tr := Trajectory{{Time: 0}, {Time: 1}, {Time: 2}}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		_ = tr.At(x)
		i := 1
		_ = tr.cursorPose(&i, x)
	}
}

func TestTrajectoryCursorPoseMatchesAt(t *testing.T) {
	var tr Trajectory
	for i := 0; i < 40; i++ {
		ti := 0.37*float64(i) + 0.05*math.Sin(float64(i))
		tr = append(tr, TrajectoryPoint{Time: ti, Pose: geom.Pose{X: ti * ti, Y: math.Cos(ti), Heading: principalValue(ti)}, Speed: ti})
	}
	cur := 0
	for x := -1.0; x < 16; x += 0.013 {
		a, b := tr.At(x).Pose, tr.cursorPose(&cur, x)
		if a != b {
			t.Fatalf("t=%v: At %+v, cursorPose %+v", x, a, b)
		}
	}
	// A cursor ahead of the time searched is reset, not trusted.
	cur = 30
	if a, b := tr.At(1).Pose, tr.cursorPose(&cur, 1); a != b {
		t.Errorf("stale cursor: At %+v, cursorPose %+v", a, b)
	}
}

func TestPrincipalValue(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 0}, {1, 1}, {-1, -1}, {math.Pi, -math.Pi}, {-math.Pi, -math.Pi},
		{3 * math.Pi / 2, -math.Pi / 2}, {-3 * math.Pi / 2, math.Pi / 2}, {7, 7 - 2*math.Pi}, {-20, -20 + 6*math.Pi},
	}
	for _, tc := range tests {
		if got := principalValue(tc.in); !near(got, tc.want, 1e-12) {
			t.Errorf("principalValue(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := principalValue(math.NaN()); !math.IsNaN(got) {
		t.Errorf("principalValue(NaN) = %v", got)
	}
}
