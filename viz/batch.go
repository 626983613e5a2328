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
	ColorBackground  = Color{0.08, 0.09, 0.10, 1}
	ColorDrivable    = Color{0.22, 0.23, 0.25, 1}
	ColorConnector   = Color{0.26, 0.27, 0.29, 1}
	ColorLaneLine    = Color{0.85, 0.85, 0.80, 1}
	ColorCrosswalk   = Color{0.42, 0.42, 0.46, 1}
	ColorArea        = Color{0.18, 0.24, 0.20, 1}
	ColorStopLine    = Color{0.95, 0.95, 0.95, 1}
	ColorRoute       = Color{0.25, 0.50, 0.95, 0.22} // a tint over the route's lanes
	ColorGoal        = Color{0.55, 0.85, 1.00, 1}
	ColorEgo         = Color{0.10, 0.55, 1.00, 1}
	ColorPlan        = Color{0.20, 1.00, 0.60, 1}
	ColorExpert      = Color{0.95, 0.95, 0.95, 1} // the expert's outline and drive
	ColorCompare     = Color{1.00, 0.35, 0.70, 1} // the compared run's ego and plan
	ColorProposal    = Color{0.55, 0.55, 0.30, 1} // a proposal scored 1
	ColorProposalBad = Color{0.45, 0.18, 0.18, 1} // a proposal scored 0
	ColorVehicle     = Color{1.00, 0.60, 0.10, 1}
	ColorPedestrian  = Color{0.20, 0.90, 0.30, 1}
	ColorBicycle     = Color{0.90, 0.30, 0.90, 1}
	ColorStatic      = Color{0.60, 0.60, 0.60, 1}
	ColorHeading     = Color{0.05, 0.05, 0.05, 1}
	ColorSignal      = Color{1.00, 1.00, 0.55, 1} // a lit turn signal
	ColorTrack       = Color{0.00, 0.90, 0.90, 1}
	ColorGreen       = Color{0.10, 0.85, 0.20, 1}
	ColorYellow      = Color{0.95, 0.85, 0.10, 1}
	ColorRed         = Color{0.95, 0.15, 0.10, 1}
	ColorUnknown     = Color{0.50, 0.50, 0.50, 1}
	ColorPanel       = Color{0.00, 0.00, 0.00, 0.65}
	ColorText        = Color{0.95, 0.95, 0.95, 1}
	ColorTextDim     = Color{0.60, 0.60, 0.62, 1}
	ColorGuide       = Color{0.85, 0.75, 1.00, 1}
	ColorWarning     = Color{1.00, 0.70, 0.30, 1}
	ColorTimeline    = Color{0.35, 0.35, 0.38, 1}
	ColorCursor      = Color{1.00, 1.00, 1.00, 1}
)

// SenderPalette colours raw detections by their sender, in the order the senders first appear in a run.
var SenderPalette = []Color{
	{1.00, 0.20, 0.20, 1}, // red
	{1.00, 0.45, 0.85, 1}, // pink
	{0.65, 0.50, 1.00, 1}, // violet
	{0.75, 1.00, 0.30, 1}, // lime
	{1.00, 0.85, 0.35, 1}, // gold
	{0.95, 0.95, 0.95, 1}, // white
}

// Over returns c drawn over an opaque dst with alpha blending, as the renderer blends.
func (c Color) Over(dst Color) Color {
	a := c.A
	return Color{c.R*a + dst.R*(1-a), c.G*a + dst.G*(1-a), c.B*a + dst.B*(1-a), 1}
}

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

// Polygon adds a filled simple polygon (convex or not), by ear clipping after dropping the vertices that lie
// within mapTolerance of the outline without them. Degenerate input adds nothing.
func (b *Batch) Polygon(pts []geom.Vec2, c Color) {
	if len(pts) > 4 {
		ring := append(pts[:len(pts):len(pts)], pts[0])
		keep := simplify(len(ring), mapTolerance, func(i, a, b int) float64 { return geom.SegmentDist(ring[i], ring[a], ring[b]) })
		kept := make([]geom.Vec2, 0, len(keep))
		for _, i := range keep[:len(keep)-1] {
			kept = append(kept, ring[i])
		}
		pts = kept
	}
	for _, t := range triangulate(pts) {
		b.Triangle(pts[t[0]], pts[t[1]], pts[t[2]], c)
	}
}

// mapTolerance (m) is how far the drawn outlines of the map may stray from the true ones: vertices that
// change a shape by less are dropped, so that the software rasteriser has fewer, fatter triangles to draw.
const mapTolerance = 0.02

