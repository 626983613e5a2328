package commonroad

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/geom"
)

// TestGoalExplain: a goal 10 x 4 m around (50, 0), within [4, 5] s, heading within [-0.1, 0.1] rad and speed
// within [8, 12] m/s. Each run misses it a different way, and the explanation names how.
func TestGoalExplain(t *testing.T) {
	g := Goal{States: []GoalState{{
		TimeStart: 4, TimeEnd: 5,
		Regions:     []Region{{Polygon: []geom.Vec2{{X: 45, Y: -2}, {X: 55, Y: -2}, {X: 55, Y: 2}, {X: 45, Y: 2}}}},
		Orientation: &Interval{Min: -0.1, Max: 0.1},
		Velocity:    &Interval{Min: 8, Max: 12},
	}}}
	// drive returns samples every 0.1 s for 8 s at speed v along y = y0 with heading h, starting at x = 0.
	drive := func(v, y0, h float64) []Sample {
		var run []Sample
		for k := 0; k <= 80; k++ {
			t := float64(k) * 0.1
			run = append(run, Sample{T: t, Pose: geom.Pose{X: v * t, Y: y0, Heading: h}, Speed: v})
		}
		return run
	}
	for _, tc := range []struct {
		name string
		run  []Sample
		want []string
	}{
		{"met", drive(11, 0, 0), []string{"goal state 1: met at 4.1 s"}},
		{"late", drive(8.5, 0, 0), []string{"not met: in the region from 5.3 to 6.4 s (12 frames): 12 late"}},
		{"early", drive(20, 0, 0), []string{"in the region from 2.3 to 2.7 s (5 frames): 5 early"}},
		{"heading", drive(11, 0, 0.15), []string{"in time with the heading outside its interval (by 0.050 rad at the closest)"}},
		{"beside", drive(11, 3.5, 0), []string{"never in the region, 1.5 m from it at the closest"}},
		{"speed", func() []Sample {
			r := drive(11, 0, 0)
			for i := range r {
				r[i].Speed = 7.5
			}
			return r
		}(), []string{"in time with the speed outside its interval (by 0.50 m/s at the closest)"}},
	} {
		lines := g.Explain(tc.run)
		if len(lines) != 1 {
			t.Fatalf("%s: %d lines, want 1", tc.name, len(lines))
		}
		for _, w := range tc.want {
			if !strings.Contains(lines[0], w) {
				t.Errorf("%s: %q, want it to contain %q", tc.name, lines[0], w)
			}
		}
		if tc.name != "met" && !strings.Contains(lines[0], "time [4.0, 5.0] s, heading [-0.100, 0.100] rad, speed [8.00, 12.00] m/s") {
			t.Errorf("%s: %q does not list the goal's conditions", tc.name, lines[0])
		}
	}
	if got := angleOutside(math.Pi, Interval{Min: -0.1, Max: 0.1}); math.Abs(got-(math.Pi-0.1)) > 1e-9 {
		t.Errorf("angleOutside(pi) = %v, want pi - 0.1", got)
	}
}
