package planner

import (
	"math"
	"slices"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
	"asyncdrive/scenarios"
)

// ttcSteps returns the number of TTC projection steps that can fail the TTC metric: contacts at k*TTCStep
// for k up to this number are at or below TTCLeastMin (9 for 0.1 s and 0.95 s).
func (p *PDM) ttcSteps() int {
	m := &p.cfg.Metrics
	if !(m.TTCStep > 0) {
		return 0
	}
	return int(math.Floor(m.TTCLeastMin/m.TTCStep + 1e-9))
}

// finiteObject reports whether every field of o the planner reads is a finite number and its size positive.
func finiteObject(o *scenarios.Object) bool {
	return o.Box.Center.IsFinite() && o.Vel.IsFinite() && o.Box.Length > 0 && o.Box.Width > 0 &&
		!math.IsInf(o.Box.Length, 1) && !math.IsInf(o.Box.Width, 1)
}

// isCollided reports whether the ego has touched the object with this id before.
func (p *PDM) isCollided(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range p.collided {
		if c == id {
			return true
		}
	}
	return false
}

func (p *PDM) addCollided(id string) {
	if id == "" {
		return
	}
	if len(p.collided) == cap(p.collided) {
		copy(p.collided, p.collided[1:])
		p.collided = p.collided[:len(p.collided)-1]
	}
	p.collided = append(p.collided, id)
}

// aheadSameWay reports whether o is ahead of the ego pose and heads about the same way (within 30 degrees):
// a car the ego may have to slow down for from afar.
func aheadSameWay(ego geom.Pose, o *scenarios.Object) bool {
	f := ego.Forward()
	return o.Box.Center.Pos().Sub(ego.Pos()).Dot(f) > 0 && math.Abs(geom.AngleDiff(o.Box.Center.Heading, ego.Heading)) < math.Pi/6
}

// observe keeps the current objects within MapRadius of the ego centre (or, ahead and heading the same way,
// within RadiusTime at the ego's speed), drops those the ego touches now (as
// tuplan_garage does, they are ignored from then on) and forecasts the rest at constant velocity along their
// heading (reversed for an agent moving backwards); objects that are not agents stand still.
func (p *PDM) observe(in *Input, ego dynamics.State) {
	egoBox := p.vehicle.Footprint(ego.Pose)
	ec := egoBox.Center.Pos()
	eb := metrics.NewEgoBox(egoBox)
	dt := p.cfg.Step
	tScore := float64(p.cfg.ProposalSteps)*dt + float64(p.ttcSteps())*p.cfg.Metrics.TTCStep
	tTraj := max(tScore, float64(p.cfg.TrajectorySteps)*dt)
	p.objs = p.objs[:0]
	p.curveBuf = p.curveBuf[:0]
	p.indexTracks(in)
	radius := max(p.cfg.MapRadius, ego.Speed*p.cfg.RadiusTime)
	objs := in.CurrentObjects()
	for i := range objs {
		o := &objs[i]
		if !finiteObject(o) {
			p.stats.BadObjects++
			continue
		}
		c := o.Box.Center.Pos()
		if d := c.Dist(ec); d > p.cfg.MapRadius && (d > radius || !aheadSameWay(ego.Pose, o)) {
			continue
		}
		// An object the ego touches (now or before) no longer counts in the scores, as in tuplan_garage and
		// nuPlan's metrics, but it stays an obstacle to follow: the ego does not drive through it.
		collided := p.isCollided(o.ID)
		if !collided && metrics.BoxesOverlap(&eb, o.Box) {
			p.addCollided(o.ID)
			collided = true
		}
		po := pdmObject{o: *o, c0: c, r: 0.5 * math.Hypot(o.Box.Length, o.Box.Width), collided: collided, tEnd: math.Inf(1)}
		if metrics.IsAgent(o.Type) {
			v := o.Vel.Norm()
			f := o.Box.Center.Forward()
			if o.Vel.Dot(f) < 0 {
				f = f.Scale(-1)
			}
			po.d = f.Scale(v)
			po.speed = v
			if o.Type == scenarios.Vehicle && !p.cfg.NoBrakingForecast && aheadSameWay(ego.Pose, o) {
				p.brakingForecast(&po, in)
			}
			if o.Type == scenarios.Vehicle && po.acc == 0 && !(p.cfg.NoLaneDriftForecast && p.cfg.NoCurveForecast) {
				if al, ok := p.alignedLane(c, math.Atan2(po.d.Y, po.d.X)); ok {
					if !p.cfg.NoLaneDriftForecast {
						p.laneDriftForecast(&po, al)
					}
					if !p.cfg.NoCurveForecast {
						p.curveForecast(&po, al, tTraj, tScore)
					}
				}
			}
		}
		po.swept = po.sweepBetween(0, tScore)
		po.sweptT = po.sweepBetween(0, tTraj)
		p.objs = append(p.objs, po)
	}
	p.stats.ObjectsChecked += len(p.objs)
	p.flowSpeed = p.trafficFlow(ego)
	p.objS = growFloat(p.objS, len(p.objs))
	p.objT = growFloat(p.objT, len(p.objs))
	for i := range p.objS {
		p.objS[i] = math.NaN()
	}
}

// The forecast of a braking vehicle ahead. PDM-Closed forecasts everyone at constant velocity; behind a
// vehicle that is braking hard, the proposals then brake for where it would be at its current speed, too
// late. A vehicle ahead of the ego and heading its way (aheadSameWay) whose speed has dropped by more than
// brakeMinDecel m/s^2 over the last brakeLag seconds is forecast to go on braking at that rate (at most
// brakeMaxDecel) until it stands. Crossing and oncoming vehicles keep the constant-velocity forecast: one
// slowing at a junction may still cross, and forecasting it to stop would let the ego go in front of it.
const (
	brakeLag      = 0.5
	brakeMinDecel = 1.0
	brakeMaxDecel = 6.0
)

