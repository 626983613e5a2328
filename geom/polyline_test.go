package geom

import (
	"math"
	"testing"
)

// lPath runs 10 m along +X, then turns left and runs 10 m along +Y.
func lPath() Polyline { return NewPolyline([]Vec2{{0, 0}, {10, 0}, {10, 10}}) }

func TestNewPolyline(t *testing.T) {
	cases := []struct {
		name  string
		in    []Vec2
		pts   []Vec2
		s     []float64
		total float64
	}{
		{"empty", nil, nil, nil, 0},
		{"one point", []Vec2{{1, 2}}, []Vec2{{1, 2}}, []float64{0}, 0},
		{"all duplicates", []Vec2{{1, 2}, {1, 2}, {1, 2}}, []Vec2{{1, 2}}, []float64{0}, 0},
		{"duplicates dropped", []Vec2{{0, 0}, {0, 0}, {3, 4}, {3, 4}, {3, 4}, {6, 8}},
			[]Vec2{{0, 0}, {3, 4}, {6, 8}}, []float64{0, 5, 10}, 10},
		{"near duplicate dropped", []Vec2{{0, 0}, {1e-10, 0}, {1, 0}}, []Vec2{{0, 0}, {1, 0}}, []float64{0, 1}, 1},
		{"micrometre kept", []Vec2{{0, 0}, {1e-6, 0}}, []Vec2{{0, 0}, {1e-6, 0}}, []float64{0, 1e-6}, 1e-6},
		{"non-consecutive repeat kept", []Vec2{{0, 0}, {1, 0}, {0, 0}}, []Vec2{{0, 0}, {1, 0}, {0, 0}},
			[]float64{0, 1, 2}, 2},
		{"L", []Vec2{{0, 0}, {10, 0}, {10, 10}}, []Vec2{{0, 0}, {10, 0}, {10, 10}}, []float64{0, 10, 20}, 20},
	}
	for _, c := range cases {
		l := NewPolyline(c.in)
		if len(l.Pts) != len(c.pts) || len(l.S) != len(c.s) {
			t.Errorf("%s: got %v %v, want %v %v", c.name, l.Pts, l.S, c.pts, c.s)
			continue
		}
		for i := range c.pts {
			if l.Pts[i] != c.pts[i] || !near(l.S[i], c.s[i], 1e-15) {
				t.Errorf("%s: point %d = %v at s %v, want %v at %v", c.name, i, l.Pts[i], l.S[i], c.pts[i], c.s[i])
			}
		}
		if got := l.Length(); !near(got, c.total, 1e-15) {
			t.Errorf("%s: Length = %v, want %v", c.name, got, c.total)
		}
	}
	var zero Polyline
	if zero.Length() != 0 {
		t.Error("zero Polyline has a length")
	}
	l := lPath()
	l.Reset()
	if len(l.Pts) != 0 || len(l.S) != 0 || cap(l.Pts) < 3 {
		t.Errorf("Reset: %v %v cap %d", l.Pts, l.S, cap(l.Pts))
	}
	l.Append(V(1, 1))
	l.Append(V(1, 1))
	l.Append(V(4, 5))
	if len(l.Pts) != 2 || l.Length() != 5 {
		t.Errorf("Append after Reset: %v %v", l.Pts, l.S)
	}
}

func TestPolylineAt(t *testing.T) {
	l := lPath()
	h := math.Pi / 2
	cases := []struct {
		s       float64
		p       Vec2
		heading float64
	}{
		{0, V(0, 0), 0},
		{5, V(5, 0), 0},
		{10, V(10, 0), h}, // a vertex belongs to the segment that starts there
		{9.999, V(9.999, 0), 0},
		{15, V(10, 5), h},
		{20, V(10, 10), h},
		{-3, V(-3, 0), 0},  // extrapolated back along the first segment
		{23, V(10, 13), h}, // and forward along the last
		{-1e3, V(-1e3, 0), 0},
	}
	for _, c := range cases {
		if got := l.At(c.s); !nearVec(got, c.p, 1e-12) {
			t.Errorf("At(%v) = %v, want %v", c.s, got, c.p)
		}
		if got := l.HeadingAt(c.s); !near(got, c.heading, 1e-15) {
			t.Errorf("HeadingAt(%v) = %v, want %v", c.s, got, c.heading)
		}
		got := l.PoseAt(c.s)
		if !nearVec(got.Pos(), c.p, 1e-12) || !near(got.Heading, c.heading, 1e-15) {
			t.Errorf("PoseAt(%v) = %v", c.s, got)
		}
	}
	// A diagonal and a heading pointing backwards.
	d := NewPolyline([]Vec2{{0, 0}, {3, 4}, {0, 8}})
	if got := d.At(2.5); !nearVec(got, V(1.5, 2), 1e-12) {
		t.Errorf("diagonal At(2.5) = %v", got)
	}
	if got := d.HeadingAt(7); !near(got, math.Atan2(4, -3), 1e-15) {
		t.Errorf("diagonal HeadingAt(7) = %v", got)
	}
	// Degenerate polylines.
	var empty Polyline
	if empty.At(3) != (Vec2{}) || empty.HeadingAt(3) != 0 {
		t.Error("empty polyline")
	}
	one := NewPolyline([]Vec2{{2, 3}})
	if one.At(5) != V(2, 3) || one.HeadingAt(5) != 0 || one.PoseAt(1) != (Pose{2, 3, 0}) {
		t.Error("one-point polyline")
	}
}

