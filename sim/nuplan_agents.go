package sim

import (
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

// nuPlan's reactive agents (ReactiveNuPlan), re-implemented from nuplan-devkit's IDMAgents observation
// (observation/idm: idm_agents_builder, idm_agent, idm_agent_manager, idm_policy):
//
//   - Agents are made once, from the vehicles of the first frame: each on the lane (else the lane connector)
//     under its centre whose heading is closest to its own, its box snapped onto that lane's centerline. A
//     vehicle on no lane, or whose snapped box overlaps the ego, a pedestrian, a static object or an agent
//     made before it, is left out. Vehicles that enter the log later, and bicycles, do not exist; pedestrians
//     and static objects are replayed (nuPlan's open-loop detection types).
//   - Each agent's route grows a lane at a time while less than nupMinPathLength + its target speed x its
//     headway is left of its path: of the lanes that follow, those without a light or with a green one, the
//     one that starts straightest. Where none may be taken (a red, yellow or unknown light), the route ends.
//   - Every step, in the order the agents were made: the agent extends its route, and the red connectors of
//     its route put their stop lines into the occupancy map. What the agent follows is the nearest (polygon
//     distance from what it occupies) of the ego's footprint, the other agents' occupancy, the replayed
//     objects and those stop lines that touch the corridor of its path ahead (its width, flat ends), at the
//     ego's or that agent's speed projected on its heading (replayed objects and stop lines stand). With
//     nothing there, the end of its path stands ahead of its centre. An agent occupies its box and, after its
//     step, its box and the stretch of its path up to its speed x its headway ahead of its front (its
//     "projected footprint"), so the gaps it keeps are measured from that: about 1 m + 3 s x its speed.
//   - IDM with the nuPlan agents' parameters (idm.Agents) and an acceleration exponent of 4; the gap is at least the
//     minimum gap, the desired gap is not clamped; one forward Euler step per 0.1 s; the target speed is the
//     speed limit of the route's last lane (10 m/s until one is posted).
//   - Agents further than agentRadius from the ego's centre are removed for good.
//
// Departures: where a recorded map was cut, an agent's path runs on past the open end of its last lane
// (scenarios.MapIndex.OpenEnd), as nuPlan's maps do not end mid-road; stop lines are a band nupStopLineDepth deep across the start of a red connector (the map's
// own stop lines are not attached to connectors everywhere); a path's corridor leaves out the wedges outside
// its bends; an agent's heading is taken over a chord of its path (agentPose), since recorded maps join
// lanelets at an angle; lane connectors stand in for nuPlan's intersection polygons when placing an agent.

// ReactiveNuPlan settings, from nuPlan's idm_agents_observation.yaml and idm_agent.py.
const (
	nupMinPathLength = 20.0 // m: minimum_path_length
	nupMaxRoute      = 5    // lanes an agent's route remembers (IDMAgent's max_route_len)
	nupStopLineDepth = 0.6  // m: depth of a red connector's stop band
	nupCurveProbe    = 2.0  // m: spacing of the three points a lane's starting curvature is estimated from
)

// nupAgent is one of nuPlan's IDM agents: a vehicle on its path (box-centre poses) with an IDM state.
type nupAgent struct {
	track         int
	route         []int // the lanes of its route, oldest first
	path          geom.Polyline
	s, v          float64 // progress along path (may run past its end) and speed
	accel         float64
	target        float64 // IDM target speed
	length, width float64
	active        bool
	pose          geom.Pose
	occ           []geom.Quad // what it occupies: its snapped box at first, then its projected footprint
	occBounds     geom.AABB   // occ's bounding box
	runout        bool        // its path runs on past the open end of its last lane
}

// bounded returns the agent's progress clamped to its path.
func (a *nupAgent) bounded() float64 { return math.Max(0, math.Min(a.s, a.path.Length())) }

// box returns the agent's box.
func (a *nupAgent) box() geom.Box { return geom.Box{Center: a.pose, Length: a.length, Width: a.width} }

// nupEntry is an entry of the occupancy map an agent looks in: the ego, a replayed object, a stop band or
// another agent, with the speed along its heading it is followed at (0 for what stands).
type nupEntry struct {
	quads   []geom.Quad
	bounds  geom.AABB
	speed   float64
	heading float64
}

// nuplanAgents holds the agents of one simulation (see above).
type nuplanAgents struct {
	sc     *scenarios.Scenario
	mx     *scenarios.MapIndex
	agents []nupAgent
	byTrk  []int // track index -> agent index, -1: not an agent
	// Scratch, reused every step.
	fixed    []nupEntry // the ego and the replayed objects
	stops    []nupEntry
	corridor []geom.Quad
	quadBuf  []geom.Quad
}

// openLoop reports whether nuPlan replays objects of type t around its IDM agents (pedestrians, barriers,
// cones, signs and generic objects; not bicycles).
func openLoop(t scenarios.ObjectType) bool {
	return t == scenarios.Pedestrian || t == scenarios.StaticObject
}

// newNuPlanAgents makes the agents from the vehicles of frame 0, the ego's footprint there being ego.
func newNuPlanAgents(sc *scenarios.Scenario, ego geom.Box, egoSpeed float64) *nuplanAgents {
	r := &nuplanAgents{sc: sc, mx: sc.Map.Index(), byTrk: make([]int, len(sc.Tracks))}
	for i := range r.byTrk {
		r.byTrk[i] = -1
	}
	taken := []geom.Quad{geom.BoxQuad(ego)}
	for ti := range sc.Tracks {
		if o, ok := LoggedObject(sc, ti, 0); ok && openLoop(o.Type) {
			taken = append(taken, geom.BoxQuad(o.Box))
		}
	}
	for ti := range sc.Tracks {
		t := &sc.Tracks[ti]
		if t.Type != scenarios.Vehicle {
			continue
		}
		st, ok := t.StateAt(0)
		if !ok {
			continue
		}
		lane, s, ok := r.startingLane(st.Pose)
		if !ok {
			continue
		}
		pl := r.mx.Path(lane)
		on := geom.Pose{X: pl.At(s).X, Y: pl.At(s).Y, Heading: pl.HeadingAt(s)}
		q := geom.BoxQuad(geom.Box{Center: on, Length: t.Length, Width: t.Width})
		clash := false
		for k := range taken {
			if taken[k].Intersects(&q) {
				clash = true
				break
			}
		}
		if clash {
			continue
		}
		taken = append(taken, q)
		v := math.Hypot(st.VX, st.VY)
		if math.IsNaN(v) || math.IsInf(v, 0) { // nuPlan: a NaN velocity takes the ego's speed
			v = egoSpeed
		}
		target := r.mx.Lane(lane).SpeedLimit
		if !(target > 0) || math.IsInf(target, 1) {
			target = agentDefaultSpeed
		}
		a := nupAgent{track: ti, route: []int{lane}, s: s, v: v, target: target, length: t.Length, width: t.Width, active: true}
		for _, p := range pl.Pts {
			a.path.Append(p)
		}
		a.pose = agentPose(&a.path, a.bounded())
		a.occ, a.occBounds = append(a.occ, q), q.Bnds
		r.byTrk[ti] = len(r.agents)
		r.agents = append(r.agents, a)
	}
	return r
}

// startingLane returns the lane an agent at pose starts on, as nuPlan's get_starting_segment: among the lanes
// whose polygon holds its centre (else the lane connectors), the one whose centerline heads closest to it
// (the plain difference of the headings, as nuPlan takes it), and the arc length of the centre on it.
func (r *nuplanAgents) startingLane(pose geom.Pose) (lane int, s float64, ok bool) {
	var buf [16]int
	found := r.mx.LanesAt(pose.Pos(), buf[:0])
	best, bestD := -1, math.Inf(1)
	for pass := 0; pass < 2 && best < 0; pass++ {
		for _, l := range found {
			if r.mx.Lane(l).Connector != (pass == 1) {
				continue
			}
			pl := r.mx.Path(l)
			ls, _ := pl.Project(pose.Pos())
			if d := math.Abs(pl.HeadingAt(ls) - pose.Heading); d < bestD {
				best, bestD, s = l, d, ls
			}
		}
	}
	return best, s, best >= 0
}

// startCurvature returns the absolute curvature at the start of lane l's centerline, from the circle through
// its points 0, nupCurveProbe and 2 nupCurveProbe metres along (0 for a lane too short or straight).
func (r *nuplanAgents) startCurvature(l int) float64 {
	pl := r.mx.Path(l)
	if pl.Length() < 2*nupCurveProbe {
		return 0
	}
	a, b, c := pl.At(0), pl.At(nupCurveProbe), pl.At(2*nupCurveProbe)
	den := a.Dist(b) * b.Dist(c) * c.Dist(a)
	if den == 0 {
		return 0
	}
	return math.Abs(2 * b.Sub(a).Cross(c.Sub(a)) / den)
}

// planRoute extends agent a's route as nuPlan's IDMAgent.plan_route does at time t.
func (r *nuplanAgents) planRoute(a *nupAgent, t float64) {
	p := idm.Agents(0)
	for a.path.Length()-a.s < nupMinPathLength+a.target*p.Headway {
		last := a.route[len(a.route)-1]
		succ := r.mx.Successors(last)
		if len(succ) == 0 {
			// Where a recorded map was cut, the road goes on (scenarios.MapIndex.OpenEnd).
			if !a.runout {
				a.runout = true
				r.mx.AppendRunout(&a.path, last, scenarios.OpenEndRunout)
			}
			return
		}
		next, bestK := -1, math.Inf(1)
		for _, e := range succ {
			if st, lit := r.mx.LightState(e, t); lit && st != scenarios.Green {
				continue
			}
			if k := r.startCurvature(e); k < bestK {
				next, bestK = e, k
			}
		}
		if next < 0 {
			return
		}
		if len(a.route) == nupMaxRoute {
			a.route = append(a.route[:0], a.route[1:]...)
		}
		a.route = append(a.route, next)
		// The path from the agent on, then the new lane; progress starts again at 0.
		var np geom.Polyline
		s0 := a.bounded()
		np.Append(a.path.At(s0))
		for i, q := range a.path.Pts {
			if a.path.S[i] > s0 {
				np.Append(q)
			}
		}
		for _, q := range r.mx.Path(next).Pts {
			np.Append(q)
		}
		a.path, a.s = np, 0
	}
}

// step moves every agent from frame i (time t) to frame i+1, reacting to the ego's state ego (footprint
// egoBox) at frame i and to the replayed objects at frame i+1, as nuPlan's IDMAgentManager.propagate_agents.
func (r *nuplanAgents) step(i int, t, dt float64, ego dynamics.State, egoBox geom.Box) {
	p := idm.Agents(0)
	p.RawDesiredGap = true // IDMPolicy's exponent is 4, idm's default
	// The occupancy map's fixed entries: the ego, then the replayed objects.
	r.fixed = r.fixed[:0]
	r.quadBuf = r.quadBuf[:0]
	r.quadBuf = append(r.quadBuf, geom.BoxQuad(egoBox))
	for ti := range r.sc.Tracks {
		if o, ok := LoggedObject(r.sc, ti, i+1); ok && openLoop(o.Type) {
			r.quadBuf = append(r.quadBuf, geom.BoxQuad(o.Box))
		}
	}
	for k := range r.quadBuf {
		e := nupEntry{quads: r.quadBuf[k : k+1], bounds: r.quadBuf[k].Bnds}
		if k == 0 {
			e.speed, e.heading = math.Abs(ego.Speed), ego.Pose.Heading
		}
		r.fixed = append(r.fixed, e)
	}
	ec := egoBox.Center.Pos()
	for k := range r.agents {
		if a := &r.agents[k]; a.active && a.pose.Pos().Dist(ec) > agentRadius {
			a.active = false
		}
	}
	for k := range r.agents {
		a := &r.agents[k]
		if !a.active {
			continue
		}
		r.planRoute(a, t)
		r.stopBands(a, t)
		s0 := a.bounded()
		r.corridor = geom.AppendCorridor(r.corridor[:0], &a.path, s0, a.path.Length(), a.width/2)
		cb := quadsBounds(r.corridor)
		gap, leadV, lr := math.Inf(1), 0.0, 0.0
		consider := func(e *nupEntry) {
			if !e.bounds.Overlaps(cb) || !touches(e.quads, r.corridor, cb) {
				return
			}
			if d := quadsDist(a.occ, e.quads); d < gap {
				gap = d
				leadV = e.speed * math.Cos(geom.NormalizeAngle(e.heading-a.pose.Heading))
			}
		}
		for f := range r.fixed {
			consider(&r.fixed[f])
		}
		for f := range r.stops {
			consider(&r.stops[f])
		}
		for j := range r.agents {
			o := &r.agents[j]
			if j == k || !o.active {
				continue
			}
			e := nupEntry{quads: o.occ, bounds: o.occBounds, speed: o.v, heading: o.pose.Heading}
			consider(&e)
		}
		if math.IsInf(gap, 1) {
			// Free road: the end of the path stands ahead of the agent's centre.
			gap, leadV, lr = a.path.Length()-a.s, 0, a.length/2
		}
		if lim := r.mx.Lane(a.route[len(a.route)-1]).SpeedLimit; lim > 0 && !math.IsInf(lim, 1) {
			a.target = lim
		}
		p.TargetSpeed = a.target
		acc := p.Accel(a.v, math.Max(gap-lr, p.MinGap), leadV)
		acc = math.Max(-p.DecelMax, math.Min(p.AccelMax, acc))
		a.s += dt * a.v
		a.v = math.Max(0, a.v+dt*acc)
		a.accel = acc
		a.pose = agentPose(&a.path, a.bounded())
		// Its projected footprint: its box and its path up to its speed x headway ahead of its front.
		b := a.bounded()
		a.occ = geom.AppendCorridor(a.occ[:0], &a.path, b-a.length/2, b+a.length/2+a.v*p.Headway, a.width/2)
		a.occ = append(a.occ, geom.BoxQuad(a.box()))
		a.occBounds = quadsBounds(a.occ)
	}
}

// stopBands sets r.stops to the stop bands of the red lane connectors on agent a's route at time t.
func (r *nuplanAgents) stopBands(a *nupAgent, t float64) {
	r.stops = r.stops[:0]
	for _, l := range a.route {
		if st, lit := r.mx.LightState(l, t); !lit || st != scenarios.Red || !r.mx.Lane(l).Connector {
			continue
		}
		pl := r.mx.Path(l)
		if len(pl.Pts) < 2 {
			continue
		}
		w := laneWidthAtStart(r.mx.Lane(l))
		n := len(r.quadBuf)
		r.quadBuf = geom.AppendCorridor(r.quadBuf, pl, 0, nupStopLineDepth, w/2)
		qs := r.quadBuf[n:]
		r.stops = append(r.stops, nupEntry{quads: qs, bounds: quadsBounds(qs)})
	}
}

// laneWidthAtStart returns the distance between a lane's bounds at their first points (3.5 m without them).
func laneWidthAtStart(l *scenarios.Lane) float64 {
	if len(l.Left) == 0 || len(l.Right) == 0 {
		return 3.5
	}
	return l.Left[0].Dist(l.Right[0])
}

// touches reports whether any of qs intersects any quad of the corridor, whose bounding box is cb.
func touches(qs, corridor []geom.Quad, cb geom.AABB) bool {
	for i := range qs {
		if !qs[i].Bnds.Overlaps(cb) {
			continue
		}
		for j := range corridor {
			if qs[i].Intersects(&corridor[j]) {
				return true
			}
		}
	}
	return false
}

// quadsDist returns the distance between two unions of quads.
func quadsDist(a, b []geom.Quad) float64 {
	d := math.Inf(1)
	for i := range a {
		for j := range b {
			if a[i].Bnds.Dist(b[j].Bnds) >= d {
				continue
			}
			d = math.Min(d, a[i].Dist(&b[j]))
		}
	}
	return d
}

// quadsBounds returns the bounding box of a union of quads.
func quadsBounds(qs []geom.Quad) geom.AABB {
	b := geom.EmptyAABB()
	for i := range qs {
		b.Extend(qs[i].Bnds.Min)
		b.Extend(qs[i].Bnds.Max)
	}
	return b
}

// observe returns the objects at frame i: the active agents, the replayed pedestrians and static objects.
func (r *nuplanAgents) observe(i int) []scenarios.Object {
	var out []scenarios.Object
	for ti := range r.sc.Tracks {
		t := &r.sc.Tracks[ti]
		if t.Type == scenarios.Vehicle {
			if k := r.byTrk[ti]; k >= 0 && r.agents[k].active {
				a := &r.agents[k]
				out = append(out, scenarios.Object{ID: t.ID, Track: ti, Type: t.Type, Box: a.box(), Vel: geom.Unit(a.pose.Heading).Scale(a.v)})
			}
			continue
		}
		if !openLoop(t.Type) {
			continue
		}
		if o, ok := LoggedObject(r.sc, ti, i); ok {
			out = append(out, o)
		}
	}
	return out
}
