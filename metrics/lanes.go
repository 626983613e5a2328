package metrics

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// MaxLaneSet is the capacity of a LaneSet. Lanes beyond it are dropped silently; real maps overlap at most a
// handful of lanes and connectors at one point.
const MaxLaneSet = 16

// LaneSet is a small, fixed-capacity set of lane indices (lanes and lane connectors of a MapIndex). It is a
// value type: copying it copies the set, and nothing about it allocates.
type LaneSet struct {
	n   int
	ids [MaxLaneSet]int32
}

// Len returns the number of lanes in s.
func (s *LaneSet) Len() int { return s.n }

// At returns the i-th lane of s, in insertion order.
func (s *LaneSet) At(i int) int { return int(s.ids[i]) }

// Has reports whether lane l is in s.
func (s *LaneSet) Has(l int) bool {
	for i := 0; i < s.n; i++ {
		if int(s.ids[i]) == l {
			return true
		}
	}
	return false
}

// Add inserts lane l, ignoring duplicates and lanes beyond the capacity.
func (s *LaneSet) Add(l int) {
	if s.Has(l) || s.n == MaxLaneSet {
		return
	}
	s.ids[s.n] = int32(l)
	s.n++
}

// Clear empties s.
func (s *LaneSet) Clear() { s.n = 0 }

// Intersects reports whether s and o share a lane.
func (s *LaneSet) Intersects(o *LaneSet) bool {
	for i := 0; i < s.n; i++ {
		if o.Has(int(s.ids[i])) {
			return true
		}
	}
	return false
}

// subsetOf reports whether every lane of s is in o (true for an empty s).
func (s *LaneSet) subsetOf(o *LaneSet) bool {
	for i := 0; i < s.n; i++ {
		if !o.Has(int(s.ids[i])) {
			return false
		}
	}
	return true
}

// intersect returns the lanes of s that are also in o.
func (s *LaneSet) intersect(o *LaneSet) LaneSet {
	var r LaneSet
	for i := 0; i < s.n; i++ {
		if o.Has(int(s.ids[i])) {
			r.Add(int(s.ids[i]))
		}
	}
	return r
}

// withSuccessors returns s together with every successor of its lanes.
func (s *LaneSet) withSuccessors(m *scenarios.MapIndex) LaneSet {
	r := *s
	for i := 0; i < s.n; i++ {
		for _, j := range m.Successors(int(s.ids[i])) {
			r.Add(j)
		}
	}
	return r
}

// withPredecessors returns s together with every predecessor of its lanes.
func (s *LaneSet) withPredecessors(m *scenarios.MapIndex) LaneSet {
	r := *s
	for i := 0; i < s.n; i++ {
		for _, j := range m.Predecessors(int(s.ids[i])) {
			r.Add(j)
		}
	}
	return r
}

// laneContains reports whether lane l's polygon contains p.
func laneContains(m *scenarios.MapIndex, l int, p geom.Vec2) bool {
	return geom.PointInPolygon(p, m.LanePolygon(l))
}

// RouteObjectsAt sets s to nuPlan's "current route objects" at p (route_extractor.get_current_route_objects):
// the lanes whose polygon contains p or, when p lies in no lane, every lane connector that contains it.
func RouteObjectsAt(m *scenarios.MapIndex, p geom.Vec2, s *LaneSet) {
	s.Clear()
	var buf [MaxLaneSet]int
	found := m.LanesAt(p, buf[:0])
	for _, l := range found {
		if !m.Lane(l).Connector {
			s.Add(l)
		}
	}
	if s.n > 0 {
		return
	}
	for _, l := range found {
		s.Add(l)
	}
}

// InConnector reports whether p lies in a lane connector. It stands in for nuPlan's intersection layer, which
// the scenario map does not carry: lane connectors are the lanes through intersections.
func InConnector(m *scenarios.MapIndex, p geom.Vec2) bool {
	var buf [MaxLaneSet]int
	for _, l := range m.LanesAt(p, buf[:0]) {
		if m.Lane(l).Connector {
			return true
		}
	}
	return false
}

// LaneStatus says how the four corners of the ego footprint sit on the lane graph.
type LaneStatus uint8

// Lane statuses, after nuPlan's route_extractor.extract_common_or_connecting_route_objs.
const (
	// Offroad: no corner lies in a lane or lane connector (nuPlan: an empty set).
	Offroad LaneStatus = iota
	// Straddling: some corner lies outside every lane, or the corners are in lanes that are neither shared
	// nor connected, as during a lane change (nuPlan: None).
	Straddling
	// InLane: the corners share a lane, or lie in lanes connected head to tail (nuPlan: a non-empty set).
	InLane
)

// String returns the status name.
func (s LaneStatus) String() string {
	switch s {
	case Offroad:
		return "offroad"
	case Straddling:
		return "straddling"
	case InLane:
		return "in_lane"
	}
	return "unknown"
}

// EgoLaneStatus classifies the ego footprint box on the lane graph and returns the lanes its corners have in
// common or connect through (empty unless the status is InLane). This is what nuPlan's at-fault rule and TTC
// call "ego in common or connected route objects": a lateral collision is at fault when the status is not
// InLane. Corners are looked up afresh each call (nuPlan keeps candidates from the previous frame; the result
// differs only where lanes overlap). It does not allocate.
func EgoLaneStatus(m *scenarios.MapIndex, box geom.Box) (LaneSet, LaneStatus) {
	k := box.Corners() // front left, rear left, rear right, front right
	var fl, rl, rr, fr LaneSet
	RouteObjectsAt(m, k[0], &fl)
	RouteObjectsAt(m, k[1], &rl)
	RouteObjectsAt(m, k[2], &rr)
	RouteObjectsAt(m, k[3], &fr)
	return cornerStatus(m, &fl, &rl, &rr, &fr)
}

