package planner

import (
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
)

// score simulates every proposal with the LQR tracker and bicycle model from the current ego state, scores
// the simulated states, and returns the index of the best proposal (the first of equal scores).
//
// A proposal's score is, as tuplan_garage's PDMScorer, the product of the multiplier metrics (no at-fault
// collision, drivable area, driving direction) times the weighted average of progress (normalised by the
// largest progress among the proposals), TTC and comfort, then times the guidance's lane weight.
func (p *PDM) score(ego dynamics.State) int {
	ps := p.cfg.ProposalSteps
	nT, nS := p.cfg.TrajectorySteps+1, ps+1
	dt := p.cfg.Step
	for i := range p.props {
		pr := &p.props[i]
		traj := dynamics.Trajectory(p.pts[i*nT : i*nT+ps+1])
		p.ctrl.SetReference(traj)
		st := ego
		states := p.states[i*nS : (i+1)*nS]
		states[0] = st
		for k := 1; k <= ps; k++ {
			if pr.valid {
				st = p.ctrl.StepReference(st, dt)
				if !st.IsFinite() {
					pr.valid = false
				}
			}
			states[k] = st
		}
	}
	// The progress of every proposal is measured along the centerline from the ego's centre now.
	c0 := p.vehicle.Footprint(ego.Pose).Center.Pos()
	s0 := p.centerS(c0, p.lastS)
	for i := range p.props {
		p.scoreOne(i, s0)
	}
	maxRaw := 0.0
	for i := range p.props {
		pr := &p.props[i]
		maxRaw = max(maxRaw, pr.rawProgress*pr.mult)
	}
	w := p.guide.weights
	wsum := w.Progress + w.TTC + w.Comfort
	for i := range p.props {
		pr := &p.props[i]
		pr.prog = 1
		switch {
		case maxRaw > progressThreshold:
			pr.prog = pr.rawProgress * pr.mult / maxRaw
		case pr.mult == 0:
			pr.prog = 0
		}
	}
	// Comfort is the costliest term and matters only for proposals that can still win: the scores are
	// computed with unknown comfort counted as 1 (an upper bound), and comfort is evaluated for the best
	// proposal until the best one's is known; then no other proposal can beat it.
	rescore := func(pr *proposal) {
		c := max(pr.comfort, 0)
		if pr.comfort < 0 {
			c = 1
		}
		pr.score = pr.mult * (w.Progress*pr.prog + w.TTC*pr.ttc + w.Comfort*c) / wsum * p.guide.laneWeight[pr.side]
		if !pr.valid {
			pr.score = 0
		}
	}
	for i := range p.props {
		rescore(&p.props[i])
	}
	best, bestScore := 0, math.Inf(-1)
	for {
		best, bestScore = 0, math.Inf(-1)
		for i := range p.props {
			if p.props[i].score > bestScore {
				best, bestScore = i, p.props[i].score
			}
		}
		if p.props[best].comfort >= 0 {
			break
		}
		p.evalComfort(best)
		rescore(&p.props[best])
	}
	// Among the centerline and its offsets, a proposal at the same speed on an earlier path (the centerline
	// first) that scores within tieScore of the best is taken instead: the offsets are there to pass what the
	// centerline cannot (a collision, the drivable area, time to collision, comfort), not for the few per cent
	// of progress that staying on an offset, or cutting a turn on it, gains over steering back.
	nf := len(p.cfg.SpeedFractions)
	if jb := p.props[best].path; jb > 0 && jb < p.nBase {
		for j := 0; j < jb; j++ {
			i := j*nf + best%nf
			if pr := &p.props[i]; pr.comfort < 0 {
				p.evalComfort(i)
				rescore(pr)
			}
			if p.props[i].score >= bestScore-tieScore {
				return i
			}
		}
	}
	return best
}

// evalComfort evaluates proposal i's comfort (metrics.Comfort over its simulated states).
func (p *PDM) evalComfort(i int) {
	n := p.cfg.ProposalSteps + 1
	c := metrics.Comfort(p.states[i*n:(i+1)*n], p.vehicle, p.cfg.Step, p.cfg.Metrics.Comfort, &p.comfort)
	p.props[i].comfort = b2f(c.Comfortable())
}

// tieScore is the score difference below which a proposal on an earlier centerline path is preferred: 0.05,
// 12% of the progress term, well below what a failed TTC (5/12) or comfort (2/12) costs.
const tieScore = 0.05

// segSteps is the number of steps of the time segments that scoring culls objects by.
const segSteps = 10

// progressThreshold (m) is tuplan_garage's PROGRESS_DISTANCE_THRESHOLD: below it, no proposal's progress
// counts as progress and every proposal without a zero multiplier gets full progress.
const progressThreshold = 0.1

