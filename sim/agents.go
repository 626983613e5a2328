package sim

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

// AgentMode selects how the other vehicles behave.
type AgentMode string

// Agent modes, as nuPlan's observation types.
const (
	// NonReactive replays every object from the log (nuPlan's tracks observation).
	NonReactive AgentMode = "nonreactive"
	// Reactive drives vehicles with IDM along their lanes, stopping at red lights (and at yellow ones they
	// can stop for comfortably) and reacting to the ego (nuPlan's idm_agents observation); unlike nuPlan's,
	// agents at a junction also yield to vehicles already inside it whose path crosses theirs, and stop
	// short of the way out of one standing across their lane (junction.go),
	// they keep the pace of their log: the fastest speed in it where no limit is posted, and where one
	// is, that speed when the log shows them cruising at it, at most the limit (desiredSpeed), they follow
	// at the time gap they start with (keepGap), and they make their log's lane changes once the new lane's
	// gap is safe (lanechange.go). Pedestrians, bicycles and static objects are replayed.
	Reactive AgentMode = "reactive"
	// ReactiveNuPlan drives vehicles as nuPlan's idm_agents observation does (nuplan_agents.go): agents
	// are made from the first frame's vehicles only (later ones, bicycles and vehicles that cannot be placed
	// do not exist), follow the straightest way a light lets them take, keep their gaps from their projected
	// footprint and brake for the end of their short route ahead; pedestrians and static objects are
	// replayed. For reproducing nuPlan's reactive figures; Reactive is the more realistic traffic.
	ReactiveNuPlan AgentMode = "reactive_nuplan"
)

// Valid reports whether m is a known mode.
func (m AgentMode) Valid() bool { return m == NonReactive || m == Reactive || m == ReactiveNuPlan }

// IsReactive reports whether m drives vehicles with IDM (Reactive or ReactiveNuPlan).
func (m AgentMode) IsReactive() bool { return m == Reactive || m == ReactiveNuPlan }

// Reactive-agent settings from nuPlan's idm_agents_observation.yaml (Reactive; ReactiveNuPlan uses the
// radius and the default speed).
const (
	agentRadius        = 100.0 // m: agents further than this from the ego are removed for good
	agentDefaultSpeed  = 10.0  // m/s, nuPlan's target without a speed limit (Reactive: see desiredSpeed)
	agentMinPathLength = 20.0  // m: shorter lane paths are not driven by IDM (the agent is replayed)
	agentLaneSnap      = 3.0   // m: furthest an agent's centre may be from a lane centerline to be driven
	agentLookahead     = 80.0  // m: leaders and red lights are searched this far along the path
	agentPathHorizon   = 16.0  // s: lane paths cover this long at the larger of the speed and the limit
)

// idmAgent is a vehicle driven by IDM along a lane path (path poses are box-centre poses).
type idmAgent struct {
	track   int // index into Scenario.Tracks
	path    geom.Polyline
	lanes   []int     // lanes of the path, in order
	laneEnd []float64 // arc length at which each lane of the path ends
	s, v    float64
	accel   float64
	params  idm.Params
	length  float64
	width   float64
	active  bool // false once removed (out of range)
	pose    geom.Pose
	cur     int          // index in lanes of the lane under the agent's centre
	change  loggedChange // the log's next lane change, still to be made (Reactive only; lanechange.go)
	gapKept bool         // the time headway has been set from the first gap (keepGap)
}

// advanceLane moves a.cur on to the lane of the path under the agent's station.
func (a *idmAgent) advanceLane() {
	for a.cur < len(a.lanes)-1 && a.s > a.laneEnd[a.cur] {
		a.cur++
	}
}

// keepGap sets the agent's IDM time headway to the time gap it keeps to the vehicle it follows at its first
// step (gap, bumper to bumper, less the minimum gap, over its speed), within [minKeptHeadway, nuPlan's 1.5 s],
// when it moves faster than keepGapMinSpeed behind a leader going its way at least half its speed (leadV
// along its path). Recorded drivers follow closer than nuPlan's agents (highD's at about 1 s); an agent handed
// such a driver's state braked to open the gap to 1.5 s, fell behind its log, and the traffic behind it, a
// replayed expert too, ran into it. Reactive only.
func (a *idmAgent) keepGap(gap, leadV float64) {
	if a.v <= keepGapMinSpeed || leadV < a.v/2 || !(gap > 0) || math.IsInf(gap, 1) {
		return
	}
	a.params.Headway = math.Max(minKeptHeadway, math.Min(a.params.Headway, (gap-a.params.MinGap)/a.v))
}

