package geom

import "math"

// Polyline is a path through points with its cumulative arc length. Build it with NewPolyline.
type Polyline struct {
	Pts []Vec2    // vertices
	S   []float64 // S[i] is the arc length from Pts[0] to Pts[i]
}

// NewPolyline builds a polyline through pts, dropping consecutive duplicate points.
func NewPolyline(pts []Vec2) Polyline {
	l := Polyline{Pts: make([]Vec2, 0, len(pts)), S: make([]float64, 0, len(pts))}
	for _, p := range pts {
		l.Append(p)
	}
	return l
}

// Append adds p at the end of l, ignoring it when it repeats the last point.
func (l *Polyline) Append(p Vec2) {
	n := len(l.Pts)
	if n == 0 {
		l.Pts = append(l.Pts, p)
		l.S = append(l.S, 0)
		return
	}
	d := p.Dist(l.Pts[n-1])
	if d < 1e-9 {
		return
	}
	l.Pts = append(l.Pts, p)
	l.S = append(l.S, l.S[n-1]+d)
}

// Reset empties l, keeping its storage.
func (l *Polyline) Reset() { l.Pts, l.S = l.Pts[:0], l.S[:0] }

// Length returns the total arc length.
func (l *Polyline) Length() float64 {
	if len(l.S) == 0 {
		return 0
	}
	return l.S[len(l.S)-1]
}

