package gen

import (
	"math"

	"asyncdrive/scenarios"
)

// Nudging: vehicles pass an obstacle that sticks out into their lane from its right edge (a car parked at the
// kerb, a van stopped half in a pickup/drop-off zone, cones of road works, a cyclist at the lane's edge) by
// shifting left within their lane and, when the lane to the left is clear for the whole manoeuvre, a little
// over the line, as drivers do. The shift is a lateral offset from the path that is a function of the path
// station: a quintic rise over l1 metres from s0, a hold while an obstacle is alongside or close ahead, and a
// quintic return over l2 metres from s2. A vehicle that can't pass yet (oncoming traffic, a car alongside)
// waits far enough behind a stopped obstacle to pull out from standstill, or follows a cyclist.

// nudgePlan is a vehicle's lateral offset profile.
type nudgePlan struct {
	on     bool
	d      float64 // offset to the left (m)
	s0, l1 float64 // rise
	s2, l2 float64 // return (s2 = +Inf while holding)
}

// quintic is the minimum-jerk blend from 0 to 1 and its first two derivatives with respect to u.
func quintic(u float64) (f, d1, d2 float64) {
	if u <= 0 {
		return 0, 0, 0
	}
	if u >= 1 {
		return 1, 0, 0
	}
	u2 := u * u
	return u2 * u * (10 - 15*u + 6*u2), 30 * u2 * (1 - 2*u + u2), 60*u - 180*u2 + 120*u2*u
}

// at returns the offset and its first two derivatives with respect to the path station at station s.
func (n *nudgePlan) at(s float64) (d, d1, d2 float64) {
	if !n.on {
		return 0, 0, 0
	}
	r, r1, r2 := quintic((s - n.s0) / n.l1)
	r1 /= n.l1
	r2 /= n.l1 * n.l1
	q, q1, q2 := 0.0, 0.0, 0.0
	if !math.IsInf(n.s2, 1) {
		q, q1, q2 = quintic((s - n.s2) / n.l2)
		q1 /= n.l2
		q2 /= n.l2 * n.l2
	}
	return n.d * r * (1 - q), n.d * (r1*(1-q) - r*q1), n.d * (r2*(1-q) - 2*r1*q1 - r*q2)
}

// hold returns the planned offset at station s if the vehicle keeps holding (used to judge whether an
// obstacle ahead is cleared).
func (n *nudgePlan) hold(s float64) float64 {
	if !n.on {
		return 0
	}
	r, _, _ := quintic((s - n.s0) / n.l1)
	if !math.IsInf(n.s2, 1) {
		q, _, _ := quintic((s - n.s2) / n.l2)
		r *= 1 - q
	}
	return n.d * r
}

// offsetGeometry returns the heading change, the curvature and the arc-length stretch of a path of
// curvature k offset laterally by d(s) with derivatives d1, d2.
func offsetGeometry(k, d, d1, d2 float64) (dh, kk, stretch float64) {
	a := 1 - k*d
	n2 := a*a + d1*d1
	stretch = math.Sqrt(n2)
	dh = math.Atan2(d1, a)
	kk = (k + (d2*a+k*d1*d1)/n2) / stretch
	return dh, kk, stretch
}

// isBlocker reports whether e is an object that sits at the right edge of its lane and can be passed within
// the lane: a stopped object, a cyclist, a car pulling over.
func isBlocker(e *vehicle) bool {
	return e.lat < -0.05 && (e.fixed || e.typ == scenarios.Bicycle || e.pullIn != 0) && !e.nudge.on
}

// passMargin is the lateral clearance v keeps from blocker e.
func passMargin(v, e *vehicle) float64 {
	m := 0.4
	if v.ego {
		m = 0.55
	}
	if e.typ == scenarios.Bicycle {
		m += 0.4
	}
	return m
}

// passNeed returns the left offset v needs to pass blocker e (on the same lane) with its margin; <= 0 when e
// does not reach v's body at all.
func passNeed(v, e *vehicle) float64 {
	return e.lat + e.width/2 + passMargin(v, e) + v.width/2
}

