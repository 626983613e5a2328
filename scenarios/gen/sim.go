package gen

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

const (
	dt        = scenarios.DefaultDT
	logFrames = 231 // 15 s of horizon + 8 s of future, at 10 Hz, both ends included
)

// occRef says which map lane a path span runs along and how its stations map: lane station
// u = u0 + k*(s - span.s0).
type occRef struct {
	lane  int
	u0, k float64
}

// span is a piece of a vehicle's path: it follows curve c (from curve station cu0 at path station s0) and
// occupies one lane, or two during a lane change.
type span struct {
	c      []sample
	s0, s1 float64
	cu0    float64
	occ    [2]occRef
	nocc   int
}

func (sp *span) laneStation(o int, s float64) float64 {
	r := sp.occ[o]
	return r.u0 + r.k*(s-sp.s0)
}

func (sp *span) pathStation(o int, u float64) float64 {
	r := sp.occ[o]
	return sp.s0 + (u-r.u0)/r.k
}

// Path features, in path stations.
type pstop struct {
	s    float64 // the stop line (end of the incoming lane)
	lane int
	conn int
	kind scenarios.StopLineKind
}

type pcw struct {
	a, b float64
	cw   int
	p    geom.Vec2
}

type pzone struct {
	a, b float64
	conn int
	z    zone
}

type pbranch struct {
	s0   float64 // path station where the lane of the branch point starts
	lane int     // sibling connector or merging predecessor
}

// path is a vehicle's route through the lanes, as spans in path stations.
type path struct {
	spans  []span
	end    float64
	stops  []pstop
	cws    []pcw
	zones  []pzone
	sibs   []pbranch
	merges []pbranch
	chint  int // sample cursor on the current span's curve
}

func (p *path) spanIndex(s float64, hint int) int {
	i := hint
	if i < 0 || i >= len(p.spans) {
		i = 0
	}
	for i > 0 && p.spans[i].s0 > s {
		i--
	}
	for i < len(p.spans)-1 && p.spans[i].s1 <= s {
		i++
	}
	return i
}

// at returns the path's pose (and curvature) at station s.
func (p *path) at(s float64, hint *int) sample {
	i := p.spanIndex(s, *hint)
	if i != *hint {
		p.chint = -1
	}
	*hint = i
	sp := &p.spans[i]
	q := curveAt(sp.c, sp.cu0+(s-sp.s0), &p.chint)
	q.S = s
	return q
}

// vehicle is a simulated vehicle (the ego included). Its path point is the rear axle for the ego and the
// box centre for the others; front and rear are the distances from it to the bumpers.
type vehicle struct {
	idx           int
	name          string
	typ           scenarios.ObjectType
	length, width float64
	front, rear   float64
	ego           bool

	p          idm.Params
	vdes       float64 // desired speed as a fraction of the speed limit
	vcapAbs    float64 // absolute desired-speed cap (bicycles, long vehicles), 0 for none
	jerk       float64
	aMin, aMax float64
	bAntic     float64 // deceleration used to anticipate curves and lower limits
	latMax     float64 // lateral acceleration accepted in curves
	yieldDecel float64 // deceleration accepted to stop for a yellow light or a pedestrian

	path    path
	s, v, a float64
	hint    int
	alive   bool
	first   int // first logged frame
	states  []scenarios.AgentState
	lat     float64 // lateral offset from the path (bicycles ride at the lane's edge), left positive
	spawned bool
	fixed   bool      // a stopped object in the lane (a parked car, cones): never moves
	nudge   nudgePlan // shift to pass an obstacle at the lane's edge

	// scripted behaviour
	stopAt     float64 // the front stops at this path station from tick stopFrom on (+Inf: never)
	stopFrom   int
	stopTill   int
	brakeDecel float64 // when > 0, at tick stopFrom stopAt is set where braking at this rate from the current speed ends
	pullIn     float64 // lateral offset to pull over to (out of the lane) before stopping at pullAt
	pullAt     float64
	sched      []speedStep // desired speed changes over time (absolute m/s)

	// lane change plan
	lcFrom, lcTo int // tick window in which a lane change is tried
	lcDir        int // -1 left, +1 right, 0 none
	lcDur        float64
	lcDone       bool
	lcStart      int     // tick the change started (-1)
	lcGapB       float64 // cut-ins: accepted time gap to the new follower (s), 0 for the default
	lcMove       int     // movement taken at the next intersection after the change (moveNone: the old path's)
	lcBrake      float64 // cut-ins: braking of the new follower accepted (m/s^2), 0 for the default 1.2

	// intersection state
	yellowStop int // index of the stop decided for a yellow light (+1), sign of the decision
	signArrive int // tick of arrival at a stop sign, -1
	signDone   int // number of path stops released
	stopIntent bool
	desCache   float64
	aReq       float64
	yieldCW    int // crosswalk (+1) the vehicle has started to yield at
	relConn    int // connector a stop sign released the vehicle onto (-1 once on it)
	relTick    int
}

type speedStep struct {
	tick int
	v    float64
}

// ped is a pedestrian walking along a polyline (usually across a crosswalk), starting at tick start (or when
// the ego comes close, when egoDist > 0) once every approaching vehicle can stop for it.
type ped struct {
	name    string
	pl      geom.Polyline
	cw      int
	speed   float64
	u, v    float64
	start   int
	egoDist float64
	walking bool
	// cautious pedestrians show their intent at the kerb (vehicles yield to them) and step out only once the
	// approaching vehicles have slowed down.
	cautious   bool
	intent     bool
	intentTick int
	first      int
	states     []scenarios.AgentState
	done       bool
}

// static is an object that never moves (cones, barriers, parked cars).
type static struct {
	name          string
	typ           scenarios.ObjectType
	pose          geom.Pose
	length, width float64
}

type occEntry struct {
	v *vehicle
	u float64
}

// flow spawns vehicles at the start of an entry lane: on average one every mean seconds, at least minGap
// seconds apart.
type flow struct {
	lane      int
	mean, min float64
	next      int // tick of the next spawn
	speed     float64
	truckP    float64
}