// centerS returns the arc length on the centerline of the point nearest to q, searching near guess first.
func (p *PDM) centerS(q geom.Vec2, guess float64) float64 {
	c := &p.paths[0]
	if s, _, ok := c.project(q, guess-20, guess+200, 10); ok {
		return s
	}
	s, _ := c.line.Project(q)
	return s
}

// scoreOne scores proposal i's simulated states.
func (p *PDM) scoreOne(i int, s0 float64) {
	pr := &p.props[i]
	ps := p.cfg.ProposalSteps
	states := p.states[i*(ps+1) : (i+1)*(ps+1)]
	mp := &p.cfg.Metrics
	veh := &p.vehicle
	d := veh.RearAxleToCenter()
	hl, hw := veh.Length()/2, veh.Width/2
	egoR := math.Hypot(hl, hw)
	ttcN := p.ttcSteps()
	ttcDT := mp.TTCStep

	// Objects that can come near this proposal, per time segment of segSteps steps: their boxes over the
	// segment (and the TTC projection after it) against the ego's.
	nseg := (len(states) + segSteps - 1) / segSteps
	p.actOff = growInt(p.actOff, nseg+1)
	p.active = p.active[:0]
	dt := p.cfg.Step
	ttcT := float64(ttcN) * ttcDT
	for g := 0; g < nseg; g++ {
		k0, k1 := g*segSteps, min(len(states), (g+1)*segSteps)-1
		area := geom.EmptyAABB()
		vmax := 0.0
		for k := k0; k <= k1; k++ {
			area.Extend(states[k].Pose.Pos())
			vmax = max(vmax, math.Abs(states[k].Speed))
		}
		m := egoR + d + vmax*ttcT
		area.Min = area.Min.Sub(geom.Vec2{X: m, Y: m})
		area.Max = area.Max.Add(geom.Vec2{X: m, Y: m})
		p.actOff[g] = len(p.active)
		t0, t1 := float64(k0)*dt, float64(k1)*dt+ttcT
		for oi := range p.objs {
			o := &p.objs[oi]
			if o.collided || !aabbOverlap(o.swept, area) {
				continue
			}
			if aabbOverlap(o.sweepBetween(t0, t1), area) {
				p.active = append(p.active, int32(oi))
			}
		}
	}
	p.actOff[nseg] = len(p.active)
	words := (len(p.objs) + 63) / 64
	if cap(p.hit) < words {
		p.hit = make([]uint64, words)
	}
	p.hit = p.hit[:words]
	for w := range p.hit {
		p.hit[w] = 0
	}
	for k := range p.status {
		p.status[k] = -1
	}

	var counts [metrics.NumClasses]int
	pr.collideStep, pr.ttcStep = -1, -1
	drivable, ttcOK := true, true
	run, worstRun := 0.0, 0.0
	var prevC geom.Vec2
	for k := range states {
		st := &states[k]
		sn, cs := math.Sincos(st.Pose.Heading)
		f := geom.Vec2{X: cs, Y: sn}
		l := geom.Vec2{X: -sn, Y: cs}
		rear := st.Pose
		c := geom.Vec2{X: rear.X + d*cs, Y: rear.Y + d*sn}
		box := geom.Box{Center: geom.Pose{X: c.X, Y: c.Y, Heading: st.Pose.Heading}, Length: 2 * hl, Width: 2 * hw}

		// Drivable area: every corner inside.
		if drivable {
			fx, lx := f.Scale(hl), l.Scale(hw)
			corners := [4]geom.Vec2{c.Add(fx).Add(lx), c.Sub(fx).Add(lx), c.Sub(fx).Sub(lx), c.Add(fx).Sub(lx)}
			for _, q := range corners {
				if !p.inDrivable(q) {
					drivable = false
					break
				}
			}
		}
		// Driving direction: distance driven with the centre outside the route's lanes, per stretch.
		if k > 0 {
			if p.onRoute(c) {
				run = 0
			} else {
				run += c.Dist(prevC)
				worstRun = max(worstRun, run)
			}
		}
		prevC = c

		// Collisions with the forecast objects.
		t := float64(k) * dt
		eb := metrics.NewEgoBox(box)
		atFault := false
		act := p.active[p.actOff[k/segSteps]:p.actOff[k/segSteps+1]]
		for _, oi := range act {
			if p.hit[oi>>6]&(1<<(oi&63)) != 0 {
				continue
			}
			o := &p.objs[oi]
			oc := o.at(t)
			rr := egoR + o.r
			if dx, dy := oc.X-c.X, oc.Y-c.Y; dx*dx+dy*dy > rr*rr {
				continue
			}
			ob := o.boxAt(t, oc)
			if !metrics.BoxesOverlap(&eb, ob) {
				continue
			}
			p.hit[oi>>6] |= 1 << (oi & 63)
			obj := o.o
			obj.Box = ob
			ct := metrics.ClassifyCollision(rear, box, st.Speed, &obj, mp.StoppedSpeed)
			inLane := true
			if ct == metrics.ActiveLateralCollision {
				inLane = p.laneFlags(k, box, rear)&1 != 0
			}
			if metrics.AtFault(ct, inLane) {
				if cl := metrics.ClassOf(obj.Type); cl < metrics.NumClasses {
					counts[cl]++
				}
				if pr.collideStep < 0 {
					pr.collideStep, pr.collideObj = k, oi
				}
				atFault = true
			}
		}
		// Time to collision: constant-velocity projection of ego and objects from this state.
		if atFault {
			if ttcOK {
				ttcOK, pr.ttcStep, pr.ttcObj = false, k, pr.collideObj
			}
		} else if ttcOK && math.Abs(st.Speed) > mp.TTCStoppedSpeed && ttcN > 0 {
			egoD := f.Scale(st.Speed * ttcDT)
			for _, oi := range act {
				if p.hit[oi>>6]&(1<<(oi&63)) != 0 {
					continue
				}
				o := &p.objs[oi]
				oc := o.at(t)
				objD := o.vel(t).Scale(ttcDT)
				rr := egoR + o.r
				if segOriginDist2(oc.Sub(c), objD.Sub(egoD).Scale(float64(ttcN))) > rr*rr {
					continue
				}
				ob := o.boxAt(t, oc)
				if math.IsInf(metrics.PairTTC(box, egoD, ob, objD, ttcDT, ttcN), 1) {
					continue
				}
				if metrics.IsAhead(rear, oc) || (!metrics.IsBehind(rear, oc) && p.laneFlags(k, box, rear) != 1) {
					ttcOK, pr.ttcStep, pr.ttcObj = false, k, oi
					break
				}
			}
		}
	}
	pr.collision = metrics.CollisionScore(counts, mp.CollisionThresholds)
	pr.drivable = drivable
	pr.direction = metrics.DirectionScore(-worstRun, mp.DirectionCompliance, mp.DirectionViolation)
	if !pr.valid {
		pr.mult, pr.rawProgress, pr.ttc, pr.comfort = 0, 0, 0, 0
		return
	}
	pr.mult = pr.collision * b2f(drivable) * pr.direction
	last := states[len(states)-1].Pose
	cEnd := last.Translate(d, 0).Pos()
	pr.rawProgress = max(0, p.centerS(cEnd, s0+p.progress[i*(p.cfg.TrajectorySteps+1)+ps]-p.pathS0[pr.path])-s0)
	pr.ttc = b2f(ttcOK)
	pr.comfort = -1 // evaluated when needed (score)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// segOriginDist2 returns the squared distance from the origin to the segment from a to a+d.
func segOriginDist2(a, d geom.Vec2) float64 {
	l2 := d.X*d.X + d.Y*d.Y
	t := 0.0
	if l2 > 0 {
		t = -(a.X*d.X + a.Y*d.Y) / l2
		if t < 0 {
			t = 0
		} else if t > 1 {
			t = 1
		}
	}
	x, y := a.X+t*d.X, a.Y+t*d.Y
	return x*x + y*y
}

// laneFlags returns, for simulated step k with footprint box and rear-axle pose rear, bit 0: the ego is in one
// lane or connected lanes (metrics.EgoLaneStatus is InLane), bit 1: the rear axle is in a lane connector (an
// intersection). It is computed on first use per step.
func (p *PDM) laneFlags(k int, box geom.Box, rear geom.Pose) int8 {
	if p.status[k] < 0 {
		var f int8
		if _, st := metrics.EgoLaneStatus(p.mx, box); st == metrics.InLane {
			f |= 1
		}
		if metrics.InConnector(p.mx, rear.Pos()) {
			f |= 2
		}
		p.status[k] = f
	}
	return p.status[k]
}

// inDrivable reports whether q is in the drivable area.
func (p *PDM) inDrivable(q geom.Vec2) bool {
	if f, ok := p.raster.at(q); ok {
		return f&cellDrivable != 0
	}
	p.stats.RasterMisses++
	return p.mx.InDrivable(q)
}

// onRoute reports whether q is in a lane or connector of the route (or of the centerline).
func (p *PDM) onRoute(q geom.Vec2) bool {
	if f, ok := p.raster.at(q); ok {
		return f&cellOnRoute != 0
	}
	p.stats.RasterMisses++
	var buf [16]int
	for _, l := range p.mx.LanesAt(q, buf[:0]) {
		if p.onRouteLane[l] {
			return true
		}
	}
	return false
}
