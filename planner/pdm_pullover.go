package planner

import (
	"cmp"
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Pulling over: guidance that asks to stop at the pickup zone (Guidance.PullOver) makes the planner stop
// alongside the next pickup/drop-off area beside its centerline, in the first free slot it reaches braking
// gently (pullOverDecel, else up to PDMConfig.StopDecel): a stretch of the area at least a car length and twice pullOverMargin
// long with no stopped vehicle or object standing in the area beside it; and stand there while it is asked. The stop is a stopped leader on the centerline paths,
// as a red light's stop line is. With no such area within pullOverRange ahead it is a comfortable stop.

// pullOverRange (m): areas farther ahead of the ego's front are not where it was asked to stop.
const pullOverRange = 150.0

// pullOverMargin (m): the car stops this far inside the area's ends.
const pullOverMargin = 1.0

// pullOverDecel (m/s^2) is the gentle deceleration a stop for passengers is planned with; where no slot can
// be reached with it, the planner brakes harder, up to PDMConfig.StopDecel.
const pullOverDecel = 1.0

// pullOverEase (s): the ego covers this much time at its speed before the planned deceleration, as the IDM
// eases into braking for a stop (without it the IDM brakes harder than pullOverDecel for a stop placed at
// the kinematic minimum, and the sudden onset fails the comfort bound on jerk).
const pullOverEase = 1.0

// pullOverJerk (m/s^3): how fast a proposal's braking for the pull-over place may build up.
const pullOverJerk = 2.0

// pullOverReach (m): an area whose nearest point is farther from the centerline is not beside it.
const pullOverReach = 6.0

// zoneSpan is a pickup/drop-off area beside the centerline: the arc lengths its polygon spans.
type zoneSpan struct {
	area   int // index in the map's areas
	s0, s1 float64
}

// pullOverStill (m/s): objects slower than this standing in the area take up its slots.
const pullOverStill = 0.5

// findZones records the pickup/drop-off areas beside the centerline (p.paths[0]).
func (p *PDM) findZones() {
	p.zones = p.zones[:0]
	c := &p.paths[0]
	if len(c.line.Pts) < 2 {
		return
	}
	for i := range p.mx.Map().Areas {
		a := &p.mx.Map().Areas[i]
		if a.Kind != scenarios.AreaPickupDropoff || len(a.Polygon) < 3 {
			continue
		}
		z := zoneSpan{area: i, s0: math.Inf(1), s1: math.Inf(-1)}
		near := math.Inf(1)
		for _, q := range a.Polygon {
			if !q.IsFinite() {
				continue
			}
			s, lat := c.line.Project(q)
			z.s0, z.s1 = min(z.s0, s), max(z.s1, s)
			near = min(near, math.Abs(lat))
		}
		if near <= pullOverReach && z.s1 > z.s0 && z.s1 > 0 && z.s0 < c.Length() {
			p.zones = append(p.zones, z)
		}
	}
}

// pullOverStop returns the centerline arc length where the front bumper should stop to pull over, for an ego
// whose rear axle is at arc length s0 at speed v, or +Inf when no free slot is within reach ahead. It reads
// this tick's objects (observe).
func (p *PDM) pullOverStop(s0, v float64) float64 {
	front := s0 + p.vehicle.FrontLength
	need := p.vehicle.Length() + 2*pullOverMargin
	// Keep the place chosen while it stays free (choosing afresh from the ego's speed as it brakes would
	// move the place back towards it).
	if at := p.pullAt; !math.IsNaN(at) && at >= front-0.5 && p.slotFree(at, need) {
		return at
	}
	p.pullAt = math.NaN()
	// The first free slot the ego reaches braking gently, else braking comfortably.
	var reach, found [2]float64
	for k, decel := range [2]float64{pullOverDecel, p.cfg.StopDecel} {
		reach[k], found[k] = front, math.Inf(1)
		if v > 0 {
			reach[k] += v*pullOverEase + v*v/(2*decel)
		}
	}
	for _, z := range p.zones {
		if z.s1-pullOverMargin < front-0.5 || z.s0-front > pullOverRange {
			continue // passed it, or too far ahead
		}
		taken := append(p.takenSpans(z), [2]float64{z.s1, z.s1})
		for k := range reach {
			from := z.s0
			for _, t := range taken {
				// The free stretch [from, t[0]]: the front bumper may stop between lo and hi.
				lo, hi := from+need-pullOverMargin, t[0]-pullOverMargin
				if want := max(lo, reach[k]); want <= hi && want >= front-0.5 {
					found[k] = min(found[k], want)
					break
				}
				from = max(from, t[1])
			}
		}
	}
	best := found[0]
	if math.IsInf(best, 1) {
		best = found[1]
	}
	if best-front > pullOverRange {
		return math.Inf(1)
	}
	p.pullAt = best
	return best
}

// slotFree reports whether a front-bumper stop at arc length at leaves the car's stretch (need metres
// behind it, the margin ahead) in a pickup/drop-off area clear of standing objects.
func (p *PDM) slotFree(at, need float64) bool {
	for _, z := range p.zones {
		if at < z.s0 || at-need > z.s1 {
			continue
		}
		for _, t := range p.takenSpans(z) {
			if t[1] > at+pullOverMargin-need && t[0] < at+pullOverMargin {
				return false
			}
		}
		return true
	}
	return false
}

// takenSpans returns the centerline arc-length spans of the objects standing in zone z (slower than
// pullOverStill, centre in the area), in order; the slice is reused.
func (p *PDM) takenSpans(z zoneSpan) [][2]float64 {
	c := &p.paths[0]
	poly := p.mx.Map().Areas[z.area].Polygon
	p.taken = p.taken[:0]
	for i := range p.objs {
		o := &p.objs[i]
		if o.speed > pullOverStill || !geom.PointInPolygon(o.c0, poly) {
			continue
		}
		s, _ := c.line.Project(o.c0)
		h := o.o.Box.Length / 2
		p.taken = append(p.taken, [2]float64{s - h, s + h})
	}
	slices.SortFunc(p.taken, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
	return p.taken
}