// world is the microsimulation: network, vehicles, pedestrians, statics and the clock.
type world struct {
	net     *network
	g       *rng
	tick0   int
	vehs    []*vehicle
	peds    []*ped
	statics []static
	flows   []flow
	ego     *vehicle
	occ     [][]occEntry
	expert  []scenarios.EgoState
	nameSeq int
	// move weights for random agent routes: straight, left, right
	wStraight, wLeft, wRight float64
	egoEvents                []egoEvent
	info                     []frameInfo // per logged frame, about the ego
}

// frameInfo is what the recipes' checks need to know about the ego at one logged frame.
type frameInfo struct {
	s    float64  // path station
	lane int      // lane (the origin lane during a lane change)
	lead *vehicle // nearest vehicle ahead on the ego's lanes within 100 m
	gap  float64
}

type egoEvent struct {
	tick int
	kind string
}

func newWorld(net *network, g *rng, warmup float64) *world {
	w := &world{net: net, g: g, tick0: -int(math.Round(warmup / dt)), wStraight: 0.6, wLeft: 0.2, wRight: 0.2}
	w.occ = make([][]occEntry, len(net.lanes))
	return w
}

// buildPath makes a path along the lanes given, starting at station 0 of the first.
func (w *world) buildPath(lanes []int) path {
	var p path
	s := 0.0
	for _, li := range lanes {
		l := w.net.lanes[li]
		ln := l.length()
		p.spans = append(p.spans, span{c: l.c, s0: s, s1: s + ln, occ: [2]occRef{{lane: li, k: 1}}, nocc: 1})
		s += ln
	}
	p.end = s
	w.features(&p)
	return p
}

// features collects the stop lines, crosswalks, conflict zones and branch points along p.
func (w *world) features(p *path) {
	p.stops, p.cws, p.zones, p.sibs, p.merges = p.stops[:0], p.cws[:0], p.zones[:0], p.sibs[:0], p.merges[:0]
	for k := range p.spans {
		sp := &p.spans[k]
		for o := 0; o < sp.nocc; o++ {
			l := w.net.lanes[sp.occ[o].lane]
			for _, c := range l.cws {
				if o == 1 && sp.nocc == 2 {
					continue
				}
				p.cws = append(p.cws, pcw{a: sp.pathStation(o, c.a), b: sp.pathStation(o, c.b), cw: c.cw, p: c.p})
			}
		}
		if sp.nocc != 1 {
			continue
		}
		li := sp.occ[0].lane
		l := w.net.lanes[li]
		if l.stop != "" && k+1 < len(p.spans) && p.spans[k+1].nocc == 1 {
			if nc := p.spans[k+1].occ[0].lane; w.net.lanes[nc].conn {
				p.stops = append(p.stops, pstop{s: sp.pathStation(0, l.length()), lane: li, conn: nc, kind: l.stop})
			}
		}
		if l.conn {
			for _, z := range l.zones {
				p.zones = append(p.zones, pzone{a: sp.pathStation(0, z.a), b: sp.pathStation(0, z.b), conn: li, z: z})
			}
			for _, sb := range l.sibl {
				p.sibs = append(p.sibs, pbranch{s0: sp.pathStation(0, 0), lane: sb})
			}
		}
		for _, pr := range l.pred {
			if k > 0 && p.spans[k-1].occ[0].lane == pr {
				continue
			}
			if k == 0 {
				continue
			}
			p.merges = append(p.merges, pbranch{s0: sp.pathStation(0, 0), lane: pr})
		}
	}
}

// randomRoute follows successors from lane li to the edge of the network, choosing turns at random.
func (w *world) randomRoute(li int) []int {
	out := []int{li}
	for n := 0; n < 60; n++ {
		succ := w.net.lanes[out[len(out)-1]].succ
		if len(succ) == 0 {
			break
		}
		next := succ[0]
		if len(succ) > 1 {
			tot := 0.0
			wt := make([]float64, len(succ))
			for i, s := range succ {
				switch w.net.lanes[s].move {
				case moveLeft:
					wt[i] = w.wLeft
				case moveRight:
					wt[i] = w.wRight
				default:
					wt[i] = w.wStraight
				}
				tot += wt[i]
			}
			x := w.g.Float64() * tot
			for i, s := range succ {
				next = s
				if x < wt[i] {
					break
				}
				x -= wt[i]
			}
		}
		out = append(out, next)
	}
	return out
}

// routeThrough returns lanes from li following successors, choosing at forks the connector with the given
// movement (or the first), to the edge of the network.
func (w *world) routeThrough(li int, move int) []int {
	out := []int{li}
	for n := 0; n < 60; n++ {
		succ := w.net.lanes[out[len(out)-1]].succ
		if len(succ) == 0 {
			break
		}
		next := succ[0]
		for _, s := range succ {
			if w.net.lanes[s].move == move {
				next = s
				break
			}
		}
		out = append(out, next)
	}
	return out
}

// newVehicle makes an agent vehicle of the given type and size with nuPlan-like IDM parameters.
func (w *world) newVehicle(typ scenarios.ObjectType, length, width float64) *vehicle {
	v := &vehicle{idx: len(w.vehs), typ: typ, length: length, width: width, front: length / 2, rear: length / 2,
		jerk: 8, aMin: -6, aMax: 2.5, bAntic: 1.5, latMax: 2.5, yieldDecel: 3,
		stopAt: math.Inf(1), signArrive: -1, yellowStop: 0, lcStart: -1, relConn: -1, alive: true}
	v.p = idm.Params{MinGap: 1.5 + w.g.Float64(), Headway: w.g.Range(1.1, 1.8), AccelMax: w.g.Range(0.9, 1.5), DecelMax: 2.0}
	v.vdes = w.g.Range(0.88, 1.03)
	if length > 7 {
		v.p.AccelMax = w.g.Range(0.6, 0.9)
		v.p.Headway = w.g.Range(1.6, 2.2)
		v.vdes = w.g.Range(0.8, 0.95)
	}
	if typ == scenarios.Bicycle {
		v.p.AccelMax = 0.8
		v.vcapAbs = w.g.Range(4, 6.5)
	}
	w.nameSeq++
	switch typ {
	case scenarios.Bicycle:
		v.name = "bike_" + itoa3(w.nameSeq)
	default:
		v.name = "veh_" + itoa3(w.nameSeq)
	}
	return v
}

