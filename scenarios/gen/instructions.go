package gen

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// InstructionTypes lists the generated scenario types whose mission the instructions give: the scenario sets
// Scenario.RouteShown, so a planner is told the route only up to the branch (or the whole route but no goal),
// and only the instructions say which way to turn, where to stop, which lane to take or how fast to go.
var InstructionTypes = []string{
	TypeRouteBranch,
	TypePickupStop,
	TypeLaneChange,
	TypeSlowDown,
}

// The instruction scenario types.
const (
	// TypeRouteBranch: the ego approaches a junction whose lanes offer two or three movements; the route
	// shown ends at the approach, and "turn left in 40 meters", "go straight in 30 meters", "turn right" say
	// which way.
	TypeRouteBranch = "instruction_route_branch"
	// TypePickupStop: "stop at the pickup zone": the ego pulls over beside a pickup/drop-off zone
	// (Scenario.StopZone), stops for 3-4.5 s and, in most scenes, goes on after "keep going".
	TypePickupStop = "instruction_pickup_stop"
	// TypeLaneChange: "change to the left lane" (or right) where the traffic does not ask for it.
	TypeLaneChange = "instruction_lane_change"
	// TypeSlowDown: "drive slowly": the ego slows to at most SlowFraction of the speed limit.
	TypeSlowDown = "instruction_slow_down"
)

// Instruction texts (AsyncDriver's routing vocabulary and operator commands).
const (
	TextKeepGoing  = "keep going"
	TextStopPickup = "stop at the pickup zone"
	TextDriveSlow  = "drive slowly"
	TextLaneLeft   = "change to the left lane"
	TextLaneRight  = "change to the right lane"
)

// SlowFraction is what "drive slowly" means: at most this share of the speed limit, reached within
// SlowGrace seconds of the instruction and held from then on.
const (
	SlowFraction = 0.5
	SlowGrace    = 8.0
)

// announceDistance (m): a junction movement is announced ("turn left in 50 meters") from this distance on;
// farther away the instruction is "keep going".
const announceDistance = 50.0

// InstructionSuite returns the specs of perType scenarios of every instruction type, type by type in the
// order of InstructionTypes; GenerateInstruction makes them.
func InstructionSuite(perType int, seed uint64) []Spec {
	out := make([]Spec, 0, perType*len(InstructionTypes))
	for _, t := range InstructionTypes {
		for i := 0; i < perType; i++ {
			out = append(out, Spec{Type: t, Index: i, Seed: seed})
		}
	}
	return out
}

// instrPlan is what an instruction recipe decided, for writing the instructions after the simulation.
type instrPlan struct {
	typ  string
	move int // route branch: the ego's movement
	cmd  int // tick of the operator command
	// pickup stop
	zoneID string
	leave  int // tick of "keep going" after the stop, -1: the ego stays
}

// GenerateInstruction makes scenario number index of instruction type typ, deterministically from seed, as
// Generate does for the nuPlan types (the same draws, retries and checks), and then writes the instructions,
// Scenario.RouteShown and Scenario.StopZone. A draw whose expert does not follow its own instructions
// (CheckInstructions) is redrawn too.
func GenerateInstruction(typ string, index int, seed uint64) (*scenarios.Scenario, error) {
	if !slices.Contains(InstructionTypes, typ) {
		return nil, fmt.Errorf("gen: unknown instruction scenario type %q (want one of %s)", typ, strings.Join(InstructionTypes, ", "))
	}
	if index < 0 {
		return nil, fmt.Errorf("gen: negative scenario index %d", index)
	}
	return bestDraw(typ, index, seed, func(attempt int, g *rng) (*scenarios.Scenario, int, error) {
		var sn *scene
		var plan *instrPlan
		rec := func(g *rng) (*scene, error) {
			var err error
			switch typ {
			case TypeRouteBranch:
				sn, plan, err = routeBranch(g)
			case TypePickupStop:
				// The stop's length depends on when the ego arrives: a first run finds the arrival, the second
				// (identical up to the release) releases the ego after its dwell.
				probe, pp, err := pickupStop(newRNG(typ, index, seed, attempt), -1)
				if err != nil {
					return nil, err
				}
				probe.w.run()
				arrive := -1
				for i, e := range probe.w.expert {
					if i > pp.cmd && e.Speed < 0.05 {
						arrive = i
						break
					}
				}
				if arrive < 0 {
					arrive = logFrames // never stops: the check fails
				}
				sn, plan, err = pickupStop(g, arrive)
			case TypeLaneChange:
				sn, plan, err = laneChangeCommand(g)
			case TypeSlowDown:
				sn, plan, err = slowDownCommand(g)
			}
			return sn, err
		}
		sc, bad, err := build(typ, index, seed, rec, g)
		if err != nil {
			return nil, 0, err
		}
		if err := finishInstructed(sc, sn, plan); err != nil {
			return nil, 0, err
		}
		if out := CheckInstructions(sc, expertStates(sc)); !out.Followed {
			bad += 10
		}
		return sc, bad, nil
	})
}

