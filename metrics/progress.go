package metrics

import (
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// routeBlock is one roadblock of a route and the lane whose baseline measures progress through it.
type routeBlock struct {
	roadblock string
	lane      int
}

// RouteProgress measures progress along a route of roadblocks, each with one baseline lane, as nuPlan's
// PerFrameProgressAlongRouteComputer: while the point stays in the current roadblock, progress is the change
// of its clamped arc length along that roadblock's baseline; when it leaves, the later roadblocks are searched
// in order for one containing it, and the progress is the rest of the old baseline, plus the baselines of the
// roadblocks skipped, plus the way into the new one; when no later roadblock contains it, the frame adds
// nothing. Build it once per route (NewRouteProgress allocates); Reset and Step do not allocate.
type RouteProgress struct {
	m      *scenarios.MapIndex
	blocks []routeBlock
	cur    int
	prevS  float64
}

// NewRouteProgress builds a progress meter along lanes: consecutive lanes of the same roadblock merge into
// one step whose baseline is the first of them (nuPlan takes the first route object of each roadblock).
func NewRouteProgress(m *scenarios.MapIndex, lanes []int) *RouteProgress {
	r := &RouteProgress{m: m}
	for _, l := range lanes {
		rb := m.Lane(l).Roadblock
		if n := len(r.blocks); n > 0 && r.blocks[n-1].roadblock == rb {
			continue
		}
		r.blocks = append(r.blocks, routeBlock{roadblock: rb, lane: l})
	}
	return r
}

// DrivenLanes returns the lanes a path of points (the expert's box centres) drives through, in order, as
// nuPlan's get_route followed by get_route_simplified: the frames' lanes as DrivenRoute assigns them, frames in
// no lane dropped, and a frame's primary lane kept when its lanes share none with the last kept frame's.
func DrivenLanes(m *scenarios.MapIndex, pts []geom.Vec2) []int {
	sets, prims := DrivenRoute(m, pts)
	var last LaneSet
	var out []int
	for i := range sets {
		cur := &sets[i]
		if cur.n == 0 || (len(out) > 0 && cur.Intersects(&last)) {
			continue
		}
		out = append(out, prims[i])
		last = *cur
	}
	return out
}

// DrivenRoute assigns every point of a finished drive (box centres, one per frame) to lanes as nuPlan's
// get_route does: frame by frame with a LaneTracker, then, looking ahead over the whole drive, every frame
// that lies in several overlapping lane connectors (where they fork) is cut down to the connectors the drive
// ends up in (pruneConnectors, nuPlan's remove_extra_lane_connectors). It returns each frame's lanes and its
// primary lane (-1 in no lane): the previous frame's primary while the frame holds it, else the lane with
// the nearest centerline, as LaneTracker keeps it. It allocates the two slices.
func DrivenRoute(m *scenarios.MapIndex, pts []geom.Vec2) ([]LaneSet, []int) {
	var t LaneTracker
	sets := make([]LaneSet, len(pts))
	prims := make([]int, len(pts))
	for i, p := range pts {
		t.Step(m, p)
		sets[i] = *t.Lanes()
	}
	pruneConnectors(m, sets)
	prim := -1
	for i := range sets {
		prims[i] = -1
		if sets[i].n > 0 {
			prim = pickLane(m, &sets[i], prim, pts[i])
			prims[i] = prim
		}
	}
	return sets, prims
}

// pruneConnectors cuts down, from the last frame to the first, every frame assigned to several lanes as
// nuPlan's remove_extra_lane_connectors does: a frame whose lanes include all of the next frame's, and more,
// takes the next frame's (so the connector the path ends up in is carried back through the stretch where
// connectors overlap); then, when the next frame's first lane is an ordinary lane, the frame takes those of
// its lanes as assigned (before that cut, as nuPlan) that lead into it, when any do.
func pruneConnectors(m *scenarios.MapIndex, sets []LaneSet) {
	for i := len(sets) - 2; i >= 0; i-- {
		cur, next := &sets[i], &sets[i+1]
		if cur.n <= 1 {
			continue
		}
		orig := *cur
		if cur.n > next.n && next.subsetOf(cur) {
			*cur = *next
		}
		if next.n == 0 || m.Lane(next.At(0)).Connector {
			continue
		}
		var keep LaneSet
		into := m.Predecessors(next.At(0))
		for k := 0; k < orig.n; k++ {
			if l := orig.At(k); slices.Contains(into, l) {
				keep.Add(l)
			}
		}
		if keep.n > 0 {
			*cur = keep
		}
	}
}

// Len returns the number of roadblocks of the route; 0 means there is nothing to measure along.
func (r *RouteProgress) Len() int { return len(r.blocks) }

// contains reports whether p lies in a lane or connector of roadblock rb.
func (r *RouteProgress) contains(rb string, p geom.Vec2) bool {
	var buf [MaxLaneSet]int
	for _, l := range r.m.LanesAt(p, buf[:0]) {
		if r.m.Lane(l).Roadblock == rb {
			return true
		}
	}
	return false
}

func (r *RouteProgress) dist(block int, p geom.Vec2) float64 {
	return baselineDistance(r.m, r.blocks[block].lane, p)
}

func (r *RouteProgress) baseline(block int) *geom.Polyline { return r.m.Path(r.blocks[block].lane) }

// Reset starts a measurement at point p, the first frame (whose progress is 0).
func (r *RouteProgress) Reset(p geom.Vec2) {
	r.cur = 0
	r.prevS = 0
	if len(r.blocks) > 0 {
		r.prevS = r.dist(0, p)
	}
}

// Step returns the progress (m) from the previous point to p.
func (r *RouteProgress) Step(p geom.Vec2) float64 {
	if len(r.blocks) == 0 {
		return 0
	}
	if r.contains(r.blocks[r.cur].roadblock, p) {
		s := r.dist(r.cur, p)
		d := s - r.prevS
		r.prevS = s
		return d
	}
	skipped := 0.0
	last := -1 // the most recent skipped block
	for next := r.cur + 1; next < len(r.blocks); next++ {
		if r.contains(r.blocks[next].roadblock, p) {
			// Rest of the current baseline, then the way into the new one from the old one's end.
			cb := r.baseline(r.cur)
			prog := cb.Length() - r.prevS
			end := cb.Pts[len(cb.Pts)-1]
			r.cur = next
			s := r.dist(next, p)
			prog += s - r.dist(next, end) + skipped
			r.prevS = s
			return prog
		}
		if next == len(r.blocks)-1 {
			break
		}
		// Skip this block: from the previous baseline's end to the following baseline's start.
		from := r.cur
		if last >= 0 {
			from = last
		}
		fb := r.baseline(from)
		sEnd := r.dist(next, fb.Pts[len(fb.Pts)-1])
		nb := r.baseline(next + 1)
		sStart := r.dist(next, nb.Pts[0])
		skipped += sStart - sEnd
		last = next
	}
	return 0
}

// Total returns the progress along the route from pts[0] to the last point, frame by frame.
func (r *RouteProgress) Total(pts []geom.Vec2) float64 {
	if len(pts) == 0 {
		return 0
	}
	r.Reset(pts[0])
	sum := 0.0
	for _, p := range pts[1:] {
		sum += r.Step(p)
	}
	return sum
}

// ProgressRatio returns ego_progress_along_expert_route for the total progresses of ego and expert:
// 0 when ego went back by more than threshold, else min(1, max(ego, threshold) / max(expert, threshold)).
func ProgressRatio(ego, expert, threshold float64) float64 {
	if ego < -threshold {
		return 0
	}
	return math.Min(1, math.Max(ego, threshold)/math.Max(expert, threshold))
}

// MakingProgressScore returns ego_is_making_progress: 1 when the progress ratio is at least minRatio.
func MakingProgressScore(ratio, minRatio float64) float64 {
	if ratio >= minRatio {
		return 1
	}
	return 0
}