// An agent keeps its first time gap (keepGap) from keepGapMinSpeed (m/s), and at least minKeptHeadway (s).
const (
	keepGapMinSpeed = 5.0
	minKeptHeadway  = 0.6
)

// reactiveAgents holds the IDM agents of one simulation. Vehicles become IDM agents at the frame their log
// track starts, and are driven from their logged state from then on.
type reactiveAgents struct {
	sc     *scenarios.Scenario
	mx     *scenarios.MapIndex
	agents []idmAgent
	byTrk  []int // track index -> agent index, -1 when not (yet) an IDM agent, -2 when replayed
	grid   obstacleGrid
	jct    junctionCache
	// onRoute marks the lanes of the ego's route roadblocks: the ego's turn signal, which agents yielding in
	// a junction use to tell where it goes.
	onRoute []bool
}

func newReactiveAgents(sc *scenarios.Scenario) *reactiveAgents {
	r := &reactiveAgents{sc: sc, mx: sc.Map.Index(), byTrk: make([]int, len(sc.Tracks))}
	for i := range r.byTrk {
		r.byTrk[i] = -1
	}
	r.onRoute = make([]bool, r.mx.NumLanes())
	for _, id := range sc.Route {
		if rb, ok := r.mx.RoadblockIndex(id); ok {
			for _, lid := range sc.Map.Roadblocks[rb].Lanes {
				if l, ok := r.mx.LaneIndex(lid); ok {
					r.onRoute[l] = true
				}
			}
		}
	}
	return r
}

// spawn turns vehicles whose track starts at frame into IDM agents; vehicles with no usable lane path are
// marked for log replay. A vehicle whose box on its lane would overlap the ego's footprint ego or an active
// agent is held back and tried again at the next frame, from its logged state then: nuPlan leaves such a
// vehicle out at the start (and adds none later), and one that entered inside the ego would wait behind it
// while the ego waits for it, to the end of the run.
func (r *reactiveAgents) spawn(frame int, ego geom.Box) {
	for ti := range r.sc.Tracks {
		t := &r.sc.Tracks[ti]
		if t.Type != scenarios.Vehicle || r.byTrk[ti] != -1 || t.Start > frame {
			continue
		}
		st, ok := t.StateAt(frame)
		if !ok || parked(t) {
			r.byTrk[ti] = -2
			continue
		}
		a, ok := r.newAgent(ti, frame, st)
		if !ok {
			r.byTrk[ti] = -2
			continue
		}
		if r.occupied(a.object(r.sc).Box, ego) {
			continue
		}
		r.byTrk[ti] = len(r.agents)
		r.agents = append(r.agents, a)
	}
}

// occupied reports whether box overlaps the ego's footprint ego or an active agent.
func (r *reactiveAgents) occupied(box, ego geom.Box) bool {
	if box.Overlaps(ego) {
		return true
	}
	for i := range r.agents {
		if a := &r.agents[i]; a.active && box.Overlaps(a.box()) {
			return true
		}
	}
	return false
}

