package geom

import "math"

// Vec2 is a point or a vector in the plane, in metres.
type Vec2 struct{ X, Y float64 }

// V returns the vector (x, y).
func V(x, y float64) Vec2 { return Vec2{x, y} }

// Add returns a+b.
func (a Vec2) Add(b Vec2) Vec2 { return Vec2{a.X + b.X, a.Y + b.Y} }

// Sub returns a-b.
func (a Vec2) Sub(b Vec2) Vec2 { return Vec2{a.X - b.X, a.Y - b.Y} }

// Scale returns k*a.
func (a Vec2) Scale(k float64) Vec2 { return Vec2{a.X * k, a.Y * k} }

// Dot returns the dot product a·b.
func (a Vec2) Dot(b Vec2) float64 { return a.X*b.X + a.Y*b.Y }

// Cross returns the z component of the cross product a×b (positive when b is counter-clockwise of a).
func (a Vec2) Cross(b Vec2) float64 { return a.X*b.Y - a.Y*b.X }

// Norm returns the Euclidean length of a.
func (a Vec2) Norm() float64 { return math.Hypot(a.X, a.Y) }

// Norm2 returns the squared length of a.
func (a Vec2) Norm2() float64 { return a.X*a.X + a.Y*a.Y }

// Dist returns the distance between a and b.
func (a Vec2) Dist(b Vec2) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// Rotate returns a rotated counter-clockwise by theta radians.
func (a Vec2) Rotate(theta float64) Vec2 {
	s, c := math.Sincos(theta)
	return Vec2{c*a.X - s*a.Y, s*a.X + c*a.Y}
}

// Perp returns a rotated by +90 degrees.
func (a Vec2) Perp() Vec2 { return Vec2{-a.Y, a.X} }

// Lerp returns a + t*(b-a).
func Lerp(a, b Vec2, t float64) Vec2 { return Vec2{a.X + t*(b.X-a.X), a.Y + t*(b.Y-a.Y)} }

// Smoothstep returns the cubic blend 3u^2 - 2u^3 from 0 at u <= 0 to 1 at u >= 1, flat at both ends: the
// lateral profile of a lane change.
func Smoothstep(u float64) float64 {
	u = math.Max(0, math.Min(1, u))
	return u * u * (3 - 2*u)
}

// Unit returns the unit vector at angle theta.
func Unit(theta float64) Vec2 {
	s, c := math.Sincos(theta)
	return Vec2{c, s}
}