func cornerStatus(m *scenarios.MapIndex, fl, rl, rr, fr *LaneSet) (LaneSet, LaneStatus) {
	empty := 0
	for _, s := range [4]*LaneSet{fl, rl, rr, fr} {
		if s.n == 0 {
			empty++
		}
	}
	switch {
	case empty == 4:
		return LaneSet{}, Offroad
	case empty > 0:
		return LaneSet{}, Straddling
	}
	common := fl.intersect(rl)
	common = common.intersect(rr)
	common = common.intersect(fr)
	if common.n > 0 {
		return common, InLane
	}
	// Connected: each rear corner is in the other's lane or one of its successors, and each front corner is
	// in the opposite rear corner's lane-or-successor through its own lane-or-predecessor.
	rrOut := rr.withSuccessors(m)
	rlOut := rl.withSuccessors(m)
	if !rl.Intersects(&rrOut) && !rr.Intersects(&rlOut) {
		return LaneSet{}, Straddling
	}
	flIn := fl.withPredecessors(m)
	frIn := fr.withPredecessors(m)
	a := flIn.intersect(&rrOut)
	b := frIn.intersect(&rlOut)
	shared := a.intersect(&b)
	if shared.n > 0 {
		return shared, InLane
	}
	return LaneSet{}, Straddling
}

// connectorKeepRadius is how close (m) the ego centre must stay to its previous lane connectors for nuPlan's
// get_route to keep assigning it to them when it strays into another connector.
const connectorKeepRadius = 5.0

// LaneTracker assigns the ego centre to lanes frame by frame as nuPlan's route_extractor.get_route does: it
// keeps the current lanes while the point stays in them, follows a single current lane into its successors,
// and otherwise searches the map afresh (lanes before connectors). Among the assigned lanes it keeps one
// primary lane, the one whose baseline the direction and progress metrics measure along: the previous
// primary lane while it still contains the point, otherwise the lane with the nearest centerline (nuPlan takes
// the first object of its list and prunes extra connectors by looking ahead; this is the causal equivalent).
// The zero value is ready to use; it does not allocate.
type LaneTracker struct {
	cur     LaneSet
	primary int
	started bool
}

// Reset forgets the assignment, for a new run.
func (t *LaneTracker) Reset() { *t = LaneTracker{} }

// Lanes returns the lanes assigned at the last Step (empty when the point is in no lane).
func (t *LaneTracker) Lanes() *LaneSet { return &t.cur }

// Primary returns the primary lane assigned at the last Step, or -1.
func (t *LaneTracker) Primary() int {
	if !t.started || t.cur.n == 0 {
		return -1
	}
	return t.primary
}

// Step assigns point p (the ego centre) and returns the primary lane, or -1 when p is in no lane.
func (t *LaneTracker) Step(m *scenarios.MapIndex, p geom.Vec2) int {
	if !t.started {
		t.started = true
		t.primary = -1
	}
	var cand LaneSet
	if t.cur.n > 0 {
		for i := 0; i < t.cur.n; i++ {
			if l := int(t.cur.ids[i]); laneContains(m, l, p) {
				cand.Add(l)
			}
		}
		if cand.n == 0 && t.cur.n == 1 {
			for _, s := range m.Successors(int(t.cur.ids[0])) {
				if laneContains(m, s, p) {
					cand.Add(s)
				}
			}
		}
	}
	if cand.n == 0 {
		RouteObjectsAt(m, p, &cand)
		// A point that strays from its connectors into another connector stays with the previous ones while
		// it is near them.
		if t.cur.n > 0 && cand.n > 0 && m.Lane(int(t.cur.ids[0])).Connector && m.Lane(int(cand.ids[0])).Connector {
			var near LaneSet
			for i := 0; i < t.cur.n; i++ {
				l := int(t.cur.ids[i])
				if geom.DistToPolygon(p, m.LanePolygon(l)) < connectorKeepRadius {
					near.Add(l)
				}
			}
			if near.n > 0 {
				cand = near
			}
		}
	}
	t.cur = cand
	if cand.n == 0 {
		return -1
	}
	t.primary = pickLane(m, &cand, t.primary, p)
	return t.primary
}

// pickLane returns the lane of s that stands for it: prim when s holds it, else the lane whose centerline is
// nearest to p (the lower index on a tie).
func pickLane(m *scenarios.MapIndex, s *LaneSet, prim int, p geom.Vec2) int {
	if prim >= 0 && s.Has(prim) {
		return prim
	}
	best, bestD := -1, math.Inf(1)
	for i := 0; i < s.n; i++ {
		l := s.At(i)
		_, _, d := m.Path(l).ProjectDist(p)
		if d < bestD || (d == bestD && l < best) {
			best, bestD = l, d
		}
	}
	return best
}

// baselineDistance returns the arc length, clamped to the baseline, of the point of lane l's centerline
// nearest to p (shapely's LineString.project, as nuPlan's get_distance_of_closest_baseline_point_to_its_start).
func baselineDistance(m *scenarios.MapIndex, l int, p geom.Vec2) float64 {
	pl := m.Path(l)
	s, _, _ := pl.ProjectDist(p)
	return math.Max(0, math.Min(pl.Length(), s))
}