// brakingForecast sets po's deceleration from the object's speed brakeLag seconds ago (matched by track and
// id) when it is braking.
func (p *PDM) brakingForecast(po *pdmObject, in *Input) {
	lag := int(math.Round(brakeLag / p.cfg.Step))
	o := &po.o
	if len(in.Objects) <= lag || o.Track < 0 || o.Track >= len(p.trackAt) || p.trackStamp[o.Track] != p.stamp {
		return
	}
	old := &in.Objects[len(in.Objects)-1-lag][p.trackAt[o.Track]]
	if old.ID != o.ID || !old.Vel.IsFinite() {
		return
	}
	a := (po.speed - old.Vel.Norm()) / (float64(lag) * p.cfg.Step)
	if !(a < -brakeMinDecel) || po.speed <= 0 {
		return
	}
	po.acc = max(a, -brakeMaxDecel)
	po.tStop = po.speed / -po.acc
}

// indexTracks records where each track's object is in the frame brakeLag seconds ago (brakingForecast).
func (p *PDM) indexTracks(in *Input) {
	p.stamp++
	lag := int(math.Round(brakeLag / p.cfg.Step))
	if p.cfg.NoBrakingForecast || len(in.Objects) <= lag {
		return
	}
	for i, o := range in.Objects[len(in.Objects)-1-lag] {
		if o.Track < 0 || o.Track > maxIndexedTrack {
			continue
		}
		for len(p.trackAt) <= o.Track {
			p.trackAt = append(p.trackAt, 0)
			p.trackStamp = append(p.trackStamp, 0)
		}
		p.trackAt[o.Track], p.trackStamp[o.Track] = int32(i), p.stamp
	}
}

// maxIndexedTrack bounds the track indices indexTracks keeps (its tables grow to the largest seen).
const maxIndexedTrack = 1 << 16

// The lane-bounded forecast of a vehicle drifting across its lane. At constant velocity, a car that changes
// lanes next to the ego, or two lanes away, is forecast to go on sideways into the ego's lane; PDM then brakes
// for a cut-in that does not come (a 17 m truck moving one lane over on the motorway halves the ego's speed
// in highD's AUpper26-1_263609). A vehicle on a lane (not a junction's connector), heading within
// driftMaxAngle of it and moving sideways at driftMinSpeed or more, is forecast to drift until its centre
// reaches the centre of the lane it moves into (its own when it moves towards its centre, else the
// neighbour's; with no neighbour that way, at constant velocity), and from then on along its lane at its
// speed along the lane. A car changing into the ego's lane is still forecast into it.
const (
	driftMaxAngle = 0.35
	driftMinSpeed = 0.2
)

// laneFrame is where a vehicle is on the lane it follows: the lane, the arc length and lateral offset of its
// centre on it, and the lane's heading there.
type laneFrame struct {
	lane      int
	s, lat, h float64
}

// alignedLane returns the lane under centre c whose direction is nearest to heading dirH, within
// driftMaxAngle; ok is false when there is none or c is in a junction (on a connector, where vehicles turn).
func (p *PDM) alignedLane(c geom.Vec2, dirH float64) (al laneFrame, ok bool) {
	p.laneBuf = p.mx.LanesAt(c, p.laneBuf[:0])
	al.lane = -1
	bestDH := driftMaxAngle
	for _, l := range p.laneBuf {
		if p.mx.Lane(l).Connector {
			return al, false
		}
		pa := p.mx.Path(l)
		s, lat := pa.Project(c)
		h := pa.HeadingAt(s)
		if dh := math.Abs(geom.AngleDiff(dirH, h)); dh < bestDH {
			al, bestDH = laneFrame{lane: l, s: s, lat: lat, h: h}, dh
		}
	}
	return al, al.lane >= 0
}

// laneDriftForecast sets po's end of drift (tEnd, dEnd) when it drifts across its lane al.
func (p *PDM) laneDriftForecast(po *pdmObject, al laneFrame) {
	c := po.c0
	best, bestLat, bestH := al.lane, al.lat, al.h
	sn, cs := math.Sincos(bestH)
	fwd, left := geom.Vec2{X: cs, Y: sn}, geom.Vec2{X: -sn, Y: cs}
	vLat := po.d.Dot(left)
	if math.Abs(vLat) < driftMinSpeed {
		return
	}
	target := 0.0 // the lateral offset, from the lane's centreline, where the drift ends
	if bestLat*vLat >= 0 {
		nb := p.mx.RightNeighbor(best)
		if vLat > 0 {
			nb = p.mx.LeftNeighbor(best)
		}
		if nb < 0 {
			return
		}
		_, nLat := p.mx.Path(nb).Project(c)
		target = bestLat - nLat
		if (target-bestLat)*vLat <= 0 {
			return
		}
	}
	po.tEnd = (target - bestLat) / vLat
	po.dEnd = fwd.Scale(po.d.Dot(fwd))
}

// The forecast of a vehicle along a bending lane. Straight ahead at constant velocity, an oncoming car on a
// bend is forecast across the ego's lane, and PDM brakes hard for a collision that does not come (four of
// the builtin suite's twenty high_lateral_acceleration runs braked for 0.5-1.5 s). A vehicle moving at
// curveMinSpeed or more on a lane (not a junction's connector), heading within driftMaxAngle of it and not
// drifting across it (laneDriftForecast), is forecast at constant velocity in the lane's frame: along the
// lane at its speed along it, across it at its speed across it, its heading turning with the lane's. Past the
// end of its lane it goes straight on: which way a vehicle leaves its lane is a guess at a junction, and
// recorded maps do not always mark their junctions. Where that course stays within curveMinDev of the
// straight one at curveChecks points over the scoring horizon, the constant velocity is kept.
const (
	curveStep     = 0.25 // s between forecast points
	curveMinSpeed = 5.0  // m/s
	curveMinDev   = 0.5  // m
	// curveChord (m) is the chord a lane's heading is measured over (geom.Polyline.ChordHeading): the heading
	// of one segment can be a few hundredths of a radian off the course a vehicle follows (on a bend of 50 m
	// radius drawn every 2.2 m, a car heading along the bend seems to drift outwards at 0.2 m/s at 12 m/s).
	curveChord  = 4.0
	curveChecks = 8 // points of the course compared with the straight one
)

// forecastPoint is a forecast centre and heading.
type forecastPoint struct {
	c geom.Vec2
	h float64
}