// newEgo makes the ego: the Pacifica, rear-axle referenced, assertive but comfortable.
func (w *world) newEgo() *vehicle {
	v := &vehicle{idx: len(w.vehs), typ: scenarios.Vehicle, length: egoLength, width: egoWidth, front: egoFront, rear: egoRear,
		ego: true, jerk: 3.2, aMin: -3.9, aMax: 2.2, bAntic: 1.0, latMax: 2.6, yieldDecel: 2.2,
		stopAt: math.Inf(1), signArrive: -1, lcStart: -1, relConn: -1, alive: true, name: "ego"}
	// A human driver: 1.5-2.1 m/s^2 when pulling away, 1.2-1.5 s headway.
	v.p = idm.Params{MinGap: 2.5, Headway: w.g.Range(1.2, 1.5), AccelMax: w.g.Range(1.5, 2.1), DecelMax: 2.2}
	v.vdes = w.g.Range(0.9, 0.97)
	return v
}

func (w *world) add(v *vehicle, lanes []int, s, speed float64) *vehicle {
	v.idx = len(w.vehs)
	v.path = w.buildPath(lanes)
	v.s, v.v = s, speed
	w.vehs = append(w.vehs, v)
	return v
}

// laneOccupied reports whether [s-back, s+ahead] on lane li is free of vehicles (their bodies plus margin).
func (w *world) laneFree(li int, s0, s1 float64) bool {
	for _, v := range w.vehs {
		if !v.alive {
			continue
		}
		i := v.path.spanIndex(v.s, v.hint)
		sp := &v.path.spans[i]
		for o := 0; o < sp.nocc; o++ {
			if sp.occ[o].lane != li {
				continue
			}
			u := sp.laneStation(o, v.s)
			if u+v.front > s0 && u-v.rear < s1 {
				return false
			}
		}
	}
	return true
}

// limitOf returns the speed limit of the lane under span sp.
func (w *world) limitOf(sp *span) float64 {
	l := w.net.lanes[sp.occ[0].lane].limit
	if sp.nocc == 2 {
		l = math.Min(l, w.net.lanes[sp.occ[1].lane].limit)
	}
	return l
}

// desired returns the vehicle's desired speed now: its share of the speed limit, lowered ahead of curves and
// lower limits so that it can slow down at bAntic.
func (w *world) desired(v *vehicle, tick int) (des, aReq float64) {
	des = math.Inf(1)
	// need notes the deceleration that brings the speed down to vt in d metres.
	need := func(vt, d float64) {
		if v.v > vt {
			if a := (vt*vt - v.v*v.v) / (2 * math.Max(d, 1)); a < aReq {
				aReq = a
			}
		}
	}
	horizon := v.v*v.v/(2*v.bAntic) + 25
	for k := v.hint; k < len(v.path.spans); k++ {
		sp := &v.path.spans[k]
		d0 := sp.s0 - v.s
		if d0 > horizon {
			break
		}
		lim := w.limitOf(sp) * v.vdes
		if v.vcapAbs > 0 {
			lim = math.Min(lim, v.vcapAbs)
		}
		des = math.Min(des, math.Sqrt(lim*lim+2*v.bAntic*math.Max(d0, 0)))
		if d0 > 0 {
			need(w.limitOf(sp), d0) // a lower speed limit ahead
		}
		maxK := w.net.lanes[sp.occ[0].lane].maxK
		if sp.nocc == 2 || maxK*lim*lim > v.latMax*0.9 {
			from := math.Max(sp.s0, v.s)
			to := math.Min(sp.s1, v.s+horizon)
			h := -1
			i := guess(sp.c, sp.cu0+(from-sp.s0), &h)
			for ; i < len(sp.c); i += 2 {
				q := &sp.c[i]
				s := sp.s0 + q.S - sp.cu0
				if s > to {
					break
				}
				ak := math.Abs(q.K)
				if ak < 1e-4 {
					continue
				}
				vk := math.Min(math.Sqrt(v.latMax/ak), 0.55/ak)
				des = math.Min(des, math.Sqrt(vk*vk+2*v.bAntic*math.Max(s-v.s, 0)))
				need(vk, s-v.s)
			}
		}
	}
	if v.sched != nil {
		for i := len(v.sched) - 1; i >= 0; i-- {
			if tick >= v.sched[i].tick {
				des = math.Min(des, v.sched[i].v)
				break
			}
		}
	}
	return des, aReq
}

// arrival returns the time to cover d metres from speed v accelerating at a up to vmax.
func arrival(d, v, a, vmax float64) float64 {
	if d <= 0 {
		return 0
	}
	if v >= vmax {
		return d / vmax
	}
	ta := (vmax - v) / a
	da := v*ta + 0.5*a*ta*ta
	if da >= d {
		return (-v + math.Sqrt(v*v+2*a*d)) / a
	}
	return ta + (d-da)/vmax
}