// finishInstructed writes the instructions (after build mirrored and moved the scene: only their words
// depend on the mirroring), RouteShown and StopZone, and validates the result.
func finishInstructed(sc *scenarios.Scenario, sn *scene, plan *instrPlan) error {
	w := sn.w
	var ins []scenarios.Instruction
	say := func(tick int, text string) {
		if n := len(ins); n > 0 && ins[n-1].Text == text {
			return
		}
		if sn.mirror {
			text = swapSides(text)
		}
		ins = append(ins, scenarios.Instruction{T: r4(float64(tick) * dt), Text: text})
	}
	sc.RouteShown = len(sc.Route)
	switch plan.typ {
	case TypeRouteBranch:
		connS, rb := -1.0, ""
		var connEnd float64
		for _, sp := range w.ego.path.spans {
			if l := w.net.lanes[sp.occ[0].lane]; l.conn && sp.nocc == 1 {
				connS, connEnd, rb = sp.s0, sp.s1, l.rbID
				break
			}
		}
		k := slices.Index(sc.Route, rb)
		if connS < 0 || k < 1 || k+1 >= len(sc.Route) {
			return fmt.Errorf("route branch: the ego's route does not cross the junction")
		}
		sc.RouteShown = k
		words := map[int]string{moveLeft: "turn left", moveRight: "turn right", moveStraight: "go straight"}[plan.move]
		for i := 0; i < logFrames; i += 10 {
			front := w.info[i].s + egoFront
			switch d := connS - front; {
			case d > announceDistance:
				say(i, TextKeepGoing)
			case d > 0:
				say(i, words+" in "+strconv.Itoa(int(math.Max(5, math.Round(d/5)*5)))+" meters")
			case w.info[i].s < connEnd:
				say(i, words)
			default:
				say(i, TextKeepGoing)
			}
		}
	case TypePickupStop:
		sc.StopZone = plan.zoneID
		if plan.cmd > 0 {
			say(0, TextKeepGoing)
		}
		say(plan.cmd, TextStopPickup)
		if plan.leave >= 0 && plan.leave < logFrames {
			say(plan.leave, TextKeepGoing)
		}
	case TypeLaneChange:
		e := w.ego
		say(0, TextKeepGoing)
		word := TextLaneRight
		if e.lcDir < 0 {
			word = TextLaneLeft
		}
		say(plan.cmd, word)
		if e.lcStart >= 0 {
			// "keep going" at the first full second after the change.
			end := e.lcStart + int(math.Ceil(e.lcDur/dt))
			say((end+9)/10*10, TextKeepGoing)
		}
	case TypeSlowDown:
		say(0, TextKeepGoing)
		say(plan.cmd, TextDriveSlow)
	}
	sc.Instructions = ins
	return scenarios.Validate(sc)
}

// swapSides exchanges "left" and "right" in an instruction (for scenes mirrored into left-hand traffic).
func swapSides(t string) string {
	t = strings.ReplaceAll(t, "left", "\x00")
	t = strings.ReplaceAll(t, "right", "left")
	return strings.ReplaceAll(t, "\x00", "right")
}

// ---- route branch ----