// curveForecast sets po.curve, over horizon seconds, when po's lane al bends within bendHorizon seconds
// (see curveStep).
func (p *PDM) curveForecast(po *pdmObject, al laneFrame, horizon, bendHorizon float64) {
	if po.speed < curveMinSpeed || !math.IsInf(po.tEnd, 1) || po.acc != 0 || !p.laneBends[al.lane] {
		return // on a straight lane the course is the constant velocity
	}
	s, lat := al.s, al.lat
	pa := p.mx.Path(al.lane)
	// Constant velocity in the lane's frame: vLon along the lane, vLat across it.
	h0 := pa.ChordHeading(s, curveChord)
	sn, cs := math.Sincos(h0)
	vLon, vLat := po.d.Dot(geom.Vec2{X: cs, Y: sn}), po.d.Dot(geom.Vec2{X: -sn, Y: cs})
	// at returns the point at arc length s of the lane, off metres to its left, and the lane's heading there.
	at := func(s, off float64) forecastPoint {
		h := pa.ChordHeading(s, curveChord)
		return forecastPoint{c: pa.At(s).Add(geom.Unit(h).Perp().Scale(off)), h: h}
	}
	fix := po.c0.Sub(at(s, lat).c) // moves the course onto the centre now
	course := func(t float64) forecastPoint {
		fp := at(s+vLon*t, lat+vLat*t)
		fp.c = fp.c.Add(fix)
		return fp
	}
	// Most lanes are straight: a few points tell whether this one bends away from the straight course.
	bends := false
	for k := 1; k <= curveChecks && !bends; k++ {
		t := bendHorizon * float64(k) / curveChecks
		bends = course(t).c.Dist(po.c0.Add(po.d.Scale(t))) >= curveMinDev
	}
	if !bends {
		return
	}
	heading := po.o.Box.Center.Heading
	n := max(2, int(math.Ceil(horizon/curveStep))+1)
	start := len(p.curveBuf)
	for k := 0; k < n; k++ {
		fp := course(float64(k) * curveStep)
		fp.h = heading + geom.AngleDiff(fp.h, h0)
		p.curveBuf = append(p.curveBuf, fp)
	}
	po.curve = p.curveBuf[start:len(p.curveBuf):len(p.curveBuf)]
}

// bendingLanes reports for each lane of mx whether its centerline strays curveMinDev/2 or more from the
// straight line between its ends.
func bendingLanes(mx *scenarios.MapIndex) []bool {
	out := make([]bool, mx.NumLanes())
	for l := range out {
		pts := mx.Path(l).Pts
		if len(pts) < 3 {
			continue
		}
		a, b := pts[0], pts[len(pts)-1]
		ab := b.Sub(a)
		n := ab.Norm()
		for _, q := range pts[1 : len(pts)-1] {
			d := q.Dist(a)
			if n > 0 {
				d = math.Abs(ab.Cross(q.Sub(a))) / n
			}
			if d >= curveMinDev/2 {
				out[l] = true
				break
			}
		}
	}
	return out
}

// curveSeg returns the segment of the curve forecast that holds time t (the last one past its end) and the
// fraction of it at t (beyond 1 past the end).
func (o *pdmObject) curveSeg(t float64) (i int, f float64) {
	u := max(0, t/curveStep)
	i = min(int(u), len(o.curve)-2)
	return i, u - float64(i)
}

// at returns the forecast centre t seconds from now.
func (o *pdmObject) at(t float64) geom.Vec2 {
	if o.curve != nil {
		i, f := o.curveSeg(t)
		return geom.Lerp(o.curve[i].c, o.curve[i+1].c, f)
	}
	if o.acc == 0 {
		if t > o.tEnd {
			return o.c0.Add(o.d.Scale(o.tEnd)).Add(o.dEnd.Scale(t - o.tEnd))
		}
		return o.c0.Add(o.d.Scale(t))
	}
	tt := min(t, o.tStop)
	return o.c0.Add(o.d.Scale(tt + 0.5*o.acc*tt*tt/o.speed))
}

// vel returns the forecast velocity t seconds from now.
func (o *pdmObject) vel(t float64) geom.Vec2 {
	if o.curve != nil {
		i, _ := o.curveSeg(t)
		return o.curve[i+1].c.Sub(o.curve[i].c).Scale(1 / curveStep)
	}
	if o.acc == 0 {
		if t > o.tEnd {
			return o.dEnd
		}
		return o.d
	}
	return o.d.Scale(max(0, 1+o.acc*t/o.speed))
}

// heading returns the forecast heading t seconds from now.
func (o *pdmObject) heading(t float64) float64 {
	if o.curve == nil {
		return o.o.Box.Center.Heading
	}
	i, f := o.curveSeg(t)
	a, b := o.curve[i].h, o.curve[i+1].h
	return a + min(f, 1)*geom.AngleDiff(b, a)
}

// boxAt returns the object's box t seconds from now, its centre at c (o.at(t)).
func (o *pdmObject) boxAt(t float64, c geom.Vec2) geom.Box {
	b := o.o.Box
	b.Center.X, b.Center.Y = c.X, c.Y
	if o.curve != nil {
		b.Center.Heading = o.heading(t)
	}
	return b
}

// flowRadius (m) is how far the vehicles are that trafficFlow measures.
const flowRadius = 60.0

// trafficFlow returns the 85th-percentile speed of the vehicles within flowRadius of the ego that head its
// way (within 30 degrees), the speed traffic engineers set limits by; 0 when there are fewer than 3. It uses
// p.flow as scratch space.
func (p *PDM) trafficFlow(ego dynamics.State) float64 {
	p.flow = p.flow[:0]
	for i := range p.objs {
		o := &p.objs[i]
		if o.o.Type != scenarios.Vehicle || o.c0.Dist(ego.Pose.Pos()) > flowRadius ||
			math.Abs(geom.AngleDiff(o.o.Box.Center.Heading, ego.Pose.Heading)) > math.Pi/6 {
			continue
		}
		p.flow = append(p.flow, o.speed)
	}
	if len(p.flow) < 3 {
		return 0
	}
	slices.Sort(p.flow)
	return p.flow[int(math.Ceil(0.85*float64(len(p.flow))))-1]
}