func TestPolylineProject(t *testing.T) {
	l := lPath()
	cases := []struct {
		name         string
		p            Vec2
		s, lat, dist float64
	}{
		{"left of the first segment", V(5, 2), 5, 2, 2},
		{"right of the first segment", V(5, -1.5), 5, -1.5, 1.5},
		{"on the line", V(3, 0), 3, 0, 0},
		{"right of the second segment", V(11, 4), 14, -1, 1}, // heading +Y: right is +X
		{"left of the second segment", V(8, 7), 17, 2, 2},
		{"before the start", V(-3, 1), -3, 1, math.Sqrt(10)}, // distance to the end point, not the extension
		{"after the end", V(11, 14), 24, -1, math.Sqrt(17)},
		{"inner side of the corner", V(9, 0.5), 9, 0.5, 0.5},
		// Outer side of the corner: nearest is the vertex; lateral is the signed distance to it.
		{"outside the corner", V(12, -2), 10, -math.Sqrt(8), math.Sqrt(8)},
		{"outside the corner, on the first line", V(12, 0), 10, -2, 2},
		{"outside the corner, on the second line", V(10, -3), 10, -3, 3},
		{"at the corner", V(10, 0), 10, 0, 0},
	}
	for _, c := range cases {
		s, lat, dist := l.ProjectDist(c.p)
		if !near(s, c.s, 1e-12) || !near(lat, c.lat, 1e-12) || !near(dist, c.dist, 1e-12) {
			t.Errorf("%s: ProjectDist(%v) = %v, %v, %v; want %v, %v, %v", c.name, c.p, s, lat, dist, c.s, c.lat, c.dist)
		}
		s2, lat2 := l.Project(c.p)
		if s2 != s || lat2 != lat {
			t.Errorf("%s: Project and ProjectDist differ", c.name)
		}
	}
	// A right turn: the outer side is on the left.
	r := NewPolyline([]Vec2{{0, 0}, {10, 0}, {10, -10}})
	if s, lat, d := r.ProjectDist(V(12, 2)); !near(s, 10, 1e-12) || !near(lat, math.Sqrt(8), 1e-12) || !near(d, math.Sqrt(8), 1e-12) {
		t.Errorf("right turn, outside the corner: %v %v %v", s, lat, d)
	}
	// Lateral is continuous across the wedge outside a corner.
	for _, pair := range [][2]Vec2{
		{V(12, -1e-9), V(12, 1e-9)},           // wedge | second segment
		{V(10-1e-9, -2), V(10+1e-9, -2)},      // first segment | wedge
		{V(10+1e-7, -1e-7), V(10-1e-7, 1e-7)}, // across the vertex
	} {
		_, a, _ := l.ProjectDist(pair[0])
		_, b, _ := l.ProjectDist(pair[1])
		if math.Abs(a-b) > 1e-6 {
			t.Errorf("lateral jumps from %v at %v to %v at %v", a, pair[0], b, pair[1])
		}
	}
	// Everywhere, |lateral| is the distance except beyond the ends, where it is the offset from the extension.
	for x := -5.0; x <= 15; x += 0.37 {
		for y := -5.0; y <= 15; y += 0.41 {
			p := V(x, y)
			s, lat, d := l.ProjectDist(p)
			if s < 0 || s > l.Length() {
				continue
			}
			if !near(math.Abs(lat), d, 1e-9) {
				t.Fatalf("at %v: lateral %v, distance %v", p, lat, d)
			}
			if q := l.At(s); !near(q.Dist(p), d, 1e-9) {
				t.Fatalf("at %v: At(s) is %v from p, distance says %v", p, q.Dist(p), d)
			}
		}
	}
	// Degenerate polylines.
	var empty Polyline
	if s, lat, d := empty.ProjectDist(V(1, 1)); s != 0 || lat != 0 || !math.IsInf(d, 1) {
		t.Errorf("empty: %v %v %v", s, lat, d)
	}
	one := NewPolyline([]Vec2{{1, 1}})
	if s, lat, d := one.ProjectDist(V(4, 5)); s != 0 || lat != 0 || d != 5 {
		t.Errorf("one point: %v %v %v", s, lat, d)
	}
	if _, _, d := l.ProjectDist(V(math.NaN(), 0)); !math.IsInf(d, 1) && !math.IsNaN(d) {
		t.Errorf("NaN point: distance %v", d)
	}
}