// nudgeMax returns the largest left offset v takes on lane li: up to 0.6 m over the lane line when the lane
// to the left is a lane (either direction), else within the lane.
func (w *world) nudgeMax(v *vehicle, li int) float64 {
	l := w.net.lanes[li]
	if l.conn {
		return 0
	}
	over := 0.1
	if l.leftN >= 0 || w.oppLane(li) >= 0 {
		over = 0.6
	}
	return l.w/2 + over - v.width/2
}

// oppLane returns the oncoming lane next to road lane li across an unseparated centre line, or -1.
func (w *world) oppLane(li int) int {
	l := w.net.lanes[li]
	if l.conn || !l.fwd || l.idx != 0 || l.road >= len(w.net.roads) {
		return -1
	}
	r := w.net.roads[l.road]
	if r.nB == 0 || r.median > 0.1 {
		return -1
	}
	return r.bwd[l.seg][0]
}

// refStation returns the road and reference station of vehicle o's current lane position, with its direction
// and lane index; ok is false on connectors.
func (w *world) refStation(o *vehicle, occ int) (road int, fwd bool, idx int, x float64, ok bool) {
	sp := &o.path.spans[o.hint]
	if occ >= sp.nocc {
		return 0, false, 0, 0, false
	}
	l := w.net.lanes[sp.occ[occ].lane]
	if l.conn || l.road >= len(w.net.roads) {
		return 0, false, 0, 0, false
	}
	r := w.net.roads[l.road]
	f := curveFrac(l.c, sp.laneStation(occ, o.s), nil)
	var fi float64
	if l.fwd {
		fi = float64(r.cut[l.seg]) + f
	} else {
		fi = float64(r.cut[l.seg+1]) - f
	}
	i := int(fi)
	i = max(0, min(i, len(r.ref)-2))
	x = r.ref[i].S + (fi-float64(i))*(r.ref[i+1].S-r.ref[i].S)
	return l.road, l.fwd, l.idx, x, true
}

// nudgeClear reports whether v may shift left by d now and hold the shift for the next dist metres: when the
// shift takes it near or over the lane line, no vehicle in the lane to the left (same direction or
// oncoming) may be alongside during the manoeuvre.
func (w *world) nudgeClear(v *vehicle, d, dist float64) bool {
	li := v.path.spans[v.hint].occ[0].lane
	l := w.net.lanes[li]
	over := d + v.width/2 - l.w/2 // how far the body reaches over the lane line
	if over < -0.3 {
		return true
	}
	rd, _, idx, xm, ok := w.refStation(v, 0)
	if !ok {
		return false
	}
	vmax := math.Max(math.Min(v.desCache, 8), 3)
	T := arrival(dist, v.v, 1.2, vmax) + 0.5
	vm := dist / math.Max(T-0.5, 0.1)
	for _, o := range w.vehs {
		if o == v || !o.alive || o.fixed {
			continue
		}
		for k := 0; k < o.path.spans[o.hint].nocc; k++ {
			ord, ofwd, oidx, xo, ok := w.refStation(o, k)
			if !ok || ord != rd {
				continue
			}
			var r0, r1, lo, hi float64
			switch {
			case ofwd && oidx == idx-1: // same direction, to the left
				r0 = xo - xm
				r1 = r0 + (o.v-vm)*T
				lo, hi = -(o.front + v.rear + 4), v.front+o.rear+4
			case !ofwd && oidx == 0 && idx == 0 && w.oppLane(li) >= 0 && over > 0.15: // oncoming
				// (within 0.15 m of the line, oncoming drivers pass with half a metre to spare)
				r0 = xo - xm
				r1 = r0 - (o.v+vm)*T
				lo, hi = -(o.rear + v.rear + 4), v.front+o.front+6+(o.v+vm)*1.3
			default:
				continue
			}
			if math.Max(r0, r1) > lo && math.Min(r0, r1) < hi {
				return false
			}
		}
	}
	return true
}

