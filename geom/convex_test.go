package geom

import (
	"math"
	"testing"
)

func TestQuadIntersectsAndDist(t *testing.T) {
	a := BoxQuad(Box{Center: Pose{}, Length: 4, Width: 2})
	cases := []struct {
		name string
		b    Box
		hit  bool
		dist float64
	}{
		{"overlapping", Box{Center: Pose{X: 3}, Length: 4, Width: 2}, true, 0},
		{"2 m ahead", Box{Center: Pose{X: 6}, Length: 4, Width: 2}, false, 2},
		{"beside, 0.5 m", Box{Center: Pose{Y: 2.5}, Length: 4, Width: 2}, false, 0.5},
		{"turned, corner 1 m off the side", Box{Center: Pose{Y: 2 + math.Sqrt2, Heading: math.Pi / 4}, Length: 2, Width: 2}, false, 1},
		{"diagonal, corners 1 m apart", Box{Center: Pose{X: 4 + 1/math.Sqrt2, Y: 2 + 1/math.Sqrt2}, Length: 4, Width: 2}, false, 1},
	}
	for _, c := range cases {
		b := BoxQuad(c.b)
		if got := a.Intersects(&b); got != c.hit {
			t.Errorf("%s: intersects %v, want %v", c.name, got, c.hit)
		}
		if got := a.Dist(&b); math.Abs(got-c.dist) > 1e-9 {
			t.Errorf("%s: distance %v, want %v", c.name, got, c.dist)
		}
		if got := b.Dist(&a); math.Abs(got-c.dist) > 1e-9 {
			t.Errorf("%s: distance the other way %v, want %v", c.name, got, c.dist)
		}
	}
}

func TestAppendCorridor(t *testing.T) {
	var p Polyline
	for _, v := range []Vec2{V(0, 0), V(10, 0), V(10, 10)} {
		p.Append(v)
	}
	qs := AppendCorridor(nil, &p, 5, 15, 1)
	if len(qs) != 2 {
		t.Fatalf("%d quads, want 2 (one per stretch)", len(qs))
	}
	// The first covers x 5..10 along y = 0, 1 m either side; the second x 9..11, y 0..5.
	if b := qs[0].Bnds; b.Min != V(5, -1) || b.Max != V(10, 1) {
		t.Errorf("first quad bounds %+v, want (5,-1)-(10,1)", b)
	}
	if b := qs[1].Bnds; b.Min != V(9, 0) || b.Max != V(11, 5) {
		t.Errorf("second quad bounds %+v, want (9,0)-(11,5)", b)
	}
	car := BoxQuad(Box{Center: Pose{X: 10, Y: 8, Heading: math.Pi / 2}, Length: 4, Width: 2})
	if qs[1].Intersects(&car) || math.Abs(qs[1].Dist(&car)-1) > 1e-9 {
		t.Errorf("a car 1 m past the corridor's end: intersects %v, distance %v; want false, 1", qs[1].Intersects(&car), qs[1].Dist(&car))
	}
	if len(AppendCorridor(nil, &p, 15, 5, 1)) != 0 {
		t.Error("an empty stretch gave quads")
	}
}

func TestLineAndArcPoints(t *testing.T) {
	l := LinePoints(V(0, 0), V(10, 0), 4)
	if len(l) != 4 || l[0] != V(0, 0) || l[3] != V(10, 0) || l[1] != V(4, 0) {
		t.Errorf("LinePoints: %v, want 0, 4, 8, 10 along x", l)
	}
	a := ArcPoints(V(1, 1), 2, 0, math.Pi/2, 4)
	if len(a) != 5 || a[0].Dist(V(3, 1)) > 1e-12 || a[4].Dist(V(1, 3)) > 1e-12 || math.Abs(a[2].Dist(V(1, 1))-2) > 1e-12 {
		t.Errorf("ArcPoints: %v, want a quarter circle of radius 2 about (1, 1) from (3, 1) to (1, 3)", a)
	}
}
