package planner

import (
	"math"
	"slices"

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
	p.dupOf = growInt(p.dupOf, len(p.props))
	for i := range p.props {
		pr := &p.props[i]
		states := p.states[i*nS : (i+1)*nS]
		// A proposal that plans exactly what an earlier one plans (several target speeds behind the same
		// leader or at a standstill) is simulated and scored once.
		if j := p.sameAsEarlier(i); j >= 0 {
			p.dupOf[i] = j
			copy(states, p.states[j*nS:(j+1)*nS])
			continue
		}
		p.dupOf[i] = -1
		traj := dynamics.Trajectory(p.pts[i*nT : i*nT+ps+1])
		p.ctrl.SetReference(traj)
		st := ego
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
	p.scoreS0 = s0
	p.sweepSegments()
	p.prepareScoring()
	for i := range p.props {
		if j := p.dupOf[i]; j >= 0 {
			p.props[i].copyScores(&p.props[j])
			continue
		}
		p.scoreOne(i, s0)
	}
	maxRaw := 0.0
	for i := range p.props {
		pr := &p.props[i]
		maxRaw = max(maxRaw, pr.rawProgress*pr.mult)
	}
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
	// Time to collision and comfort are the costliest terms and matter only for proposals that can still
	// win: the scores are computed with unknown terms counted as 1 (an upper bound), and the best proposal's
	// unknown terms are evaluated until the best one's are all known; then no other proposal can beat it.
	for i := range p.props {
		p.rescore(&p.props[i])
	}
	best, bestScore := 0, math.Inf(-1)
	for {
		best, bestScore = 0, math.Inf(-1)
		for i := range p.props {
			if p.props[i].score > bestScore {
				best, bestScore = i, p.props[i].score
			}
		}
		if !p.evalTerms(best) {
			break
		}
	}
	// Among the centerline and its offsets, a proposal at the same speed on an earlier path (the centerline
	// first) that scores within tieScore of the best is taken instead: the offsets are there to pass what the
	// centerline cannot (a collision, the drivable area, time to collision, comfort), not for the few per cent
	// of progress that staying on an offset, or cutting a turn on it, gains over steering back.
	nf := len(p.cfg.SpeedFractions)
	if jb := p.props[best].path; jb > 0 && jb < p.nBase {
		for j := 0; j < jb; j++ {
			i := j*nf + best%nf
			for p.evalTerms(i) {
			}
			if p.props[i].score >= bestScore-tieScore {
				return i
			}
		}
	}
	return best
}

// rescore computes proposal pr's score from its terms, counting a term not yet evaluated (negative) as 1.
func (p *PDM) rescore(pr *proposal) {
	w := p.guide.weights
	known := func(x float64) float64 {
		if x < 0 {
			return 1
		}
		return x
	}
	pr.score = pr.mult * (w.Progress*pr.prog + w.TTC*known(pr.ttc) + w.Comfort*known(pr.comfort)) /
		(w.Progress + w.TTC + w.Comfort) * p.guide.laneWeight[pr.side]
	if !pr.valid {
		pr.score = 0
	}
}

// evalTerms evaluates one term of proposal i not yet evaluated, for it and every proposal planning the same,
// rescores them and reports whether there was one. Comfort comes first: it is the cheaper where it fails,
// and where every proposal is uncomfortable (a start braking hard behind slower traffic) only the best of
// them then need their time to collision.
func (p *PDM) evalTerms(i int) bool {
	root := i
	if j := p.dupOf[i]; j >= 0 {
		root = j
	}
	r := &p.props[root]
	switch {
	case p.props[i].comfort < 0:
		if r.comfort < 0 {
			p.evalComfort(root)
		}
	case p.props[i].ttc < 0:
		if r.ttc < 0 {
			p.evalTTC(root)
		}
	default:
		return false
	}
	for k := range p.props {
		if k == root || p.dupOf[k] == root {
			if k != root {
				p.props[k].copyScores(r)
			}
			p.rescore(&p.props[k])
		}
	}
	return true
}

// copyScores copies the outcome of simulating and scoring a proposal that planned the same as q.
func (pr *proposal) copyScores(q *proposal) {
	pr.valid, pr.mult, pr.rawProgress, pr.ttc, pr.comfort = q.valid, q.mult, q.rawProgress, q.ttc, q.comfort
	pr.collideStep, pr.collideObj, pr.ttcStep, pr.ttcObj = q.collideStep, q.collideObj, q.ttcStep, q.ttcObj
	pr.collision, pr.direction, pr.drivable = q.collision, q.direction, q.drivable
}

// sameAsEarlier returns the first proposal before i on the same path whose plan over the proposal horizon
// is identical to i's, or -1.
func (p *PDM) sameAsEarlier(i int) int {
	nT, ps := p.cfg.TrajectorySteps+1, p.cfg.ProposalSteps
	a := p.pts[i*nT : i*nT+ps+1]
	for j := 0; j < i; j++ {
		q := &p.props[j]
		if q.path != p.props[i].path || q.valid != p.props[i].valid || p.dupOf[j] >= 0 ||
			p.progress[j*nT+ps] != p.progress[i*nT+ps] {
			continue
		}
		if slices.Equal(a, p.pts[j*nT:j*nT+ps+1]) {
			return j
		}
	}
	return -1
}

// prepareScoring sizes the per-proposal culling and contact lists for this tick's proposals and objects.
func (p *PDM) prepareScoring() {
	nseg, n := p.numSegments(), len(p.props)
	p.actOff = growInt(p.actOff, n*(nseg+1))
	p.hitOff = growInt(p.hitOff, n+1)
	for i := range p.hitOff {
		p.hitOff[i] = 0
	}
	p.active, p.hits = p.active[:0], p.hits[:0]
	// hitAt's entries are MaxInt between proposals (clearHits); only new ones need it.
	if no, old := len(p.objs), len(p.hitAt); old < no {
		if cap(p.hitAt) < no {
			p.hitAt = append(make([]int, 0, 2*no), p.hitAt...)
		}
		p.hitAt = p.hitAt[:no]
		for i := old; i < no; i++ {
			p.hitAt[i] = math.MaxInt
		}
	}
}

// sweepSegments computes, for every object and scoring time segment, the box its forecast sweeps over the
// segment and the time-to-collision projection after it, for scoreOne's culling: the segments are the same
// for every proposal.
func (p *PDM) sweepSegments() {
	nseg := p.numSegments()
	no := len(p.objs)
	if cap(p.segSweep) < nseg*no {
		p.segSweep = make([]geom.AABB, nseg*no, 2*nseg*no)
	}
	p.segSweep = p.segSweep[:nseg*no]
	dt := p.cfg.Step
	ttcT := float64(p.ttcSteps()) * p.cfg.Metrics.TTCStep
	for g := 0; g < nseg; g++ {
		k0, k1 := g*segSteps, min(p.cfg.ProposalSteps+1, (g+1)*segSteps)-1
		t0, t1 := float64(k0)*dt, float64(k1)*dt+ttcT
		for oi := range p.objs {
			if o := &p.objs[oi]; !o.collided {
				p.segSweep[g*no+oi] = o.sweepBetween(t0, t1)
			}
		}
	}
}

// evalComfort evaluates proposal i's comfort (metrics.IsComfortable over its simulated states).
func (p *PDM) evalComfort(i int) {
	n := p.cfg.ProposalSteps + 1
	p.props[i].comfort = b2f(metrics.IsComfortable(p.states[i*n:(i+1)*n], p.vehicle, p.cfg.Step, p.cfg.Metrics.Comfort, &p.comfort))
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

// scoreOne scores proposal i's simulated states: its multiplier metrics and progress. Its time to collision
// is left unknown (-1) for evalTTC; the objects that can come near it and the ones it touches are kept for
// that.
func (p *PDM) scoreOne(i int, s0 float64) {
	pr := &p.props[i]
	ps := p.cfg.ProposalSteps
	states := p.states[i*(ps+1) : (i+1)*(ps+1)]
	mp := &p.cfg.Metrics
	d := p.vehicle.RearAxleToCenter()
	egoR := p.egoRadius()
	dt := p.cfg.Step

	// Objects that can come near this proposal, per time segment of segSteps steps: their boxes over the
	// segment (and the TTC projection after it) against the ego's.
	nseg := p.numSegments()
	ttcT := float64(p.ttcSteps()) * mp.TTCStep
	off := p.actOff[i*(nseg+1) : (i+1)*(nseg+1)]
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
		off[g] = len(p.active)
		sw := p.segSweep[g*len(p.objs) : (g+1)*len(p.objs)]
		for oi := range p.objs {
			o := &p.objs[oi]
			if o.collided || !aabbOverlap(o.swept, area) {
				continue
			}
			if aabbOverlap(sw[oi], area) {
				p.active = append(p.active, int32(oi))
			}
		}
	}
	off[nseg] = len(p.active)
	p.resetLaneFlags()
	p.hitOff[i] = len(p.hits)

	var counts [metrics.NumClasses]int
	pr.collideStep, pr.ttcStep = -1, -1
	drivable := true
	run, worstRun := 0.0, 0.0
	var prevC geom.Vec2
	for k := range states {
		st := &states[k]
		f, l, c, box := p.egoAt(st)
		rear := st.Pose

		// Drivable area: every corner inside.
		if drivable {
			fx, lx := f.Scale(box.Length/2), l.Scale(box.Width/2)
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

		// Collisions with the forecast objects (the ego's box prepared for the overlap test on first use),
		// each counted at its first contact.
		t := float64(k) * dt
		var eb metrics.EgoBox
		ebReady := false
		act := p.active[off[k/segSteps]:off[k/segSteps+1]]
		for _, oi := range act {
			if p.hitAt[oi] <= k {
				continue
			}
			o := &p.objs[oi]
			oc := o.at(t)
			rr := egoR + o.r
			if dx, dy := oc.X-c.X, oc.Y-c.Y; dx*dx+dy*dy > rr*rr {
				continue
			}
			ob := o.boxAt(t, oc)
			if !ebReady {
				eb, ebReady = metrics.NewEgoBox(box), true
			}
			if !metrics.BoxesOverlap(&eb, ob) {
				continue
			}
			p.hitAt[oi] = k
			p.hits = append(p.hits, objHit{obj: oi, step: int32(k)})
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
			}
		}
	}
	p.clearHits(i)
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
	pr.ttc, pr.comfort = -1, -1 // evaluated when needed (score)
}

// evalTTC evaluates proposal i's time to collision after scoreOne: at every simulated state, the ego and each
// object that can come near it, not touched by then, projected at constant velocity (metrics.PairTTC); an
// at-fault collision fails it at its step.
func (p *PDM) evalTTC(i int) {
	pr := &p.props[i]
	ps := p.cfg.ProposalSteps
	states := p.states[i*(ps+1) : (i+1)*(ps+1)]
	mp := &p.cfg.Metrics
	egoR := p.egoRadius()
	ttcN, ttcDT := p.ttcSteps(), mp.TTCStep
	dt := p.cfg.Step
	nseg := p.numSegments()
	off := p.actOff[i*(nseg+1) : (i+1)*(nseg+1)]
	p.resetLaneFlags()
	hits := p.hits[p.hitOff[i]:p.hitOff[i+1]]
	for _, h := range hits {
		p.hitAt[h.obj] = int(h.step)
	}
	ttcOK := true
	for k := range states {
		if k == pr.collideStep {
			ttcOK, pr.ttcStep, pr.ttcObj = false, k, pr.collideObj
			break
		}
		st := &states[k]
		if math.Abs(st.Speed) <= mp.TTCStoppedSpeed || ttcN <= 0 {
			continue
		}
		f, _, c, box := p.egoAt(st)
		rear := st.Pose
		t := float64(k) * dt
		egoD := f.Scale(st.Speed * ttcDT)
		for _, oi := range p.active[off[k/segSteps]:off[k/segSteps+1]] {
			if p.hitAt[oi] <= k {
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
		if !ttcOK {
			break
		}
	}
	for _, h := range hits {
		p.hitAt[h.obj] = math.MaxInt
	}
	pr.ttc = b2f(ttcOK)
}

// objHit is an object a proposal touches and the step of the first contact.
type objHit struct {
	obj, step int32
}

// clearHits forgets, in the per-object first-contact steps, the contacts of proposal i (kept in p.hits).
func (p *PDM) clearHits(i int) {
	p.hitOff[i+1] = len(p.hits)
	for _, h := range p.hits[p.hitOff[i]:] {
		p.hitAt[h.obj] = math.MaxInt
	}
}

// egoAt returns, for simulated state st, the ego's unit forward and left axes, its centre and its footprint.
func (p *PDM) egoAt(st *dynamics.State) (f, l, c geom.Vec2, box geom.Box) {
	sn, cs := math.Sincos(st.Pose.Heading)
	f, l = geom.Vec2{X: cs, Y: sn}, geom.Vec2{X: -sn, Y: cs}
	d := p.vehicle.RearAxleToCenter()
	c = geom.Vec2{X: st.Pose.X + d*cs, Y: st.Pose.Y + d*sn}
	box = geom.Box{Center: geom.Pose{X: c.X, Y: c.Y, Heading: st.Pose.Heading}, Length: p.vehicle.Length(), Width: p.vehicle.Width}
	return f, l, c, box
}

// egoRadius is the radius of the circle around the ego's footprint.
func (p *PDM) egoRadius() float64 { return math.Hypot(p.vehicle.Length()/2, p.vehicle.Width/2) }

// numSegments is the number of scoring time segments over the proposal horizon.
func (p *PDM) numSegments() int { return (p.cfg.ProposalSteps + segSteps) / segSteps }

// resetLaneFlags empties laneFlags' per-step cache, which holds one proposal's steps at a time.
func (p *PDM) resetLaneFlags() {
	for k := range p.status {
		p.status[k] = -1
	}
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
