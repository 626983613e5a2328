package geom

import (
	"asyncdrive/internal/benchlat"
	"math"
	"testing"
)

// benchBoxes overlap and are rotated, so that Overlaps runs all four axis tests.
var benchBoxes = [2]Box{{Pose{0, 0, 0.3}, 4.8, 2}, {Pose{3, 1.2, 1.1}, 4.5, 1.9}}

// benchPath is a 50-vertex curve with a lateral wiggle, the size of a few lanes' centerlines.
func benchPath() Polyline {
	pts := make([]Vec2, 50)
	for i := range pts {
		x := float64(i) * 2
		pts[i] = V(x, 3*math.Sin(x/15))
	}
	return NewPolyline(pts)
}

func TestHotPathAllocs(t *testing.T) {
	a, b := benchBoxes[0], benchBoxes[1]
	l := benchPath()
	p := V(37.3, 1.9)
	var sink float64
	cases := map[string]func(){
		"Box.Overlaps":          func() { _ = a.Overlaps(b) },
		"Box.Corners":           func() { _ = a.Corners() },
		"Box.SegmentIntersects": func() { _ = a.SegmentIntersects(V(-5, 0), V(5, 1)) },
		"Polyline.Project":      func() { s, lat := l.Project(p); sink += s + lat },
		"Polyline.ProjectDist":  func() { s, lat, d := l.ProjectDist(p); sink += s + lat + d },
		"Polyline.PoseAt":       func() { sink += l.PoseAt(41.5).X },
		"DistToPolygon":         func() { sink += DistToPolygon(V(5, 5), lShape) },
		"Polyline.ProjectRange": func() { s, lat, d := l.ProjectRange(p, 30, 45); sink += s + lat + d },
		"BoxDistance":           func() { sink += BoxDistance(a, Box{Pose{9, 9, 0.4}, 4, 2}) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
	_ = sink
}

func BenchmarkBoxOverlaps(b *testing.B) {
	x, y := benchBoxes[0], benchBoxes[1]
	n := 0
	f := func() {
		if x.Overlaps(y) {
			n++
		}
	}
	benchlat.Batched(b, f)
	if n == 0 {
		b.Fatal("boxes do not overlap")
	}
}

func BenchmarkPolylineProject(b *testing.B) {
	l := benchPath()
	p := V(37.3, 1.9)
	var sink float64
	f := func() {
		s, lat := l.Project(p)
		sink += s + lat
	}
	benchlat.Batched(b, f)
	_ = sink
}