// sweep returns the bounding box of a disc of radius r moving from c by d per second for t seconds.
func sweep(c, d geom.Vec2, t, r float64) geom.AABB {
	b := geom.EmptyAABB()
	b.Extend(c)
	b.Extend(c.Add(d.Scale(t)))
	b.Min = b.Min.Sub(geom.Vec2{X: r, Y: r})
	b.Max = b.Max.Add(geom.Vec2{X: r, Y: r})
	return b
}

// sweepBetween returns the bounding box of the object's bounding disc over its forecast from t0 to t1 s.
func (o *pdmObject) sweepBetween(t0, t1 float64) geom.AABB {
	if o.curve != nil {
		b := geom.EmptyAABB()
		b.Extend(o.at(t0))
		b.Extend(o.at(t1))
		for k := range o.curve {
			if t := float64(k) * curveStep; t > t0 && t < t1 {
				b.Extend(o.curve[k].c)
			}
		}
		b.Min = b.Min.Sub(geom.Vec2{X: o.r, Y: o.r})
		b.Max = b.Max.Add(geom.Vec2{X: o.r, Y: o.r})
		return b
	}
	if o.acc != 0 || t1 <= o.tEnd {
		return sweep(o.c0.Add(o.d.Scale(t0)), o.d, t1-t0, o.r)
	}
	if t0 >= o.tEnd {
		return sweep(o.at(t0), o.dEnd, t1-t0, o.r)
	}
	b := sweep(o.at(t0), o.d, o.tEnd-t0, o.r)
	e := sweep(o.at(o.tEnd), o.dEnd, t1-o.tEnd, o.r)
	b.Extend(e.Min)
	b.Extend(e.Max)
	return b
}

func aabbOverlap(a, b geom.AABB) bool {
	return a.Min.X <= b.Max.X && b.Min.X <= a.Max.X && a.Min.Y <= b.Max.Y && b.Min.Y <= a.Max.Y
}

// sidePath returns the index in p.paths of the path along the neighbouring lane on side (SideLeft or
// SideRight) of the current lane, building it when the current lane changed, or -1 when there is none.
func (p *PDM) sidePath(side int) int {
	cur := p.currentLane()
	nb := p.mx.LeftNeighbor(cur)
	if side == SideRight {
		nb = p.mx.RightNeighbor(cur)
	}
	c := &p.side[side]
	if c.from != cur {
		// The neighbour of the lane the ego came from, when it leads into this one: the new path starts
		// there, behind the ego, and a lane change in progress carries over (the ego moved on to the next
		// segment of the same road, not to another road).
		prev := -1
		if c.from >= 0 && slices.Contains(p.mx.Successors(c.from), cur) {
			prev = p.mx.LeftNeighbor(c.from)
			if side == SideRight {
				prev = p.mx.RightNeighbor(c.from)
			}
			if prev >= 0 && !slices.Contains(p.mx.Successors(prev), nb) {
				prev = -1
			}
		}
		c.reanchor = c.lcOn && prev >= 0
		c.from, c.ok, c.lcOn, c.lastS = cur, false, c.reanchor, math.NaN()
		if nb >= 0 {
			lanes := p.graph.search(nb)
			if prev >= 0 {
				lanes = append([]int{prev}, lanes...)
			}
			line, from, open := lanePath(p.mx, lanes, p.cfg.MapEdgeRunout)
			if len(line.Pts) >= 2 {
				for len(p.sidePaths) <= side {
					p.sidePaths = append(p.sidePaths, pdmPath{})
				}
				p.sidePaths[side] = buildPath(&line, 0, lanes, from)
				p.sidePaths[side].open = open
				c.ok = true
			}
		}
	}
	if !c.ok {
		return -1
	}
	p.paths = append(p.paths, p.sidePaths[side])
	return len(p.paths) - 1
}

