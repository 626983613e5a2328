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

// explainState is Explain's line for one goal state.
func (g *Goal) explainState(gs *GoalState, run []Sample) string {
	inRegion, early, late, headMiss, speedMiss := 0, 0, 0, 0, 0
	first, last := math.NaN(), math.NaN()
	headBest, speedBest := math.Inf(1), math.Inf(1)
	closest, closestT := math.Inf(1), math.NaN()
	const eps = 1e-6
	for _, s := range run {
		p := s.Pose.Translate(g.CentreOffset, 0)
		if gs.Reached(s.T, p, s.Speed) {
			return fmt.Sprintf("met at %.1f s (%s)", s.T, describeState(gs))
		}
		if !gs.inRegion(p.Pos()) {
			if d := gs.regionDist(p.Pos()); d < closest {
				closest, closestT = d, s.T
			}
			continue
		}
		inRegion++
		if math.IsNaN(first) {
			first = s.T
		}
		last = s.T
		switch {
		case s.T < gs.TimeStart-eps:
			early++
			continue
		case s.T > gs.TimeEnd+eps:
			late++
			continue
		}
		if gs.Orientation != nil && !angleIn(p.Heading, *gs.Orientation) {
			headMiss++
			headBest = math.Min(headBest, angleOutside(p.Heading, *gs.Orientation))
		}
		if gs.Velocity != nil && (s.Speed < gs.Velocity.Min-eps || s.Speed > gs.Velocity.Max+eps) {
			speedMiss++
			speedBest = math.Min(speedBest, math.Max(gs.Velocity.Min-s.Speed, s.Speed-gs.Velocity.Max))
		}
	}
	want := describeState(gs)
	if inRegion == 0 {
		if math.IsInf(closest, 1) {
			return fmt.Sprintf("not met: never in the region (%s)", want)
		}
		return fmt.Sprintf("not met: never in the region, %.1f m from it at the closest (%.1f s) (%s)", closest, closestT, want)
	}
	var why []string
	if early > 0 {
		why = append(why, fmt.Sprintf("%d early", early))
	}
	if late > 0 {
		why = append(why, fmt.Sprintf("%d late", late))
	}
	if headMiss > 0 {
		why = append(why, fmt.Sprintf("%d in time with the heading outside its interval (by %.3f rad at the closest)", headMiss, headBest))
	}
	if speedMiss > 0 {
		why = append(why, fmt.Sprintf("%d in time with the speed outside its interval (by %.2f m/s at the closest)", speedMiss, speedBest))
	}
	return fmt.Sprintf("not met: in the region from %.1f to %.1f s (%d frames): %s (%s)", first, last, inRegion, strings.Join(why, ", "), want)
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