// routeBranch builds a 3- or 4-way junction that the ego approaches at speed, 30-70 m away at t=0, in a lane
// with two or three movements; it takes one of them (drawn uniformly). A lead car, when there is one, takes
// a movement of its own, so following it does not tell the way.
func routeBranch(g *rng) (*scene, *instrPlan, error) {
	signal := g.Bool(0.75)
	w0 := g.Range(3.3, 3.7)
	limit := urbanLimit(g)
	nIn := g.Int(1, 2)
	skew := g.Range(-0.25, 0.25)
	warm := 2.0
	d0 := g.Range(30, 70) // the ego's front to the stop line at t=0
	v0 := limit * g.Range(0.65, 0.85)
	approach := d0 + v0*warm + egoFront + 40
	arms := []armSpec{
		{angle: -math.Pi / 2, nOut: g.Int(1, 2), nIn: nIn, length: approach + g.Range(20, 40), group: 0},
		{angle: skew, nOut: g.Int(1, 2), nIn: g.Int(1, 2), length: g.Range(110, 150), straight: g.Range(40, 70), group: 1},
		{angle: math.Pi / 2, nOut: nIn, nIn: g.Int(1, 2), length: g.Range(110, 150), straight: g.Range(40, 70), group: 0},
		{angle: math.Pi + skew, nOut: g.Int(1, 2), nIn: g.Int(1, 2), length: g.Range(110, 150), straight: g.Range(40, 70), group: 1},
	}
	arms[0].straight = arms[0].length
	// Movements of the arms 1, 2, 3 from the south arm: right, straight, left. A T junction drops one.
	moveOf := []int{moveNone, moveRight, moveStraight, moveLeft}
	egoLane := g.Int(0, nIn-1)
	var moves []int
	for ai := 1; ai < 4; ai++ {
		if m := moveOf[ai]; m == moveStraight || m == moveLeft && egoLane == 0 || m == moveRight && egoLane == nIn-1 {
			moves = append(moves, m)
		}
	}
	drop := -1
	if len(moves) == 3 && g.Bool(0.3) {
		drop = g.Int(1, 3)
		moves = slices.DeleteFunc(moves, func(m int) bool { return m == moveOf[drop] })
	}
	move := moves[g.IntN(len(moves))]
	exit := slices.Index(moveOf, move)
	arms[exit].length = g.Range(280, 340)
	for i := range arms {
		arms[i].crosswalk = g.Bool(0.5)
		arms[i].extraSetbk = g.Range(0, 2.5)
		arms[i].cuts = cuts(g, g.Range(25, 45)-30, arms[i].length)
	}
	if drop > 0 {
		arms = append(arms[:drop:drop], arms[drop+1:]...)
	}
	// The light: green for the ego's group from before or a little after it arrives.
	plan := lightPlan{green: [2]int{g.Int(150, 250), g.Int(120, 200)}, yellow: g.Int(30, 40), allRed: g.Int(10, 20)}
	arrive := int((d0 / v0) / dt)
	plan.setGreenAt(0, g.Int(arrive-plan.green[0]+60, arrive+20))
	net := &network{}
	it := net.addIntersection(geom.Vec2{}, arms, w0, limit, g.Range(3, 4), signal, plan)
	net.crosswalkCrossings()
	w := newWorld(net, g, warm)
	a0 := it.arms[0]
	es := d0 + v0*warm + egoFront // the ego's path point (rear axle), reference station on arm 0
	li, u := a0.rd.laneAt(net, false, egoLane, es)
	w.ego = w.add(w.newEgo(), w.routeThrough(li, move), u, v0)
	// A lead in the ego's lane with its own movement.
	var lead *vehicle
	if signal && g.Bool(0.45) {
		lead = w.car()
		ls := es - egoFront - g.Range(2.5, 3) - v0*g.Range(1.3, 2) - lead.rear
		if ls > 8 {
			w.placeOn(a0.rd, lead, false, egoLane, ls, v0, nil)
		} else {
			w.nameSeq--
			lead = nil
		}
	}
	oncoming := func(ai int) bool {
		return ai > 0 && math.Abs(geom.AngleDiff(it.arms[ai].angle, it.arms[0].angle+math.Pi)) < 0.5
	}
	for ai, a := range it.arms {
		dens := g.Range(0.5, 1.4)
		if !signal {
			dens *= 0.3
		} else if move == moveLeft && oncoming(ai) {
			dens *= 0.5
		}
		w.populate(a.rd, dens, 0.6, func(fwd bool, i int, st float64) bool {
			if ai == 0 && !fwd && i == egoLane && st < es+25 {
				return true
			}
			return st < 25
		})
		last := len(a.rd.cut) - 2
		for i := 0; i < a.nIn; i++ {
			mean, minGap := g.Range(4, 9), 2.0
			switch {
			case !signal:
				mean = g.Range(15, 30)
			case ai == 0:
				mean = g.Range(6, 14)
			case move == moveLeft && oncoming(ai):
				mean, minGap = g.Range(7, 14), 3.5 // gaps the ego can turn into
			}
			w.flows = append(w.flows, flow{lane: a.rd.bwd[last][i], mean: mean, min: minGap, speed: limit * 0.8, truckP: 0.05})
		}
	}
	sn := &scene{w: w, mirror: g.Bool(mirrorShare), check: func(w *world) error {
		if w.expert[0].Speed < 3 {
			return fmt.Errorf("%w: not approaching", errNotType)
		}
		in, out := -1, -1
		for i := 0; i <= 150; i++ {
			l := w.net.lanes[w.info[i].lane]
			if l.conn && l.move == move && in < 0 {
				in = i
			}
			if in >= 0 && !l.conn {
				out = i
				break
			}
		}
		if in < 10 || in > 110 || out < 0 {
			return fmt.Errorf("%w: crosses the junction at frames %d-%d", errNotType, in, out)
		}
		return nil
	}}
	return sn, &instrPlan{typ: TypeRouteBranch, move: move}, nil
}

