package geom

import (
	"math"
	"testing"
)

const tol = 1e-12

func near(a, b, eps float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= eps
}

func nearVec(a, b Vec2, eps float64) bool { return near(a.X, b.X, eps) && near(a.Y, b.Y, eps) }

var s2 = math.Sqrt2

func TestVec2Ops(t *testing.T) {
	a, b := V(3, 4), V(-1, 2)
	vecs := []struct {
		name      string
		got, want Vec2
	}{
		{"V", V(1.5, -2), Vec2{1.5, -2}},
		{"Add", a.Add(b), V(2, 6)},
		{"Sub", a.Sub(b), V(4, 2)},
		{"Scale", a.Scale(-0.5), V(-1.5, -2)},
		{"Scale0", a.Scale(0), V(0, 0)},
		{"Perp", a.Perp(), V(-4, 3)},
		{"PerpPerp", a.Perp().Perp(), V(-3, -4)},
		{"Lerp0", Lerp(a, b, 0), a},
		{"Lerp1", Lerp(a, b, 1), b},
		{"LerpHalf", Lerp(a, b, 0.5), V(1, 3)},
		{"LerpExtrapolate", Lerp(a, b, 2), V(-5, 0)},
		{"Unit0", Unit(0), V(1, 0)},
		{"UnitHalfPi", Unit(math.Pi / 2), V(0, 1)},
		{"UnitPi", Unit(math.Pi), V(-1, 0)},
		{"UnitQuarter", Unit(-math.Pi / 4), V(1/s2, -1/s2)},
	}
	for _, c := range vecs {
		if !nearVec(c.got, c.want, tol) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	scalars := []struct {
		name      string
		got, want float64
	}{
		{"Dot", a.Dot(b), 5},
		{"DotPerp", a.Dot(a.Perp()), 0},
		{"Cross", a.Cross(b), 10},                       // 3*2 - 4*(-1)
		{"CrossReversed", b.Cross(a), -10},              // anti-symmetric
		{"CrossCCWPositive", V(1, 0).Cross(V(0, 1)), 1}, // b counter-clockwise of a
		{"Norm", a.Norm(), 5},
		{"Norm2", a.Norm2(), 25},
		{"NormZero", V(0, 0).Norm(), 0},
		{"Dist", a.Dist(b), math.Sqrt(20)},
		{"DistSelf", a.Dist(a), 0},
		{"NormHuge", V(3e200, 4e200).Norm(), 5e200}, // Hypot does not overflow
	}
	for _, c := range scalars {
		if !near(c.got, c.want, tol*math.Max(1, math.Abs(c.want))) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestIsFinite(t *testing.T) {
	cases := []struct {
		v    Vec2
		want bool
	}{
		{V(0, 0), true},
		{V(-1e308, 1e308), true},
		{V(math.NaN(), 0), false},
		{V(0, math.NaN()), false},
		{V(math.Inf(1), 0), false},
		{V(0, math.Inf(-1)), false},
	}
	for _, c := range cases {
		if got := c.v.IsFinite(); got != c.want {
			t.Errorf("%v.IsFinite() = %v, want %v", c.v, got, c.want)
		}
	}
	if !(Pose{1, 2, 3}).IsFinite() || (Pose{1, 2, math.NaN()}).IsFinite() || (Pose{math.Inf(1), 0, 0}).IsFinite() {
		t.Error("Pose.IsFinite wrong")
	}
}

func TestRotate(t *testing.T) {
	cases := []struct {
		v     Vec2
		theta float64
		want  Vec2
	}{
		{V(1, 0), 0, V(1, 0)},
		{V(1, 0), math.Pi / 2, V(0, 1)},
		{V(1, 0), math.Pi, V(-1, 0)},
		{V(1, 0), -math.Pi / 2, V(0, -1)},
		{V(1, 2), -math.Pi / 2, V(2, -1)},
		{V(1, 2), math.Pi / 2, V(-2, 1)},
		{V(3, 4), math.Pi / 4, V(-1/s2, 7/s2)},
		{V(3, 4), 2 * math.Pi, V(3, 4)},
		{V(3, 4), -3 * math.Pi, V(-3, -4)},
		{V(0, 0), 1.234, V(0, 0)},
	}
	for _, c := range cases {
		got := c.v.Rotate(c.theta)
		if !nearVec(got, c.want, 1e-12) {
			t.Errorf("%v.Rotate(%v) = %v, want %v", c.v, c.theta, got, c.want)
		}
		if !near(got.Norm(), c.v.Norm(), 1e-12) {
			t.Errorf("%v.Rotate(%v) changed the length to %v", c.v, c.theta, got.Norm())
		}
	}
}

func TestNormalizeAngle(t *testing.T) {
	pi := math.Pi
	cases := []struct {
		in, want, eps float64
	}{
		{0, 0, 0},
		{1, 1, 0},
		{-1, -1, 0},
		{pi, pi, 0},  // upper end is kept
		{-pi, pi, 0}, // lower end maps to the upper one
		{2 * pi, 0, tol},
		{-2 * pi, 0, tol},
		{3 * pi, pi, tol},
		{-3 * pi, pi, tol},
		{pi + 0.1, -pi + 0.1, tol},
		{-pi - 0.1, pi - 0.1, tol},
		{pi - 0.1, pi - 0.1, 0},
		{-pi + 0.1, -pi + 0.1, 0},
		{7.5, 7.5 - 2*pi, tol},
		{-7.5, -7.5 + 2*pi, tol},
		{100*2*pi + 0.3, 0.3, 1e-12},
		{-100*2*pi - 0.3, -0.3, 1e-12},
		{1e6*2*pi + 1, 1, 1e-8},
	}
	for _, c := range cases {
		got := NormalizeAngle(c.in)
		if !near(got, c.want, c.eps) {
			t.Errorf("NormalizeAngle(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	// The result lies in (-pi, pi] and is the same direction, for many inputs including huge ones. (Odd
	// multiples of pi such as 1001*pi come out near pi or near -pi: in floating point they are not exactly
	// odd multiples. Beyond about 1e10 the reduction by the float64 2*pi drifts from math.Sin's by more than
	// 1e-6.)
	for _, a := range []float64{1e-300, -1e-300, 4, -4, 10, -10, 123.456, -987.654, 1e10, -1e10, 1001 * pi, -1001 * pi,
		math.Nextafter(pi, 4), math.Nextafter(-pi, -4), math.Nextafter(pi, 0), math.Nextafter(-pi, 0)} {
		got := NormalizeAngle(a)
		if !(got > -pi && got <= pi) {
			t.Errorf("NormalizeAngle(%v) = %v, outside (-pi, pi]", a, got)
		}
		if math.Abs(math.Sin(got)-math.Sin(a)) > 1e-6 || math.Abs(math.Cos(got)-math.Cos(a)) > 1e-6 {
			t.Errorf("NormalizeAngle(%v) = %v, a different direction", a, got)
		}
	}
	for _, a := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := NormalizeAngle(a); !math.IsNaN(got) {
			t.Errorf("NormalizeAngle(%v) = %v, want NaN", a, got)
		}
	}
}

func TestAngleDiff(t *testing.T) {
	pi := math.Pi
	cases := []struct {
		a, b, want float64
	}{
		{0.1, -0.1, 0.2},
		{-0.1, 0.1, -0.2},
		{pi - 0.1, -pi + 0.1, -0.2}, // across the +-pi seam: the short way
		{-pi + 0.1, pi - 0.1, 0.2},
		{pi, -pi, 0},
		{0, pi, pi}, // half a turn is +pi, never -pi
		{pi, 0, pi},
		{pi / 2, -pi / 2, pi},
		{5 * pi / 2, 0, pi / 2},
		{0, 4 * pi, 0},
	}
	for _, c := range cases {
		if got := AngleDiff(c.a, c.b); !near(got, c.want, 1e-12) {
			t.Errorf("AngleDiff(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestPose(t *testing.T) {
	p := Pose{X: 1, Y: 2, Heading: math.Pi / 2}
	if got := p.Pos(); got != V(1, 2) {
		t.Errorf("Pos = %v", got)
	}
	if got := p.Forward(); !nearVec(got, V(0, 1), tol) {
		t.Errorf("Forward = %v, want (0, 1)", got)
	}
	cases := []struct{ local, world Vec2 }{
		{V(0, 0), V(1, 2)},
		{V(1, 0), V(1, 3)},  // forward is +Y
		{V(0, 1), V(0, 2)},  // left is -X
		{V(0, -1), V(2, 2)}, // right is +X
		{V(2, 3), V(-2, 4)},
	}
	for _, c := range cases {
		if got := p.ToWorld(c.local); !nearVec(got, c.world, tol) {
			t.Errorf("ToWorld(%v) = %v, want %v", c.local, got, c.world)
		}
		if got := p.ToLocal(c.world); !nearVec(got, c.local, tol) {
			t.Errorf("ToLocal(%v) = %v, want %v", c.world, got, c.local)
		}
	}
	// Round trips for arbitrary poses and points.
	for _, q := range []Pose{{0, 0, 0}, {-3, 7, 2.5}, {100, -50, -1.2}, {1e5, 4e6, 3.1}} {
		for _, v := range []Vec2{V(0, 0), V(1, 0), V(-2.5, 3.25), V(40, -17)} {
			if got := q.ToLocal(q.ToWorld(v)); !nearVec(got, v, 1e-9) {
				t.Errorf("%v: ToLocal(ToWorld(%v)) = %v", q, v, got)
			}
			w := q.Pos().Add(v)
			if got := q.ToWorld(q.ToLocal(w)); !nearVec(got, w, 1e-9) {
				t.Errorf("%v: ToWorld(ToLocal(%v)) = %v", q, w, got)
			}
		}
	}
	tr := []struct {
		p      Pose
		d, lat float64
		want   Pose
	}{
		{Pose{1, 2, math.Pi / 2}, 2, 1, Pose{0, 4, math.Pi / 2}},
		{Pose{0, 0, 0}, 3, 0, Pose{3, 0, 0}},
		{Pose{0, 0, 0}, 0, -2, Pose{0, -2, 0}},
		{Pose{0, 0, math.Pi}, 1, 1, Pose{-1, -1, math.Pi}},
		{Pose{5, 5, math.Pi / 4}, s2, 0, Pose{6, 6, math.Pi / 4}},
	}
	for _, c := range tr {
		got := c.p.Translate(c.d, c.lat)
		if !near(got.X, c.want.X, tol) || !near(got.Y, c.want.Y, tol) || got.Heading != c.want.Heading {
			t.Errorf("%v.Translate(%v, %v) = %v, want %v", c.p, c.d, c.lat, got, c.want)
		}
	}
}

func TestBoxCorners(t *testing.T) {
	cases := []struct {
		b    Box
		want [4]Vec2 // front left, rear left, rear right, front right
	}{
		{Box{Pose{0, 0, 0}, 4, 2}, [4]Vec2{{2, 1}, {-2, 1}, {-2, -1}, {2, -1}}},
		// Heading +Y: forward is +Y, left is -X.
		{Box{Pose{1, 2, math.Pi / 2}, 4, 2}, [4]Vec2{{0, 4}, {0, 0}, {2, 0}, {2, 4}}},
		// Heading -X.
		{Box{Pose{0, 0, math.Pi}, 4, 2}, [4]Vec2{{-2, -1}, {2, -1}, {2, 1}, {-2, 1}}},
		// 45 degrees, a 2 x 2 square: corners on the axes.
		{Box{Pose{0, 0, math.Pi / 4}, 2, 2}, [4]Vec2{{0, s2}, {-s2, 0}, {0, -s2}, {s2, 0}}},
	}
	for _, c := range cases {
		got := c.b.Corners()
		for i := range got {
			if !nearVec(got[i], c.want[i], 1e-12) {
				t.Errorf("%v.Corners()[%d] = %v, want %v", c.b, i, got[i], c.want[i])
			}
		}
	}
}

func TestBoxContains(t *testing.T) {
	b := Box{Pose{1, 2, math.Pi / 2}, 4, 2} // x in [0, 2], y in [0, 4]
	cases := []struct {
		p    Vec2
		want bool
	}{
		{V(1, 2), true},
		{V(0, 4), true}, // a corner
		{V(2, 0), true},
		{V(1.5, 3.9), true},
		{V(0, 2), true}, // on an edge
		{V(2.1, 2), false},
		{V(1, 4.1), false},
		{V(-0.01, 1), false},
		{V(3, 1), false}, // would be inside the same box unrotated: x in [-1, 3], y in [1, 3]
		{V(math.NaN(), 2), false},
	}
	for _, c := range cases {
		if got := b.Contains(c.p); got != c.want {
			t.Errorf("%v.Contains(%v) = %v, want %v", b, c.p, got, c.want)
		}
	}
}

func TestBoxOverlaps(t *testing.T) {
	q := math.Pi / 4
	sq := func(x, y, h float64) Box { return Box{Pose{x, y, h}, 2, 2} }
	cases := []struct {
		name string
		a, b Box
		want bool
	}{
		{"separated along x", Box{Pose{0, 0, 0}, 4, 2}, Box{Pose{5, 0, 0}, 4, 2}, false},
		{"separated along y", Box{Pose{0, 0, 0}, 4, 2}, Box{Pose{0, 2.5, 0}, 4, 2}, false},
		{"touching edges", Box{Pose{0, 0, 0}, 4, 2}, Box{Pose{4, 0, 0}, 4, 2}, true},
		{"touching corners", Box{Pose{0, 0, 0}, 4, 2}, Box{Pose{4, 2, 0}, 4, 2}, true},
		{"overlapping", Box{Pose{0, 0, 0}, 4, 2}, Box{Pose{3, 0.5, 0}, 4, 2}, true},
		{"identical", sq(1, 1, 0.3), sq(1, 1, 0.3), true},
		{"contained", Box{Pose{0, 0, 0.2}, 10, 6}, Box{Pose{0.5, 0.5, 1.1}, 1, 0.5}, true},
		{"cross, no corner inside", Box{Pose{0, 0, 0}, 10, 1}, Box{Pose{0, 0, math.Pi / 2}, 10, 1}, true},
		// Bounding circles (radius sqrt 2 each) overlap in all of these; only the boxes decide.
		// A 45-degree square's corner points at an axis-aligned square's edge x = 1.
		{"45 corner short of edge", sq(0, 0, 0), sq(1+s2+0.1, 0, q), false},
		{"45 corner through edge", sq(0, 0, 0), sq(1+s2-0.1, 0, q), true},
		// Corner (c-1, c-1) of an axis-aligned square against the edge x+y = sqrt 2 of a 45-degree square:
		// separated for 2c-2 > sqrt 2, i.e. c > 1.7071, on the rotated square's axis.
		{"diagonal separated", sq(0, 0, q), sq(1.8, 1.8, 0), false},
		{"diagonal overlapping", sq(0, 0, q), sq(1.65, 1.65, 0), true},
		{"both rotated, parallel, separated", Box{Pose{0, 0, q}, 4, 1}, Box{Pose{-0.8, 0.8, q}, 4, 1}, false},
		{"both rotated, parallel, overlapping", Box{Pose{0, 0, q}, 4, 1}, Box{Pose{-0.6, 0.6, q}, 4, 1}, true},
		{"far apart", sq(0, 0, 0), sq(100, -100, 1), false},
	}
	for _, c := range cases {
		if got := c.a.Overlaps(c.b); got != c.want {
			t.Errorf("%s: a.Overlaps(b) = %v, want %v", c.name, got, c.want)
		}
		if got := c.b.Overlaps(c.a); got != c.want {
			t.Errorf("%s: b.Overlaps(a) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBoxSegmentIntersects(t *testing.T) {
	b := Box{Pose{0, 0, 0}, 4, 2} // x in [-2, 2], y in [-1, 1]
	r := Box{Pose{0, 0, math.Pi / 4}, 2, 2}
	cases := []struct {
		name string
		b    Box
		a, c Vec2
		want bool
	}{
		{"through, both ends outside", b, V(-5, 0), V(5, 0), true},
		{"inside", b, V(-1, 0), V(1, 0.5), true},
		{"one end inside", b, V(0, 0), V(10, 10), true},
		{"parallel above", b, V(-5, 2), V(5, 2), false},
		{"along the top edge", b, V(-5, 1), V(5, 1), true},
		{"touching a corner", b, V(3, 0), V(1, 2), true}, // x+y = 3 through (2, 1)
		{"missing a corner", b, V(3.1, 0), V(0, 3.1), false},
		{"short of the box", b, V(-5, 0), V(-2.5, 0), false},
		{"rotated box: through its corners' gap", r, V(1, 1), V(2, 0), false}, // x+y = 2 > sqrt 2
		{"rotated box: crossing", r, V(1, 1), V(-1, -1), true},
		{"rotated box: degenerate segment inside", r, V(0.1, 0.1), V(0.1, 0.1), true},
	}
	for _, c := range cases {
		if got := c.b.SegmentIntersects(c.a, c.c); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
		if got := c.b.SegmentIntersects(c.c, c.a); got != c.want {
			t.Errorf("%s (reversed): %v", c.name, got)
		}
	}
}

func TestSegmentsIntersect(t *testing.T) {
	cases := []struct {
		name           string
		p1, p2, q1, q2 Vec2
		want           bool
	}{
		{"crossing", V(0, 0), V(2, 2), V(0, 2), V(2, 0), true},
		{"disjoint", V(0, 0), V(1, 1), V(2, 0), V(3, -1), false},
		{"lines cross beyond the segments", V(0, 0), V(1, 1), V(3, 0), V(2, 1), false},
		{"parallel", V(0, 0), V(2, 0), V(0, 1), V(2, 1), false},
		{"collinear overlapping", V(0, 0), V(2, 0), V(1, 0), V(3, 0), true},
		{"collinear contained", V(0, 0), V(4, 0), V(1, 0), V(2, 0), true},
		{"collinear disjoint", V(0, 0), V(1, 0), V(2, 0), V(3, 0), false},
		{"collinear touching endpoints", V(0, 0), V(1, 0), V(1, 0), V(2, 0), true},
		{"collinear vertical disjoint", V(0, 0), V(0, 1), V(0, 2), V(0, 3), false},
		{"shared endpoint at an angle", V(0, 0), V(1, 1), V(1, 1), V(2, 0), true},
		{"T junction", V(0, 0), V(2, 0), V(1, 0), V(1, 5), true},
		{"near miss of a T", V(0, 0), V(2, 0), V(1, 0.001), V(1, 5), false},
		{"point on segment", V(0, 0), V(2, 2), V(1, 1), V(1, 1), true},
		{"point off segment", V(0, 0), V(2, 2), V(1, 1.5), V(1, 1.5), false},
		{"two equal points", V(1, 1), V(1, 1), V(1, 1), V(1, 1), true},
	}
	for _, c := range cases {
		for _, sw := range []bool{false, true} {
			p1, p2, q1, q2 := c.p1, c.p2, c.q1, c.q2
			if sw {
				p1, p2, q1, q2 = q2, q1, p2, p1
			}
			if got := SegmentsIntersect(p1, p2, q1, q2); got != c.want {
				t.Errorf("%s (swapped %v) = %v, want %v", c.name, sw, got, c.want)
			}
		}
	}
}

func TestSegmentDist(t *testing.T) {
	cases := []struct {
		p, a, b Vec2
		want    float64
	}{
		{V(1, 1), V(0, 0), V(2, 0), 1},        // projects inside
		{V(1, -3), V(0, 0), V(2, 0), 3},       // other side
		{V(-3, 4), V(0, 0), V(2, 0), 5},       // before a
		{V(5, 4), V(0, 0), V(2, 0), 5},        // after b
		{V(1, 0), V(0, 0), V(2, 0), 0},        // on it
		{V(3, 4), V(0, 0), V(0, 0), 5},        // degenerate segment
		{V(0, 0), V(1, -1), V(1, 1), 1},       // vertical
		{V(0, 0), V(2, 0), V(0, 2), s2},       // diagonal
		{V(10, 10), V(2, 0), V(0, 2), 9 * s2}, // |10+10-2|/sqrt 2, foot (1, 1)
	}
	for _, c := range cases {
		if got := SegmentDist(c.p, c.a, c.b); !near(got, c.want, 1e-12) {
			t.Errorf("SegmentDist(%v, %v, %v) = %v, want %v", c.p, c.a, c.b, got, c.want)
		}
	}
}

func reversed(p []Vec2) []Vec2 {
	out := make([]Vec2, len(p))
	for i := range p {
		out[i] = p[len(p)-1-i]
	}
	return out
}

// An L-shaped (concave) polygon: the square [0, 4]^2 minus [2, 4] x [2, 4].
var lShape = []Vec2{{0, 0}, {4, 0}, {4, 2}, {2, 2}, {2, 4}, {0, 4}}

func TestPointInPolygon(t *testing.T) {
	square := []Vec2{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	tri := []Vec2{{0, 0}, {4, 0}, {0, 4}}
	cases := []struct {
		name string
		poly []Vec2
		p    Vec2
		want bool
	}{
		{"square centre", square, V(1, 1), true},
		{"square outside right", square, V(3, 1), false},
		{"square outside left", square, V(-1, 1), false},
		{"square outside, on a vertex's level", square, V(-1, 2), false},
		{"triangle inside", tri, V(1, 1), true},
		{"triangle beyond hypotenuse", tri, V(2.1, 2), false},
		{"L lower arm", lShape, V(3, 1), true},
		{"L upper arm", lShape, V(1, 3), true},
		{"L corner", lShape, V(1, 1), true},
		{"L notch", lShape, V(3, 3), false},
		{"L notch edge level", lShape, V(3, 2.5), false},
		{"L outside", lShape, V(5, 1), false},
		{"empty", nil, V(0, 0), false},
		{"one point", []Vec2{{0, 0}}, V(0, 0), false},
	}
	for _, c := range cases {
		if got := PointInPolygon(c.p, c.poly); got != c.want {
			t.Errorf("%s: PointInPolygon(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
		if got := PointInPolygon(c.p, reversed(c.poly)); got != c.want {
			t.Errorf("%s (clockwise): PointInPolygon(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestDistToPolygon(t *testing.T) {
	square := []Vec2{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	cases := []struct {
		name string
		poly []Vec2
		p    Vec2
		want float64
	}{
		{"inside", square, V(1, 1), 0},
		{"right of an edge", square, V(2.25, 1), 0.25},
		{"below an edge", square, V(1, -0.35), 0.35},
		{"off a corner", square, V(5, 6), 5},
		{"closing edge", square, V(-0.5, 1), 0.5},
		{"L notch, nearer the upper arm", lShape, V(2.5, 3.5), 0.5},
		{"L notch, nearer the lower arm", lShape, V(3.5, 2.2), 0.2},
		{"L notch, off the inner corner", lShape, V(2.3, 2.4), 0.3},
		{"L inside", lShape, V(1, 3), 0},
		{"one point", []Vec2{{1, 1}}, V(4, 5), 5},
		{"empty", nil, V(0, 0), math.Inf(1)},
	}
	for _, c := range cases {
		for _, poly := range [][]Vec2{c.poly, reversed(c.poly)} {
			if got := DistToPolygon(c.p, poly); !near(got, c.want, 1e-12) {
				t.Errorf("%s: DistToPolygon(%v) = %v, want %v", c.name, c.p, got, c.want)
			}
		}
	}
}

func TestBoundaryWithin(t *testing.T) {
	square := []Vec2{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	cases := []struct {
		name string
		poly []Vec2
		p    Vec2
		r    float64
		want bool
	}{
		{"outside, nearer than r", square, V(2.25, 1), 0.3, true},
		{"outside, exactly r", square, V(2.25, 1), 0.25, false},
		{"closing edge", square, V(-0.5, 1), 0.6, true},
		{"off a corner", square, V(5, 6), 4.9, false},
		{"inside: its distance to the edges", square, V(1, 1), 0.9, false},
		{"inside, near an edge", square, V(1, 0.1), 0.2, true},
		{"one point", []Vec2{{1, 1}}, V(4, 5), 5.1, true},
		{"empty", nil, V(0, 0), 100, false},
	}
	for _, c := range cases {
		if got := BoundaryWithin(c.p, c.poly, c.r); got != c.want {
			t.Errorf("%s: BoundaryWithin(%v, %v) = %v", c.name, c.p, c.r, got)
		}
	}
}

func TestAABB(t *testing.T) {
	e := EmptyAABB()
	if e.Contains(V(0, 0), 0) || e.Contains(V(0, 0), 1e6) {
		t.Error("the empty box contains a point")
	}
	b := BoundsOf([]Vec2{{1, 2}, {-3, 5}, {4, -1}})
	if b.Min != V(-3, -1) || b.Max != V(4, 5) {
		t.Errorf("BoundsOf = %v", b)
	}
	if got := BoundsOf(nil); got != EmptyAABB() {
		t.Errorf("BoundsOf(nil) = %v, want the empty box", got)
	}
	e.Extend(V(2, 3))
	if e.Min != V(2, 3) || e.Max != V(2, 3) || !e.Contains(V(2, 3), 0) {
		t.Errorf("one point box = %v", e)
	}
	cases := []struct {
		p      Vec2
		margin float64
		want   bool
	}{
		{V(0, 0), 0, true},
		{V(-3, -1), 0, true}, // corner
		{V(4, 5), 0, true},
		{V(4.5, 0), 0, false},
		{V(4.5, 0), 0.5, true},
		{V(4.5, 0), 0.49, false},
		{V(0, -1.2), 0.25, true},
		{V(0, 5.3), 0.25, false},
		{V(math.NaN(), 0), 10, false},
	}
	for _, c := range cases {
		if got := b.Contains(c.p, c.margin); got != c.want {
			t.Errorf("Contains(%v, %v) = %v, want %v", c.p, c.margin, got, c.want)
		}
	}
}

func TestSmoothstep(t *testing.T) {
	for _, c := range []struct{ u, want float64 }{{-1, 0}, {0, 0}, {0.25, 0.15625}, {0.5, 0.5}, {1, 1}, {2, 1}} {
		if got := Smoothstep(c.u); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Smoothstep(%v) = %v, want %v", c.u, got, c.want)
		}
	}
}