// simplify returns the indices (ascending, the first and last included) of the points of a sequence of n
// that Douglas-Peucker keeps: dist(i, a, b) is how far point i lies from the chord between kept points a and
// b, and points within tol of their chord are dropped.
func simplify(n int, tol float64, dist func(i, a, b int) float64) []int {
	if n <= 2 {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	stack := [][2]int{{0, n - 1}}
	for len(stack) > 0 {
		a, b := stack[len(stack)-1][0], stack[len(stack)-1][1]
		stack = stack[:len(stack)-1]
		far, farD := -1, tol
		for i := a + 1; i < b; i++ {
			if d := dist(i, a, b); d > farD || math.IsNaN(d) {
				far, farD = i, d
				if math.IsNaN(d) {
					break
				}
			}
		}
		if far >= 0 {
			keep[far] = true
			stack = append(stack, [2]int{a, far}, [2]int{far, b})
		}
	}
	var out []int
	for i, k := range keep {
		if k {
			out = append(out, i)
		}
	}
	return out
}

// simplePolyline returns pts without the vertices that lie within mapTolerance of the line without them.
func simplePolyline(pts []geom.Vec2) []geom.Vec2 {
	keep := simplify(len(pts), mapTolerance, func(i, a, b int) float64 { return geom.SegmentDist(pts[i], pts[a], pts[b]) })
	out := make([]geom.Vec2, len(keep))
	for k, i := range keep {
		out[k] = pts[i]
	}
	return out
}

// Strip fills the band between two polylines running side by side (a lane's left and right boundaries),
// resampling both at the same arc-length fractions.
func (b *Batch) Strip(left, right []geom.Vec2, c Color) {
	n := max(len(left), len(right))
	if len(left) < 2 || len(right) < 2 {
		return
	}
	l, r := resample(left, n), resample(right, n)
	// Keep the samples needed on either side (mapTolerance), so that straight stretches are one quad.
	keep := simplify(n, mapTolerance, func(i, a, b int) float64 {
		return math.Max(geom.SegmentDist(l[i], l[a], l[b]), geom.SegmentDist(r[i], r[a], r[b]))
	})
	for k := 0; k+1 < len(keep); k++ {
		i, j := keep[k], keep[k+1]
		b.Quad(l[i], r[i], r[j], l[j], c)
	}
}

// ThickPolyline adds pts as a band width metres (or pixels) wide: one quad per segment, centred on it.
func (b *Batch) ThickPolyline(pts []geom.Vec2, width float64, c Color) {
	for i := 0; i+1 < len(pts); i++ {
		p, q := pts[i], pts[i+1]
		d := q.Sub(p)
		n := d.Norm()
		if !(n > 0) || math.IsInf(n, 0) {
			continue
		}
		o := d.Perp().Scale(width / 2 / n)
		b.Quad(p.Add(o), p.Sub(o), q.Sub(o), q.Add(o), c)
	}
}

// Disc adds a filled circle of radius r around p, as a fan of 16 triangles.
func (b *Batch) Disc(p geom.Vec2, r float64, c Color) {
	const n = 16
	prev := p.Add(geom.V(r, 0))
	for i := 1; i <= n; i++ {
		q := p.Add(geom.Unit(2 * math.Pi * float64(i) / n).Scale(r))
		b.Triangle(p, prev, q, c)
		prev = q
	}
}

// Ellipse adds the outline of the 1-sigma ellipse of a 2x2 covariance (xx, xy, yy) scaled by k sigmas,
// centred at p, with ellipseSegments segments.
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
	s, co := math.Sincos(ang)
	prev := geom.Vec2{}
	for i, u := range unitCircle {
		x, y := r1*u.X, r2*u.Y
		q := geom.Vec2{X: p.X + x*co - y*s, Y: p.Y + x*s + y*co}
		if i > 0 {
			b.Line(prev, q, c)
		}
		prev = q
	}
}

// unitCircle holds ellipseSegments+1 points around the unit circle, the first repeated at the end.
var unitCircle = func() (pts [ellipseSegments + 1]geom.Vec2) {
	for i := range pts {
		pts[i] = geom.Unit(2 * math.Pi * float64(i) / ellipseSegments)
	}
	return pts
}()

// ellipseSegments is the number of line segments of an ellipse.
const ellipseSegments = 16

// resample returns n points along pts at equal arc-length fractions.
func resample(pts []geom.Vec2, n int) []geom.Vec2 {
	if len(pts) == n {
		return pts
	}
	l := geom.NewPolyline(pts)
	total := l.Length()
	out := make([]geom.Vec2, n)
	for i := range out {
		out[i] = l.At(total * float64(i) / float64(n-1))
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