func TestResample(t *testing.T) {
	line := NewPolyline([]Vec2{{0, 0}, {10, 0}})
	cases := []struct {
		name string
		l    Polyline
		step float64
		want []Vec2
	}{
		{"step 3", line, 3, []Vec2{{0, 0}, {3, 0}, {6, 0}, {9, 0}, {10, 0}}},
		{"step divides", line, 5, []Vec2{{0, 0}, {5, 0}, {10, 0}}},
		{"step 2.5 round the corner", lPath(), 2.5, []Vec2{{0, 0}, {2.5, 0}, {5, 0}, {7.5, 0}, {10, 0},
			{10, 2.5}, {10, 5}, {10, 7.5}, {10, 10}}},
		{"step longer than the line", line, 25, []Vec2{{0, 0}, {10, 0}}},
		{"infinite step", line, math.Inf(1), []Vec2{{0, 0}, {10, 0}}},
		{"zero step copies", lPath(), 0, []Vec2{{0, 0}, {10, 0}, {10, 10}}},
		{"negative step copies", line, -1, []Vec2{{0, 0}, {10, 0}}},
		{"NaN step copies", line, math.NaN(), []Vec2{{0, 0}, {10, 0}}},
		{"one point", NewPolyline([]Vec2{{1, 2}}), 1, []Vec2{{1, 2}}},
	}
	for _, c := range cases {
		got := c.l.Resample(c.step)
		if len(got) != len(c.want) {
			t.Errorf("%s: Resample = %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if !nearVec(got[i], c.want[i], 1e-12) {
				t.Errorf("%s: Resample = %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	// The result is a copy.
	l := lPath()
	out := l.Resample(0)
	out[0] = V(99, 99)
	if l.Pts[0] != V(0, 0) {
		t.Error("Resample(0) aliases the polyline's points")
	}
}

func TestOffset(t *testing.T) {
	cases := []struct {
		name string
		pts  []Vec2
		lat  float64
		want []Vec2
	}{
		{"straight left", []Vec2{{0, 0}, {10, 0}}, 1, []Vec2{{0, 1}, {10, 1}}},
		{"straight right", []Vec2{{0, 0}, {10, 0}}, -1, []Vec2{{0, -1}, {10, -1}}},
		{"straight, inner vertex", []Vec2{{0, 0}, {5, 0}, {10, 0}}, 1.75, []Vec2{{0, 1.75}, {5, 1.75}, {10, 1.75}}},
		{"diagonal", []Vec2{{0, 0}, {3, 4}}, 5, []Vec2{{-4, 3}, {-1, 7}}},
		// Right angle (left turn): the inner side is the left; offset lines meet at the mitre point.
		{"right angle, inner side", []Vec2{{0, 0}, {10, 0}, {10, 10}}, 1, []Vec2{{0, 1}, {9, 1}, {9, 10}}},
		{"right angle, outer side", []Vec2{{0, 0}, {10, 0}, {10, 10}}, -1, []Vec2{{0, -1}, {11, -1}, {11, 10}}},
		{"zero offset", []Vec2{{0, 0}, {10, 0}, {10, 10}}, 0, []Vec2{{0, 0}, {10, 0}, {10, 10}}},
		{"one point", []Vec2{{1, 2}}, 3, []Vec2{{1, 2}}},
		{"empty", nil, 3, []Vec2{}},
	}
	for _, c := range cases {
		l := NewPolyline(c.pts)
		got := l.Offset(c.lat)
		if len(got) != len(c.want) {
			t.Errorf("%s: Offset = %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if !nearVec(got[i], c.want[i], 1e-12) {
				t.Errorf("%s: Offset = %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	// On a smooth curve (a sampled arc) every offset segment runs parallel at the offset.
	var arc []Vec2
	for i := 0; i <= 12; i++ {
		a := float64(i) * math.Pi / 24
		arc = append(arc, V(20*math.Sin(a), 20-20*math.Cos(a)))
	}
	l := NewPolyline(arc)
	for _, lat := range []float64{-1.75, 1.75} {
		off := l.Offset(lat)
		for i := 0; i+1 < len(off); i++ {
			a, b := l.Pts[i], l.Pts[i+1]
			for _, q := range []Vec2{off[i], off[i+1], Lerp(off[i], off[i+1], 0.5)} {
				d := math.Abs(b.Sub(a).Cross(q.Sub(a))) / b.Dist(a) // from the segment's line
				if !near(d, math.Abs(lat), 1e-9) {
					t.Errorf("arc offset %v: segment %d point %v is %v from the original", lat, i, q, d)
				}
			}
		}
	}
	// A hairpin: the mitre is limited.
	h := NewPolyline([]Vec2{{0, 0}, {10, 0}, {0, 0.5}})
	if got := h.Offset(1)[1]; got.Dist(V(10, 0)) > 4+1e-9 {
		t.Errorf("hairpin mitre %v is %v from the vertex", got, got.Dist(V(10, 0)))
	}
	// An exact reversal leaves the vertex in place.
	u := Polyline{Pts: []Vec2{{0, 0}, {10, 0}, {0, 0}}, S: []float64{0, 10, 20}}
	if got := u.Offset(1)[1]; got != V(10, 0) {
		t.Errorf("reversal: %v", got)
	}
}

func TestProjectRangeWindow(t *testing.T) {
	// 0..10 along +X, then 10 along +Y, then 10 along -X: vertices at s = 10 and 20.
	l := NewPolyline([]Vec2{{0, 0}, {10, 0}, {10, 10}, {0, 10}})
	cases := []struct {
		name         string
		p            Vec2
		from, to     float64
		s, lat, dist float64
	}{
		{"window holds the nearest point", V(5, 1), 0, 9, 5, 1, 1},
		{"whole line", V(5, 9), -100, 100, 25, 1, 1}, // nearest on the third segment, heading -X: left is -Y
		// The nearest point on the third segment is outside a window on the first: the nearest within it.
		{"window before the nearest point", V(5, 9), 0, 5, 5, 9, 9},
		// A window on the middle segment only: p projects before it, onto its first vertex (no extension).
		{"clamped to the window's first vertex", V(5, -2), 12, 18, 10, math.Sqrt(29), math.Sqrt(29)},
		{"reversed window", V(5, 1), 9, 0, 5, 1, 1},
		{"window beyond the end extends the last segment", V(-3, 11), 25, 1000, 33, -1, math.Sqrt(10)},
	}
	for _, c := range cases {
		s, lat, d := l.ProjectRange(c.p, c.from, c.to)
		if !near(s, c.s, 1e-12) || !near(lat, c.lat, 1e-12) || !near(d, c.dist, 1e-12) {
			t.Errorf("%s: ProjectRange(%v, %v, %v) = %v, %v, %v; want %v, %v, %v", c.name, c.p, c.from, c.to, s, lat, d, c.s, c.lat, c.dist)
		}
	}
	one := NewPolyline([]Vec2{{1, 1}})
	if s, lat, d := one.ProjectRange(V(4, 5), 0, 10); s != 0 || lat != 0 || d != 5 {
		t.Errorf("one point: %v %v %v", s, lat, d)
	}
}

// ChordHeading turns smoothly through a vertex where PoseAt's segment heading jumps.
func TestChordHeading(t *testing.T) {
	l := NewPolyline([]Vec2{V(0, 0), V(10, 0), V(10+10*math.Cos(0.6), 10*math.Sin(0.6))})
	if h := l.ChordHeading(2, 2); math.Abs(h) > 1e-12 {
		t.Errorf("on the first segment: %v, want 0", h)
	}
	if h := l.ChordHeading(10, 2); math.Abs(h-0.3) > 0.01 {
		t.Errorf("at the vertex: %v, want about 0.3 (halfway between 0 and 0.6)", h)
	}
	prev := l.ChordHeading(8, 2)
	for s := 8.1; s <= 12; s += 0.1 {
		h := l.ChordHeading(s, 2)
		if h < prev-1e-12 || h-prev > 0.1 {
			t.Fatalf("at s=%.1f the heading goes %v -> %v: not a smooth turn", s, prev, h)
		}
		prev = h
	}
	if h := l.ChordHeading(18, 2); math.Abs(h-0.6) > 1e-9 {
		t.Errorf("on the last segment: %v, want 0.6", h)
	}
	if h := (&Polyline{}).ChordHeading(1, 2); h != 0 {
		t.Errorf("empty polyline: %v", h)
	}
}
