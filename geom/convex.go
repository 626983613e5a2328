package geom

import "math"

// Quad is a convex quadrilateral (vertices in order, either orientation) with its bounding box: a box's
// footprint, or one segment's stretch of a corridor along a path.
type Quad struct {
	P    [4]Vec2
	Bnds AABB
}

// NewQuad returns the quad with vertices a, b, c, d.
func NewQuad(a, b, c, d Vec2) Quad {
	q := Quad{P: [4]Vec2{a, b, c, d}, Bnds: EmptyAABB()}
	for _, p := range q.P {
		q.Bnds.Extend(p)
	}
	return q
}

// BoxQuad returns box b as a quad.
func BoxQuad(b Box) Quad {
	k := b.Corners()
	return NewQuad(k[0], k[1], k[2], k[3])
}

// Overlaps reports whether a and b overlap (touching counts).
func (a AABB) Overlaps(b AABB) bool {
	return a.Min.X <= b.Max.X && b.Min.X <= a.Max.X && a.Min.Y <= b.Max.Y && b.Min.Y <= a.Max.Y
}

// Dist returns the distance between a and b, 0 when they overlap.
func (a AABB) Dist(b AABB) float64 {
	dx := math.Max(0, math.Max(a.Min.X-b.Max.X, b.Min.X-a.Max.X))
	dy := math.Max(0, math.Max(a.Min.Y-b.Max.Y, b.Min.Y-a.Max.Y))
	return math.Hypot(dx, dy)
}

// separated reports whether an edge normal of a separates a from b.
func (a *Quad) separated(b *Quad) bool {
	for i := 0; i < 4; i++ {
		e := a.P[(i+1)%4].Sub(a.P[i])
		n := e.Perp()
		if n.Norm2() == 0 {
			continue
		}
		amin, amax := math.Inf(1), math.Inf(-1)
		for _, p := range a.P {
			d := n.Dot(p)
			amin, amax = math.Min(amin, d), math.Max(amax, d)
		}
		bmin, bmax := math.Inf(1), math.Inf(-1)
		for _, p := range b.P {
			d := n.Dot(p)
			bmin, bmax = math.Min(bmin, d), math.Max(bmax, d)
		}
		if amax < bmin || bmax < amin {
			return true
		}
	}
	return false
}

// Intersects reports whether two convex quads share a point, by the separating axis test.
func (a *Quad) Intersects(b *Quad) bool {
	if !a.Bnds.Overlaps(b.Bnds) {
		return false
	}
	return !a.separated(b) && !b.separated(a)
}

// Dist returns the distance between two convex quads, 0 when they intersect.
func (a *Quad) Dist(b *Quad) float64 {
	if a.Intersects(b) {
		return 0
	}
	return outlineDist(a.P, b.P)
}

// AppendCorridor appends to dst the quads of the corridor halfWidth either side of path between arc lengths
// s0 < s1, one per stretch between the path's vertices (flat ends, as a line buffered with flat caps;
// the small wedges outside a bend's vertices are left out).
func AppendCorridor(dst []Quad, path *Polyline, s0, s1, halfWidth float64) []Quad {
	n := len(path.Pts)
	if n < 2 || !(s1 > s0) {
		return dst
	}
	s0, s1 = math.Max(0, s0), math.Min(path.Length(), s1)
	a := s0
	for i := 1; i < n && a < s1; i++ {
		if path.S[i] <= a {
			continue
		}
		b := math.Min(path.S[i], s1)
		if b-a < 1e-9 {
			a = b
			continue
		}
		pa, pb := path.At(a), path.At(b)
		d := path.Pts[i].Sub(path.Pts[i-1])
		nrm := d.Perp().Scale(halfWidth / d.Norm())
		dst = append(dst, NewQuad(pa.Add(nrm), pb.Add(nrm), pb.Sub(nrm), pa.Sub(nrm)))
		a = b
	}
	return dst
}
