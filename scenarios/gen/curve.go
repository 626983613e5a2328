package gen

import (
	"math"

	"asyncdrive/geom"
)

// sample is one point of a densely sampled curve: position, heading (continuous, not wrapped), curvature
// and arc length from the curve's start.
type sample struct{ X, Y, H, K, S float64 }

func (p sample) pos() geom.Vec2    { return geom.Vec2{X: p.X, Y: p.Y} }
func (p sample) pose() geom.Pose   { return geom.Pose{X: p.X, Y: p.Y, Heading: p.H} }
func (p sample) normal() geom.Vec2 { s, c := math.Sincos(p.H); return geom.Vec2{X: -s, Y: c} }

// seg is a piece of a curvature profile: curvature changing linearly from K0 to K1 over length L (a straight
// line, a circular arc or a clothoid).
type seg struct{ L, K0, K1 float64 }

func straight(l float64) seg         { return seg{L: l} }
func arc(l, k float64) seg           { return seg{L: l, K0: k, K1: k} }
func clothoid(l, k0, k1 float64) seg { return seg{L: l, K0: k0, K1: k1} }

// stepDS is the sampling step of every internal curve (lanes, connectors, vehicle paths).
const stepDS = 0.5

// integrate samples the curve that starts at start and follows the curvature profile segs, about every
// stepDS metres (Simpson's rule on the exact quadratic heading of each piece).
func integrate(start geom.Pose, segs []seg) []sample {
	n := 1
	for _, g := range segs {
		n += int(math.Ceil(g.L/stepDS)) + 1
	}
	out := make([]sample, 1, n)
	k0 := 0.0
	if len(segs) > 0 {
		k0 = segs[0].K0
	}
	x, y, h, s := start.X, start.Y, start.Heading, 0.0
	out[0] = sample{x, y, h, k0, 0}
	for _, g := range segs {
		if g.L <= 1e-9 {
			continue
		}
		m := int(math.Ceil(g.L/stepDS - 1e-9))
		if m < 1 {
			m = 1
		}
		hs := g.L / float64(m)
		dk := (g.K1 - g.K0) / g.L
		th := func(u float64) float64 { return h + g.K0*u + 0.5*dk*u*u }
		for i := 0; i < m; i++ {
			u0 := float64(i) * hs
			u1 := u0 + hs
			s0, c0 := math.Sincos(th(u0))
			sm, cm := math.Sincos(th(u0 + hs/2))
			s1, c1 := math.Sincos(th(u1))
			x += hs / 6 * (c0 + 4*cm + c1)
			y += hs / 6 * (s0 + 4*sm + s1)
			out = append(out, sample{x, y, th(u1), g.K0 + dk*u1, s + u1})
		}
		h = th(g.L)
		s += g.L
	}
	return out
}

// restation recomputes the arc lengths of c from its points.
func restation(c []sample) {
	if len(c) == 0 {
		return
	}
	c[0].S = 0
	for i := 1; i < len(c); i++ {
		dx, dy := c[i].X-c[i-1].X, c[i].Y-c[i-1].Y
		c[i].S = c[i-1].S + math.Sqrt(dx*dx+dy*dy)
	}
}

// normals returns the unit left normals of c's samples.
func normals(c []sample) []geom.Vec2 {
	out := make([]geom.Vec2, len(c))
	for i, p := range c {
		s, co := math.Sincos(p.H)
		out[i] = geom.Vec2{X: -s, Y: co}
	}
	return out
}

// offsetWith returns c shifted o metres to its left (negative: right), along the normals nrm of its samples.
func offsetWith(c []sample, nrm []geom.Vec2, o float64) []sample {
	out := make([]sample, len(c))
	for i, p := range c {
		out[i] = sample{X: p.X + nrm[i].X*o, Y: p.Y + nrm[i].Y*o, H: p.H, K: p.K / (1 - p.K*o)}
	}
	restation(out)
	return out
}

// offsetPoints returns the points of c shifted o metres to its left at the samples idx.
func offsetPoints(c []sample, nrm []geom.Vec2, o float64, idx []int) []geom.Vec2 {
	out := make([]geom.Vec2, len(idx))
	for k, i := range idx {
		out[k] = geom.Vec2{X: c[i].X + nrm[i].X*o, Y: c[i].Y + nrm[i].Y*o}
	}
	return out
}