// nudgeLen is the length over which v shifts at speed sp: about 4 s, at least 14 m.
func nudgeLen(sp float64) float64 { return math.Max(3.8*sp, 14) }

// nudgeWait is how far behind a stopped blocker a vehicle waits to pass it.
const nudgeWait = 9.0

// planNudge runs before v's leader search: it starts a nudge past the nearest blocker ahead when the lane to
// the left is clear, and ends the hold once every blocker has been passed.
func (w *world) planNudge(v *vehicle) {
	if v.fixed || v.typ == scenarios.Bicycle || v.pullIn != 0 {
		return
	}
	sp := &v.path.spans[v.hint]
	if sp.nocc != 1 {
		return
	}
	sf := v.s + v.front
	if v.nudge.on {
		if v.s >= v.nudge.s2+v.nudge.l2 {
			v.nudge = nudgePlan{}
			v.lat = 0
			return
		}
		if !math.IsInf(v.nudge.s2, 1) || v.s < v.nudge.s0+0.5*v.nudge.l1 {
			return
		}
		l2 := nudgeLen(v.v)
		holding := false
		w.scanBlockers(v, v.s-v.rear-25, sf+l2+10, func(e *vehicle, sj float64) {
			if passNeed(v, e) <= 0.05 {
				return
			}
			clr := 1.0
			if e.typ == scenarios.Bicycle {
				clr = 2.5
			}
			if sj+e.front+clr >= v.s-v.rear && sj-e.rear <= sf+l2+8 {
				holding = true
			}
		})
		if !holding {
			v.nudge.s2, v.nudge.l2 = v.s, l2
		}
		return
	}
	// The nearest blocker ahead that needs a shift.
	var first *vehicle
	fs := math.Inf(1)
	lead := 2 + 0.4*v.v
	look := nudgeLen(v.v) + lead + 2
	w.scanBlockers(v, v.s, sf+look, func(e *vehicle, sj float64) {
		if sj-e.rear > sf && sj < fs && passNeed(v, e) > 0.05 {
			first, fs = e, sj
		}
	})
	if first == nil {
		return
	}
	dist := fs - first.rear - sf
	// Any other vehicle (not a blocker) between v and the blocker: follow it first.
	if l, lg := w.leader(v, dist); l != nil && lg < dist {
		return
	}
	l1 := math.Min(nudgeLen(v.v), dist-lead)
	if l1 < 8 {
		if v.v > 1 || dist < 7 {
			return
		}
		l1 = dist - 1 // pulling out from close behind, at a crawl
	}
	// The offset for the blockers of this cluster, within the lane's room.
	d := 0.0
	far := fs
	w.scanBlockers(v, fs-first.rear-1, fs+40, func(e *vehicle, sj float64) {
		if n := passNeed(v, e); n > 0.05 {
			d = math.Max(d, n)
			far = math.Max(far, sj+e.front)
		}
	})
	li := sp.occ[0].lane
	dmax := w.nudgeMax(v, li)
	if d > dmax {
		return
	}
	d = math.Max(d, 0.4)
	// The road must go on without a junction for the whole manoeuvre.
	end := far - v.s + v.rear + 2*nudgeLen(v.v) + 5
	if first.typ == scenarios.Bicycle {
		end += first.v * (end / math.Max(v.v-first.v+1, 1))
	}
	for k := v.hint; k < len(v.path.spans); k++ {
		s := &v.path.spans[k]
		if s.s0 > v.s+end {
			break
		}
		if s.nocc != 1 || w.net.lanes[s.occ[0].lane].conn {
			return
		}
	}
	// Over the line from the start until half-way back.
	if !w.nudgeClear(v, d, far-v.s+v.rear+0.5*nudgeLen(math.Max(v.v, 5))) {
		return
	}
	v.nudge = nudgePlan{on: true, d: d, s0: v.s, l1: l1, s2: math.Inf(1)}
}