// ---- pickup stop ----

// pickupStop builds a road with a pickup/drop-off zone beside the ego's (kerb) lane. "stop at the pickup
// zone" comes 0-0.5 s in; the ego pulls over to the kerb (up to 0.08 m over its lane line) and stops beside the
// zone; "keep going" comes 3-4.5 s after it stopped (in 70% of the scenes, else it stays) and it pulls out and
// drives on. arrive is the tick the ego stops at (from a first run; -1: don't release it).
func pickupStop(g *rng, arrive int) (*scene, *instrPlan, error) {
	nF := g.Int(1, 2)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.warmup = 3
	es := g.Range(50, 80)
	ve := math.Min(c.limit*g.Range(0.4, 0.6), 8.5) // slowing down, looking for the zone
	// The command 0-0.5 s in, the stop 0.3-0.6 s later, braking at about 1.3 m/s^2.
	cmd, react := g.Int(0, 5), g.Int(3, 6)
	stopRef := es + egoFront + ve*(c.warmup+float64(cmd+react)*dt) + ve*ve/2.6 + g.Range(2, 8) // the ego's front stops here (reference station)
	zl := g.Range(30, 60)
	zs := stopRef - zl*g.Range(0.5, 0.75)
	c.keep = [][2]float64{{zs - 25, zs + zl + 25}}
	c.length = stopRef + c.limit*14 + 120
	w, r := corridor(g, c)
	egoLane := nF - 1
	ego := w.egoOn(r, egoLane, es, ve)
	ego.vdes = ve / c.limit
	depth := g.Range(2.6, 3.4)
	edge := r.edgeRight()
	poly := r.bandPolygon(zs, zs+zl, edge-depth, edge)
	n := len(poly)
	poly[0], poly[n-1] = r.refPoint(zs, edge), r.refPoint(zs+3, edge)
	poly[n/2-1] = r.refPoint(zs+zl-3, edge-depth)
	poly[n/2] = r.refPoint(zs+zl, edge)
	zoneID := "pudo_0"
	w.net.areas = append(w.net.areas, scenarios.Area{ID: zoneID, Kind: scenarios.AreaPickupDropoff, Polygon: poly})
	// Parked cars in the rest of the zone, clear of the ego's slot.
	slotA, slotB := stopRef-egoLength-9, stopRef+7
	for s := zs + 4 + g.Range(0, 4); s < zs+zl-6; {
		l := g.Range(4.3, 5.1)
		if s+l > slotA && s < slotB {
			s = slotB
			continue
		}
		s += l / 2
		if g.Bool(0.6) {
			p := r.refPoint(s, edge-depth/2-g.Range(0, 0.3))
			w.nameSeq++
			w.statics = append(w.statics, static{name: "veh_" + itoa3(w.nameSeq), typ: scenarios.Vehicle,
				pose: geom.Pose{X: p.X, Y: p.Y, Heading: curveAt(r.ref, s, nil).H}, length: l, width: g.Range(1.8, 2.0)})
		}
		s += l/2 + g.Range(1.5, 8)
	}
	// The stop: the ego's front at stopRef, from the command on (after a reaction of 0.5-1 s).
	li, u := r.laneAt(w.net, true, egoLane, stopRef)
	stopS, ok := pathStation(ego, li, u)
	if !ok {
		return nil, nil, fmt.Errorf("pickup: the stop is not on the ego's path")
	}
	ego.stopAt, ego.stopFrom, ego.stopTill = stopS, cmd+react, 1<<30
	// Pull over to the kerb before stopping, pull out when leaving.
	pull := (r.w-egoWidth)/2 + 0.08
	rear := stopS - egoFront
	l1 := g.Range(15, 20)
	ego.nudge = nudgePlan{on: true, d: -pull, s0: rear - l1 - 3, l1: l1, s2: rear + 0.5, l2: g.Range(14, 18)}
	dwell, stays := g.Int(30, 45), g.Bool(0.3)
	leave := -1
	if arrive >= 0 && !stays {
		leave = min(arrive+dwell, 1<<20)
		ego.stopTill = leave + g.Int(5, 8)
	}
	w.populate(r, g.Range(0.5, 1.5), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-40 && s < stopRef+40
	})
	w.roadside(r, g.Int(0, 3), [][2]float64{{zs - 5, zs + zl + 5}})
	w.corridorFlows(r, g.Range(6, 14), 0.85, false)
	sn := &scene{w: w, mirror: g.Bool(mirrorShare), check: func(w *world) error {
		if w.expert[0].Speed < 2 {
			return fmt.Errorf("%w: not driving at the start", errNotType)
		}
		return nil
	}}
	return sn, &instrPlan{typ: TypePickupStop, cmd: cmd, zoneID: zoneID, leave: leave}, nil
}

