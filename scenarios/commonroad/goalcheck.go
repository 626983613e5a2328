package commonroad

import (
	"fmt"
	"math"
	"strings"

	"asyncdrive/geom"
)

// Sample is one ego state of a run as the goal test reads it: the time from the run start (s), the rear-axle
// pose and the speed (m/s).
type Sample struct {
	T     float64
	Pose  geom.Pose
	Speed float64
}

// Explain says how a run (its ego states in time order) fared against the goal, one line per goal state: when
// it was met first; or, when it never was, which of the goal's conditions the states in the goal's region
// failed (outside the time interval, early or late; heading or speed outside their intervals, by how much at
// the closest), or how near to a region the ego came when it never entered one. It is what to read first when
// a CommonRoad goal is missed.
func (g *Goal) Explain(run []Sample) []string {
	var out []string
	for i := range g.States {
		out = append(out, fmt.Sprintf("goal state %d: %s", i+1, g.explainState(&g.States[i], run)))
	}
	return out
}

// stateRun is how a run fared against one goal state (stateRun's zero value: never in its region).
type stateRun struct {
	met                                        bool
	metAt                                      float64 // s, when met first
	inRegion, early, late, headMiss, speedMiss int     // samples in the region: all; early, late; in time but off
	first, last                                float64 // s: the first and last sample in the region
	headBest, speedBest                        float64 // how far the nearest in-time heading / speed was outside
	closest, closestT                          float64 // m, s: nearest approach to a region when never in one
	earlyBy, lateBy                            float64 // s: the in-region sample nearest the time interval
}

// runState checks a run against goal state gs.
func (g *Goal) runState(gs *GoalState, run []Sample) stateRun {
	r := stateRun{first: math.NaN(), last: math.NaN(), headBest: math.Inf(1), speedBest: math.Inf(1),
		closest: math.Inf(1), closestT: math.NaN(), earlyBy: math.Inf(1), lateBy: math.Inf(1)}
	const eps = 1e-6
	for _, s := range run {
		p := s.Pose.Translate(g.CentreOffset, 0)
		if gs.Reached(s.T, p, s.Speed) {
			r.met, r.metAt = true, s.T
			return r
		}
		if !gs.inRegion(p.Pos()) {
			if d := gs.regionDist(p.Pos()); d < r.closest {
				r.closest, r.closestT = d, s.T
			}
			continue
		}
		r.inRegion++
		if math.IsNaN(r.first) {
			r.first = s.T
		}
		r.last = s.T
		switch {
		case s.T < gs.TimeStart-eps:
			r.early++
			r.earlyBy = math.Min(r.earlyBy, gs.TimeStart-s.T)
			continue
		case s.T > gs.TimeEnd+eps:
			r.late++
			r.lateBy = math.Min(r.lateBy, s.T-gs.TimeEnd)
			continue
		}
		if gs.Orientation != nil && !angleIn(p.Heading, *gs.Orientation) {
			r.headMiss++
			r.headBest = math.Min(r.headBest, angleOutside(p.Heading, *gs.Orientation))
		}
		if gs.Velocity != nil && (s.Speed < gs.Velocity.Min-eps || s.Speed > gs.Velocity.Max+eps) {
			r.speedMiss++
			r.speedBest = math.Min(r.speedBest, math.Max(gs.Velocity.Min-s.Speed, s.Speed-gs.Velocity.Max))
		}
	}
	return r
}

// explainState is Explain's line for one goal state.
func (g *Goal) explainState(gs *GoalState, run []Sample) string {
	r := g.runState(gs, run)
	want := describeState(gs)
	switch {
	case r.met:
		return fmt.Sprintf("met at %.1f s (%s)", r.metAt, want)
	case r.inRegion == 0 && math.IsInf(r.closest, 1):
		return fmt.Sprintf("not met: never in the region (%s)", want)
	case r.inRegion == 0:
		return fmt.Sprintf("not met: never in the region, %.1f m from it at the closest (%.1f s) (%s)", r.closest, r.closestT, want)
	}
	var why []string
	if r.early > 0 {
		why = append(why, fmt.Sprintf("%d early", r.early))
	}
	if r.late > 0 {
		why = append(why, fmt.Sprintf("%d late", r.late))
	}
	if r.headMiss > 0 {
		why = append(why, fmt.Sprintf("%d in time with the heading outside its interval (by %.3f rad at the closest)", r.headMiss, r.headBest))
	}
	if r.speedMiss > 0 {
		why = append(why, fmt.Sprintf("%d in time with the speed outside its interval (by %.2f m/s at the closest)", r.speedMiss, r.speedBest))
	}
	return fmt.Sprintf("not met: in the region from %.1f to %.1f s (%d frames): %s (%s)", r.first, r.last, r.inRegion, strings.Join(why, ", "), want)
}