// control returns the vehicle's acceleration at tick: IDM towards its desired speed, the smallest of the
// accelerations towards every obstacle on its path (leaders, merging and diverging vehicles, red lights,
// stop signs, occupied or priority conflict zones, pedestrians, scripted stops), then the actuator limits.
func (w *world) control(v *vehicle, tick int) float64 {
	if v.fixed {
		return 0
	}
	t := float64(tick) * dt
	w.planNudge(v)
	sf := v.s + v.front
	look := 35 + v.v*4
	p := v.p
	if v.ego || tick%3 == v.idx%3 || v.desCache == 0 {
		d, ar := w.desired(v, tick)
		v.desCache, v.aReq = math.Max(d, 0.01), ar
	}
	p.TargetSpeed = v.desCache
	free := p.Accel(v.v, math.Inf(1), 0)
	acc := free
	if v.aReq < 0 {
		acc = math.Min(acc, 1.15*v.aReq)
	}
	// obstacle applies IDM's interaction term for a leader gap metres ahead at speed lv (the same formula as
	// idm.Params.Accel, with the free-road term computed once).
	sq := 2 * math.Sqrt(p.AccelMax*p.DecelMax)
	obstacle := func(gap, lv float64) {
		gap = math.Max(gap, 0.01)
		ss := p.MinGap + math.Max(0, v.v*p.Headway+v.v*(v.v-lv)/sq)
		if a := free - p.AccelMax*(ss/gap)*(ss/gap); a < acc {
			acc = a
		}
	}
	// stopAt makes the front stop about 0.5 m before station x; false when that would take more than maxDec.
	stopAt := func(x, maxDec float64) bool {
		g := x - 0.5 - sf
		if g < 0.5 && v.v > 2 || (g > 0 && v.v*v.v/(2*g) > maxDec) {
			return false
		}
		obstacle(g+p.MinGap, 0)
		return true
	}
	sps := v.path.spans
	// Leaders on the lanes of the path.
	for k := v.hint; k < len(sps); k++ {
		sp := &sps[k]
		if sp.s0 > sf+look {
			break
		}
		for o := 0; o < sp.nocc; o++ {
			ref := sp.occ[o]
			for _, e := range w.occ[ref.lane] {
				if e.v == v {
					continue
				}
				sj := sp.s0 + (e.u-ref.u0)/ref.k
				if sj < sp.s0-0.5 || sj > sp.s1+0.5 || sj <= v.s {
					continue
				}
				g := sj - e.v.rear - sf
				if g >= look {
					continue
				}
				if sp.nocc == 1 && isBlocker(e.v) && !v.fixed && v.typ != scenarios.Bicycle {
					need := passNeed(v, e.v)
					if need <= 0 {
						continue // clear of it in the lane
					}
					if v.nudge.on && v.nudge.hold(sj-e.v.rear-v.front) >= need-0.02 {
						// Passing it: not a leader, but pass at a moderate speed.
						if vc := math.Max(e.v.v+3.5, 7.5); v.v > vc {
							acc = math.Min(acc, 1.15*(vc*vc-v.v*v.v)/(2*math.Max(g, 2)))
						}
						continue
					}
					if e.v.v < 0.5 && need <= w.nudgeMax(v, ref.lane) {
						obstacle(g-nudgeWait, 0) // wait where it can pull out from
						continue
					}
				}
				obstacle(g, e.v.v)
			}
		}
	}
	for _, m := range v.path.merges {
		if m.s0 > sf+look || m.s0 < v.s-30 {
			continue
		}
		ln := w.net.lanes[m.lane].length()
		for _, e := range w.occ[m.lane] {
			if e.v == v {
				continue
			}
			sj := m.s0 - (ln - e.u)
			if sj <= v.s || sj < m.s0-25 {
				continue
			}
			obstacle(sj-e.v.rear-sf, e.v.v)
		}
	}
	for _, b := range v.path.sibs {
		if b.s0 > sf+look || b.s0 < v.s-20 {
			continue
		}
		for _, e := range w.occ[b.lane] {
			if e.u > 15 || e.v == v {
				continue
			}
			sj := b.s0 + e.u
			if sj <= v.s {
				continue
			}
			obstacle(sj-e.v.rear-sf, 0)
		}
	}
	if v.ego {
		w.anticipateCutIns(v, tick, obstacle, &acc)
	}
	// Stop lines.
	v.stopIntent = false
	for i := v.signDone; i < len(v.path.stops); i++ {
		st := &v.path.stops[i]
		if st.s < sf-1.0 {
			if st.kind == scenarios.StopSign && v.signDone <= i {
				v.signDone = i + 1
				v.signArrive = -1
			}
			continue
		}
		if st.s > sf+look+20 {
			break
		}
		switch st.kind {
		case scenarios.StopTrafficLight:
			cl := w.net.lanes[st.conn]
			lt := w.net.lights[cl.light]
			state := w.net.inters[lt.inter].plan.state(lt.group, tick)
			switch state {
			case scenarios.Red:
				if stopAt(st.s, 6) {
					v.stopIntent = true
				}
			case scenarios.Yellow:
				if v.yellowStop == 0 {
					g := st.s - 0.5 - sf
					if g > 0 && v.v*v.v/(2*g) < v.yieldDecel {
						v.yellowStop = 1
					} else {
						v.yellowStop = -1
					}
				}
				if v.yellowStop > 0 && stopAt(st.s, 6) {
					v.stopIntent = true
				}
			default:
				v.yellowStop = 0
			}
		case scenarios.StopSign:
			g := st.s - 0.5 - sf
			if v.signArrive < 0 && g < 1.5 && v.v < 0.2 {
				v.signArrive = tick
			}
			if v.signArrive >= 0 && tick-v.signArrive >= 12 && w.signClear(v, st) {
				v.signDone = i + 1
				v.signArrive = -1
				v.relConn, v.relTick = st.conn, tick
				continue
			}
			stopAt(st.s, 8)
			v.stopIntent = true
		}
		break
	}
	// Conflict zones inside intersections.
	for i := range v.path.zones {
		z := &v.path.zones[i]
		if z.a < sf-0.5 || z.a > sf+look {
			continue
		}
		if occ, yield := w.zoneBlocked(v, z, t); occ {
			if stopAt(z.a, 4.5) {
				v.stopIntent = true
			}
		} else if yield {
			if stopAt(z.a, 2.5) { // when it can't stop comfortably any more, it has committed
				v.stopIntent = true
			}
		}
	}
	// Pedestrians on crosswalks.
	for i := range v.path.cws {
		c := &v.path.cws[i]
		if c.b+v.rear < v.s || c.a > sf+look {
			continue
		}
		if sf > c.a-0.5 {
			continue // committed
		}
		tClear := (c.b + v.rear - v.s) / math.Max(v.v, 0.5)
		for _, pd := range w.peds {
			if pd.cw != c.cw || !(pd.walking || pd.intent) || pd.done {
				continue
			}
			if pedConflict(pd, c.p, tClear) {
				dec := v.yieldDecel * 1.8
				if !pd.walking && v.yieldCW != c.cw+1 {
					dec = v.yieldDecel
				}
				if stopAt(c.a-0.5, dec) {
					v.yieldCW = c.cw + 1
					v.stopIntent = true
				}
				break
			}
		}
	}
	// Scripted stop.
	if v.pullIn != 0 {
		v.stopAt, v.stopFrom, v.stopTill = v.pullAt, w.tick0, 1<<30
	}
	if tick == v.stopFrom && v.brakeDecel > 0 {
		v.stopAt = sf + v.v*v.v/(2*v.brakeDecel)
	}
	if tick >= v.stopFrom && tick < v.stopTill && v.stopAt < sf+look+50 {
		obstacle(v.stopAt-sf+p.MinGap, 0)
	}
	// End of the path: only agents leave the map there.
	if v.ego {
		if g := v.path.end - sf; g < look {
			obstacle(g, 0)
		}
	}
	// Actuator limits.
	a := math.Max(v.aMin, math.Min(v.aMax, acc))
	if v.ego && a < 0 {
		// Stop smoothly: a deceleration the jerk limit can still bring to zero before the speed is.
		a = math.Max(a, -math.Sqrt(2*0.8*v.jerk*v.v)-0.05)
	}
	da := v.jerk * dt
	if a < -3 {
		da = 1.0 // emergency: brake now (the generator's checks reject such a draw)
	}
	a = math.Max(v.a-da, math.Min(v.a+da, a))
	if v.v+a*dt < 0 {
		a = -v.v / dt
	}
	return a
}