// pathStation returns the path station of lane station u of lane li on v's path.
func pathStation(v *vehicle, li int, u float64) (float64, bool) {
	for k := range v.path.spans {
		sp := &v.path.spans[k]
		if sp.nocc == 1 && sp.occ[0].lane == li {
			return sp.pathStation(0, u), true
		}
	}
	return 0, false
}

// ---- operator commands ----

// laneChangeCommand builds a road of 2-4 lanes on which nothing asks the ego to change lanes (no slower
// lead); "change to the left lane" (or right) comes 1-4 s in and the ego changes into a gap left for it
// 0.8-1.5 s later.
func laneChangeCommand(g *rng) (*scene, *instrPlan, error) {
	nF := g.Int(2, 4)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle", "gentle"}[g.Int(0, 2)]}
	if g.Bool(0.35) {
		c.limit = g.Range(16, 22)
	}
	c.length = c.limit*24 + 300
	c.warmup = 4
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	dir := 1
	if egoLane == nF-1 || egoLane > 0 && g.Bool(0.5) {
		dir = -1
	}
	es := g.Range(80, 120)
	ve := c.limit * g.Range(0.6, 0.85)
	e := w.egoOn(r, egoLane, es, ve)
	cmd := g.Int(10, 40)
	e.lcDir, e.lcDur = dir, g.Range(3.5, 5)
	e.lcFrom, e.lcTo = cmd+g.Int(8, 15), 110
	tgt := egoLane + dir
	w.populate(r, g.Range(0.6, 1.6), 0.85, func(fwd bool, i int, s float64) bool {
		if !fwd {
			return false
		}
		if i == egoLane && s > es-30 && s < es+ve*15+40 {
			return true // no slower car ahead to pass
		}
		return i == tgt && s > es-40 && s < es+50 // a gap next to the ego
	})
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(6, 12), 0.85, false)
	sn := &scene{w: w, mirror: g.Bool(mirrorShare), check: func(w *world) error {
		if !e.lcDone || e.lcStart < e.lcFrom || e.lcStart > 110 || countLaneChanges(w) != 1 {
			return errNotType
		}
		return nil
	}}
	return sn, &instrPlan{typ: TypeLaneChange, cmd: cmd}, nil
}

// slowDownCommand builds a road on which the ego drives at 80-95% of the limit with nobody slow ahead;
// "drive slowly" comes 1-4 s in and the ego eases down (about 1.5 m/s^2) to 30-42% of the limit.
func slowDownCommand(g *rng) (*scene, *instrPlan, error) {
	nF := g.Int(1, 3)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle", "gentle"}[g.Int(0, 2)]}
	if g.Bool(0.3) {
		c.limit = g.Range(16, 20)
	}
	c.length = c.limit*24 + 300
	c.warmup = 4
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(70, 110)
	e := w.egoOn(r, egoLane, es, c.limit*g.Range(0.8, 0.92))
	cmd := g.Int(10, 40)
	slow := c.limit * g.Range(0.3, 0.42)
	// The desired speed ramps down from the command (after a reaction of 0.5-1 s).
	t0 := cmd + g.Int(5, 10)
	v := c.limit * e.vdes
	for k := t0; ; k++ {
		v = math.Max(slow, v-1.5*dt)
		e.sched = append(e.sched, speedStep{tick: k, v: v})
		if v <= slow {
			break
		}
	}
	w.populate(r, g.Range(0.6, 1.6), 0.85, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-40 && s < es+c.limit*15+60
	})
	w.bicycles(r, g.Int(0, 1), egoLane, es-50, es+150)
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(6, 12), 0.85, false)
	limit := c.limit
	sn := &scene{w: w, mirror: g.Bool(mirrorShare), check: func(w *world) error {
		for i := 0; i < cmd; i++ {
			if w.expert[i].Speed < 0.6*limit {
				return fmt.Errorf("%w: slow before the command", errNotType)
			}
		}
		return nil
	}}
	return sn, &instrPlan{typ: TypeSlowDown, cmd: cmd}, nil
}
