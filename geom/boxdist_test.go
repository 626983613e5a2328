package geom

import (
	"math"
	"testing"
)

func TestBoxDistance(t *testing.T) {
	a := Box{Center: Pose{0, 0, 0}, Length: 4, Width: 2}
	cases := []struct {
		name string
		b    Box
		want float64
	}{
		{"overlap", Box{Center: Pose{1, 0, 0}, Length: 4, Width: 2}, 0},
		{"ahead 3 m gap", Box{Center: Pose{7, 0, 0}, Length: 4, Width: 2}, 3},
		{"beside 0.5 m gap", Box{Center: Pose{0, 2.5, 0}, Length: 4, Width: 2}, 0.5},
		// Diagonal: corner (2,1) to corner (5,5) of an axis-aligned box centred at (6,6) with half sizes 1.
		{"diagonal corners", Box{Center: Pose{6, 6, 0}, Length: 2, Width: 2}, 5},
		// A diamond whose tip points at a's front face, 1 m away.
		{"rotated tip", Box{Center: Pose{3 + math.Sqrt2, 0, math.Pi / 4}, Length: 2, Width: 2}, 1},
	}
	for _, c := range cases {
		if got := BoxDistance(a, c.b); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: BoxDistance = %v, want %v", c.name, got, c.want)
		}
		if got := BoxDistance(c.b, a); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s (swapped): BoxDistance = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestProjectRangeMatchesProjectDist(t *testing.T) {
	l := NewPolyline([]Vec2{{0, 0}, {10, 0}, {20, 5}, {30, 5}, {40, 0}})
	for _, p := range []Vec2{{5, 1}, {15, 4}, {25, 3}, {35, -2}, {45, 1}, {-3, 1}} {
		s, lat, d := l.ProjectDist(p)
		rs, rlat, rd := l.ProjectRange(p, s-6, s+6)
		if math.Abs(s-rs) > 1e-9 || math.Abs(lat-rlat) > 1e-9 || math.Abs(d-rd) > 1e-9 {
			t.Errorf("%v: ProjectRange = (%v, %v, %v), ProjectDist = (%v, %v, %v)", p, rs, rlat, rd, s, lat, d)
		}
	}
}