// makeProposals sets up this tick's proposals: every speed on every centerline offset path and, when the
// guidance asks for them, on the neighbouring lanes' paths; and per path the ego's arc length, the corridor,
// the objects that can reach it and the first red light ahead.
func (p *PDM) makeProposals(ego dynamics.State) {
	p.paths = p.paths[:p.nBase]
	p.pathKind = p.pathKind[:p.nBase]
	g := &p.guide
	if g.addSide[SideLeft] && p.sidePath(SideLeft) >= 0 {
		p.pathKind = append(p.pathKind, PathLeftLane)
	} else {
		p.side[SideLeft].lcOn = false
	}
	if g.addSide[SideRight] && p.sidePath(SideRight) >= 0 {
		p.pathKind = append(p.pathKind, PathRightLane)
	} else {
		p.side[SideRight].lcOn = false
	}
	// Speed limit of the current lane.
	limit := p.pacedSpeed(ego, p.laneSpeed(p.currentLane()))
	// Asked to pull over with no pickup/drop-off area ahead: a comfortable stop.
	if !g.pullOver {
		p.pullAt = math.NaN()
	}
	noZone := g.pullOver && math.IsInf(p.pullOverStop(p.lastS, ego.Speed), 1)
	maxTarget := 0.0
	p.props = p.props[:0]
	for j := range p.paths {
		kind, side, off := p.pathKind[j], SideKeep, 0.0
		switch kind {
		case PathLeftLane:
			side = SideLeft
		case PathRightLane:
			side = SideRight
		default:
			off = p.cfg.LateralOffsets[j]
		}
		for _, f := range p.cfg.SpeedFractions {
			target := min(f*limit, g.speedCap)
			if g.stop || !(target > 0) || noZone {
				target = 0
			}
			maxTarget = max(maxTarget, target)
			p.props = append(p.props, proposal{path: j, kind: kind, offset: off, target: target, side: side, collideStep: -1, xSoft: math.Inf(1)})
		}
	}
	if p.cfg.EasedBrakeJerk > 0 && ego.Speed >= p.cfg.EasedBrakeMinSpeed {
		// The centerline's speeds again, braking eased in (see PDMConfig.EasedBrakeJerk).
		nf := len(p.cfg.SpeedFractions)
		for i := 0; i < nf; i++ {
			pr := p.props[i]
			pr.eased = true
			p.props = append(p.props, pr)
		}
	}
	if !p.cfg.NoStopProposal {
		// A comfortable stop on the centerline: the way out when every other proposal collides.
		p.props = append(p.props, proposal{path: 0, kind: PathCenterline, side: SideKeep, collideStep: -1, stop: true, xSoft: math.Inf(1)})
	}
	n := p.cfg.TrajectorySteps + 1
	if need := len(p.props) * n; need > len(p.pts) {
		p.pts = make([]dynamics.TrajectoryPoint, need)
		p.progress = make([]float64, need)
		p.states = make([]dynamics.State, len(p.props)*(p.cfg.ProposalSteps+1))
	}
	// Per path: the ego's arc length, its first state, the corridor and the objects that can reach it.
	np := len(p.paths)
	p.pathS0 = growFloat(p.pathS0, np)
	p.redS = growFloat(p.redS, np)
	p.slowS = growFloat(p.slowS, np)
	p.slowRatio = growFloat(p.slowRatio, np)
	curLimit := p.mx.Lane(p.currentLane()).SpeedLimit // the current lane's posted limit, for limitAhead
	p.pullS = growFloat(p.pullS, np)
	p.relFrom = growInt(p.relFrom, np)
	p.relTo = growInt(p.relTo, np)
	p.relevant = p.relevant[:0]
	dt := p.cfg.Step
	tTraj := float64(p.cfg.TrajectorySteps) * dt
	halfW := p.vehicle.Width / 2
	rear := ego.Pose.Pos()
	v0 := max(0, ego.Speed)
	maxOff := 0.0
	for _, off := range p.cfg.LateralOffsets {
		maxOff = max(maxOff, math.Abs(off))
	}
	p.blendStart = growFloat(p.blendStart, np)
	p.blendLat = growFloat(p.blendLat, np)
	p.blendLen = growFloat(p.blendLen, np)
	for j := range p.paths {
		pa := &p.paths[j]
		// Search near where the ego was at the last tick: the centerline's arc length for the centerline and
		// its offsets, the path's own for a neighbouring lane's (its origin is elsewhere).
		near := p.lastS
		var c *sideCache // the lane change along a neighbouring lane's path
		if j >= p.nBase {
			c = &p.side[p.pathSide(j)]
			near = c.lastS
		}
		s, lat, ok := 0.0, 0.0, false
		if !math.IsNaN(near) {
			s, lat, ok = pa.project(rear, near-40, near+80, 10)
		}
		if !ok {
			s, lat = pa.line.Project(rear)
		}
		p.pathS0[j] = s
		// A lane-change path starts at the ego's lateral position and blends into the lane over about
		// laneChangeTime. The blend is kept from tick to tick while the ego follows it, so that the change
		// completes; it starts afresh from where the ego is when the ego strays from it.
		p.blendStart[j], p.blendLat[j], p.blendLen[j] = 0, 0, 0
		if c != nil {
			c.lastS = s
			if c.reanchor {
				c.lcStart, c.reanchor = s-c.lcU*c.lcLen, false
			}
			if !c.lcOn || math.Abs(lat-blendOffset(c.lcLat, (s-c.lcStart)/c.lcLen)) > laneChangeStray {
				c.lcOn, c.lcStart, c.lcLat, c.lcLen = true, s, lat, max(laneChangeMinLength, p.laneChangeTime()*v0)
			}
			c.lcU = max(0, min(1, (s-c.lcStart)/c.lcLen))
			p.blendStart[j], p.blendLat[j], p.blendLen[j] = c.lcStart, c.lcLat, c.lcLen
		}
		p.redS[j] = p.stopLine(j, s, v0)
		p.slowS[j], p.slowRatio[j] = p.limitAhead(j, s, max(v0, maxTarget)*tTraj, curLimit)
		p.pullS[j] = math.Inf(1)
		if g := &p.guide; g.pullOver && j < p.nBase {
			// Pull over: the stop beside the pickup/drop-off area, as a stop line (the offset paths' arc
			// lengths differ from the centerline's by a fraction of a metre).
			p.pullS[j] = p.pullOverStop(s, v0)
			p.redS[j] = min(p.redS[j], p.pullS[j])
		}
	}
	for j := range p.paths {
		if j > 0 && j < p.nBase { // the offsets share the centerline's objects
			p.relFrom[j], p.relTo[j] = p.relFrom[0], p.relTo[0]
			continue
		}
		pa := &p.paths[j]
		from, to, extra := p.pathS0[j], p.pathS0[j]+maxTarget*tTraj, 0.0
		if j == 0 {
			extra = maxOff
			for b := 1; b < p.nBase; b++ {
				from = min(from, p.pathS0[b])
				to = max(to, p.pathS0[b]+maxTarget*tTraj)
			}
		}
		p.relFrom[j] = len(p.relevant)
		for oi := range p.objs {
			o := &p.objs[oi]
			if p.reaches(pa, o, from, to, halfW+o.r+1+extra, tTraj) {
				p.relevant = append(p.relevant, int32(oi))
			}
		}
		p.relTo[j] = len(p.relevant)
	}
	p.maxT = maxTarget
	// First state of every proposal: the ego's projection on its path at the ego's speed.
	for i := range p.props {
		pr := &p.props[i]
		hint := 0
		base := i * n
		p.progress[base] = p.pathS0[pr.path]
		pose := p.paths[pr.path].poseAt(p.pathS0[pr.path], &hint)
		if bl := p.blendLen[pr.path]; bl > 0 {
			pose = blendPose(pose, p.blendLat[pr.path], (p.pathS0[pr.path]-p.blendStart[pr.path])/bl, bl)
		}
		p.pts[base] = dynamics.TrajectoryPoint{Time: ego.Time, Pose: pose, Speed: v0, Accel: ego.Accel}
		pr.valid = true
	}
	p.t0 = ego.Time
}

