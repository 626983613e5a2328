package commonroad

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/geom"
)

// TestGoalExplain: a goal 10 x 4 m around (50, 0), within [4, 5] s, heading within [-0.1, 0.1] rad and speed
// within [8, 12] m/s. Each run misses it a different way, and the explanation names how; Miss classifies it.
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
		miss Miss
	}{
		{"met", drive(11, 0, 0), []string{"goal state 1: met at 4.1 s"}, Miss{}},
		{"late", drive(8.5, 0, 0), []string{"not met: in the region from 5.3 to 6.4 s (12 frames): 12 late"}, Miss{MissLate, 0.3}},
		{"early", drive(20, 0, 0), []string{"in the region from 2.3 to 2.7 s (5 frames): 5 early"}, Miss{MissEarly, 1.3}},
		{"heading", drive(11, 0, 0.15), []string{"in time with the heading outside its interval (by 0.050 rad at the closest)"}, Miss{MissHeading, 0.05}},
		{"beside", drive(11, 3.5, 0), []string{"never in the region, 1.5 m from it at the closest"}, Miss{MissNever, 1.5}},
		{"speed", slow(drive(11, 0, 0)), []string{"in time with the speed outside its interval (by 0.50 m/s at the closest)"}, Miss{MissSpeed, 0.5}},
		{"heading and speed", slow(drive(11, 0, 0.15)), []string{"by 0.050 rad", "by 0.50 m/s"}, Miss{MissHeadingAndSpeed, 0.05}},
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
		if m := g.Miss(tc.run); m.Reason != tc.miss.Reason || math.Abs(m.By-tc.miss.By) > 1e-9 {
			t.Errorf("%s: Miss %+v, want %+v", tc.name, m, tc.miss)
		}
		if tc.name != "met" && !strings.Contains(lines[0], "time [4.0, 5.0] s, heading [-0.100, 0.100] rad, speed [8.00, 12.00] m/s") {
			t.Errorf("%s: %q does not list the goal's conditions", tc.name, lines[0])
		}
	}
	// With two goal states the nearest miss counts: in time but off in heading beats late.
	two := Goal{States: []GoalState{g.States[0], g.States[0]}}
	two.States[0].Orientation = &Interval{Min: 0.5, Max: 0.6}
	two.States[1].TimeStart, two.States[1].TimeEnd = 1, 2
	if m := two.Miss(drive(11, 0, 0)); m.Reason != MissHeading || math.Abs(m.By-0.5) > 1e-9 {
		t.Errorf("two states: Miss %+v, want heading by 0.5", m)
	}
	if got := angleOutside(math.Pi, Interval{Min: -0.1, Max: 0.1}); math.Abs(got-(math.Pi-0.1)) > 1e-9 {
		t.Errorf("angleOutside(pi) = %v, want pi - 0.1", got)
	}
}

// slow returns the run with every sample at 7.5 m/s (below the goal's speed interval), positions unchanged.
func slow(run []Sample) []Sample {
	for i := range run {
		run[i].Speed = 7.5
	}
	return run
}
