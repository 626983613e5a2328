package commonroad

import (
	"fmt"
	"math"
	"sort"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Reachability bounds (see Goal.Unreachable): the strongest acceleration and braking of a car (a normal
// car accelerates at up to about 3 m/s^2 and brakes at up to about 8), the speed without a posted limit,
// and the grid of the search.
const (
	reachAccel    = 3.0  // m/s^2
	reachDecel    = 8.0  // m/s^2
	reachMaxSpeed = 45.0 // m/s, where no limit is posted
	reachDT       = 0.2  // s
	reachDV       = 0.2  // m/s
	reachHorizon  = 60.0 // s: windows are searched up to this long after the start
	reachLateral  = 12.0 // m: a region farther than this from the route's centerline is not along it
	reachTop      = 80.0 // m/s: the grid's top speed, whatever the file posts
)

// Unreachable says why no driver could meet the goal, "" when one could or when this cannot tell. It is
// set by Import for the scenario's route; the test is deliberately generous, so that a goal it rejects is
// a defect of the planning problem and not a hard one: a point moving along the route's centerline from
// the ego's initial state, on an empty road, accelerating at up to reachAccel and braking at up to
// reachDecel, never faster than the posted limit of the lane it is on (or the initial speed, when that is
// higher; reachMaxSpeed without a limit), must be, at some time inside a goal state's time interval, at a
// speed inside its velocity interval and level with one of its regions (the region's extent along the
// route, whatever lane it lies in). Orientation is not tested.
func (g *Goal) Unreachable() string { return g.unreachable }

// checkReach sets g.unreachable for scenario sc (its map, route and initial state).
func (g *Goal) checkReach(sc *scenarios.Scenario) {
	g.unreachable = ""
	if len(g.States) == 0 || len(sc.Expert) == 0 || len(sc.Route) == 0 {
		return
	}
	mx := sc.Map.Index()
	start := sc.Expert[0]
	lanes := mx.RouteLanes(sc.Route, start.Pose, 60)
	if len(lanes) == 0 {
		return
	}
	line := mx.JoinPaths(lanes)
	if line.Length() <= 0 {
		return
	}
	// The speed cap along the centerline, lane by lane (where each lane's centerline ends on it).
	var ends, caps []float64
	s := 0.0
	v0 := math.Max(start.Speed, 0)
	for _, l := range lanes {
		s += mx.Path(l).Length()
		limit := mx.Lane(l).SpeedLimit
		if !(limit > 0) || math.IsInf(limit, 1) {
			limit = reachMaxSpeed
		}
		ends, caps = append(ends, s), append(caps, math.Max(limit, v0))
	}
	s0, _ := line.Project(start.Pose.Pos())
	s0 += g.CentreOffset // the footprint centre, which the regions are tested at
	var why []string
	for i := range g.States {
		w := g.reachState(&g.States[i], &line, s0, v0, ends, caps)
		if w == "" {
			return
		}
		why = append(why, w)
	}
	g.unreachable = why[0]
	for _, w := range why[1:] {
		g.unreachable += "; " + w
	}
}

// reachState returns "" when goal state gs can be met by the point of Unreachable, else why not.
func (g *Goal) reachState(gs *GoalState, line *geom.Polyline, s0, v0 float64, ends, caps []float64) string {
	// The regions' extents along the route.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range gs.Regions {
		for _, p := range r.Polygon {
			s, lat := line.Project(p)
			if math.Abs(lat) <= reachLateral {
				lo, hi = math.Min(lo, s), math.Max(hi, s)
			}
		}
	}
	if len(gs.Regions) == 0 {
		lo, hi = math.Inf(-1), math.Inf(1)
	} else if lo > hi {
		return "" // no region along the route: this test cannot tell
	}
	vmin, vmax := math.Inf(-1), math.Inf(1)
	if gs.Velocity != nil {
		// Half a grid step of slack: an interval narrower than the grid still holds a grid speed.
		vmin, vmax = gs.Velocity.Min-reachDV/2, gs.Velocity.Max+reachDV/2
	}
	if math.IsNaN(vmin) || math.IsNaN(vmax) || math.IsNaN(gs.TimeStart) || math.IsNaN(gs.TimeEnd) || math.IsNaN(s0) || math.IsNaN(v0) {
		return "" // nothing to tell from
	}
	t0, t1 := gs.TimeStart, math.Min(gs.TimeEnd, reachHorizon)
	if t1 < t0 || t1 < 0 {
		return fmt.Sprintf("the time interval [%.1f, %.1f] s is over before the run starts", gs.TimeStart, gs.TimeEnd)
	}
	top := 0.0
	for _, c := range caps {
		top = math.Max(top, c)
	}
	top = math.Min(top, reachTop)
	nv := int(math.Ceil(top/reachDV)) + 1
	// For each speed on the grid, the interval of arc lengths reachable at that speed at this step.
	const none = math.MaxFloat64
	sLo, sHi := make([]float64, nv), make([]float64, nv)
	nLo, nHi := make([]float64, nv), make([]float64, nv)
	for i := range sLo {
		sLo[i], sHi[i] = none, -none
	}
	i0 := min(nv-1, int(math.Round(v0/reachDV)))
	sLo[i0], sHi[i0] = s0, s0
	up, down := int(math.Round(reachAccel*reachDT/reachDV)), int(math.Round(reachDecel*reachDT/reachDV))
	steps := int(math.Ceil(math.Max(t1, 0) / reachDT))
	for k := 0; ; k++ {
		t := float64(k) * reachDT
		if t >= t0-1e-9 {
			for i := range sLo {
				v := float64(i) * reachDV
				if sLo[i] <= sHi[i] && v >= vmin && v <= vmax && sHi[i] >= lo && sLo[i] <= hi {
					return ""
				}
			}
		}
		if k >= steps {
			break
		}
		for i := range nLo {
			nLo[i], nHi[i] = none, -none
		}
		for i := range sLo {
			if sLo[i] > sHi[i] {
				continue
			}
			v := float64(i) * reachDV
			for j := max(0, i-down); j <= min(nv-1, i+up); j++ {
				w := float64(j) * reachDV
				d := (v + w) / 2 * reachDT
				a, b := sLo[i]+d, sHi[i]+d
				// Keep the part of [a, b] where w is within the cap (caps are per lane, so the
				// allowed part is a union of stretches; its hull is kept).
				na, nb := none, -none
				la, lb := laneOf(ends, a), laneOf(ends, b)
				for k2 := la; k2 <= lb; k2++ {
					if w > caps[k2]+1e-9 {
						continue
					}
					from, e := math.Inf(-1), math.Inf(1)
					if k2 > 0 {
						from = ends[k2-1]
					}
					if k2 < len(ends)-1 {
						e = ends[k2]
					}
					na, nb = math.Min(na, math.Max(a, from)), math.Max(nb, math.Min(b, e))
				}
				if na <= nb {
					nLo[j], nHi[j] = math.Min(nLo[j], na), math.Max(nHi[j], nb)
				}
			}
		}
		sLo, nLo = nLo, sLo
		sHi, nHi = nHi, sHi
	}
	var what []string
	if len(gs.Regions) > 0 {
		what = append(what, fmt.Sprintf("level with the region (%.0f-%.0f m along the route)", lo-s0, hi-s0))
	}
	if gs.Velocity != nil {
		what = append(what, fmt.Sprintf("at [%.2f, %.2f] m/s", gs.Velocity.Min, gs.Velocity.Max))
	}
	msg := fmt.Sprintf("no drive from %.2f m/s within the posted limits, accelerating at up to %.0f m/s^2 and braking at up to %.0f, is", v0, reachAccel, reachDecel)
	for i, w := range what {
		if i > 0 {
			msg += " and"
		}
		msg += " " + w
	}
	return msg + fmt.Sprintf(" inside [%.1f, %.1f] s", gs.TimeStart, gs.TimeEnd)
}

// laneOf returns the index of the lane whose stretch of the route holds arc length s (ends are the lanes'
// end arc lengths, ascending; before the first or after the last: the first or the last lane).
func laneOf(ends []float64, s float64) int {
	return min(sort.SearchFloat64s(ends, s), len(ends)-1)
}
