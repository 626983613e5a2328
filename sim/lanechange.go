package sim

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

// Lane changes of reactive agents. nuPlan's IDM agents keep the lane they start in, so the cut-ins, merges and
// passes of the log vanish once the agents react to the ego. A Reactive agent whose log changes into a
// neighbouring lane changes too, from the time the log began to (laneChangeLead before its centre crossed the
// line), once the gap in the new lane is safe by MOBIL's criterion: neither the vehicle behind it in the new
// lane (the ego included) nor the agent itself, behind its new leader, would have to brake harder than
// laneChangeSafeDecel. It waits up to laneChangeWait for such a gap, then keeps its lane. The change blends into
// the new lane over laneChangeTime at its speed (at least laneChangeMinLength). ReactiveNuPlan agents keep
// their lane, as nuPlan's.
const (
	laneChangeLead      = 1.5 // s
	laneChangeWait      = 5.0 // s
	laneChangeSafeDecel = 2.0 // m/s^2, nuPlan's agents' comfortable deceleration
	laneChangeTime      = 3.0 // s
	laneChangeMinLength = 15.0
	// laneChangeSample is the step (frames) at which a log is scanned for its first lane change, and
	// laneChangeStray (m) how far from the agent's path a logged position must lie to be looked at.
	laneChangeSample = 5
	laneChangeStray  = 1.0
)

// loggedChange is the first lane change of a vehicle's log from a frame on: at time t (s) from lane from into
// its neighbour to.
type loggedChange struct {
	ok       bool
	t        float64
	from, to int
	// lanes and line: lane to and its successors, joined; built when the change falls due and extended while
	// the agent waits for a gap.
	lanes []int
	line  geom.Polyline
}

// firstLaneChange scans track t's log from frame on for its first move into a neighbouring lane. path is the
// agent's path from where the log is at frame (lane is the lane it starts on): only where the log strays
// laneChangeStray from it are lanes looked up, the one the log leaves (where it last followed the path) and the
// one it moves into.
func (r *reactiveAgents) firstLaneChange(t *scenarios.Track, frame, lane int, path *geom.Polyline) loggedChange {
	s := math.NaN()
	on := -1 // the last sample on the path
	for k := max(frame-t.Start, 0); k < len(t.States); k += laneChangeSample {
		p := t.States[k].Pose.Pos()
		var sk, lat float64
		if math.IsNaN(s) {
			sk, lat, _ = path.ProjectDist(p) // the first sample: anywhere on the path
		} else {
			sk, lat, _ = path.ProjectRange(p, s-5, s+40) // then near the last one
		}
		if s = sk; math.Abs(lat) < laneChangeStray {
			on = k
			continue
		}
		l, _, _, ok := r.mx.NearestLane(t.States[k].Pose, agentLaneSnap)
		if !ok {
			continue
		}
		from := lane
		if on >= 0 {
			if f, _, _, ok := r.mx.NearestLane(t.States[on].Pose, agentLaneSnap); ok {
				from = f
			}
		}
		// Into a neighbour of the lane it leaves, or of the next one (the change may cross the lanes' seam).
		succ := r.mx.Successors(from)
		for j := -1; j < len(succ); j++ {
			f := from
			if j >= 0 {
				f = succ[j]
			}
			if l != f && (l == r.mx.LeftNeighbor(f) || l == r.mx.RightNeighbor(f)) {
				return loggedChange{ok: true, t: float64(t.Start+k)*r.sc.DT - laneChangeLead, from: f, to: l}
			}
		}
	}
	return loggedChange{}
}