// segment returns the index i of the segment Pts[i]-Pts[i+1] that contains arc length s (clamped).
func (l *Polyline) segment(s float64) int {
	n := len(l.S)
	if n < 2 || s <= 0 {
		return 0
	}
	if s >= l.S[n-1] {
		return n - 2
	}
	lo, hi := 0, n-1
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if l.S[m] <= s {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// At returns the point at arc length s. Beyond either end the path is extended along its end segment.
func (l *Polyline) At(s float64) Vec2 {
	switch len(l.Pts) {
	case 0:
		return Vec2{}
	case 1:
		return l.Pts[0]
	}
	i := l.segment(s)
	a, b := l.Pts[i], l.Pts[i+1]
	seg := l.S[i+1] - l.S[i]
	return Lerp(a, b, (s-l.S[i])/seg)
}

// HeadingAt returns the heading of the segment at arc length s.
func (l *Polyline) HeadingAt(s float64) float64 {
	if len(l.Pts) < 2 {
		return 0
	}
	i := l.segment(s)
	d := l.Pts[i+1].Sub(l.Pts[i])
	return math.Atan2(d.Y, d.X)
}

// ChordHeading returns the heading at arc length s measured over a chord of the given length centred there
// (beyond the polyline's ends, along its end segments): where a polyline turns at its vertices, the heading
// of one segment jumps from vertex to vertex and can be a few hundredths of a radian (at a sharp join,
// tenths) off the course a vehicle follows along it.
func (l *Polyline) ChordHeading(s, chord float64) float64 {
	if len(l.Pts) < 2 {
		return 0
	}
	d := l.At(s + chord/2).Sub(l.At(s - chord/2))
	if d.X == 0 && d.Y == 0 {
		return l.HeadingAt(s)
	}
	return math.Atan2(d.Y, d.X)
}

// PoseAt returns the point and segment heading at arc length s.
func (l *Polyline) PoseAt(s float64) Pose {
	p := l.At(s)
	return Pose{p.X, p.Y, l.HeadingAt(s)}
}

// Project returns the arc length of the point of l nearest to p and the signed lateral offset of p
// (positive to the left of the direction of travel). Beyond the ends, s may be negative or exceed Length, and
// lateral is the offset from the extended end segment. Where the nearest point is an inner vertex (p outside
// a corner), s is the vertex's and |lateral| is the distance to it.
func (l *Polyline) Project(p Vec2) (s, lateral float64) {
	s, lateral, _ = l.ProjectDist(p)
	return
}

// ProjectDist is Project that also returns the distance from p to the polyline's nearest point
// (the ends are not extended for the distance).
func (l *Polyline) ProjectDist(p Vec2) (s, lateral, dist float64) {
	n := len(l.Pts)
	if n == 0 {
		return 0, 0, math.Inf(1)
	}
	if n == 1 {
		return 0, 0, p.Dist(l.Pts[0])
	}
	return l.project(p, 0, n-2)
}

// ProjectRange is ProjectDist restricted to the segments that overlap the arc-length window [from, to]: it
// costs only those segments, for callers that know roughly where the point projects.
func (l *Polyline) ProjectRange(p Vec2, from, to float64) (s, lateral, dist float64) {
	if len(l.Pts) < 2 {
		return l.ProjectDist(p)
	}
	i0, i1 := l.segment(from), l.segment(to)
	if i0 > i1 { // a reversed window: still at least one segment
		i0, i1 = i1, i0
	}
	return l.project(p, i0, i1)
}

// project finds the nearest point to p on segments i0..i1 (at least one segment).
func (l *Polyline) project(p Vec2, i0, i1 int) (s, lateral, dist float64) {
	n := len(l.Pts)
	best := math.Inf(1)
	bi, bt := i0, 0.0
	for i := i0; i <= i1; i++ {
		a, b := l.Pts[i], l.Pts[i+1]
		ab := b.Sub(a)
		t := p.Sub(a).Dot(ab) / ab.Norm2()
		tc := t
		if tc < 0 {
			tc = 0
		} else if tc > 1 {
			tc = 1
		}
		if d := p.Sub(Lerp(a, b, tc)).Norm2(); d < best {
			best, bi, bt = d, i, t
		}
	}
	best = math.Sqrt(best)
	// Only extend beyond the ends on the first and last segments.
	if bi > 0 && bt < 0 {
		bt = 0
	}
	if bi < n-2 && bt > 1 {
		bt = 1
	}
	a, b := l.Pts[bi], l.Pts[bi+1]
	ab := b.Sub(a)
	seg := l.S[bi+1] - l.S[bi]
	s = l.S[bi] + bt*seg
	lateral = ab.Cross(p.Sub(a)) / seg
	// Nearest to an inner vertex: p lies in the wedge outside the corner, where the offset from segment bi's
	// line understates (or even zeroes) the distance. Use the distance to the vertex, on the side of the
	// vertex's mean direction, so that lateral is continuous across the wedge.
	v := -1
	if bt == 0 && bi > 0 {
		v = bi
	} else if bt == 1 && bi < n-2 {
		v = bi + 1
	}
	if v > 0 {
		d := unitOrZero(l.Pts[v].Sub(l.Pts[v-1])).Add(unitOrZero(l.Pts[v+1].Sub(l.Pts[v])))
		if side := d.Cross(p.Sub(l.Pts[v])); side != 0 {
			lateral = math.Copysign(best, side)
		}
	}
	return s, lateral, best
}

func unitOrZero(a Vec2) Vec2 {
	if n := a.Norm(); n > 0 {
		return a.Scale(1 / n)
	}
	return Vec2{}
}

// Resample returns points spaced step metres apart along l, always including both ends.
func (l *Polyline) Resample(step float64) []Vec2 {
	total := l.Length()
	if !(step > 0) || len(l.Pts) < 2 { // also NaN
		return append([]Vec2(nil), l.Pts...)
	}
	n := int(math.Ceil(total/step - 1e-9))
	if n < 1 { // step longer than the line (or +Inf): both ends only
		n = 1
	}
	out := make([]Vec2, 0, n+1)
	out = append(out, l.Pts[0])
	for i := 1; i < n; i++ {
		out = append(out, l.At(float64(i)*step))
	}
	return append(out, l.Pts[len(l.Pts)-1])
}

// maxMitre limits the mitre of Offset at sharp turns, as a multiple of the offset.
const maxMitre = 4

// Offset returns the points of l shifted lat metres to the left (negative: right), each perpendicular to the
// local direction (the average of its adjacent segments at inner vertices). Inner vertices are moved along
// that perpendicular by lat/cos(turn/2) (a mitre join), so that every offset segment runs parallel to its
// original at lat metres; at turns sharper than about 150 degrees the shift is limited to 4*|lat|.
func (l *Polyline) Offset(lat float64) []Vec2 {
	n := len(l.Pts)
	out := make([]Vec2, n)
	if n < 2 {
		copy(out, l.Pts)
		return out
	}
	for i := range l.Pts {
		var d Vec2
		switch i {
		case 0:
			d = l.Pts[1].Sub(l.Pts[0])
		case n - 1:
			d = l.Pts[n-1].Sub(l.Pts[n-2])
		default:
			d1 := l.Pts[i].Sub(l.Pts[i-1])
			d2 := l.Pts[i+1].Sub(l.Pts[i])
			d = d1.Scale(1 / d1.Norm()).Add(d2.Scale(1 / d2.Norm()))
		}
		nd := d.Norm()
		if nd == 0 {
			out[i] = l.Pts[i]
			continue
		}
		k := lat / nd
		if i > 0 && i < n-1 {
			// d is the sum of two unit vectors: |d| = 2 cos(turn/2).
			k *= math.Min(2/nd, maxMitre)
		}
		out[i] = l.Pts[i].Add(d.Perp().Scale(k))
	}
	return out
}

// LinePoints returns points step metres apart (or closer, evenly) from a to b, both included.
func LinePoints(a, b Vec2, step float64) []Vec2 {
	l := NewPolyline([]Vec2{a, b})
	return l.Resample(step)
}

// ArcPoints returns n+1 points evenly spaced on the circle about c of radius r, from angle from to angle to
// (radians, counter-clockwise from +x; to < from goes clockwise).
func ArcPoints(c Vec2, r, from, to float64, n int) []Vec2 {
	out := make([]Vec2, 0, n+1)
	for k := 0; k <= n; k++ {
		out = append(out, c.Add(Unit(from+(to-from)*float64(k)/float64(max(n, 1))).Scale(r)))
	}
	return out
}