// pedConflict reports whether pedestrian pd is in, or will enter before tClear+1.5 s, the corridor of a
// vehicle crossing its walk at point x.
func pedConflict(pd *ped, x geom.Vec2, tClear float64) bool {
	uc, _ := pd.pl.Project(x)
	const h = 2.6
	if pd.u > uc+h {
		return false // already past the corridor
	}
	if !pd.walking {
		return true // waiting at the kerb to cross
	}
	tin := (uc - h - pd.u) / pd.speed
	return tin < tClear+1.5
}

// zoneBlocked reports whether v must wait before conflict zone z: another vehicle is in the zone, or (for a
// yielding movement) will reach it before v has cleared it.
func (w *world) zoneBlocked(v *vehicle, z *pzone, t float64) (occupied, yield bool) {
	oth := w.net.lanes[z.z.other]
	for _, e := range w.occ[z.z.other] {
		if e.u-e.v.rear < z.z.ob && (e.u+e.v.front > z.z.oa || e.u+e.v.front > z.z.oa-4 && e.v.v > 2) {
			return true, false // in the zone, or about to enter it at speed
		}
	}
	if !z.z.yield {
		return false, false
	}
	tMine := arrival(z.b+v.rear-v.s, v.v, 1.5, 8)
	check := func(e occEntry, d float64) bool {
		if e.v.stopIntent || d < -2 {
			return false
		}
		tj := arrival(d, e.v.v, 1.0, math.Max(e.v.v, 10))
		return tj < tMine+1.2
	}
	for _, e := range w.occ[z.z.other] {
		if e.u+e.v.front < z.z.oa && check(e, z.z.oa-e.u-e.v.front) {
			return false, true
		}
	}
	for _, pr := range oth.pred {
		ln := w.net.lanes[pr].length()
		for _, e := range w.occ[pr] {
			d := ln - e.u + z.z.oa - e.v.front
			if d > 120 || !goesInto(e.v, z.z.other) {
				continue
			}
			if check(e, d) {
				return false, true
			}
		}
	}
	return false, false
}

// goesInto reports whether v's path (ahead of it) uses lane li.
func goesInto(v *vehicle, li int) bool {
	for k := v.hint; k < len(v.path.spans) && k < v.hint+4; k++ {
		if v.path.spans[k].occ[0].lane == li {
			return true
		}
	}
	return false
}

// signClear reports whether v, stopped at stop sign st, may go: no vehicle is on a connector that conflicts
// with v's, and no vehicle that arrived earlier waits for one that does.
func (w *world) signClear(v *vehicle, st *pstop) bool {
	mine := w.net.lanes[st.conn]
	for _, o := range w.vehs {
		if o == v || !o.alive {
			continue
		}
		sp := &o.path.spans[o.hint]
		ol := w.net.lanes[sp.occ[0].lane]
		if ol.conn && ol.inter == mine.inter && w.conflicting(st.conn, sp.occ[0].lane) {
			return false
		}
		if o.relConn >= 0 && !ol.conn && w.conflicting(st.conn, o.relConn) {
			return false // released just before v, not yet on its connector
		}
		if o.signArrive >= 0 && (o.signArrive < v.signArrive || o.signArrive == v.signArrive && o.idx < v.idx) {
			if o.signDone < len(o.path.stops) {
				oc := o.path.stops[o.signDone].conn
				if w.net.lanes[oc].inter == mine.inter && w.conflicting(st.conn, oc) {
					return false
				}
			}
		}
	}
	return true
}

// conflicting reports whether connectors a and b cross or merge.
func (w *world) conflicting(a, b int) bool {
	if a == b {
		return false
	}
	la, lb := w.net.lanes[a], w.net.lanes[b]
	if la.succ[0] == lb.succ[0] {
		return true
	}
	for _, z := range la.zones {
		if z.other == b {
			return true
		}
	}
	return false
}

