package planner

import (
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Beyond the route: a mission may be given only as far as a junction (a route that ends where the road
// branches, and no goal), the way on left to the instructions. The planner then stops at the end of its
// route, unless guidance names a junction movement (Guidance.Turn or TurnProbs): it continues through the
// connector that makes that movement and on along the road after it, as far as the next branch. Until the
// ego is about to enter the junction a different movement (or none, when the guidance goes stale) replaces
// the continuation; from then on it is kept, and the next branch is where the next movement applies.

// branchCommit (m): once the ego's front is this near the junction a continuation turns at, the continuation
// is kept whatever later guidance says (turning back out of a connector is worse than any instruction).
const branchCommit = 2.0

// maxBranchLanes bounds the lanes of a continuation, maxBranchLength (m) its length.
const (
	maxBranchLanes  = 32
	maxBranchLength = 1000.0
)

// branchState is the continuation beyond the route of a PDM planner: the lanes kept (through junctions the
// ego has reached), then the lanes the current guidance asks for.
type branchState struct {
	allowed bool               // the mission has no goal: the end of the route need not be the end of the trip
	want    scenarios.Movement // the movement this tick's guidance asks for (MovementNone: none)

	routeEnd int   // the route lane the kept lanes continue from (-1: none kept)
	kept     []int // lanes kept, through the junctions the ego has reached

	end    int                // the lane the current continuation leaves from (-1: none)
	move   scenarios.Movement // its movement (MovementNone: none)
	lanes  []int              // its lanes
	choice int                // index in lanes of the connector chosen at the junction
	last   scenarios.Movement // the movement of the junction the ego took last

	noEnd  int // a lane found not to offer movement noMove at its next branch (-1: none)
	noMove scenarios.Movement
}

// turnWanted returns the movement g asks for: Turn, else the most likely movement of TurnProbs when it
// reaches threshold; MovementNone when neither.
func turnWanted(g *Guidance, threshold float64) scenarios.Movement {
	switch g.Turn {
	case TurnLeft:
		return scenarios.MovementLeft
	case TurnStraight:
		return scenarios.MovementStraight
	case TurnRight:
		return scenarios.MovementRight
	}
	best, bi := 0.0, -1
	for i, pr := range g.TurnProbs {
		if pr >= 0 && pr <= 1 && pr > best { // NaN fails both
			best, bi = pr, i
		}
	}
	if bi < 0 || best < threshold {
		return scenarios.MovementNone
	}
	return [3]scenarios.Movement{scenarios.MovementLeft, scenarios.MovementStraight, scenarios.MovementRight}[bi]
}

// turnIntentOf returns the turn intent of a movement.
func turnIntentOf(m scenarios.Movement) TurnIntent {
	switch m {
	case scenarios.MovementLeft:
		return TurnLeft
	case scenarios.MovementStraight:
		return TurnStraight
	case scenarios.MovementRight:
		return TurnRight
	}
	return TurnAny
}

// branchFrom returns the lanes that continue from the end of lane l with movement m at the next junction,
// and the index among them of the connector chosen there: the road on from l as long as it does not branch,
// the lane that makes the movement where it does (of several, the one whose heading change is nearest to
// the movement's), then the road on until it branches again or ends. It returns nil when no lane makes the
// movement at the first branch or l has no successor.
func branchFrom(mx *scenarios.MapIndex, l int, m scenarios.Movement) (lanes []int, choice int) {
	cur, total, chose := l, 0.0, false
	for len(lanes) < maxBranchLanes && total < maxBranchLength {
		succ := mx.Successors(cur)
		next := -1
		switch {
		case len(succ) == 0:
		case len(succ) == 1:
			next = succ[0]
		case !chose:
			bestDev := math.Inf(1)
			for _, s := range succ {
				if mx.Movement(s) != m {
					continue
				}
				if dev := movementDeviation(mx.Path(s), m); dev < bestDev {
					next, bestDev = s, dev
				}
			}
			if next < 0 {
				return nil, 0
			}
			chose, choice = true, len(lanes)
		}
		if next < 0 || next == l || slices.Contains(lanes, next) {
			break
		}
		lanes = append(lanes, next)
		total += mx.Path(next).Length()
		cur = next
	}
	if !chose {
		// The road ran on without a choice: the movement is not there to make.
		return nil, 0
	}
	return lanes, choice
}

// movementDeviation returns how far (rad) the heading change along p is from movement m's (left +90
// degrees, straight 0, right -90).
func movementDeviation(p *geom.Polyline, m scenarios.Movement) float64 {
	want := 0.0
	switch m {
	case scenarios.MovementLeft:
		want = math.Pi / 2
	case scenarios.MovementRight:
		want = -math.Pi / 2
	}
	dh := 0.0
	if p.Length() > 0 {
		dh = geom.AngleDiff(p.HeadingAt(p.Length()), p.HeadingAt(0))
	}
	return math.Abs(dh - want)
}

// branchCandidates returns every lane a continuation from the end of the route could take, through the
// first junction beyond it and on, for the area raster.
func branchCandidates(mx *scenarios.MapIndex, g *routeGraph) []int {
	var out []int
	for l := 0; l < mx.NumLanes(); l++ {
		if !g.onRoute[l] || len(mx.Successors(l)) == 0 || g.routeContinues(l) {
			continue
		}
		for _, m := range []scenarios.Movement{scenarios.MovementLeft, scenarios.MovementStraight, scenarios.MovementRight} {
			lanes, _ := branchFrom(mx, l, m)
			for _, b := range lanes {
				if !g.onRoute[b] && !slices.Contains(out, b) {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// withBranch extends a centerline searched along the route with the lanes kept beyond it and the
// continuation that this tick's movement asks for, when the centerline ends at the end of the route where
// the road goes on.
func (p *PDM) withBranch(lanes []int) []int {
	b := &p.branch
	b.end, b.move, b.lanes = -1, scenarios.MovementNone, b.lanes[:0]
	if len(lanes) == 0 || !b.allowed {
		return lanes
	}
	last := lanes[len(lanes)-1]
	if !p.graph.onRoute[last] || p.graph.routeContinues(last) {
		return lanes
	}
	if len(b.kept) > 0 {
		if last != b.routeEnd {
			return lanes
		}
		lanes = append(lanes, b.kept...)
		last = b.kept[len(b.kept)-1]
	}
	if b.want == scenarios.MovementNone {
		return lanes
	}
	ext, choice := branchFrom(p.mx, last, b.want)
	if len(ext) == 0 {
		return lanes
	}
	b.end, b.move, b.choice = last, b.want, choice
	b.lanes = append(b.lanes, ext...)
	return append(lanes, ext...)
}

// steerBranch follows this tick's movement guidance: it keeps the continuation once the ego is about to
// enter its junction, rebuilds the centerline when the continuation should change, and re-locates the ego on
// it. It returns false when there is no usable centerline afterwards.
func (p *PDM) steerBranch(rear geom.Pose) bool {
	b := &p.branch
	if !b.allowed {
		return true
	}
	c := &p.paths[0]
	if b.end >= 0 {
		k := slices.Index(c.lanes, b.lanes[b.choice])
		if k >= 0 && p.lastS+p.vehicle.FrontLength+branchCommit >= c.laneFrom[k] {
			// At the junction: keep the way through it; the next branch is the next choice.
			if len(b.kept) == 0 {
				b.routeEnd = b.end
			}
			b.kept = append(b.kept, b.lanes...)
			b.last = b.move
			b.end, b.move, b.lanes = -1, scenarios.MovementNone, b.lanes[:0]
		}
	}
	if b.want == b.move {
		return true
	}
	if b.want != scenarios.MovementNone {
		// Nothing to change unless the end of the way known offers the movement (with a continuation there
		// is, keep it rather than stop). An end found not to offer it is remembered, so that guidance asking
		// for it tick after tick costs no search.
		end := b.end
		if end < 0 {
			end = p.centerLanes[len(p.centerLanes)-1]
		}
		if end == b.noEnd && b.want == b.noMove {
			return true
		}
		if lanes, _ := branchFrom(p.mx, end, b.want); len(lanes) == 0 {
			b.noEnd, b.noMove = end, b.want
			return true
		}
	}
	p.buildPaths(p.currentLane(), rear)
	p.stats.BranchChanges++
	return p.locate(rear)
}

// branchTurn returns the movement the centerline takes beyond the route: that of the continuation ahead,
// else that of the last junction kept.
func (p *PDM) branchTurn() TurnIntent {
	if p.branch.move != scenarios.MovementNone {
		return turnIntentOf(p.branch.move)
	}
	return turnIntentOf(p.branch.last)
}