// reaches reports whether object o, moving at constant velocity for t seconds, comes within reach of path
// pa between arc lengths from and to.
func (p *PDM) reaches(pa *pdmPath, o *pdmObject, from, to, reach, t float64) bool {
	if o.curve != nil {
		a := o.c0
		for k := 1; k < len(o.curve) && float64(k-1)*curveStep < t; k++ {
			b := o.curve[k].c
			if float64(k)*curveStep > t {
				b = o.at(t)
			}
			if p.segReaches(pa, a, b, from, to, reach) {
				return true
			}
			a = b
		}
		return t > float64(len(o.curve)-1)*curveStep && p.segReaches(pa, a, o.at(t), from, to, reach)
	}
	if o.acc == 0 && t > o.tEnd {
		m := o.at(o.tEnd)
		return p.segReaches(pa, o.c0, m, from, to, reach) || p.segReaches(pa, m, o.at(t), from, to, reach)
	}
	return p.segReaches(pa, o.c0, o.c0.Add(o.d.Scale(t)), from, to, reach)
}

// segReaches reports whether segment a-b comes within reach of path pa between arc lengths from and to.
func (p *PDM) segReaches(pa *pdmPath, a, b geom.Vec2, from, to, reach float64) bool {
	for k := pa.chunkFrom(from - reach); k < len(pa.chunks); k++ {
		c := &pa.chunks[k]
		if c.s0 > to+reach {
			break
		}
		rr := c.r + reach
		if segOriginDist2(a.Sub(c.c), b.Sub(a)) > rr*rr {
			continue
		}
		// Near the chunk's circle: check its segments.
		for i := c.first; i <= c.last; i++ {
			if segSegDist2(a, b, pa.line.Pts[i], pa.line.Pts[i+1]) <= reach*reach {
				return true
			}
		}
	}
	return false
}

// segSegDist2 returns the squared distance between segments a-b and c-d.
func segSegDist2(a, b, c, d geom.Vec2) float64 {
	if geom.SegmentsIntersect(a, b, c, d) {
		return 0
	}
	m := segOriginDist2(c.Sub(a), d.Sub(c))
	m = min(m, segOriginDist2(d.Sub(b), c.Sub(d)))
	m = min(m, segOriginDist2(a.Sub(c), b.Sub(a)))
	return min(m, segOriginDist2(b.Sub(d), a.Sub(b)))
}

// growFloat returns s resized to n, reallocated (with room to grow) when it is too small.
func growFloat(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n, 2*n)
	}
	return s[:n]
}

// growInt is growFloat for ints.
func growInt(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n, 2*n)
	}
	return s[:n]
}

// projectBase projects the centerline paths' objects, moved to time t (s after now), on the centerline.
func (p *PDM) projectBase(t float64) {
	p.baseProj = p.baseProj[:0]
	c := &p.paths[0]
	halfW := p.vehicle.Width / 2
	maxOff := 0.0
	from, to := math.Inf(1), math.Inf(-1)
	for j := 0; j < p.nBase; j++ {
		maxOff = max(maxOff, math.Abs(p.cfg.LateralOffsets[j]))
		from = min(from, p.pathS0[j])
		to = max(to, p.pathS0[j]+p.maxT*float64(p.cfg.TrajectorySteps)*p.cfg.Step)
	}
	lo, hi := from-halfW-maxOff, to+halfW+maxOff
	for _, oi := range p.relevant[p.relFrom[0]:p.relTo[0]] {
		o := &p.objs[oi]
		q := o.at(t)
		reach := halfW + o.r + maxOff
		s, lat, ok := 0.0, 0.0, false
		if prev := p.objS[oi]; !math.IsNaN(prev) {
			// Near its last projection: it moves at most |d|*dt along the path between updates.
			w := 3 + o.speed*(t-p.objT[oi])
			s, lat, ok = c.project(q, max(lo-o.r, prev-w), min(hi+o.r, prev+w), reach)
		}
		if !ok {
			s, lat, ok = c.project(q, lo-o.r, hi+o.r, reach)
		}
		if !ok {
			p.objS[oi] = math.NaN()
			continue
		}
		p.objS[oi], p.objT[oi] = s, t
		i, u, h := c.locateS(s)
		p.baseProj = append(p.baseProj, objProj{obj: oi, i: i, u: u, lat: lat, h: h})
	}
}

// leaders fills p.lead with the objects in path j's corridor at time t (s after now): those whose box,
// moved by the forecast, reaches within half the ego's width of the path between the ego's arc length now and
// the farthest the fastest proposal can get (tuplan_garage's driving corridor). The centerline and its
// offsets take the objects' projections from projectBase; a lane-change path projects its own.
func (p *PDM) leaders(j int, t float64) {
	p.lead = p.lead[:0]
	pa := &p.paths[j]
	halfW := p.vehicle.Width / 2
	from := p.pathS0[j]
	to := from + p.maxT*float64(p.cfg.TrajectorySteps)*p.cfg.Step
	if j < p.nBase {
		off := p.cfg.LateralOffsets[j]
		for k := range p.baseProj {
			bp := &p.baseProj[k]
			p.addLeader(&p.objs[bp.obj], t, pa.fromBase(bp.i, bp.u), bp.lat-off, bp.h, from, to, halfW)
		}
		return
	}
	for _, oi := range p.relevant[p.relFrom[j]:p.relTo[j]] {
		o := &p.objs[oi]
		q := o.at(t)
		s, lat, ok := pa.project(q, from-o.r-halfW, to+o.r+halfW, halfW+o.r)
		if !ok {
			continue
		}
		_, _, h := pa.locateS(s)
		p.addLeader(o, t, s, lat, h, from, to, halfW)
	}
}

// addLeader adds object o, forecast t seconds ahead and projected at arc length s and lateral offset lat of a
// path whose heading there is h, to p.lead if it reaches into the corridor [from, to] of half width halfW.
func (p *PDM) addLeader(o *pdmObject, t, s, lat, h, from, to, halfW float64) {
	sn, cs := math.Sincos(o.heading(t) - h)
	sn, cs = math.Abs(sn), math.Abs(cs)
	hl, hw := o.o.Box.Length/2, o.o.Box.Width/2
	across := hl*sn + hw*cs
	along := hl*cs + hw*sn
	if s+along < from || s-along > to {
		return
	}
	soft := false
	if side := math.Abs(lat) - across; side > halfW {
		// Outside the corridor: only a car beside it that signals a change into it counts, softly.
		if side > halfW+signalReach || lat*float64(o.o.Indicator) >= 0 || o.o.Type != scenarios.Vehicle {
			return
		}
		soft = true
	}
	hs, hc := math.Sincos(h)
	d := o.vel(t)
	p.lead = append(p.lead, leaderCand{s: s, back: s - along, v: d.X*hc + d.Y*hs, soft: soft})
}