// IsFinite reports whether both coordinates are finite numbers.
func (a Vec2) IsFinite() bool { return finite(a.X) && finite(a.Y) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// NormalizeAngle wraps an angle to the interval (-pi, pi].
func NormalizeAngle(a float64) float64 {
	if a > math.Pi || a <= -math.Pi {
		a = math.Mod(a+math.Pi, 2*math.Pi)
		if a <= 0 {
			a += 2 * math.Pi
		}
		a -= math.Pi
	}
	return a
}

// AngleDiff returns the signed smallest angle from b to a, in (-pi, pi].
func AngleDiff(a, b float64) float64 { return NormalizeAngle(a - b) }

// Pose is a position and a heading (radians, counter-clockwise from +X).
type Pose struct {
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Heading float64 `json:"heading"`
}

// Pos returns the position of p.
func (p Pose) Pos() Vec2 { return Vec2{p.X, p.Y} }

// Forward returns the unit vector along p's heading.
func (p Pose) Forward() Vec2 { return Unit(p.Heading) }

// ToWorld maps a point given in p's frame (x forward, y left) into the world frame.
func (p Pose) ToWorld(local Vec2) Vec2 { return local.Rotate(p.Heading).Add(p.Pos()) }

// ToLocal maps a world point into p's frame (x forward, y left).
func (p Pose) ToLocal(world Vec2) Vec2 { return world.Sub(p.Pos()).Rotate(-p.Heading) }

// Translate returns p moved by d metres along its heading and lat metres to its left.
func (p Pose) Translate(d, lat float64) Pose {
	w := p.ToWorld(Vec2{d, lat})
	return Pose{w.X, w.Y, p.Heading}
}

// IsFinite reports whether every field of p is a finite number.
func (p Pose) IsFinite() bool { return finite(p.X) && finite(p.Y) && finite(p.Heading) }

// Box is an oriented rectangle: its centre pose, its length along the heading and its width across it.
type Box struct {
	Center        Pose
	Length, Width float64
}

// Corners returns the four corners in nuPlan's order: front left, rear left, rear right, front right.
func (b Box) Corners() [4]Vec2 {
	hl, hw := b.Length/2, b.Width/2
	f := b.Center.Forward()
	l := f.Perp()
	c := b.Center.Pos()
	fx, lx := f.Scale(hl), l.Scale(hw)
	return [4]Vec2{
		c.Add(fx).Add(lx),
		c.Sub(fx).Add(lx),
		c.Sub(fx).Sub(lx),
		c.Add(fx).Sub(lx),
	}
}

// Contains reports whether point p lies inside or on b.
func (b Box) Contains(p Vec2) bool {
	q := b.Center.ToLocal(p)
	return math.Abs(q.X) <= b.Length/2+1e-12 && math.Abs(q.Y) <= b.Width/2+1e-12
}

// Overlaps reports whether two oriented boxes intersect (touching counts), by the separating axis test.
func (b Box) Overlaps(o Box) bool {
	// Quick reject on bounding circles.
	rb := 0.5 * math.Hypot(b.Length, b.Width)
	ro := 0.5 * math.Hypot(o.Length, o.Width)
	dx, dy := b.Center.X-o.Center.X, b.Center.Y-o.Center.Y
	if dx*dx+dy*dy > (rb+ro)*(rb+ro) {
		return false
	}
	d := Vec2{dx, dy}
	axes := [4]Vec2{b.Center.Forward(), b.Center.Forward().Perp(), o.Center.Forward(), o.Center.Forward().Perp()}
	bf, bl := axes[0], axes[1]
	of, ol := axes[2], axes[3]
	for _, a := range axes {
		pb := b.Length/2*math.Abs(a.Dot(bf)) + b.Width/2*math.Abs(a.Dot(bl))
		po := o.Length/2*math.Abs(a.Dot(of)) + o.Width/2*math.Abs(a.Dot(ol))
		if math.Abs(a.Dot(d)) > pb+po {
			return false
		}
	}
	return true
}

// SegmentIntersects reports whether the segment a-b touches the box.
func (b Box) SegmentIntersects(a, c Vec2) bool {
	if b.Contains(a) || b.Contains(c) {
		return true
	}
	k := b.Corners()
	for i := 0; i < 4; i++ {
		if SegmentsIntersect(a, c, k[i], k[(i+1)%4]) {
			return true
		}
	}
	return false
}

// SegmentsIntersect reports whether segments p1-p2 and q1-q2 share a point.
func SegmentsIntersect(p1, p2, q1, q2 Vec2) bool {
	d1 := orient(q1, q2, p1)
	d2 := orient(q1, q2, p2)
	d3 := orient(p1, p2, q1)
	d4 := orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

func orient(a, b, c Vec2) float64 { return b.Sub(a).Cross(c.Sub(a)) }

func onSegment(a, b, p Vec2) bool {
	return math.Min(a.X, b.X) <= p.X && p.X <= math.Max(a.X, b.X) &&
		math.Min(a.Y, b.Y) <= p.Y && p.Y <= math.Max(a.Y, b.Y)
}

// SegmentDist returns the distance from p to the segment a-b.
func SegmentDist(p, a, b Vec2) float64 {
	ab := b.Sub(a)
	l2 := ab.Norm2()
	if l2 == 0 {
		return p.Dist(a)
	}
	t := p.Sub(a).Dot(ab) / l2
	t = math.Max(0, math.Min(1, t))
	return p.Dist(Lerp(a, b, t))
}

// PointInPolygon reports whether p lies inside the simple polygon poly (even-odd rule; vertices in any order,
// the closing edge is implied).
func PointInPolygon(p Vec2, poly []Vec2) bool {
	in := false
	n := len(poly)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > p.Y) != (b.Y > p.Y) {
			x := a.X + (p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y)
			if p.X < x {
				in = !in
			}
		}
	}
	return in
}

// DistToPolygon returns 0 when p is inside poly and otherwise the distance from p to poly's boundary.
func DistToPolygon(p Vec2, poly []Vec2) float64 {
	if len(poly) == 0 {
		return math.Inf(1)
	}
	if PointInPolygon(p, poly) {
		return 0
	}
	d := math.Inf(1)
	n := len(poly)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		if s := SegmentDist(p, poly[j], poly[i]); s < d {
			d = s
		}
	}
	return d
}

// BoundaryWithin reports whether some edge of polygon poly (the closing edge included) comes within r of p:
// SegmentDist < r for one of them. It stops at the first such edge.
func BoundaryWithin(p Vec2, poly []Vec2, r float64) bool {
	n := len(poly)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		if SegmentDist(p, poly[j], poly[i]) < r {
			return true
		}
	}
	return false
}

// AABB is an axis-aligned bounding box.
type AABB struct{ Min, Max Vec2 }

// EmptyAABB returns a box that contains nothing and grows with Extend.
func EmptyAABB() AABB {
	return AABB{Vec2{math.Inf(1), math.Inf(1)}, Vec2{math.Inf(-1), math.Inf(-1)}}
}

// Extend grows a to contain p.
func (a *AABB) Extend(p Vec2) {
	a.Min.X = math.Min(a.Min.X, p.X)
	a.Min.Y = math.Min(a.Min.Y, p.Y)
	a.Max.X = math.Max(a.Max.X, p.X)
	a.Max.Y = math.Max(a.Max.Y, p.Y)
}

// BoundsOf returns the bounding box of pts.
func BoundsOf(pts []Vec2) AABB {
	a := EmptyAABB()
	for _, p := range pts {
		a.Extend(p)
	}
	return a
}

// Contains reports whether p lies in a, grown by margin on every side.
func (a AABB) Contains(p Vec2, margin float64) bool {
	return p.X >= a.Min.X-margin && p.X <= a.Max.X+margin && p.Y >= a.Min.Y-margin && p.Y <= a.Max.Y+margin
}