// desiredSpeed is the target speed of a Reactive agent whose lane posts limit (0: none), its log sampled every
// dt seconds. Where no limit is posted it is the fastest speed in the vehicle's log (agentDefaultSpeed if it
// never moved faster than parkedSpeed): nuPlan's agents take 10 m/s there, which on recorded roads without
// posted limits (all of SinD's, 80 of the 94 NGSIM files') slowed motorway traffic from 15-20 m/s to 10 and
// sped up town traffic. Where a limit is posted it is the limit, as nuPlan's, unless the log shows the
// vehicle cruising below it: within cruiseBand of its fastest speed for at least cruiseTime. Then it keeps
// that pace, as the driver did: a truck logged at 60% of the limit does not speed up to the limit once it
// reacts to the ego. A vehicle whose log never settles (pulling away from a stop, say) has not shown its pace
// and takes the limit.
func desiredSpeed(t *scenarios.Track, limit, dt float64) float64 {
	v := 0.0
	for _, s := range t.States {
		if sp := s.Speed(); sp > v && !math.IsInf(sp, 1) {
			v = sp // NaN and +Inf never count
		}
	}
	if !(limit > 0) {
		if v <= parkedSpeed {
			return agentDefaultSpeed
		}
		return v
	}
	if v <= parkedSpeed || v >= limit {
		return limit
	}
	n := 0
	for _, s := range t.States {
		if s.Speed() >= cruiseBand*v {
			n++
		}
	}
	if float64(n)*dt < cruiseTime {
		return limit
	}
	return v
}

// A logged vehicle cruises when its speed stays within cruiseBand of its fastest for at least cruiseTime
// seconds (desiredSpeed).
const (
	cruiseBand = 0.9
	cruiseTime = 1.0
)

// parkedSpeed is the speed a logged vehicle never exceeds if it is parked. Parked vehicles stay replayed in
// Reactive mode; nuPlan starts them along their lane at the speed limit, and so does ReactiveNuPlan.
const parkedSpeed = 0.5

func parked(t *scenarios.Track) bool {
	for _, s := range t.States {
		if s.Speed() > parkedSpeed {
			return false
		}
	}
	return true
}

// newAgent builds the lane path of a vehicle from its state at frame, choosing at each fork the successor
// that best matches the vehicle's logged future, as the log is the best guess of where it was going.
func (r *reactiveAgents) newAgent(ti, frame int, st scenarios.AgentState) (idmAgent, bool) {
	t := &r.sc.Tracks[ti]
	lane, s0, _, ok := r.mx.NearestLane(st.Pose, agentLaneSnap)
	if !ok {
		return idmAgent{}, false
	}
	a := idmAgent{track: ti, length: t.Length, width: t.Width, active: true}
	a.lanes = append(a.lanes, lane)
	for _, p := range r.mx.Path(lane).Pts {
		a.path.Append(p)
	}
	a.laneEnd = append(a.laneEnd, a.path.Length())
	// Long enough for the whole horizon at the larger of the logged speed and the limit, so that an agent that
	// starts from a standstill does not stop at the end of a short path (inside a junction, say).
	limit0 := desiredSpeed(t, r.mx.Lane(lane).SpeedLimit, r.sc.DT)
	r.extendPath(&a, t, math.Max(st.Speed(), limit0)*agentPathHorizon+60, s0)
	if a.path.Length()-s0 < agentMinPathLength {
		return idmAgent{}, false
	}
	a.s, _ = a.path.Project(st.Pose.Pos())
	a.v = st.Speed()
	a.params = idm.Agents(math.Max(limit0, 0.1))
	a.pose = agentPose(&a.path, a.s)
	a.change = r.firstLaneChange(t, frame, lane, &a.path)
	return a, true
}

// extendPath appends to agent a's path the successors of its last lane until the path reaches want metres
// ahead of s0 (where the agent is on it), choosing at forks the successor that matches track t's log, and
// then, where the path reaches the edge of a recorded map, the road's runout: the agent drives on rather
// than stopping at the map's edge (the end of a path is a stopped leader, as in nuPlan, whose maps are whole).
func (r *reactiveAgents) extendPath(a *idmAgent, t *scenarios.Track, want, s0 float64) {
	for a.path.Length()-s0 < want && len(a.lanes) < 64 {
		succ := r.mx.Successors(a.lanes[len(a.lanes)-1])
		if len(succ) == 0 {
			break
		}
		next := succ[0]
		if len(succ) > 1 {
			next = r.bestSuccessor(t, succ, a.path.Length()-s0)
		}
		a.lanes = append(a.lanes, next)
		for _, p := range r.mx.Path(next).Pts {
			a.path.Append(p)
		}
		a.laneEnd = append(a.laneEnd, a.path.Length())
	}
	r.mx.AppendRunout(&a.path, a.lanes[len(a.lanes)-1], scenarios.OpenEndRunout)
}