// unroll advances the proposals from step k0 to k1 with the IDM (only proposal sel when sel >= 0), searching
// the leading agent every LeaderUpdate steps from step 1 on: the nearest object in the corridor whose centre
// is ahead of the rear axle, the first red light ahead, or the end of the path.
func (p *PDM) unroll(k0, k1, sel int) {
	for k := k0; k <= k1; k++ {
		t := float64(k) * p.cfg.Step
		update := (k-1)%p.cfg.LeaderUpdate == 0
		if update && (sel < 0 || p.props[sel].path < p.nBase) {
			p.projectBase(t)
		}
		for j := range p.paths {
			if sel >= 0 && p.props[sel].path != j {
				continue
			}
			if update {
				p.leaders(j, t)
			}
			p.step(j, k, update, sel)
		}
	}
}

// step advances the proposals on path j (only proposal sel when sel >= 0) to step k.
func (p *PDM) step(j, k int, update bool, sel int) {
	n := p.cfg.TrajectorySteps + 1
	dt := p.cfg.Step
	t := float64(k) * dt
	front := p.vehicle.FrontLength
	pa := &p.paths[j]
	end := pa.Length()
	if pa.open {
		// The path runs on past the edge of the map: there is no end before the goal; past the goal, the edge
		// is the end of the road.
		end = math.Inf(1)
		if !p.edgeOpen {
			end = pa.Length() - p.cfg.MapEdgeRunout
		}
	}
	red := p.redS[j]
	for i := range p.props {
		pr := &p.props[i]
		if pr.path != j || (sel >= 0 && i != sel) {
			continue
		}
		base := i * n
		sPrev, prev := p.progress[base+k-1], &p.pts[base+k-1]
		if update {
			xb, vl := end, 0.0
			xs, vs := math.Inf(1), 0.0
			for _, c := range p.lead {
				switch {
				case c.soft:
					// A signalling car counts once its rear is ahead of the ego's front.
					if c.back > sPrev+front && c.back < xs {
						xs, vs = c.back, c.v
					}
				case c.s > sPrev && c.back < xb:
					xb, vl = c.back, c.v
				}
			}
			if red > sPrev-p.vehicle.RearLength && red < xb {
				xb, vl = red, 0
			}
			pr.xBack, pr.vLead = xb, vl
			pr.xSoft, pr.vSoft = xs, vs
			if k == 1 {
				pr.gap0, pr.vLead0 = xb-(sPrev+front), vl
			}
		}
		target := pr.target
		if sz := p.slowS[j]; sz < math.Inf(1) {
			// A lower limit ahead: reached (less limitMargin) limitLead before its lane begins, braking at
			// limitDecel.
			vz := max(0, target*p.slowRatio[j]-limitMargin)
			target = min(target, math.Sqrt(vz*vz+2*limitDecel*max(0, sz-(sPrev+front)-limitLead*vz)))
		}
		acc := p.idmAccel(prev.Speed, pr.xBack-(sPrev+front), pr.vLead, target)
		if pr.xSoft < pr.xBack {
			// Ease off for a car signalling a change into the lane, braking at most courtesyDecel for it.
			soft := p.idmAccel(prev.Speed, pr.xSoft-(sPrev+front), pr.vSoft, target)
			acc = min(acc, max(soft, min(acc, -courtesyDecel)))
		}
		if jm := p.takeoverJerk(t); jm > 0 {
			acc = min(acc, max(prev.Accel, -p.cfg.DecelMax)+jm*dt) // ease into acceleration; braking is not limited
		}
		if pr.side != SideKeep && p.guide.laneWeight[pr.side] > p.guide.laneWeight[SideKeep] && p.side[pr.side].lcU < laneChangeCommit && p.cfg.LaneChangeJerk > 0 {
			// A wanted lane change not yet under way eases into braking for the new lane's traffic (see
			// PDMConfig.LaneChangeJerk); the free road's braking (to a lower target speed) is not eased.
			free := p.idmAccel(prev.Speed, math.Inf(1), 0, target)
			acc = max(acc, min(free, min(prev.Accel, p.cfg.AccelMax)-p.cfg.LaneChangeJerk*dt))
		}
		if pr.eased && (pr.vLead >= easedMinLeadSpeed || acc >= p.idmAccel(prev.Speed, math.Inf(1), 0, target)-1e-9) {
			// Braking for the free road or a moving leader grows by at most EasedBrakeJerk per second, from no
			// acceleration (an accelerating ego stops accelerating at once). A stop (a standing object, a red
			// light, the end of the lane) is not eased.
			acc = max(acc, min(prev.Accel, 0)-p.cfg.EasedBrakeJerk*dt)
		}
		if pr.xBack == p.pullS[j] && !pr.stop {
			// Braking for the pull-over place, which nothing forces: ease into it (the place was chosen with
			// room for that, see pullOverEase).
			acc = max(acc, min(prev.Accel, p.cfg.AccelMax)-pullOverJerk*dt)
		}
		s := sPrev + dt*prev.Speed
		v := max(0, prev.Speed+dt*acc)
		p.progress[base+k] = s
		pose := pa.poseAt(s, &pr.hint)
		if bl := p.blendLen[j]; bl > 0 {
			pose = blendPose(pose, p.blendLat[j], (s-p.blendStart[j])/bl, bl)
		}
		p.pts[base+k] = dynamics.TrajectoryPoint{Time: p.t0 + t, Pose: pose, Speed: v, Accel: acc}
	}
}