// tryLaneChange starts a lane change of v towards dir (-1 left, +1 right) when the target lane has a gap; it
// reports whether it started.
func (w *world) tryLaneChange(v *vehicle, tick int) bool {
	k := v.path.spanIndex(v.s, v.hint)
	sp := &v.path.spans[k]
	if sp.nocc != 1 {
		return false
	}
	cur := w.net.lanes[sp.occ[0].lane]
	if cur.conn {
		return false
	}
	tgt := cur.leftN
	if v.lcDir > 0 {
		tgt = cur.rightN
	}
	if tgt < 0 {
		return false
	}
	dur := v.lcDur
	length := math.Max(v.v*dur, 18)
	// The road must go on (same road, no connector) for the whole manoeuvre.
	avail := 0.0
	for j := k; j < len(v.path.spans); j++ {
		l := w.net.lanes[v.path.spans[j].occ[0].lane]
		if l.conn || v.path.spans[j].nocc != 1 {
			break
		}
		avail = v.path.spans[j].s1 - v.s
	}
	if avail < length+12 {
		return false
	}
	// Gap acceptance on the target lane (and the lanes before and after it).
	u := sp.laneStation(0, v.s)
	frac := curveFrac(cur.c, u, nil)
	tl := w.net.lanes[tgt]
	ut := stationAtFrac(tl.c, frac)
	gapF, gapB := math.Inf(1), math.Inf(1)
	var lead, foll *vehicle
	consider := func(e occEntry, offset float64) {
		if e.v == v {
			return
		}
		d := e.u + offset - ut
		if d >= 0 {
			if g := d - e.v.rear - v.front; g < gapF {
				gapF, lead = g, e.v
			}
		} else if g := -d - e.v.front - v.rear; g < gapB {
			gapB, foll = g, e.v
		}
	}
	for _, e := range w.occ[tgt] {
		consider(e, 0)
	}
	for _, s := range tl.succ {
		for _, e := range w.occ[s] {
			consider(e, tl.length())
		}
	}
	for _, pr := range tl.pred {
		for _, e := range w.occ[pr] {
			consider(e, -w.net.lanes[pr].length())
		}
	}
	needF := math.Max(6, 0.5*v.v)
	if lead != nil {
		needF += math.Max(0, v.v-lead.v) * 2.5
	}
	if gapF < needF {
		return false
	}
	if foll != nil {
		needB := math.Max(6, 0.6*foll.v) + math.Max(0, foll.v-v.v)*3
		brake := 1.2
		if v.lcGapB > 0 {
			// A cut-in: a short gap that the new follower can still take comfortably.
			needB = math.Max(5, v.lcGapB*foll.v) + math.Max(0, foll.v-v.v)*2
			brake = v.lcBrake
		}
		fp := foll.p
		fp.TargetSpeed = math.Max(foll.desCache, 1)
		if gapB < needB || fp.Accel(foll.v, gapB, v.v) < -brake {
			return false
		}
	}
	w.startLaneChange(v, k, tgt, length)
	v.lcStart = tick
	return true
}

// indicatorLead is how long (ticks) a driver signals before the window in which it looks for a gap to
// change lanes.
const indicatorLead = 12

// indicator returns the turn signal v shows at tick: on from indicatorLead ticks before its lane-change
// window while it waits for a gap, and through the change (lcDir < 0 is a change to the left).
func (v *vehicle) indicator(tick int) scenarios.Indicator {
	if v.lcDir == 0 {
		return scenarios.IndicatorOff
	}
	waiting := !v.lcDone && tick >= v.lcFrom-indicatorLead && tick <= v.lcTo
	changing := v.lcStart >= 0 && tick <= v.lcStart+int(math.Ceil(v.lcDur/dt))
	if !waiting && !changing {
		return scenarios.IndicatorOff
	}
	if v.lcDir < 0 {
		return scenarios.IndicatorLeft
	}
	return scenarios.IndicatorRight
}