// bestSuccessor picks among succ the lane closest to the track's logged positions (its last known state),
// falling back to the straightest one.
func (r *reactiveAgents) bestSuccessor(t *scenarios.Track, succ []int, _ float64) int {
	last := t.States[len(t.States)-1].Pose
	best, bestD := succ[0], math.Inf(1)
	for _, l := range succ {
		_, _, d := r.mx.Path(l).ProjectDist(last.Pos())
		// Follow the lane's successors one level too, since the last state may be beyond the connector.
		for _, n := range r.mx.Successors(l) {
			if _, _, d2 := r.mx.Path(n).ProjectDist(last.Pos()); d2 < d {
				d = d2
			}
		}
		if d < bestD-1e-9 {
			best, bestD = l, d
		}
	}
	return best
}

// obstacle is anything an IDM agent may follow: its box and velocity.
type obstacle struct {
	box geom.Box
	vel geom.Vec2
	own int // agent index that this obstacle is, or -1
}

// step advances all active IDM agents by dt from time t, reacting to the obstacles (other agents, the ego,
// replayed objects) and to red lights on their path. Agents further than agentRadius from egoPos are removed.
func (r *reactiveAgents) step(t, dt float64, egoPos geom.Vec2, obs []obstacle) {
	r.grid.build(obs)
	egoV := 0.0
	if len(obs) > 0 {
		egoV = obs[0].vel.Norm() // obstacles lists the ego first
	}
	r.jct.reset(len(obs), egoV, dt)
	for i := range r.agents {
		a := &r.agents[i]
		if !a.active {
			continue
		}
		if a.pose.Pos().Dist(egoPos) > agentRadius {
			a.active = false
			continue
		}
		r.tryLaneChange(a, i, t, obs)
		gap, leadV, vehicle := r.leader(a, i, t, obs)
		if !a.gapKept {
			a.gapKept = true
			if vehicle {
				a.keepGap(gap, leadV)
			}
		}
		acc := a.params.Accel(a.v, gap, leadV)
		acc = math.Max(-a.params.DecelMax, math.Min(a.params.AccelMax, acc))
		// Forward Euler as nuPlan's IDM policy; speed never negative.
		a.s += dt * a.v
		a.v = math.Max(0, a.v+dt*acc)
		a.accel = acc
		if end := a.path.Length(); a.s > end {
			a.s, a.v = end, 0
		}
		a.pose = agentPose(&a.path, a.s)
	}
}

// agentPose is an agent's pose at arc length s of its path: on the path, headed along it as a vehicle's
// wheelbase spans it (agentHeadingChord), not along the one segment under it, whose heading jumps at the
// vertices where lanelets join at an angle.
func agentPose(path *geom.Polyline, s float64) geom.Pose {
	p := path.At(s)
	return geom.Pose{X: p.X, Y: p.Y, Heading: geom.NormalizeAngle(path.ChordHeading(s, agentHeadingChord))}
}

// agentHeadingChord (m) is the chord over which an agent's heading is measured along its path.
const agentHeadingChord = 3.0

// obstacleGrid buckets obstacles by the cell of their centre, so that each agent only looks at obstacles
// near its path ahead.
type obstacleGrid struct {
	cells map[[2]int32][]int32
	stamp []uint32 // per obstacle: the query that last collected it
	query uint32
	cand  []int32
}

const obstacleCell = 12.0 // m; with 3x3 neighbourhoods around path samples every 6 m this covers 12 m off the path

func cellOf(p geom.Vec2) [2]int32 {
	return [2]int32{int32(math.Floor(p.X / obstacleCell)), int32(math.Floor(p.Y / obstacleCell))}
}

func (g *obstacleGrid) build(obs []obstacle) {
	if g.cells == nil {
		g.cells = make(map[[2]int32][]int32)
	}
	for k := range g.cells {
		g.cells[k] = g.cells[k][:0]
	}
	for i := range obs {
		c := cellOf(obs[i].box.Center.Pos())
		g.cells[c] = append(g.cells[c], int32(i))
	}
	if cap(g.stamp) < len(obs) {
		g.stamp = make([]uint32, len(obs))
	}
	g.stamp = g.stamp[:len(obs)]
	clear(g.stamp)
	g.query = 0
}

