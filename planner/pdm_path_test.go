package planner

import (
	"math"
	"testing"

	"asyncdrive/geom"
)

// A windowed projection answers only when the nearest point lies inside the chunks it searches (those
// overlapping the window, about 5 m each): a point whose nearest point on the path lies before or after them
// gets no answer (the callers then search the whole path) instead of their first or last vertex.
func TestPathProjectWindow(t *testing.T) {
	var pts []geom.Vec2
	for x := 0.0; x <= 100; x += 2 {
		pts = append(pts, geom.V(x, 0))
	}
	line := geom.NewPolyline(pts)
	p := buildPath(&line, 0, nil, nil)
	q := geom.V(20.5, 2)
	for _, c := range []struct {
		from, to float64
		ok       bool
	}{
		{0, 100, true},
		{10, 30, true},
		{30, 60, false},  // nearest point before the window (a chunk, about 5 m, away)
		{-10, 10, false}, // after it
		{-10, 15, false},
	} {
		s, lat, ok := p.project(q, c.from, c.to, 5)
		if ok != c.ok {
			t.Errorf("window [%v, %v]: ok %v (s %.2f, lat %.2f), want %v", c.from, c.to, ok, s, lat, c.ok)
			continue
		}
		if ok && (math.Abs(s-20.5) > 1e-9 || math.Abs(lat-2) > 1e-9) {
			t.Errorf("window [%v, %v]: s %.3f lat %.3f, want 20.5, 2", c.from, c.to, s, lat)
		}
	}
	// At the path's own ends the projection extrapolates, in any window.
	if s, _, ok := p.project(geom.V(-3, 1), -10, 5, 5); !ok || math.Abs(s+3) > 1e-9 {
		t.Errorf("before the start: s %.2f ok %v, want -3", s, ok)
	}
}

// Past its end a path stays at its end, unless it is open (it runs out past the edge of the map): a plan at
// speed then runs on straight along the last heading instead of standing still at 30 m/s.
func TestPathPoseAtPastTheEnd(t *testing.T) {
	line := geom.NewPolyline([]geom.Vec2{geom.V(0, 0), geom.V(10, 0), geom.V(20, 10)})
	p := buildPath(&line, 0, nil, nil)
	end := line.Length()
	hint := 0
	if q := p.poseAt(end+5, &hint); q.Pos().Dist(geom.V(20, 10)) > 1e-9 {
		t.Errorf("closed path, 5 m past the end: %+v, want its end (20, 10)", q)
	}
	p.open = true
	q := p.poseAt(end+5, &hint)
	h := p.head[len(p.head)-1]
	want := geom.V(20+5*math.Cos(h), 10+5*math.Sin(h))
	if q.Pos().Dist(want) > 1e-9 || math.Abs(q.Heading-geom.NormalizeAngle(h)) > 1e-12 {
		t.Errorf("open path, 5 m past the end: %+v, want %+v heading %.3f", q, want, h)
	}
	if q := p.poseAt(end-1, &hint); q.Pos().Dist(geom.V(20, 10)) > 1.01 {
		t.Errorf("open path, 1 m before the end: %+v", q)
	}
}