// startLaneChange rebuilds v's path: from its station a quintic lateral blend over length metres onto the
// neighbour lane tgt, then that lane and its successors.
func (w *world) startLaneChange(v *vehicle, k, tgt int, length float64) {
	old := v.path
	sp := old.spans[k]
	cur := w.net.lanes[sp.occ[0].lane]
	off := cur.w
	if cur.leftN != tgt {
		off = -off
	}
	s0 := v.s
	n := int(math.Ceil(length/stepDS)) + 1
	syn := make([]sample, n)
	h := 0
	base := make([]float64, n) // path station of each synthetic sample's base point
	for i := 0; i < n; i++ {
		sig := math.Min(float64(i)*stepDS, length)
		b := old.at(s0+sig, &h)
		f, df := smoothstep5(sig / length)
		d := off * f
		dd := off * df / length
		nrm := b.normal()
		syn[i] = sample{X: b.X + nrm.X*d, Y: b.Y + nrm.Y*d, H: b.H + math.Atan2(dd, 1-b.K*d)}
		base[i] = s0 + sig
	}
	restation(syn)
	for i := range syn {
		i0, i1 := max(i-1, 0), min(i+1, n-1)
		syn[i].K = (syn[i1].H - syn[i0].H) / (syn[i1].S - syn[i0].S)
	}
	synLen := syn[n-1].S
	// Spans: the old ones up to s0, then one synthetic span per lane piece of the old path, then the target
	// lanes.
	var spans []span
	for j := 0; j < k; j++ {
		spans = append(spans, old.spans[j])
	}
	head := sp
	head.s1 = s0
	if head.s1 > head.s0+1e-6 {
		spans = append(spans, head)
	}
	// Map old-path station -> synthetic station by linear interpolation of base vs syn.S.
	synAt := func(s float64) float64 {
		i := int((s - s0) / stepDS)
		if i >= n-1 {
			return synLen
		}
		if i < 0 {
			return 0
		}
		f := (s - base[i]) / (base[i+1] - base[i])
		return syn[i].S + f*(syn[i+1].S-syn[i].S)
	}
	pathS := s0
	var lastTgt int
	var lastTgtU float64
	for j := k; j < len(old.spans); j++ {
		o := old.spans[j]
		a, b := math.Max(o.s0, s0), math.Min(o.s1, s0+length)
		if b <= a+1e-9 {
			if o.s0 >= s0+length {
				break
			}
			continue
		}
		la := w.net.lanes[o.occ[0].lane]
		lt := la.leftN
		if off < 0 {
			lt = la.rightN
		}
		if lt < 0 {
			lt = tgt
		}
		tl := w.net.lanes[lt]
		ua, ub := o.laneStation(0, a), o.laneStation(0, b)
		ta := stationAtFrac(tl.c, curveFrac(la.c, ua, nil))
		tb := stationAtFrac(tl.c, curveFrac(la.c, ub, nil))
		sa, sb := synAt(a), synAt(b)
		ps0, ps1 := s0+sa, s0+sb
		if ps1 <= ps0+1e-9 {
			continue
		}
		ns := span{c: syn, s0: ps0, s1: ps1, cu0: sa, nocc: 2}
		ns.occ[0] = occRef{lane: o.occ[0].lane, u0: ua, k: (ub - ua) / (ps1 - ps0)}
		ns.occ[1] = occRef{lane: lt, u0: ta, k: (tb - ta) / (ps1 - ps0)}
		spans = append(spans, ns)
		pathS = ps1
		lastTgt, lastTgtU = lt, tb
	}
	// Continue on the target lane and its successors, keeping the old path's movement at intersections.
	tl := w.net.lanes[lastTgt]
	spans = append(spans, span{c: tl.c, s0: pathS, s1: pathS + tl.length() - lastTgtU, cu0: lastTgtU,
		occ: [2]occRef{{lane: lastTgt, u0: lastTgtU, k: 1}}, nocc: 1})
	pathS = spans[len(spans)-1].s1
	wantMove := moveStraight
	for _, o := range old.spans[k:] {
		if l := w.net.lanes[o.occ[0].lane]; l.conn {
			wantMove = l.move
			break
		}
	}
	if v.lcMove != moveNone {
		wantMove = v.lcMove // a change made to reach the lane of a turn (or of the way straight on)
	}
	rest := w.routeThrough(lastTgt, wantMove)[1:]
	for _, li := range rest {
		l := w.net.lanes[li]
		spans = append(spans, span{c: l.c, s0: pathS, s1: pathS + l.length(), occ: [2]occRef{{lane: li, k: 1}}, nocc: 1})
		pathS += l.length()
	}
	v.path = path{spans: spans, end: pathS}
	w.features(&v.path)
	v.hint = v.path.spanIndex(v.s, 0)
	v.signDone = 0
	for v.signDone < len(v.path.stops) && v.path.stops[v.signDone].s < v.s+v.front-1 {
		v.signDone++
	}
}

// egoPose and agentState read a vehicle's pose.
func (w *world) pose(v *vehicle) sample {
	q := v.path.at(v.s, &v.hint)
	if v.nudge.on {
		d, d1, d2 := v.nudge.at(v.s)
		n := q.normal()
		q.X += n.X * d
		q.Y += n.Y * d
		dh, k, _ := offsetGeometry(q.K, d, d1, d2)
		q.H += dh
		q.K = k
		return q
	}
	if v.lat != 0 {
		n := q.normal()
		q.X += n.X * v.lat
		q.Y += n.Y * v.lat
	}
	return q
}

// pedestrians: start when due and safe, then walk.
func (w *world) stepPeds(tick int) {
	for _, pd := range w.peds {
		if pd.done {
			continue
		}
		if !pd.walking {
			due := tick >= pd.start
			if pd.egoDist > 0 {
				due = due && (pd.intent || w.egoNear(pd))
			}
			if due {
				// Show the intent at the kerb for a second, then step out once it is safe.
				if !pd.intent {
					pd.intent, pd.intentTick = true, tick
				}
				if tick-pd.intentTick >= 10 && w.pedSafe(pd) {
					pd.walking = true
				}
			}
		}
		if pd.walking {
			pd.v = pd.speed
			pd.u += pd.v * dt
			if pd.u >= pd.pl.Length() {
				pd.u = pd.pl.Length()
				pd.v = 0
				pd.done = true
			}
		}
	}
}

// egoNear reports whether the ego's front is within pd.egoDist of pd's crosswalk.
func (w *world) egoNear(pd *ped) bool {
	e := w.ego
	for _, c := range e.path.cws {
		if c.cw == pd.cw && c.a-(e.s+e.front) < pd.egoDist && c.a > e.s+e.front {
			return true
		}
	}
	return false
}

// pedSafe reports whether every vehicle approaching pd's crosswalk can stop comfortably before it (or is
// far), and none is on it in pd's way.
func (w *world) pedSafe(pd *ped) bool {
	for _, v := range w.vehs {
		if !v.alive {
			continue
		}
		for i := range v.path.cws {
			c := &v.path.cws[i]
			if c.cw != pd.cw || c.b+v.rear < v.s {
				continue
			}
			sf := v.s + v.front
			if sf >= c.a-0.5 {
				return false // on the crosswalk
			}
			g := c.a - 1.0 - sf
			if g > 60 && (!pd.cautious || g > 10*v.v) {
				continue
			}
			if l, lg := w.leader(v, g); l != nil && lg < g {
				continue // another vehicle is between it and the crosswalk
			}
			if v.v*v.v/(2*math.Max(g, 0.1)) > v.yieldDecel*0.8 && g/math.Max(v.v, 0.1) < 8 {
				return false
			}
			if pd.cautious && v.v > 1.2 {
				if uc, _ := pd.pl.Project(c.p); uc-pd.u < 7 {
					return false // the nearest lanes' vehicles must have stopped
				}
			}
		}
	}
	return true
}