// Miss reasons (Miss.Reason), from the nearest to meeting the goal to the farthest.
const (
	MissHeading         = "heading"           // in the region in time, the heading outside its interval
	MissSpeed           = "speed"             // in the region in time, the speed outside its interval
	MissHeadingAndSpeed = "heading_and_speed" // in the region in time, failing the heading and the speed (By: the heading's)
	MissLate            = "late"              // in the region only after the time interval
	MissEarly           = "early"             // in the region only before it
	MissNever           = "never_in_region"   // never in a region
)

// Miss classifies how a run that never met the goal missed it: Reason is one of the Miss constants and By how
// far off the nearest sample was, in the reason's unit (rad for heading, m/s for speed, s for late and early,
// m for never in the region; +Inf when the goal has no region to measure to). With several goal states it
// is the nearest miss of any of them (the order of the constants, then By). A run that met the goal gives
// the zero Miss.
type Miss struct {
	Reason string
	By     float64
}

// Miss says how a run (its ego states in time order) missed the goal; the zero Miss when it met it.
func (g *Goal) Miss(run []Sample) Miss {
	best, bestRank := Miss{}, -1
	for i := range g.States {
		r := g.runState(&g.States[i], run)
		if r.met {
			return Miss{}
		}
		var m Miss
		inTime := r.inRegion - r.early - r.late // in the region in time: each failed the heading or the speed
		switch {
		case inTime > 0 && r.speedMiss == 0:
			m = Miss{MissHeading, r.headBest}
		case inTime > 0 && r.headMiss == 0:
			m = Miss{MissSpeed, r.speedBest}
		case inTime > 0:
			m = Miss{MissHeadingAndSpeed, r.headBest}
		case r.late > 0 && (r.early == 0 || r.lateBy <= r.earlyBy):
			m = Miss{MissLate, r.lateBy}
		case r.early > 0:
			m = Miss{MissEarly, r.earlyBy}
		default:
			m = Miss{MissNever, r.closest}
		}
		rank := missRank(m.Reason)
		if bestRank < 0 || rank < bestRank || rank == bestRank && m.By < best.By {
			best, bestRank = m, rank
		}
	}
	return best
}

// missRank orders the Miss reasons from the nearest to meeting the goal.
func missRank(reason string) int {
	switch reason {
	case MissHeading, MissSpeed:
		return 0
	case MissHeadingAndSpeed:
		return 1
	case MissLate, MissEarly:
		return 2
	}
	return 3
}

// describeState lists a goal state's conditions.
func describeState(gs *GoalState) string {
	parts := []string{fmt.Sprintf("time [%.1f, %.1f] s", gs.TimeStart, gs.TimeEnd)}
	if gs.Orientation != nil {
		parts = append(parts, fmt.Sprintf("heading [%.3f, %.3f] rad", gs.Orientation.Min, gs.Orientation.Max))
	}
	if gs.Velocity != nil {
		parts = append(parts, fmt.Sprintf("speed [%.2f, %.2f] m/s", gs.Velocity.Min, gs.Velocity.Max))
	}
	if len(gs.Lanes) > 0 {
		parts = append(parts, "lanelets "+strings.Join(gs.Lanes, ","))
	}
	return strings.Join(parts, ", ")
}

// regionDist returns the distance from p to the nearest region's boundary (circle or polygon); +Inf with none.
func (gs *GoalState) regionDist(p geom.Vec2) float64 {
	d := math.Inf(1)
	for i := range gs.Regions {
		r := &gs.Regions[i]
		if r.Radius > 0 {
			d = math.Min(d, math.Max(0, p.Dist(r.Center)-r.Radius))
			continue
		}
		for k := range r.Polygon {
			a, b := r.Polygon[k], r.Polygon[(k+1)%len(r.Polygon)]
			d = math.Min(d, geom.SegmentDist(p, a, b))
		}
	}
	return d
}

// angleOutside returns how far angle a lies outside [iv.Min, iv.Max] (modulo 2 pi), in radians.
func angleOutside(a float64, iv Interval) float64 {
	if angleIn(a, iv) {
		return 0
	}
	return math.Min(math.Abs(geom.AngleDiff(a, iv.Min)), math.Abs(geom.AngleDiff(a, iv.Max)))
}
