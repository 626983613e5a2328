package viz

import (
	"math"

	"asyncdrive/geom"
)

// Color is an RGBA colour, components in [0, 1].
type Color struct{ R, G, B, A float32 }

// RGB8 returns the colour as 8-bit components, as a screenshot stores it (alpha ignored).
func (c Color) RGB8() [3]uint8 {
	q := func(x float32) uint8 { return uint8(math.Round(float64(min(max(x, 0), 1)) * 255)) }
	return [3]uint8{q(c.R), q(c.G), q(c.B)}
}

// The palette. Tests find things in screenshots by these colours.
var (
	ColorBackground = Color{0.08, 0.09, 0.10, 1}
	ColorDrivable   = Color{0.22, 0.23, 0.25, 1}
	ColorConnector  = Color{0.26, 0.27, 0.29, 1}
	ColorLaneLine   = Color{0.85, 0.85, 0.80, 1}
	ColorCrosswalk  = Color{0.42, 0.42, 0.46, 1}
	ColorArea       = Color{0.18, 0.24, 0.20, 1}
	ColorStopLine   = Color{0.95, 0.95, 0.95, 1}
	ColorRoute      = Color{0.20, 0.35, 0.55, 1}
	ColorEgo        = Color{0.10, 0.55, 1.00, 1}
	ColorPlan       = Color{0.20, 1.00, 0.60, 1}
	ColorProposal   = Color{0.55, 0.55, 0.30, 1}
	ColorVehicle    = Color{1.00, 0.60, 0.10, 1}
	ColorPedestrian = Color{0.20, 0.90, 0.30, 1}
	ColorBicycle    = Color{0.90, 0.30, 0.90, 1}
	ColorStatic     = Color{0.60, 0.60, 0.60, 1}
	ColorHeading    = Color{0.05, 0.05, 0.05, 1}
	ColorTrack      = Color{0.00, 0.90, 0.90, 1}
	ColorDetection  = Color{1.00, 0.20, 0.20, 1}
	ColorGreen      = Color{0.10, 0.85, 0.20, 1}
	ColorYellow     = Color{0.95, 0.85, 0.10, 1}
	ColorRed        = Color{0.95, 0.15, 0.10, 1}
	ColorUnknown    = Color{0.50, 0.50, 0.50, 1}
	ColorPanel      = Color{0.00, 0.00, 0.00, 0.65}
	ColorText       = Color{0.95, 0.95, 0.95, 1}
	ColorTimeline   = Color{0.35, 0.35, 0.38, 1}
	ColorCursor     = Color{1.00, 1.00, 1.00, 1}
)

// vertexFloats is the size of a vertex: x, y, r, g, b, a.
const vertexFloats = 6