// limitAhead returns the arc length on path j where the first lane with a lower posted limit than the
// current lane's (cur) begins, within reach metres of the ego's arc length s (+Inf when none, or when either
// limit is not posted), and that limit over the current lane's. Each proposal then aims to be at its share of the
// lower limit limitLead before that lane begins, braking at limitDecel, as drivers slow down for a lower
// limit's sign rather than after it; tuplan_garage's proposals follow the current lane's limit alone
// (PDMConfig.NoLimitAhead).
func (p *PDM) limitAhead(j int, s, reach, cur float64) (float64, float64) {
	if p.cfg.NoLimitAhead || !(cur > 0) || math.IsInf(cur, 1) {
		return math.Inf(1), 1
	}
	pa := &p.paths[j]
	for i, l := range pa.lanes {
		end := pa.Length()
		if i+1 < len(pa.laneFrom) {
			end = pa.laneFrom[i+1]
		}
		if end <= s {
			continue
		}
		if pa.laneFrom[i] > s+reach {
			break
		}
		if lim := p.mx.Lane(l).SpeedLimit; lim > 0 && lim < cur-limitStep {
			return pa.laneFrom[i], lim / cur
		}
	}
	return math.Inf(1), 1
}

// Slowing down for a lower limit ahead (limitAhead): the braking (m/s^2); how early (s at the new speed) and
// how far below it (m/s: the IDM settles on a lower target speed from above, slowly) the new speed is aimed
// at; the least drop (m/s) that counts.
const (
	limitDecel  = 1.0
	limitLead   = 1.5
	limitMargin = 0.2
	limitStep   = 0.1
)

// easedMinLeadSpeed (m/s): an eased proposal eases its braking for a leader at least this fast.
const easedMinLeadSpeed = 2.0

// laneChangeTime returns how many seconds a lane change's transition takes at the ego's speed: laneChangeTime,
// or PDMConfig.GoalLaneChangeTime for the move into the goal's lane on a motorway when the goal has a time
// window.
func (p *PDM) laneChangeTime() float64 {
	if p.goalChange && p.hasWindow && p.mx.Lane(p.currentLane()).Highway {
		return p.cfg.GoalLaneChangeTime
	}
	return laneChangeTime
}

// Lane changes: the transition takes laneChangeTime seconds at the ego's speed, and at least
// laneChangeMinLength metres.
const (
	laneChangeTime      = 5.0
	laneChangeMinLength = 20.0
	// laneChangeStray (m): an ego this far from its lane change's blend starts a new one.
	laneChangeStray = 0.75
)

// blendOffset returns the lateral offset still left at fraction u of a lane change that started lat metres
// from the target lane: (1 - smoothstep(u)) * lat.
func blendOffset(lat, u float64) float64 {
	return (1 - geom.Smoothstep(u)) * lat
}

// pathSide returns SideLeft or SideRight for a lane-change path j.
func (p *PDM) pathSide(j int) int {
	if p.pathKind[j] == PathLeftLane {
		return SideLeft
	}
	return SideRight
}

// blendPose shifts pose, on a lane-change path, by the part of lat (the ego's lateral offset from that path
// when the change starts) still left at fraction u of a transition of length bl: (1 - smoothstep(u)) * lat to
// the left, with the heading turned by the slope of that offset.
func blendPose(pose geom.Pose, lat, u, bl float64) geom.Pose {
	if u >= 1 {
		return pose
	}
	u = max(0, u)
	slope := -lat * 6 * u * (1 - u) / bl
	q := pose.Translate(0, blendOffset(lat, u))
	q.Heading = geom.NormalizeAngle(pose.Heading + math.Atan(slope))
	return q
}

// Taking over from a braking driver. nuPlan's comfort metric estimates the jerk at the start of a run from
// its first 1.5 s (a Savitzky-Golay fit), where the planner takes the car over from the recorded driver; a
// driver who was braking and a planner that accelerates at once give a jerk above its 4.13 m/s^3 bound.
// When the ego brakes harder than takeoverBrake at the first tick, the proposals' acceleration rises at
// most PDMConfig.TakeoverJerk per second at first, the limit growing to MaxJerkUp over the first
// takeoverWindow (the window the metric's estimate fits).
const (
	takeoverBrake  = -0.5 // m/s^2
	takeoverWindow = 1.5  // s
)

// takeoverJerk returns the limit on the rise of a proposal's acceleration at t seconds into it (0 or less:
// none).
func (p *PDM) takeoverJerk(t float64) float64 {
	jm, tj := p.cfg.MaxJerkUp, p.cfg.TakeoverJerk
	if jm <= 0 || tj <= 0 || !p.startBrake {
		return jm
	}
	if el := p.t0 - p.startTime + t; el < takeoverWindow {
		return min(jm, tj+(jm-tj)*el/takeoverWindow)
	}
	return jm
}

// idmAccel is the proposals' IDM: a*(1 - (v/v0)^delta - (s*/max(gap, s0))^2) with
// s* = s0 + max(0, v*T + v*(v - vLead)/(2 sqrt(a*b))), clipped to [-b, a]; a target of 0 brakes at a. Behind a
// leader that is not slower, at a time gap of at least gapBrakeMinTime, it brakes at most PDMConfig.GapBrake.
func (p *PDM) idmAccel(v, gap, vLead, target float64) float64 {
	c := &p.cfg
	free := -1.0
	if target > 0 {
		r := v / target
		if c.Exponent == 10 {
			r2 := r * r
			r4 := r2 * r2
			free = 1 - r4*r4*r2
		} else {
			free = 1 - math.Pow(r, c.Exponent)
		}
	}
	sStar := c.MinGap + max(0, v*p.headway+v*(v-vLead)/(2*math.Sqrt(c.AccelMax*c.DecelMax)))
	q := sStar / max(gap, c.MinGap)
	a := c.AccelMax * (free - q*q)
	if gb := c.GapBrake; gb > 0 && vLead >= v && gap > c.MinGap+v*gapBrakeMinTime {
		// A leader that is not slower, a time gap that is only shorter than the headway: reopen it gently.
		a = max(a, min(c.AccelMax*free, -gb))
	}
	return max(-c.DecelMax, min(c.AccelMax, a))
}

// gapBrakeMinTime (s): below this time gap (plus the minimum gap) PDMConfig.GapBrake does not apply.
const gapBrakeMinTime = 0.5