// near returns the obstacles whose centre lies in the cells around the path from s to s+length.
func (g *obstacleGrid) near(path *geom.Polyline, s, length float64) []int32 {
	g.query++
	g.cand = g.cand[:0]
	last := [2]int32{math.MaxInt32, math.MaxInt32}
	for d := 0.0; ; d += obstacleCell / 2 {
		if d > length {
			d = length
		}
		c := cellOf(path.At(s + d))
		if c != last {
			last = c
			for dy := int32(-1); dy <= 1; dy++ {
				for dx := int32(-1); dx <= 1; dx++ {
					for _, i := range g.cells[[2]int32{c[0] + dx, c[1] + dy}] {
						if g.stamp[i] != g.query {
							g.stamp[i] = g.query
							g.cand = append(g.cand, i)
						}
					}
				}
			}
		}
		if d >= length {
			break
		}
	}
	return g.cand
}

// leader returns the bumper-to-bumper gap to the nearest obstacle or red light ahead on a's path and the
// leader's speed along the path; +Inf when the road is free up to the end of the path, which acts as a
// stopped leader as in nuPlan.
func (r *reactiveAgents) leader(a *idmAgent, self int, t float64, obs []obstacle) (gap, leadV float64, vehicle bool) {
	front := a.s + a.length/2
	gap, leadV = a.path.Length()-front, 0
	if gap > agentLookahead {
		gap = math.Inf(1)
	}
	fwd := a.pose.Forward()
	cand := r.grid.near(&a.path, a.s, agentLookahead+a.length)
	for _, k := range cand {
		o := &obs[k]
		if o.own == self {
			continue
		}
		d := o.box.Center.Pos().Sub(a.pose.Pos())
		if d.Dot(fwd) <= -a.length {
			continue
		}
		so, lat, _ := a.path.ProjectRange(o.box.Center.Pos(), a.s-a.length, a.s+agentLookahead+2*a.length)
		if so <= a.s {
			continue
		}
		ph := a.path.HeadingAt(so)
		dh := o.box.Center.Heading - ph
		c, s := math.Abs(math.Cos(dh)), math.Abs(math.Sin(dh))
		halfAcross := o.box.Length/2*s + o.box.Width/2*c
		if math.Abs(lat) > a.width/2+halfAcross {
			continue
		}
		halfAlong := o.box.Length/2*c + o.box.Width/2*s
		g := so - halfAlong - front
		if g < gap {
			gap = g
			leadV = o.vel.Dot(geom.Unit(ph))
			vehicle = true
		}
	}
	// Vehicles already inside a junction whose path crosses the agent's: yield to them (not nuPlan's agents).
	if g, v, ok := r.junctionLeader(a, self, front, obs, cand); ok && g < gap {
		gap, leadV, vehicle = g, v, false
	}
	// Red lights: the start of a red-light connector on the path is a stopped obstacle.
	start := 0.0
	for k, l := range a.lanes {
		if start-front > agentLookahead {
			break
		}
		st, ok := r.mx.LightState(l, t)
		// Yellow: stop when that takes no more than the comfortable deceleration (the generated logs' drivers
		// do, and a turning ego takes its gap then).
		yellowStop := ok && st == scenarios.Yellow && a.v*a.v <= 2*a.params.DecelMax*math.Max(start-front, 0.01)
		if ok && (st == scenarios.Red || yellowStop) && start > front-0.5 && k > 0 {
			if g := start - front; g < gap {
				gap, leadV, vehicle = g, 0, false
			}
			break
		}
		start = a.laneEnd[k]
	}
	return gap, leadV, vehicle
}

// box returns agent a's box.
func (a *idmAgent) box() geom.Box { return geom.Box{Center: a.pose, Length: a.length, Width: a.width} }

// object returns agent a as an observed object.
func (a *idmAgent) object(sc *scenarios.Scenario) scenarios.Object {
	t := &sc.Tracks[a.track]
	return scenarios.Object{
		ID:    t.ID,
		Track: a.track,
		Type:  t.Type,
		Box:   a.box(),
		Vel:   geom.Unit(a.pose.Heading).Scale(a.v),
	}
}