// Batch holds coloured triangles and lines, in world metres (or pixels, for screen-space batches), ready
// for one draw call each.
type Batch struct {
	Tris  []float32 // 3 vertices per triangle
	Lines []float32 // 2 vertices per line segment
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() { b.Tris, b.Lines = b.Tris[:0], b.Lines[:0] }

func appendVertex(dst []float32, p geom.Vec2, c Color) []float32 {
	return append(dst, float32(p.X), float32(p.Y), c.R, c.G, c.B, c.A)
}

// Triangle adds a filled triangle.
func (b *Batch) Triangle(p, q, r geom.Vec2, c Color) {
	b.Tris = appendVertex(appendVertex(appendVertex(b.Tris, p, c), q, c), r, c)
}

// Quad adds a filled quadrilateral p, q, r, s (in order around it).
func (b *Batch) Quad(p, q, r, s geom.Vec2, c Color) {
	b.Triangle(p, q, r, c)
	b.Triangle(p, r, s, c)
}

// Line adds a line segment.
func (b *Batch) Line(p, q geom.Vec2, c Color) {
	b.Lines = appendVertex(appendVertex(b.Lines, p, c), q, c)
}

// Polyline adds the segments of pts.
func (b *Batch) Polyline(pts []geom.Vec2, c Color) {
	for i := 0; i+1 < len(pts); i++ {
		b.Line(pts[i], pts[i+1], c)
	}
}

// Loop adds the closed outline of pts.
func (b *Batch) Loop(pts []geom.Vec2, c Color) {
	b.Polyline(pts, c)
	if len(pts) > 2 {
		b.Line(pts[len(pts)-1], pts[0], c)
	}
}

// Box adds a filled oriented box.
func (b *Batch) Box(box geom.Box, c Color) {
	k := box.Corners()
	b.Quad(k[0], k[1], k[2], k[3], c)
}

// BoxOutline adds an oriented box's outline.
func (b *Batch) BoxOutline(box geom.Box, c Color) {
	k := box.Corners()
	b.Loop(k[:], c)
}

// Polygon adds a filled simple polygon (convex or not), by ear clipping. Degenerate input adds nothing.
func (b *Batch) Polygon(pts []geom.Vec2, c Color) {
	for _, t := range triangulate(pts) {
		b.Triangle(pts[t[0]], pts[t[1]], pts[t[2]], c)
	}
}

// Strip fills the band between two polylines running side by side (a lane's left and right boundaries),
// resampling both at the same arc-length fractions.
func (b *Batch) Strip(left, right []geom.Vec2, c Color) {
	n := max(len(left), len(right))
	if len(left) < 2 || len(right) < 2 {
		return
	}
	l, r := resample(left, n), resample(right, n)
	for i := 0; i+1 < n; i++ {
		b.Quad(l[i], r[i], r[i+1], l[i+1], c)
	}
}

// Ellipse adds the outline of the 1-sigma ellipse of a 2x2 covariance (xx, xy, yy) scaled by k sigmas,
// centred at p, with 24 segments.
func (b *Batch) Ellipse(p geom.Vec2, cov [3]float64, k float64, c Color) {
	a, bb, d := cov[0], cov[1], cov[2]
	if !(a >= 0 && d >= 0) || math.IsInf(a, 0) || math.IsInf(d, 0) || math.IsNaN(bb) {
		return
	}
	// Eigen-decomposition of [[a b] [b d]].
	tr, det := a+d, a*d-bb*bb
	disc := math.Sqrt(math.Max(0, tr*tr/4-det))
	l1, l2 := tr/2+disc, math.Max(0, tr/2-disc)
	ang := 0.5 * math.Atan2(2*bb, a-d)
	r1, r2 := k*math.Sqrt(l1), k*math.Sqrt(l2)
	const n = 24
	prev := geom.Vec2{}
	for i := 0; i <= n; i++ {
		t := 2 * math.Pi * float64(i) / n
		x, y := r1*math.Cos(t), r2*math.Sin(t)
		s, co := math.Sincos(ang)
		q := geom.Vec2{X: p.X + x*co - y*s, Y: p.Y + x*s + y*co}
		if i > 0 {
			b.Line(prev, q, c)
		}
		prev = q
	}
}

// resample returns n points along pts at equal arc-length fractions.
func resample(pts []geom.Vec2, n int) []geom.Vec2 {
	if len(pts) == n {
		return pts
	}
	s := make([]float64, len(pts))
	for i := 1; i < len(pts); i++ {
		s[i] = s[i-1] + pts[i].Dist(pts[i-1])
	}
	total := s[len(s)-1]
	out := make([]geom.Vec2, n)
	j := 0
	for i := 0; i < n; i++ {
		want := total * float64(i) / float64(n-1)
		for j+2 < len(pts) && s[j+1] < want {
			j++
		}
		seg := s[j+1] - s[j]
		u := 0.0
		if seg > 0 {
			u = min(1, max(0, (want-s[j])/seg))
		}
		out[i] = geom.Lerp(pts[j], pts[j+1], u)
	}
	return out
}

// triangulate splits a simple polygon into triangles (indices into pts) by ear clipping; it returns nil for
// fewer than 3 points or points that are not finite. Self-intersecting input gives some triangulation of it.
func triangulate(pts []geom.Vec2) [][3]int {
	n := len(pts)
	if n < 3 {
		return nil
	}
	area := 0.0
	for i := range pts {
		if !pts[i].IsFinite() {
			return nil
		}
		j := (i + 1) % n
		area += pts[i].X*pts[j].Y - pts[j].X*pts[i].Y
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if area < 0 {
		for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
			idx[i], idx[j] = idx[j], idx[i]
		}
	}
	cross := func(a, b, c geom.Vec2) float64 { return (b.X-a.X)*(c.Y-a.Y) - (b.Y-a.Y)*(c.X-a.X) }
	var out [][3]int
	for guard := 0; len(idx) > 3 && guard < n*n; guard++ {
		clipped := false
		for i := range idx {
			a, b, c := idx[(i+len(idx)-1)%len(idx)], idx[i], idx[(i+1)%len(idx)]
			if cross(pts[a], pts[b], pts[c]) <= 0 {
				continue // reflex or flat
			}
			ear := true
			for _, k := range idx {
				if k == a || k == b || k == c {
					continue
				}
				p := pts[k]
				if cross(pts[a], pts[b], p) >= 0 && cross(pts[b], pts[c], p) >= 0 && cross(pts[c], pts[a], p) >= 0 {
					ear = false
					break
				}
			}
			if !ear {
				continue
			}
			out = append(out, [3]int{a, b, c})
			idx = append(idx[:i], idx[i+1:]...)
			clipped = true
			break
		}
		if !clipped {
			// Degenerate or self-intersecting: fan out what is left.
			for i := 1; i+1 < len(idx); i++ {
				out = append(out, [3]int{idx[0], idx[i], idx[i+1]})
			}
			return out
		}
	}
	if len(idx) == 3 {
		out = append(out, [3]int{idx[0], idx[1], idx[2]})
	}
	return out
}
