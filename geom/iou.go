package geom

import "math"

// ConvexArea returns the area of a simple polygon given by its vertices in order (positive for
// counter-clockwise order, negative for clockwise), by the shoelace formula.
func ConvexArea(poly []Vec2) float64 {
	n := len(poly)
	if n < 3 {
		return 0
	}
	s := 0.0
	for i := 0; i < n; i++ {
		s += poly[i].Cross(poly[(i+1)%n])
	}
	return s / 2
}

// BoxIntersectionArea returns the area of the intersection of two oriented boxes (0 when they are apart),
// by clipping one box's outline with the other's edges (Sutherland-Hodgman on convex polygons). It does not
// allocate.
func BoxIntersectionArea(a, b Box) float64 {
	if !(a.Length > 0 && a.Width > 0 && b.Length > 0 && b.Width > 0) {
		return 0
	}
	ra := 0.5 * math.Hypot(a.Length, a.Width)
	rb := 0.5 * math.Hypot(b.Length, b.Width)
	dx, dy := a.Center.X-b.Center.X, a.Center.Y-b.Center.Y
	if !(dx*dx+dy*dy <= (ra+rb)*(ra+rb)) {
		return 0
	}
	ca, cb := a.Corners(), b.Corners() // both counter-clockwise
	// The intersection of two quadrilaterals has at most 8 vertices; each clipping pass adds at most one.
	var bufA, bufB [12]Vec2
	in := bufA[:0]
	in = append(in, ca[:]...)
	out := bufB[:0]
	for e := 0; e < 4 && len(in) > 0; e++ {
		p, q := cb[e], cb[(e+1)%4]
		edge := q.Sub(p)
		out = out[:0]
		n := len(in)
		for i := 0; i < n; i++ {
			cur, nxt := in[i], in[(i+1)%n]
			dc := edge.Cross(cur.Sub(p))
			dn := edge.Cross(nxt.Sub(p))
			if dc >= 0 {
				out = append(out, cur)
			}
			if (dc >= 0) != (dn >= 0) {
				t := dc / (dc - dn)
				out = append(out, Lerp(cur, nxt, t))
			}
		}
		in, out = out, in
	}
	area := ConvexArea(in)
	if area < 0 {
		return 0
	}
	return area
}

// BoxIoU returns the intersection over union of two oriented boxes (rotated IoU, as bird's-eye-view
// detection metrics use it): 0 for disjoint or degenerate boxes, 1 for identical ones. It does not allocate.
func BoxIoU(a, b Box) float64 {
	inter := BoxIntersectionArea(a, b)
	if inter <= 0 {
		return 0
	}
	union := a.Length*a.Width + b.Length*b.Width - inter
	if !(union > 0) {
		return 0
	}
	return math.Min(1, inter/union)
}
