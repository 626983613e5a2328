package metrics

import (
	"math"

	"asyncdrive/geom"
)

// obb is an oriented box with its axes and bounding radius precomputed, for repeated overlap tests of boxes
// that only translate. The tests agree with geom.Box.Overlaps (touching counts).
type obb struct {
	c      geom.Vec2
	f, l   geom.Vec2 // unit forward and left axes
	hl, hw float64   // half length and half width
	r      float64   // bounding radius
}

func newOBB(b geom.Box) obb {
	s, c := math.Sincos(b.Center.Heading)
	f := geom.Vec2{X: c, Y: s}
	hl, hw := b.Length/2, b.Width/2
	return obb{c: b.Center.Pos(), f: f, l: f.Perp(), hl: hl, hw: hw, r: math.Sqrt(hl*hl + hw*hw)}
}

// swept returns a shifted by d and lengthened by dl >= 0 along its forward axis. Its bounding radius grows
// by dl/2, an upper bound of the exact one (the radius only serves to reject early).
func (a obb) swept(d geom.Vec2, dl float64) obb {
	a.c = a.c.Add(d)
	a.hl += dl / 2
	a.r += dl / 2
	return a
}

// radius returns the half extent of a projected on the unit axis ax.
func (a *obb) radius(ax geom.Vec2) float64 {
	return a.hl*math.Abs(ax.Dot(a.f)) + a.hw*math.Abs(ax.Dot(a.l))
}

// sepAxes returns the four separating-axis candidates of a pair and the sum of the boxes' half extents on
// each.
func sepAxes(a, b *obb) (ax [4]geom.Vec2, rad [4]float64) {
	ax = [4]geom.Vec2{a.f, a.l, b.f, b.l}
	for i := range ax {
		rad[i] = a.radius(ax[i]) + b.radius(ax[i])
	}
	return
}

// overlapAt reports whether a and b overlap when b's centre is offset d from a's.
func overlapAt(a, b *obb, ax *[4]geom.Vec2, rad *[4]float64, d geom.Vec2) bool {
	if s := a.r + b.r; d.Norm2() > s*s {
		return false
	}
	for i := range ax {
		if math.Abs(ax[i].Dot(d)) > rad[i] {
			return false
		}
	}
	return true
}

// overlaps reports whether a and b touch.
func overlaps(a, b *obb) bool {
	if s := a.r + b.r; b.c.Sub(a.c).Norm2() > s*s {
		return false
	}
	ax, rad := sepAxes(a, b)
	return overlapAt(a, b, &ax, &rad, b.c.Sub(a.c))
}

// firstContact returns the first step k in 1..n at which a, moved by k*da, and b, moved by k*db, touch, or 0.
// Each separating axis bounds the steps at which the projections overlap to an interval, solved in closed
// form; the candidate step and its neighbours are then checked directly, so that the answer is the same as
// stepping through 1..n.
func firstContact(a, b *obb, da, db geom.Vec2, n int) int {
	if n < 1 {
		return 0
	}
	ax, rad := sepAxes(a, b)
	d0 := b.c.Sub(a.c)
	dv := db.Sub(da)
	lo, hi := 1.0, float64(n)
	for i := range ax {
		al, be := ax[i].Dot(d0), ax[i].Dot(dv)
		if be == 0 {
			if math.Abs(al) > rad[i] {
				return 0
			}
			continue
		}
		k1, k2 := (-rad[i]-al)/be, (rad[i]-al)/be
		if k1 > k2 {
			k1, k2 = k2, k1
		}
		lo, hi = math.Max(lo, k1), math.Min(hi, k2)
	}
	// Allow for rounding at the interval ends: probe one step on either side.
	k0 := max(1, int(math.Ceil(lo))-1)
	k1 := min(n, int(math.Floor(hi))+1)
	if k0 > k1 {
		return 0
	}
	for k := k0; k <= min(k1, k0+2); k++ {
		fk := float64(k)
		if overlapAt(a, b, &ax, &rad, d0.Add(dv.Scale(fk))) {
			return k
		}
	}
	// The interval is longer than three steps: its interior steps overlap (up to rounding, checked).
	for k := k0 + 3; k <= k1; k++ {
		if overlapAt(a, b, &ax, &rad, d0.Add(dv.Scale(float64(k)))) {
			return k
		}
	}
	return 0
}

// EgoBox is an ego footprint prepared for many overlap tests (NewEgoBox).
type EgoBox struct{ o obb }

// NewEgoBox prepares box b for BoxesOverlap.
func NewEgoBox(b geom.Box) EgoBox { return EgoBox{newOBB(b)} }

// BoxesOverlap reports whether box b touches ego, as geom.Box.Overlaps does (touching counts), with ego's
// axes computed once for testing many objects against one footprint. It does not allocate.
func BoxesOverlap(ego *EgoBox, b geom.Box) bool {
	dx, dy := b.Center.X-ego.o.c.X, b.Center.Y-ego.o.c.Y
	if s := ego.o.r + 0.5*math.Sqrt(b.Length*b.Length+b.Width*b.Width); dx*dx+dy*dy > s*s {
		return false
	}
	o := newOBB(b)
	return overlaps(&ego.o, &o)
}