// scanBlockers calls f for every blocker on v's current lane or the lanes of its path around it whose
// path station (its centre) lies in [from, to].
func (w *world) scanBlockers(v *vehicle, from, to float64, f func(e *vehicle, sj float64)) {
	sps := v.path.spans
	for k := max(v.hint-1, 0); k < len(sps); k++ {
		sp := &sps[k]
		if sp.s0 > to {
			break
		}
		if sp.s1 < from || sp.nocc != 1 {
			continue
		}
		ref := sp.occ[0]
		for _, e := range w.occ[ref.lane] {
			if e.v == v || !isBlocker(e.v) {
				continue
			}
			sj := sp.s0 + (e.u-ref.u0)/ref.k
			if sj < sp.s0-0.5 || sj > sp.s1+0.5 || sj < from || sj > to {
				continue
			}
			f(e.v, sj)
		}
	}
}

// anticipateCutIns makes the ego ease off for a vehicle ahead in a neighbouring lane that signals a change
// into its lane (in its lane-change window): it treats it as a leader, braking at most 1 m/s^2, and so opens
// the gap the other driver is waiting for, as a courteous driver does.
func (w *world) anticipateCutIns(v *vehicle, tick int, obstacle func(gap, lv float64), acc *float64) {
	sp := &v.path.spans[v.hint]
	if sp.nocc != 1 {
		return
	}
	my := w.net.lanes[sp.occ[0].lane]
	if my.conn {
		return
	}
	_, _, _, xm, ok := w.refStation(v, 0)
	if !ok {
		return
	}
	for _, o := range w.vehs {
		if o == v || !o.alive || o.lcDir == 0 || o.lcDone || o.lcGapB == 0 || tick < o.lcFrom-indicatorLead || tick > o.lcTo {
			continue
		}
		osp := &o.path.spans[o.hint]
		if osp.nocc != 1 {
			continue
		}
		ol := w.net.lanes[osp.occ[0].lane]
		if ol.conn || ol.road != my.road || ol.fwd != my.fwd || ol.idx+o.lcDir != my.idx {
			continue
		}
		_, _, _, xo, ok := w.refStation(o, 0)
		if !ok {
			continue
		}
		gap := xo - o.rear - (xm + v.front)
		if gap <= 0 || gap > 2.5*v.v+10 {
			continue
		}
		a0 := *acc
		obstacle(gap, o.v)
		*acc = math.Max(*acc, math.Min(a0, -1.0))
	}
}

// Obstacles at the right edge of a lane, passable with a shift.
const (
	blkParked  = iota // a car parked at the kerb, its left side well into the lane
	blkVan            // a delivery van or a car stopped with its hazard lights on, half on the kerb
	blkCones          // a taper of cones in front of road works at the lane's edge
	blkCyclist        // a cyclist riding at the lane's right edge
	nBlk
)