// run simulates from the warm-up start to the last logged frame.
func (w *world) run() {
	for i := range w.flows {
		f := &w.flows[i]
		f.next = w.tick0 + int(w.g.Range(0, f.mean)/dt)
	}
	var acc []float64
	for tick := w.tick0; tick < logFrames; tick++ {
		// occupancy
		for i := range w.occ {
			w.occ[i] = w.occ[i][:0]
		}
		for _, v := range w.vehs {
			if !v.alive {
				continue
			}
			v.hint = v.path.spanIndex(v.s, v.hint)
			sp := &v.path.spans[v.hint]
			if v.relConn >= 0 && (sp.occ[0].lane == v.relConn || tick-v.relTick > 50) {
				v.relConn = -1
			}
			if math.Abs(v.lat) >= v.width/2+1.6 {
				continue // pulled over out of the lane
			}
			for o := 0; o < sp.nocc; o++ {
				w.occ[sp.occ[o].lane] = append(w.occ[sp.occ[o].lane], occEntry{v: v, u: sp.laneStation(o, v.s)})
			}
		}
		// record
		if tick >= 0 {
			w.record(tick)
		}
		// lane changes
		for _, v := range w.vehs {
			if v.alive && v.lcDir != 0 && !v.lcDone && tick >= v.lcFrom && tick <= v.lcTo {
				if w.tryLaneChange(v, tick) {
					v.lcDone = true
					if v.ego {
						w.egoEvents = append(w.egoEvents, egoEvent{tick, map[bool]string{true: "left", false: "right"}[v.lcDir < 0]})
					}
				}
			}
		}
		// control
		if cap(acc) < len(w.vehs) {
			acc = make([]float64, len(w.vehs), 2*len(w.vehs))
		}
		acc = acc[:len(w.vehs)]
		for i, v := range w.vehs {
			if v.alive {
				acc[i] = w.control(v, tick)
			}
		}
		w.stepPeds(tick)
		// integrate
		for i, v := range w.vehs {
			if !v.alive {
				continue
			}
			if v.fixed {
				continue
			}
			a := acc[i]
			v.a = a
			ds := v.v*dt + 0.5*a*dt*dt
			if v.nudge.on {
				// The speed is along the shifted path: advance the path station by less.
				q := v.path.at(v.s, &v.hint)
				d, d1, d2 := v.nudge.at(v.s)
				_, _, st := offsetGeometry(q.K, d, d1, d2)
				ds /= st
			}
			v.s += ds
			v.v = math.Max(0, v.v+a*dt)
			if v.nudge.on {
				v.lat, _, _ = v.nudge.at(v.s)
			}
			if v.pullIn != 0 {
				f, _ := smoothstep5((v.s - (v.pullAt - 22)) / 20)
				v.lat = v.pullIn * f
			}
			if !v.ego && v.s-v.rear > v.path.end {
				v.alive = false
			}
		}
		w.spawn(tick + 1)
	}
}

func (w *world) record(tick int) {
	for _, v := range w.vehs {
		if !v.alive {
			continue
		}
		q := w.pose(v)
		if v.ego {
			lead, gap := w.leader(v, 100)
			w.info = append(w.info, frameInfo{s: v.s, lane: v.path.spans[v.hint].occ[0].lane, lead: lead, gap: gap})
			w.expert = append(w.expert, scenarios.EgoState{
				Pose:  geom.Pose{X: q.X, Y: q.Y, Heading: q.H},
				Speed: v.v, Accel: v.a, Steering: math.Atan(egoWheelbase * q.K)})
			continue
		}
		if !v.spawned {
			v.spawned = true
			v.first = tick
			v.states = make([]scenarios.AgentState, 0, logFrames-tick)
		}
		sn, cs := math.Sincos(q.H)
		v.states = append(v.states, scenarios.AgentState{Pose: geom.Pose{X: q.X, Y: q.Y, Heading: q.H}, VX: v.v * cs, VY: v.v * sn,
			Indicator: v.indicator(tick)})
	}
	for _, pd := range w.peds {
		if pd.done && len(pd.states) > 0 && pd.v == 0 {
			// keep standing at the end
		}
		if len(pd.states) == 0 {
			pd.first = tick
		}
		p := pd.pl.At(pd.u)
		hd := pd.pl.HeadingAt(pd.u)
		sn, cs := math.Sincos(hd)
		pd.states = append(pd.states, scenarios.AgentState{Pose: geom.Pose{X: p.X, Y: p.Y, Heading: hd}, VX: pd.v * cs, VY: pd.v * sn})
	}
}

// spawn adds the flows' vehicles due at tick when their entry lane is free.
func (w *world) spawn(tick int) {
	for i := range w.flows {
		f := &w.flows[i]
		if tick < f.next {
			continue
		}
		var v *vehicle
		if w.g.Float64() < f.truckP {
			v = w.newVehicle(scenarios.Vehicle, w.g.Range(8, 12.5), 2.5)
		} else {
			v = w.newVehicle(scenarios.Vehicle, w.g.Range(4.3, 5.2), w.g.Range(1.8, 2.05))
		}
		speed := f.speed
		need := v.length + 4 + speed*1.6
		if !w.laneFree(f.lane, -5, need) {
			w.nameSeq--
			f.next = tick + 5
			continue
		}
		w.add(v, w.randomRoute(f.lane), v.rear, speed)
		f.next = tick + int(math.Max(f.min, w.g.Exp(f.mean))/dt)
	}
}

// leader returns the nearest vehicle ahead of v on the lanes of its path within look metres, and the gap;
// objects at the lane's edge that can be passed (isBlocker) don't count.
func (w *world) leader(v *vehicle, look float64) (*vehicle, float64) {
	var best *vehicle
	bg := math.Inf(1)
	sf := v.s + v.front
	sps := v.path.spans
	for k := v.hint; k < len(sps); k++ {
		sp := &sps[k]
		if sp.s0 > sf+look {
			break
		}
		for o := 0; o < sp.nocc; o++ {
			ref := sp.occ[o]
			for _, e := range w.occ[ref.lane] {
				if e.v == v || isBlocker(e.v) {
					continue
				}
				sj := sp.s0 + (e.u-ref.u0)/ref.k
				if sj < sp.s0-0.5 || sj > sp.s1+0.5 || sj <= v.s {
					continue
				}
				if g := sj - e.v.rear - sf; g < bg && g < look {
					best, bg = e.v, g
				}
			}
		}
	}
	return best, bg
}