// offsetStations returns the arc lengths of c offset by o (from its curvature), without building the curve.
func offsetStations(c []sample, o float64) []float64 {
	out := make([]float64, len(c))
	for i := 1; i < len(c); i++ {
		k := (c[i].K + c[i-1].K) / 2
		out[i] = out[i-1] + (c[i].S-c[i-1].S)*(1-k*o)
	}
	return out
}

// reverseCurve returns c run backwards.
func reverseCurve(c []sample) []sample {
	n := len(c)
	out := make([]sample, n)
	for i, p := range c {
		out[n-1-i] = sample{X: p.X, Y: p.Y, H: p.H + math.Pi, K: -p.K}
	}
	restation(out)
	return out
}

// curveAt interpolates c at arc length s. *hint is a cursor (a sample index) that makes monotone queries
// O(1); beyond the ends the curve is extended along its end headings.
func curveAt(c []sample, s float64, hint *int) sample {
	n := len(c)
	if n == 1 {
		return c[0]
	}
	i := guess(c, s, hint)
	a, b := c[i], c[i+1]
	if s <= a.S && i == 0 {
		d := s - a.S
		sn, cs := math.Sincos(a.H)
		return sample{a.X + cs*d, a.Y + sn*d, a.H, a.K, s}
	}
	if s >= b.S && i == n-2 {
		d := s - b.S
		sn, cs := math.Sincos(b.H)
		return sample{b.X + cs*d, b.Y + sn*d, b.H, b.K, s}
	}
	t := (s - a.S) / (b.S - a.S)
	return sample{a.X + t*(b.X-a.X), a.Y + t*(b.Y-a.Y), a.H + t*(b.H-a.H), a.K + t*(b.K-a.K), s}
}

// guess returns the index i of the segment c[i]-c[i+1] containing arc length s, starting from *hint (or
// from the index the mean spacing suggests) and walking.
func guess(c []sample, s float64, hint *int) int {
	n := len(c)
	i := -1
	if hint != nil {
		i = *hint
	}
	if i < 0 || i > n-2 {
		i = int(s / c[n-1].S * float64(n-1))
		i = max(0, min(i, n-2))
	}
	for i > 0 && c[i].S > s {
		i--
	}
	for i < n-2 && c[i+1].S <= s {
		i++
	}
	if hint != nil {
		*hint = i
	}
	return i
}

// curveFrac returns the fractional sample index of arc length s on c (used to map stations between curves
// sampled at the same reference stations).
func curveFrac(c []sample, s float64, hint *int) float64 {
	n := len(c)
	if n < 2 {
		return 0
	}
	i := guess(c, s, hint)
	return float64(i) + (s-c[i].S)/(c[i+1].S-c[i].S)
}

// stationAtFrac returns the arc length of c at a fractional sample index.
func stationAtFrac(c []sample, f float64) float64 {
	n := len(c)
	if f <= 0 {
		return c[0].S + f*(c[1].S-c[0].S)
	}
	if f >= float64(n-1) {
		return c[n-1].S + (f-float64(n-1))*(c[n-1].S-c[n-2].S)
	}
	i := int(f)
	return c[i].S + (f-float64(i))*(c[i+1].S-c[i].S)
}

// turnTangentUnit is, for the unit-scale symmetric clothoid-arc-clothoid turn through angle delta (signed) whose
// clothoids take the fraction q of the deflection, with peak curvature 1: its tangent length (from the start
// to the intersection of the end tangents).
func turnTangentUnit(delta, q float64) float64 {
	ad := math.Abs(delta)
	lc := q * ad
	// integrate steps every stepDS metres: work at a scale of 100 for accuracy.
	const sc = 100.0
	c := integrate(geom.Pose{}, []seg{clothoid(lc*sc, 0, 1/sc), arc((ad-lc)*sc, 1/sc), clothoid(lc*sc, 1/sc, 0)})
	e := c[len(c)-1]
	// Intersection of the x axis with the end tangent.
	sn, cs := math.Sincos(ad)
	t := -e.Y / sn
	return (e.X + t*cs) / sc
}

