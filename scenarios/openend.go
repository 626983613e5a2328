package scenarios

import (
	"math"

	"asyncdrive/geom"
)

// Open ends: the maps of recorded scenarios are cut a little beyond the recording, so a lane that reaches the
// cut has no successor although the road goes on. Planners may let such a lane run on; the metrics count
// the corridor past it as drivable, and the simulator scores a run only up to where its ego drives out
// through one (the map describes nothing beyond; the road users of the recording leave the scene there).

// OpenEndProbe (m) is how far beyond a lane's end OpenEnd looks for more of the map, and OpenEndClear (m) how
// far from the drivable area that point must be for the end to count as the edge of the map: a lane that
// drops beside a lane going on, or ends into a junction the map describes, has drivable area within a few
// metres of that point.
const (
	OpenEndProbe = 15.0
	OpenEndClear = 10.0
)

// OpenEndRunout (m) is how far the road is taken to go on straight past an open end (InOpenEnd).
const OpenEndRunout = 200.0

// laneRunout returns the corridor continuing lane i straight past its end for length metres, as wide as the
// lane ends (3.5 m when that width is implausible) and starting 0.5 m before the end so that it overlaps the
// lane, when the lane has no successor and length > 0; false otherwise.
func (x *MapIndex) laneRunout(i int, length float64) (geom.Box, bool) {
	if i < 0 || i >= x.NumLanes() || !(length > 0) || len(x.Successors(i)) > 0 {
		return geom.Box{}, false
	}
	pts := x.Path(i).Pts
	ln := x.Lane(i)
	if len(pts) < 2 || len(ln.Left) == 0 || len(ln.Right) == 0 {
		return geom.Box{}, false
	}
	end := pts[len(pts)-1]
	d := end.Sub(pts[len(pts)-2])
	if !(d.Norm() > 0) || !end.IsFinite() || !d.IsFinite() {
		return geom.Box{}, false
	}
	h := math.Atan2(d.Y, d.X)
	w := ln.Left[len(ln.Left)-1].Dist(ln.Right[len(ln.Right)-1])
	if !(w > 0.5) || w > 10 {
		w = 3.5
	}
	c := end.Add(geom.Unit(h).Scale(length/2 - 0.5))
	return geom.Box{Center: geom.Pose{X: c.X, Y: c.Y, Heading: h}, Length: length + 1, Width: w}, true
}

// OpenEnd returns lane i's runout (laneRunout) when the lane ends at the edge of the map: nothing of the
// map lies ahead of its end (the point OpenEndProbe metres beyond it is at least OpenEndClear metres from
// the drivable area).
func (x *MapIndex) OpenEnd(i int, length float64) (geom.Box, bool) {
	b, ok := x.laneRunout(i, length)
	if !ok {
		return b, false
	}
	if x.openLane != nil { // known since the index was built: whether the end is open does not depend on length
		return b, x.openLane[i]
	}
	pts := x.Path(i).Pts
	end := pts[len(pts)-1]
	probe := end.Add(geom.Unit(b.Center.Heading).Scale(OpenEndProbe))
	if x.NearDrivable(probe, OpenEndClear) {
		return geom.Box{}, false
	}
	return b, true
}

// AppendRunout extends pl, a path that ends where lane i ends, straight on for length metres when the lane
// ends at the edge of the map (OpenEnd), and reports whether it did: the road goes on past where the map was
// cut. Planners and reactive agents drive on there instead of stopping at the map's edge.
func (x *MapIndex) AppendRunout(pl *geom.Polyline, i int, length float64) bool {
	b, ok := x.OpenEnd(i, length)
	if !ok {
		return false
	}
	pl.Append(b.Center.Pos().Add(geom.Unit(b.Center.Heading).Scale(b.Length / 2)))
	return true
}

// findOpenEnds collects the corridors continuing the lanes that end at the edge of the map (OpenEnd)
// straight on for OpenEndRunout metres.
func (x *MapIndex) findOpenEnds() {
	open := make([]bool, x.NumLanes())
	for l := range x.NumLanes() {
		if b, ok := x.OpenEnd(l, OpenEndRunout); ok {
			x.openEnds = append(x.openEnds, b)
			open[l] = true
		}
	}
	x.openLane = open
}

// InOpenEnd reports whether p lies in the corridor continuing one of the map's open ends (OpenEnd) straight
// on for OpenEndRunout metres.
func (x *MapIndex) InOpenEnd(p geom.Vec2) bool {
	for i := range x.openEnds {
		if x.openEnds[i].Contains(p) {
			return true
		}
	}
	return false
}