// edgeBlocker puts an obstacle of the given kind at the right edge of road r's forward lane i at reference
// station s. It sticks 0.15-0.6 m into the corridor of a Pacifica driving on the lane centre, so that passing
// it takes a shift of 0.7-1.2 m (a little over the lane line on narrow lanes). It returns the obstacle's
// vehicles (nil when the lane is too narrow or the place is taken).
func (w *world) edgeBlocker(r *road, i int, s float64, kind int) []*vehicle {
	g := w.g
	lw := r.w
	ovMax := math.Min(0.6, lw/2-1.15)
	if ovMax < 0.2 {
		return nil
	}
	ov := g.Range(0.15, ovMax)
	left := -egoWidth/2 + ov // the obstacle's left side, from the lane centre
	var out []*vehicle
	put := func(v *vehicle, ss, lat, speed float64) bool {
		li, u := r.laneAt(w.net, true, i, ss)
		if !w.laneFreeChain(li, u-v.rear-6, u+v.front+6) {
			w.nameSeq--
			return false
		}
		v.lat = lat
		route := []int{li}
		if !v.fixed {
			route = w.routeThrough(li, moveStraight)
		}
		w.add(v, route, u, speed)
		out = append(out, v)
		return true
	}
	fixed := func(typ scenarios.ObjectType, l, wd float64) *vehicle {
		v := w.newVehicle(typ, l, wd)
		v.fixed = true
		if typ == scenarios.StaticObject {
			v.name = "obj_" + itoa3(w.nameSeq)
		}
		return v
	}
	switch kind {
	case blkParked:
		wd := g.Range(1.8, 2.0)
		put(fixed(scenarios.Vehicle, g.Range(4.3, 5.1), wd), s, left-wd/2, 0)
	case blkVan:
		wd := g.Range(2.0, 2.2)
		put(fixed(scenarios.Vehicle, g.Range(5.2, 6.8), wd), s, left-wd/2, 0)
	case blkCones:
		n := g.Int(4, 7)
		step := g.Range(2.5, 4)
		for j := 0; j < n; j++ {
			// The first cones taper out from the lane edge.
			f := math.Min(1, float64(j+1)/2.5)
			l := -lw/2 + (left+lw/2)*f
			if !put(fixed(scenarios.StaticObject, 0.45, 0.45), s+float64(j)*step, l-0.225, 0) {
				break
			}
		}
	case blkCyclist:
		b := w.newVehicle(scenarios.Bicycle, 1.8, 0.6)
		// Riding 0.15-0.3 m from the lane edge, inside the centre corridor.
		c := math.Max(-lw/2+0.45, math.Min(left-0.3, -lw/2+0.6))
		if c+0.3 < -egoWidth/2+0.05 {
			c = -egoWidth/2 + 0.05 - 0.3 + g.Range(0, 0.1)
		}
		put(b, s, c, b.vcapAbs*0.95)
	}
	return out
}

// canNudgeLeft reports whether the ego's lane i of road r has room to its left for a shift over the lane
// line (a lane in either direction, no median), and is the kerb lane.
func canNudgeLeft(r *road, i int) bool {
	return i == r.nF-1 && (i > 0 || r.nB > 0 && r.median < 0.1)
}

// addCutIn puts a vehicle in a lane next to the ego's (lane egoLane of road r, the ego at reference
// station es and speed ve) a little ahead of it, behind a slower vehicle in its own lane: it changes into the
// ego's lane in front of the ego with a gap of 0.9-1.4 s as soon as the ego leaves it one (the ego, seeing
// it signal, eases off). It returns the vehicle, or nil when there is no neighbouring lane.
func (w *world) addCutIn(r *road, egoLane int, es, ve float64, from, to, exclude int) *vehicle {
	g := w.g
	var sides []int
	if egoLane > 0 && egoLane-1 != exclude {
		sides = append(sides, egoLane-1)
	}
	if egoLane < r.nF-1 && egoLane+1 != exclude {
		sides = append(sides, egoLane+1)
	}
	if len(sides) == 0 {
		return nil
	}
	lane := sides[g.IntN(len(sides))]
	v := w.car()
	vs := ve * g.Range(0.9, 1.05)
	s := es + egoFront + g.Range(3, 14) + v.rear
	li, u := r.laneAt(w.net, true, lane, s)
	if !w.laneFreeChain(li, u-v.rear-8, u+v.front+8) {
		w.nameSeq--
		return nil
	}
	w.add(v, w.routeThrough(li, moveStraight), u, vs)
	v.vdes = math.Min(1.0, vs/r.limit+0.1)
	v.lcDir = egoLane - lane
	v.lcDur = g.Range(3, 4.2)
	v.lcFrom, v.lcTo = from, to
	v.lcGapB = g.Range(0.9, 1.4)
	v.lcBrake = 2.2
	// The reason: a slower vehicle ahead in its lane.
	slow := w.car()
	ss := s + v.front + g.Range(18, 35) + slow.rear
	li, u = r.laneAt(w.net, true, lane, ss)
	if w.laneFreeChain(li, u-slow.rear-4, u+slow.front+4) {
		w.add(slow, w.routeThrough(li, moveStraight), u, vs*0.7)
		slow.vdes = vs * g.Range(0.55, 0.75) / r.limit
	} else {
		w.nameSeq--
	}
	return v
}