// turnCurve returns a smooth connector from pose a to pose b: a symmetric clothoid-arc-clothoid turn (peak
// curvature where the heading change is half done), preceded or followed by a straight piece when the two
// tangent lengths differ; a straight line when the headings agree. q is the clothoid share of the turn.
func turnCurve(a, b geom.Pose, q float64) []sample {
	delta := geom.AngleDiff(b.Heading, a.Heading)
	if math.Abs(delta) < 1e-3 {
		d := b.Pos().Dist(a.Pos())
		c := integrate(a, []seg{straight(d)})
		fixEnd(c, b.Pos())
		return c
	}
	// Corner: intersection of the two tangent lines.
	ua, ub := a.Forward(), b.Forward()
	den := ua.Cross(ub)
	w := b.Pos().Sub(a.Pos())
	ta := w.Cross(ub) / den // a + ta*ua = corner
	corner := a.Pos().Add(ua.Scale(ta))
	tb := b.Pos().Sub(corner).Dot(ub)
	t := math.Min(ta, tb)
	unit := turnTangentUnit(delta, q)
	f := t / unit // scale = peak radius
	sg := 1.0
	if delta < 0 {
		sg = -1
	}
	ad := math.Abs(delta)
	lc := q * ad * f
	segs := make([]seg, 0, 5)
	if ta > tb {
		segs = append(segs, straight(ta-tb))
	}
	segs = append(segs, clothoid(lc, 0, sg/f), arc((ad-q*ad)*f, sg/f), clothoid(lc, sg/f, 0))
	if tb > ta {
		segs = append(segs, straight(tb-ta))
	}
	c := integrate(a, segs)
	fixEnd(c, b.Pos())
	return c
}

// fixEnd spreads the small closing error of an integrated curve along it so that it ends exactly at end.
func fixEnd(c []sample, end geom.Vec2) {
	n := len(c)
	e := end.Sub(c[n-1].pos())
	tot := c[n-1].S
	if tot <= 0 {
		return
	}
	for i := range c {
		f := c[i].S / tot
		c[i].X += e.X * f
		c[i].Y += e.Y * f
	}
	c[n-1].X, c[n-1].Y = end.X, end.Y
	restation(c)
}

// keepIndices picks the samples of c that go into the map polylines: about every 2 m, every 1 m or more
// where the heading turns quickly, always both ends. Curves sampled at the same stations as c (its offsets)
// (their arc lengths) can be passed in also: spacing is kept within 2 m on each.
func keepIndices(c []sample, also ...[]float64) []int {
	n := len(c)
	out := make([]int, 0, n/3+2)
	out = append(out, 0)
	last := 0
	for i := 1; i < n-1; i++ {
		ds := c[i].S - c[last].S
		far := c[i+1].S-c[last].S > 2+1e-9
		for _, o := range also {
			far = far || o[i+1]-o[last] > 2+1e-9
		}
		if far || (ds >= 1-1e-9 && math.Abs(c[i].H-c[last].H) > 0.03) {
			out = append(out, i)
			last = i
		}
	}
	if n > 1 {
		if c[n-1].S-c[last].S < 0.4 && last != 0 {
			// Too close to the end: drop the last kept point, or move it halfway to the end when dropping
			// it would leave a gap over 2 m.
			out = out[:len(out)-1]
			prev := out[len(out)-1]
			if c[n-1].S-c[prev].S > 2 {
				mid := prev
				for mid < n-1 && c[mid].S < (c[prev].S+c[n-1].S)/2 {
					mid++
				}
				out = append(out, mid)
			}
		}
		out = append(out, n-1)
	}
	return out
}

// pick returns the points of c at the given indices.
func pick(c []sample, idx []int) []geom.Vec2 {
	out := make([]geom.Vec2, len(idx))
	for i, j := range idx {
		out[i] = c[j].pos()
	}
	return out
}

// smoothstep5 is the quintic minimum-jerk blend from 0 to 1 and its first derivative with respect to u.
func smoothstep5(u float64) (f, df float64) {
	if u <= 0 {
		return 0, 0
	}
	if u >= 1 {
		return 1, 0
	}
	u2 := u * u
	return u2 * u * (10 - 15*u + 6*u2), 30 * u2 * (1 - 2*u + u2)
}