// tryLaneChange makes agent a's logged lane change at time t when it is due and the gap is safe, and drops it
// when it can no longer be made.
func (r *reactiveAgents) tryLaneChange(a *idmAgent, self int, t float64, obs []obstacle) {
	lc := &a.change
	if !lc.ok || t < lc.t {
		return
	}
	a.advanceLane()
	if a.lanes[a.cur] != lc.from && a.cur+1 < len(a.lanes) && a.lanes[a.cur+1] == lc.from && t <= lc.t+laneChangeWait {
		return // not yet on the lane the log changes from
	}
	if t > lc.t+laneChangeWait || a.lanes[a.cur] != lc.from {
		lc.ok = false
		return
	}
	length := math.Max(laneChangeMinLength, a.v*laneChangeTime)
	// The new lane and its successors, far enough for the blend and a little beyond.
	if len(lc.lanes) == 0 {
		lc.lanes = append(lc.lanes, lc.to)
		lc.line = r.mx.JoinPaths(lc.lanes)
	}
	s0, _ := lc.line.Project(a.pose.Pos())
	for lc.line.Length() < s0+length+20 && len(lc.lanes) < 16 {
		succ := r.mx.Successors(lc.lanes[len(lc.lanes)-1])
		if len(succ) == 0 {
			break
		}
		lc.lanes = append(lc.lanes, succ[0])
		for _, q := range r.mx.Path(succ[0]).Pts {
			lc.line.Append(q)
		}
	}
	if s0 < 0 || s0+length > lc.line.Length() || !r.gapSafe(a, self, &lc.line, s0, obs) {
		return
	}
	r.changePath(a, lc.lanes, &lc.line, s0, length)
	// On to the log's next change, from a second after this one's crossing.
	after := int(math.Ceil((lc.t + laneChangeLead + 1) / r.sc.DT))
	a.change = r.firstLaneChange(&r.sc.Tracks[a.track], after, lc.to, &a.path)
}

// gapSafe reports whether agent a may move into the lane along line, where it projects at s0: nothing
// alongside, and neither its new follower nor a itself behind its new leader must brake harder than
// laneChangeSafeDecel.
func (r *reactiveAgents) gapSafe(a *idmAgent, self int, line *geom.Polyline, s0 float64, obs []obstacle) bool {
	for k := range obs {
		o := &obs[k]
		if o.own == self {
			continue
		}
		c := o.box.Center.Pos()
		s, lat, d := line.ProjectDist(c)
		if d > 2 || math.Abs(lat) > 2 || math.Cos(o.box.Center.Heading-line.HeadingAt(s)) < 0.7 {
			continue // not in the new lane, or not going its way
		}
		half := (o.box.Length + a.length) / 2
		v := o.vel.Norm()
		switch gap := math.Abs(s-s0) - half; {
		case gap < 0:
			return false // alongside
		case s > s0:
			if a.params.Accel(a.v, gap, v) < -laneChangeSafeDecel {
				return false
			}
		default:
			if idm.Agents(math.Max(v, 1)).Accel(v, gap, a.v) < -laneChangeSafeDecel {
				return false
			}
		}
	}
	return true
}

// changePath replaces agent a's path by a blend from where it is into the lanes along line (where it
// projects at s0), over length metres, then those lanes and their successors.
func (r *reactiveAgents) changePath(a *idmAgent, lanes []int, line *geom.Polyline, s0, length float64) {
	p0 := line.PoseAt(s0)
	d0 := a.pose.Pos().Sub(p0.Pos()).Dot(geom.Unit(p0.Heading + math.Pi/2))
	var pl geom.Polyline
	for x := 0.0; x <= length+1e-9; x += 1 {
		p := line.PoseAt(s0 + x)
		u := x / length
		off := d0 * (1 - geom.Smoothstep(u))
		pl.Append(p.Pos().Add(geom.Unit(p.Heading + math.Pi/2).Scale(off)))
	}
	a.lanes, a.laneEnd = a.lanes[:0], a.laneEnd[:0]
	end := 0.0
	for _, l := range lanes {
		end += r.mx.Path(l).Length()
		for _, q := range r.mx.Path(l).Pts {
			if qs, _ := line.Project(q); qs > s0+length+0.5 {
				pl.Append(q)
			}
		}
		if end > s0 {
			a.lanes = append(a.lanes, l)
			a.laneEnd = append(a.laneEnd, end-s0)
		}
	}
	a.path = pl
	r.extendPath(a, &r.sc.Tracks[a.track], math.Max(a.v, a.params.TargetSpeed)*agentPathHorizon+60, 0)
	a.s, a.cur = 0, 0
	a.pose = agentPose(&a.path, 0)
}
