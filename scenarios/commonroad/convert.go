package commonroad

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// DefaultVehicleType is the CommonRoad vehicle type of the ego when no solution file names one: 1, the Ford
// Escort, the vehicle of every solution in the shared highD and SinD data.
const DefaultVehicleType = 1

// maxGap is the longest run of missing time steps that is filled by interpolation.
const maxGap = 100

// converter builds a scenarios.Scenario from a document.
type converter struct {
	doc    *document
	file   string
	sol    *solution
	res    *Result
	sc     *scenarios.Scenario
	laneIx map[string]int // lanelet id -> index into sc.Map.Lanes
	t0     int            // time step of the run start
	veh    dynamics.VehicleParams
}

// centreOffset is how far the centre of the ego's footprint lies ahead of its rear axle. The planning
// problem's and the solution's positions are read as footprint centres and moved back by it to the rear axle
// (see the package documentation for why).
func (c *converter) centreOffset() float64 { return c.veh.RearAxleToCenter() }

func (c *converter) fail(elem, format string, args ...any) error {
	return &scenarios.FileError{File: c.file, Element: elem, Problem: fmt.Sprintf(format, args...)}
}

func (c *converter) note(format string, args ...any) {
	c.res.Report.Notes = append(c.res.Report.Notes, fmt.Sprintf(format, args...))
}

func (c *converter) convert() error {
	d := c.doc
	c.sc = &scenarios.Scenario{
		Version: scenarios.FormatVersion,
		ID:      d.id,
		Type:    datasetOf(d),
		Source:  fmt.Sprintf("CommonRoad %s: %s", d.version, d.source),
		DT:      d.dt,
	}
	c.res.Scenario = c.sc
	c.res.Report.Version = d.version
	c.vehicle()
	c.res.Report.Notes = append(c.res.Report.Notes, d.notes...)
	period, k := stepPeriod(d.dt, estimatePeriod(d, c.sol))
	c.res.Report.FileDT, c.res.Report.StepPeriod = d.dt, period
	if k > 1 {
		c.note("timeStepSize says %g s, but the obstacles move %d times that far per step: the steps are %g s apart and the run is resampled to %g s", d.dt, k, period, d.dt)
	}
	d.dt = period
	c.sc.DT = period
	if err := c.lanes(); err != nil {
		return err
	}
	if len(d.problems) > 1 {
		c.note("%d planning problems: the first (%s) is used", len(d.problems), d.problems[0].id)
	}
	pp := &d.problems[0]
	if err := c.expert(pp); err != nil {
		return err
	}
	c.lights()
	c.tracks()
	c.goal(pp)
	if err := c.route(pp); err != nil {
		return err
	}
	upsample(c.sc, k)
	c.sc.Horizon = float64(len(c.sc.Expert)-1) * c.sc.DT
	c.extendExpert()
	c.checks()
	c.sc.Flags = c.res.Report.Flags()
	return nil
}

// vehicle sets the ego vehicle: the type the solution's benchmark id names, else DefaultVehicleType.
func (c *converter) vehicle() {
	id := DefaultVehicleType
	if c.sol != nil && c.sol.vehicleType != 0 {
		if _, ok := dynamics.CommonRoadVehicle(c.sol.vehicleType); ok {
			id = c.sol.vehicleType
		} else {
			c.note("the solution names vehicle type %d, which is not simulated (1-3 are): the ego is vehicle type %d", c.sol.vehicleType, id)
		}
	}
	c.veh, _ = dynamics.CommonRoadVehicle(id)
	c.sc.Vehicle = &c.veh
	c.res.Report.VehicleType = id
	c.res.Goal.CentreOffset = c.centreOffset()
}

// datasetOf names the recording a file comes from, from its source attribute or benchmark id; it becomes the
// scenario type, so that evaluation summaries group scores by dataset.
func datasetOf(d *document) string {
	s := strings.ToLower(d.source + " " + d.id)
	switch {
	case strings.Contains(s, "highd") || strings.Contains(s, "highway drone"):
		return "highD"
	case strings.Contains(s, "sind") || strings.Contains(s, "signalized intersection"):
		return "SinD"
	case strings.Contains(s, "ngsim"):
		return "NGSIM"
	}
	return "commonroad"
}

// lanes converts the lanelets: bounds, centerline, links, neighbours, roadblocks, speed limits, connectors.
func (c *converter) lanes() error {
	d := c.doc
	c.laneIx = make(map[string]int, len(d.lanelets))
	for i, l := range d.lanelets {
		if _, dup := c.laneIx[l.id]; dup {
			return c.fail("lanelet "+l.id, "duplicate lanelet id")
		}
		c.laneIx[l.id] = i
	}
	known := func(ids []string, elem, what string) []string {
		out := ids[:0:0]
		for _, id := range ids {
			if _, ok := c.laneIx[id]; ok {
				out = append(out, id)
			} else {
				c.note("%s: %s %s is not a lanelet of this file: dropped", elem, what, id)
			}
		}
		return out
	}
	// Lane connectors: the successors an intersection lists for its incomings, and every lanelet that follows
	// an incoming lanelet (the lists miss some: SinD's left turn 31 from incoming 16 is in none, incoming 47
	// naming 29 twice instead).
	connector := map[string]bool{}
	incoming := map[string]bool{}
	for _, in := range d.inters {
		for _, id := range in.successors {
			connector[id] = true
		}
		for _, id := range in.incoming {
			incoming[id] = true
		}
	}
	for _, l := range d.lanelets {
		if incoming[l.id] {
			for _, id := range l.succ {
				connector[id] = true
			}
		}
	}
	m := &c.sc.Map
	m.Lanes = make([]scenarios.Lane, len(d.lanelets))
	highwayFile := slices.ContainsFunc(d.tags, isHighwayType)
	for i, l := range d.lanelets {
		elem := "lanelet " + l.id
		ln := &m.Lanes[i]
		ln.ID = l.id
		ln.Left, ln.Right = l.left, l.right
		ln.Centerline = centerline(l.left, l.right)
		if !hasLength(ln.Centerline) {
			return c.fail(elem, "centerline has zero length (its bounds collapse to a point)")
		}
		ln.Successors = known(l.succ, elem, "successor")
		ln.Predecessors = known(l.pred, elem, "predecessor")
		if l.adjLeft != "" && l.adjLeftSame {
			if _, ok := c.laneIx[l.adjLeft]; ok && l.adjLeft != l.id {
				ln.LeftNeighbor = l.adjLeft
			}
		}
		if l.adjRight != "" && l.adjRgtSame {
			if _, ok := c.laneIx[l.adjRight]; ok && l.adjRight != l.id {
				ln.RightNeighbor = l.adjRight
			}
		}
		ln.Connector = connector[l.id] || slices.Contains(l.types, "intersection")
		// A motorway lane by its own type, or, when its type does not say (2018b has none), by the file's tags.
		typed := slices.ContainsFunc(l.types, func(t string) bool { return t != "unknown" && t != "" })
		ln.Highway = slices.ContainsFunc(l.types, isHighwayType) || (!typed && highwayFile && !ln.Connector)
		ln.SpeedLimit = l.speedLimit
		for _, ref := range l.signRefs {
			if v, ok := d.signs[ref]; ok && v > 0 && (ln.SpeedLimit == 0 || v < ln.SpeedLimit) {
				ln.SpeedLimit = v
			}
		}
	}
	if len(d.inters) == 0 {
		c.inferConnectors()
	}
	// Roadblocks: lanes joined by same-direction adjacency (union-find, either side naming the link).
	parent := make([]int, len(m.Lanes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range m.Lanes {
		for _, nb := range []string{m.Lanes[i].LeftNeighbor, m.Lanes[i].RightNeighbor} {
			if nb == "" {
				continue
			}
			a, b := find(i), find(c.laneIx[nb])
			if a != b {
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
			}
		}
	}
	rbOf := map[int]int{}
	for i := range m.Lanes {
		r := find(i)
		k, ok := rbOf[r]
		if !ok {
			k = len(m.Roadblocks)
			rbOf[r] = k
			m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: "rb_" + m.Lanes[r].ID, Connector: true})
		}
		rb := &m.Roadblocks[k]
		rb.Lanes = append(rb.Lanes, m.Lanes[i].ID)
		rb.Connector = rb.Connector && m.Lanes[i].Connector
		m.Lanes[i].Roadblock = rb.ID
	}
	return nil
}

// inferConnectors marks the lane connectors of a map whose file declares no intersection (2018b has no
// intersection element; Peachtree's junctions are lanelets crossing each other): a lanelet whose centerline
// crosses another's, where the two are not consecutive or neighbours, is inside a junction; so is a turn
// (scenarios.MovementOfPath) that forks from a lanelet with other successors or merges into one
// with other predecessors (Peachtree's right turns, which cross nothing), and the neighbours of either. It
// notes how many it found.
func (c *converter) inferConnectors() {
	m := &c.sc.Map
	n := len(m.Lanes)
	related := func(a, b *scenarios.Lane) bool {
		return slices.Contains(a.Successors, b.ID) || slices.Contains(a.Predecessors, b.ID) ||
			a.LeftNeighbor == b.ID || a.RightNeighbor == b.ID || b.LeftNeighbor == a.ID || b.RightNeighbor == a.ID
	}
	boxes := make([]geom.AABB, n)
	for i := range m.Lanes {
		boxes[i] = geom.BoundsOf(m.Lanes[i].Centerline)
	}
	declared := make([]bool, n)
	for i := range m.Lanes {
		declared[i] = m.Lanes[i].Connector
	}
	found := false
	budget := maxCrossingTests
	for i := range m.Lanes {
		for j := i + 1; j < n; j++ {
			a, b := &m.Lanes[i], &m.Lanes[j]
			cost := 1 // a pair looked at, and its segment pairs when it must be searched
			search := !(a.Connector && b.Connector) && boxes[i].Overlaps(boxes[j]) && !related(a, b)
			if search {
				cost += (len(a.Centerline) - 1) * (len(b.Centerline) - 1)
			}
			if budget -= cost; budget < 0 {
				for k := range m.Lanes {
					m.Lanes[k].Connector = declared[k]
				}
				c.note("no intersection is declared, and the lanelets are too many or too finely drawn to find where they cross: no lane connectors")
				return
			}
			if search && centerlinesCross(a.Centerline, b.Centerline) {
				a.Connector, b.Connector, found = true, true, true
			}
		}
	}
	if !found {
		return // no junction: a motorway's forks and merges stay lanes
	}
	branches := func(ids []string, many func(*scenarios.Lane) []string) bool {
		for _, id := range ids {
			if k, ok := c.laneIx[id]; ok && len(many(&m.Lanes[k])) > 1 {
				return true
			}
		}
		return false
	}
	for i := range m.Lanes {
		l := &m.Lanes[i]
		pl := geom.NewPolyline(l.Centerline)
		if scenarios.MovementOfPath(&pl) != scenarios.MovementStraight && (branches(l.Predecessors, func(p *scenarios.Lane) []string { return p.Successors }) ||
			branches(l.Successors, func(s *scenarios.Lane) []string { return s.Predecessors })) {
			l.Connector = true
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range m.Lanes {
			if !m.Lanes[i].Connector {
				continue
			}
			for _, nb := range [...]string{m.Lanes[i].LeftNeighbor, m.Lanes[i].RightNeighbor} {
				if k, ok := c.laneIx[nb]; ok && !m.Lanes[k].Connector {
					m.Lanes[k].Connector, changed = true, true
				}
			}
		}
	}
	total := 0
	for i := range m.Lanes {
		if m.Lanes[i].Connector {
			total++
		}
	}
	c.note("no intersection is declared: %d lanelets that cross others or turn off at a fork or merge, and their neighbours, are taken as lane connectors", total)
}

// maxCrossingTests bounds the lanelet and segment pairs inferConnectors looks at (Peachtree's maps need a
// few thousand), so that no file makes the import slow.
var maxCrossingTests = 20_000_000

// centerlinesCross reports whether two centerlines cross away from their ends (a crossing within 0.5 m of
// where both start or both end is a fork or a merge, not a junction).
func centerlinesCross(a, b []geom.Vec2) bool {
	for i := 1; i < len(a); i++ {
		for j := 1; j < len(b); j++ {
			if geom.SegmentsIntersect(a[i-1], a[i], b[j-1], b[j]) && a[i-1].Dist(b[j-1]) >= 0.5 && a[i].Dist(b[j]) >= 0.5 {
				return true
			}
		}
	}
	return false
}

func hasLength(pts []geom.Vec2) bool {
	for _, p := range pts[1:] {
		if p.Dist(pts[0]) > 1e-9 {
			return true
		}
	}
	return false
}

// centerline returns the midpoints of the two bounds resampled at the same arc-length fractions.
func centerline(left, right []geom.Vec2) []geom.Vec2 {
	n := min(max(len(left), len(right), 2), 2000)
	lp, rp := geom.NewPolyline(left), geom.NewPolyline(right)
	ll, rl := lp.Length(), rp.Length()
	out := make([]geom.Vec2, 0, n)
	for i := range n {
		f := float64(i) / float64(n-1)
		a, b := left[0], right[0]
		if len(lp.Pts) > 1 {
			a = lp.At(f * ll)
		}
		if len(rp.Pts) > 1 {
			b = rp.At(f * rl)
		}
		p := geom.Lerp(a, b, 0.5)
		if len(out) > 0 && p.Dist(out[len(out)-1]) < 1e-9 {
			continue
		}
		out = append(out, p)
	}
	if len(out) < 2 {
		out = append(out, out[0])
	}
	return out
}

// stepsToFrames returns the run frame of file time step k.
func (c *converter) frame(k int) int { return k - c.t0 }

// expert builds the expert log from the solution, or a synthetic one, and fixes the run start t0.
func (c *converter) expert(pp *problem) error {
	dt := c.doc.dt
	rep := &c.res.Report
	if c.sol == nil {
		c.t0 = pp.init.step
		rep.SyntheticExpert = true
		return nil // built in route(), which needs the lane graph and the goal
	}
	sol := c.sol
	rep.SolutionModel = sol.model
	st := slices.Clone(sol.states)
	slices.SortStableFunc(st, func(a, b solState) int { return a.step - b.step })
	for i := 1; i < len(st); i++ {
		if st[i].step == st[i-1].step {
			return c.fail(fmt.Sprintf("solution %sTrajectory time %d", sol.model, st[i].step), "duplicate time step")
		}
	}
	if sol.model != "pm" {
		rep.SteadiedHeadings += steadyStates(st, func(s *solState) *float64 { return &s.heading },
			func(s *solState) geom.Vec2 { return geom.Vec2{X: s.x, Y: s.y} }, func(s *solState) float64 { return s.speed })
	}
	c.t0 = st[0].step
	if c.t0 != pp.init.step {
		rep.StartShift = c.t0 - pp.init.step
	}
	// Fill gaps by linear interpolation so that the log is at DT spacing.
	var full []solState
	for i, s := range st {
		if i > 0 {
			p := st[i-1]
			if s.step-p.step > maxGap {
				return c.fail(fmt.Sprintf("solution %sTrajectory time %d", sol.model, s.step), "time jumps by %d steps from the previous state (at most %d)", s.step-p.step, maxGap)
			}
			for k := p.step + 1; k < s.step; k++ {
				f := float64(k-p.step) / float64(s.step-p.step)
				full = append(full, solState{step: k, x: p.x + f*(s.x-p.x), y: p.y + f*(s.y-p.y),
					heading: p.heading + f*geom.AngleDiff(s.heading, p.heading), speed: p.speed + f*(s.speed-p.speed),
					steer: p.steer + f*(s.steer-p.steer)})
				rep.InterpolatedExpertSteps++
			}
		}
		full = append(full, s)
	}
	exp := make([]scenarios.EgoState, len(full))
	for i, s := range full {
		e := &exp[i]
		// Positions are the footprint centre (see centreOffset): moved back to the rear axle. Point-mass states
		// carry vx, vy instead of a heading.
		e.Pose = geom.Pose{X: s.x, Y: s.y, Heading: geom.NormalizeAngle(s.heading)}
		e.Speed = s.speed
		if sol.model == "pm" {
			e.Speed = math.Hypot(s.speed, s.vy)
			e.Pose.Heading = math.Atan2(s.vy, s.speed)
		}
		e.Pose = e.Pose.Translate(-c.centreOffset(), 0)
		e.Steering = s.steer
	}
	for i := range exp {
		switch {
		case len(exp) < 2:
		case i+1 < len(exp):
			exp[i].Accel = (exp[i+1].Speed - exp[i].Speed) / dt
		default:
			exp[i].Accel = exp[i-1].Accel
		}
	}
	if len(exp) < 2 {
		return c.fail("solution", "the expert trajectory needs at least 2 states, has %d", len(exp))
	}
	c.sc.Expert = exp
	rep.ExpertSeconds = float64(len(exp)-1) * dt
	d := exp[0].Pose.Translate(c.centreOffset(), 0).Pos().Dist(pp.init.pos)
	if d > 0.5 {
		c.note("the expert's first state is %.2f m from the planning problem's initial state", d)
	}
	return nil
}

// lights converts traffic lights: phases over the run from the cycle and offset; connectors are the
// successors of the lanelets referencing the light, matched to its direction where it has one.
func (c *converter) lights() {
	d := c.doc
	m := &c.sc.Map
	horizon := c.frames() + 1
	rightOnRed := RightTurnOnRed(d.id)
	freed := 0
	incomingsOf := map[string][]*incoming{} // incoming lanelet -> the intersections' incomings that hold it
	for i := range d.inters {
		for k := range d.inters[i].incomings {
			g := &d.inters[i].incomings[k]
			for _, l := range g.lanes {
				incomingsOf[l] = append(incomingsOf[l], g)
			}
		}
	}
	for _, tl := range d.lights {
		out := scenarios.TrafficLight{ID: tl.id}
		var conns []string
		for i := range d.lanelets {
			l := &d.lanelets[i]
			if !slices.Contains(l.lightRefs, tl.id) {
				continue
			}
			for _, s := range m.Lanes[i].Successors {
				move := declaredTurn(incomingsOf[l.id], s)
				if move == "" {
					move = turnOf(&m.Lanes[i], &m.Lanes[c.laneIx[s]])
				}
				if !dirMatches(tl.direction, move) || slices.Contains(conns, s) {
					continue
				}
				if rightOnRed && move == "right" && (tl.direction == "" || tl.direction == "all") {
					freed++
					continue
				}
				conns = append(conns, s)
			}
		}
		// A successor controlled by several lights keeps the first; MapIndex holds one light per lane.
		for _, s := range conns {
			taken := false
			for _, o := range m.TrafficLights {
				if slices.Contains(o.Connectors, s) {
					taken = true
				}
			}
			if !taken {
				out.Connectors = append(out.Connectors, s)
			}
		}
		out.Phases = phases(tl, c.t0, horizon, d.dt)
		if len(out.Connectors) == 0 {
			c.note("traffic light %s controls no successor lanelet", tl.id)
		}
		m.TrafficLights = append(m.TrafficLights, out)
	}
	if freed > 0 {
		c.note("right turns may go on red here (RightTurnOnRed): %d right-turn successors of lights without a right arrow are not held by them", freed)
	}
}

// declaredTurn returns the movement ("right", "straight" or "left") the first of incomings to declare one
// declares into successor succ, or "" when none does or the declarations disagree.
func declaredTurn(incomings []*incoming, succ string) string {
	for _, g := range incomings {
		if m := g.turns[succ]; m != "" {
			return m
		}
	}
	return ""
}

// RightTurnOnRed reports whether the traffic law of a scenario's country, read from its benchmark id
// ("CHN_SIND-834_1654_T-1729": China), lets right turns go on red while yielding: China's Road Traffic Safety
// Law implementing regulations, article 38, unless a right-turn arrow says otherwise. There the importer
// does not put a right-turn connector under a light that has no direction (or "all"). The recorded SinD
// drivers show it: of the route connectors whose light was red when the human entered them, 12 of 14 were
// right turns, and the 11 humans standing at a red light when their recording ends all go straight.
func RightTurnOnRed(benchmarkID string) bool {
	country, _, _ := strings.Cut(benchmarkID, "_")
	return country == "CHN"
}

// isHighwayType reports whether a CommonRoad lanelet type or scenario tag names a motorway: highway or
// interstate (any letter case: 2020a's tags are elements such as <interstate/>, 2018b's are words).
func isHighwayType(t string) bool {
	t = strings.ToLower(t)
	return t == "highway" || t == "interstate"
}

// turnOf classifies the movement from lane a into its successor b: "left", "right" or "straight", by the
// heading change from a's end to b's end.
func turnOf(a, b *scenarios.Lane) string {
	pa, pb := geom.NewPolyline(a.Centerline), geom.NewPolyline(b.Centerline)
	return scenarios.MovementOfHeadings(pa.HeadingAt(pa.Length()), pb.HeadingAt(pb.Length())).String()
}

// dirMatches reports whether a light of direction dir (CommonRoad: right, straight, left, leftStraight,
// straightRight, leftRight, all, or empty) controls a movement.
func dirMatches(dir, move string) bool {
	switch dir {
	case "", "all":
		return true
	case "leftStraight":
		return move == "left" || move == "straight"
	case "straightRight":
		return move == "straight" || move == "right"
	case "leftRight":
		return move == "left" || move == "right"
	}
	return dir == move
}

// lightState maps a CommonRoad light colour.
func lightState(color string) scenarios.LightState {
	switch color {
	case "green":
		return scenarios.Green
	case "yellow", "amber":
		return scenarios.Yellow
	case "red", "redYellow":
		return scenarios.Red
	}
	return scenarios.Unknown
}

// phases expands a light's cycle over frames [0, frames) of the run (file time steps t0 on), merging
// consecutive phases of the same state.
func phases(tl light, t0, frames int, dt float64) []scenarios.LightPhase {
	if !tl.active || len(tl.cycle) == 0 {
		return []scenarios.LightPhase{{Start: 0, State: scenarios.Unknown}}
	}
	period := 0
	for _, e := range tl.cycle {
		period += e.duration
	}
	if period <= 0 {
		return []scenarios.LightPhase{{Start: 0, State: lightState(tl.cycle[0].color)}}
	}
	var out []scenarios.LightPhase
	stateAt := func(k int) scenarios.LightState {
		m := ((k-tl.offset)%period + period) % period
		for _, e := range tl.cycle {
			if m < e.duration {
				return lightState(e.color)
			}
			m -= e.duration
		}
		return scenarios.Unknown
	}
	for f := range frames {
		s := stateAt(t0 + f)
		if len(out) == 0 || out[len(out)-1].State != s {
			out = append(out, scenarios.LightPhase{Start: float64(f) * dt, State: s})
		}
	}
	return out
}

// frames returns the number of frames the run covers after its start (the expert's length, or for a synthetic
// expert, the planned one).
func (c *converter) frames() int {
	if len(c.sc.Expert) > 0 {
		return len(c.sc.Expert) - 1
	}
	return c.syntheticFrames()
}

// syntheticFrames is the length of a synthetic expert: to the end of the goal's time interval, at least 3 s,
// at most 30 s.
func (c *converter) syntheticFrames() int {
	pp := &c.doc.problems[0]
	end := 0
	for _, g := range pp.goals {
		if g.hasTime {
			end = max(end, int(math.Ceil(g.time.hi))-c.t0)
		}
	}
	lim := int(math.Round(30 / c.doc.dt))
	if end <= 0 {
		end = lim
	}
	return min(max(end, int(math.Round(3/c.doc.dt))), lim)
}

// objectType maps a CommonRoad obstacle type onto the four classes the metrics distinguish. Motorcycles count
// as bicycles (two-wheelers, vulnerable), as in nuPlan's tracked object classes.
func objectType(t string, static bool) scenarios.ObjectType {
	switch t {
	case "pedestrian":
		return scenarios.Pedestrian
	case "bicycle", "motorcycle":
		return scenarios.Bicycle
	case "car", "truck", "bus", "taxi", "priorityVehicle", "parkedVehicle", "trailer":
		return scenarios.Vehicle
	case "constructionZone", "roadBoundary", "building", "pillar", "median_strip", "medianStrip":
		return scenarios.StaticObject
	}
	if static {
		return scenarios.StaticObject
	}
	return scenarios.Vehicle
}

// tracks converts the obstacles: box-centre states with world velocity, shifted to the run start.
func (c *converter) tracks() {
	dt := c.doc.dt
	frames := c.frames() + 1
	for _, o := range c.doc.obstacles {
		typ := objectType(o.typ, o.static)
		tr := scenarios.Track{ID: o.id, Type: typ, Length: o.length, Width: o.width}
		if o.static {
			s := o.states[0]
			st := scenarios.AgentState{Pose: geom.Pose{X: s.pos.X, Y: s.pos.Y, Heading: geom.NormalizeAngle(s.heading)}}
			tr.States = make([]scenarios.AgentState, frames)
			for i := range tr.States {
				tr.States[i] = st
			}
			c.sc.Tracks = append(c.sc.Tracks, tr)
			continue
		}
		if o.occupancyOnly {
			c.note("dynamic obstacle %s has an occupancy set but no trajectory: only its initial state is used", o.id)
		}
		st := slices.Clone(o.states)
		slices.SortStableFunc(st, func(a, b obState) int { return a.step - b.step })
		st = slices.CompactFunc(st, func(a, b obState) bool { return a.step == b.step })
		if typ == scenarios.Vehicle {
			c.res.Report.SteadiedHeadings += steadyStates(st, func(s *obState) *float64 { return &s.heading },
				func(s *obState) geom.Vec2 { return s.pos }, func(s *obState) float64 { return s.speed })
		}
		var states []scenarios.AgentState
		first := st[0].step
		for i, s := range st {
			if i > 0 {
				p := st[i-1]
				if s.step-p.step > maxGap {
					c.note("obstacle %s: time jumps by %d steps at step %d: the rest is dropped", o.id, s.step-p.step, s.step)
					break
				}
				dh := trackHeadingDelta(p.heading, s.heading)
				for k := p.step + 1; k < s.step; k++ { // gaps: linear interpolation
					f := float64(k-p.step) / float64(s.step-p.step)
					h := p.heading + f*dh
					v := p.speed + f*(s.speed-p.speed)
					pos := geom.Lerp(p.pos, s.pos, f)
					states = append(states, agentState(pos, h, v))
				}
			}
			states = append(states, agentState(s.pos, s.heading, s.speed))
		}
		// Shift to the run start; drop what lies before it or after the run's frames.
		start := first - c.t0
		if start < 0 {
			if -start >= len(states) {
				continue
			}
			states = states[-start:]
			start = 0
		}
		if start >= frames {
			continue
		}
		if start+len(states) > frames+50 { // keep some future beyond the run, for log-replay lookahead
			states = states[:frames+50-start]
		}
		tr.Start = start
		tr.States = states
		c.sc.Tracks = append(c.sc.Tracks, tr)
	}
	_ = dt
}

// steadyStates is steadyHeadings over a slice of states, given where each keeps its heading, its position
// and its speed.
func steadyStates[S any](st []S, heading func(*S) *float64, pos func(*S) geom.Vec2, speed func(*S) float64) int {
	h, p, v := make([]float64, len(st)), make([]geom.Vec2, len(st)), make([]float64, len(st))
	for i := range st {
		h[i], p[i], v[i] = *heading(&st[i]), pos(&st[i]), speed(&st[i])
	}
	n := steadyHeadings(h, p, v)
	for i := range st {
		*heading(&st[i]) = h[i]
	}
	return n
}

// trackHeadingDelta returns the turn from heading a to heading b that a recorded road user's box is
// interpolated through between two samples: the shorter turn, or, when that is more than a quarter turn, the
// turn of the box's axis. Such a heading has flipped (a standing vehicle's heading read off a velocity of a
// few cm/s, as in some highD tracks); turned through a quarter turn, the box stood across its lane in between.
func trackHeadingDelta(a, b float64) float64 {
	d := geom.AngleDiff(b, a)
	switch {
	case d > math.Pi/2:
		d -= math.Pi
	case d < -math.Pi/2:
		d += math.Pi
	}
	return d
}

// Steadying recorded headings (steadyHeadings): a heading is trusted from flipSpeed (m/s) on, and a car
// turns by at most maxCurvature (1/m, a turning circle of 4 m radius) per metre it travels.
const (
	flipSpeed    = 0.5
	maxCurvature = 0.25
)

// steadyHeadings bounds the turns in one car's samples, h, pos and v its headings, positions and speeds
// (either sign) in time order, to what its travel allows, and returns how many headings it changed. Some
// recordings read a heading off the velocity, which at a few cm/s points anywhere: a highD car standing in a
// jam turns by quarter and half turns from one sample to the next, or slides round in steps of 0.2-0.3 rad,
// and its box stands across its lane. No car turns more than maxCurvature times the distance it travels, so
// a heading that turns further than that is turned only that far towards what the file says. The walk starts
// at the first sample at flipSpeed or more, where the heading is trusted, and goes both ways from there; a
// car that never reaches it starts from the heading most of its samples share.
func steadyHeadings(h []float64, pos []geom.Vec2, v []float64) int {
	if len(h) == 0 {
		return 0
	}
	anchor := slices.IndexFunc(v, func(s float64) bool { return math.Abs(s) >= flipSpeed })
	if anchor < 0 {
		anchor = modalHeading(h)
	}
	n := 0
	walk := func(end, step int) {
		held := h[anchor]
		for i := anchor + step; i != end; i += step {
			turn := maxCurvature * pos[i].Dist(pos[i-step])
			d := geom.AngleDiff(h[i], held)
			if math.Abs(d) > turn+1e-9 {
				h[i] = geom.NormalizeAngle(held + math.Copysign(turn, d))
				n++
			}
			held = h[i]
		}
	}
	walk(len(h), 1)
	walk(-1, -1)
	return n
}

// modalHeading returns the index of the first heading in the most populated sector of the circle (32 of them).
// Headings that are not finite numbers (an orientation interval whose ends overflow) are in no sector; with
// none in any, it returns 0.
func modalHeading(h []float64) int {
	const sectors = 32
	var count [sectors]int
	sector := func(a float64) int {
		if !finite(a) {
			return -1
		}
		return max(0, min(sectors-1, int((geom.NormalizeAngle(a)+math.Pi)/(2*math.Pi)*sectors)))
	}
	best := 0
	for _, a := range h {
		if s := sector(a); s >= 0 {
			count[s]++
			if count[s] > count[best] {
				best = s
			}
		}
	}
	return max(0, slices.IndexFunc(h, func(a float64) bool { return sector(a) == best }))
}

func agentState(p geom.Vec2, heading, speed float64) scenarios.AgentState {
	h := geom.NormalizeAngle(heading)
	return scenarios.AgentState{Pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, VX: speed * math.Cos(h), VY: speed * math.Sin(h)}
}

// goal builds the exported goal and the scenario's goal pose (the centre of the first goal region).
func (c *converter) goal(pp *problem) {
	dt := c.doc.dt
	g := &c.res.Goal
	m := &c.sc.Map
	for _, gs := range pp.goals {
		out := GoalState{TimeStart: math.Inf(-1), TimeEnd: math.Inf(1)}
		if gs.hasTime {
			out.TimeStart = (gs.time.lo - float64(c.t0)) * dt
			out.TimeEnd = (gs.time.hi - float64(c.t0)) * dt
		}
		for _, s := range gs.shapes {
			reg := Region{Polygon: s.outline()}
			if s.kind == "circle" {
				reg.Center, reg.Radius = s.center, s.radius
			}
			out.Regions = append(out.Regions, reg)
		}
		for _, id := range gs.lanelets {
			i, ok := c.laneIx[id]
			if !ok {
				c.note("goal lanelet %s is not a lanelet of this file: dropped", id)
				continue
			}
			out.Lanes = append(out.Lanes, id)
			ln := &m.Lanes[i]
			poly := append(slices.Clone(ln.Left), reversed(ln.Right)...)
			out.Regions = append(out.Regions, Region{Polygon: poly, Lane: id})
		}
		if gs.orient != nil {
			out.Orientation = &Interval{Min: gs.orient.lo, Max: gs.orient.hi}
		}
		if gs.vel != nil {
			out.Velocity = &Interval{Min: gs.vel.lo, Max: gs.vel.hi}
		}
		g.States = append(g.States, out)
	}
	// Goal pose: the centre of the first region, headed as the orientation interval's middle, else as the lane
	// there, else as the ego starts. A goal given as lanelets also says how far they reach along the lane
	// (Scenario.GoalSpan): its pose, the middle of the first, is only one point of it.
	pose := geom.Pose{X: pp.init.pos.X, Y: pp.init.pos.Y, Heading: pp.init.heading}
	found := false
	for gi, gs := range pp.goals {
		var ctr geom.Vec2
		heading, hasHeading := 0.0, false
		switch {
		case len(gs.shapes) > 0:
			ctr = gs.shapes[0].centre()
			if gs.shapes[0].kind == "rectangle" {
				heading, hasHeading = gs.shapes[0].orient, true
			}
		case len(gs.lanelets) > 0:
			i, ok := c.laneIx[gs.lanelets[0]]
			if !ok {
				continue
			}
			pl := geom.NewPolyline(m.Lanes[i].Centerline)
			ctr = pl.At(pl.Length() / 2)
			heading, hasHeading = pl.HeadingAt(pl.Length()/2), true
		default:
			continue
		}
		if gs.orient != nil {
			heading, hasHeading = geom.NormalizeAngle((gs.orient.lo+gs.orient.hi)/2), true
		} else if !hasHeading {
			if lane, s, _, ok := m.Index().NearestLane(geom.Pose{X: ctr.X, Y: ctr.Y, Heading: pp.init.heading}, 5); ok {
				heading = m.Index().Path(lane).HeadingAt(s)
			} else {
				heading = pp.init.heading
			}
		}
		pose, found = geom.Pose{X: ctr.X, Y: ctr.Y, Heading: geom.NormalizeAngle(heading)}, true
		if len(gs.shapes) == 0 {
			c.sc.GoalSpan = c.laneletSpan(gs.lanelets)
		}
		// The planner is told when to be there: this goal state's time interval, when the file gives one.
		if st := g.States[gi]; finite(st.TimeStart) && finite(st.TimeEnd) && st.TimeStart <= st.TimeEnd {
			c.sc.GoalWindow = &scenarios.TimeWindow{Start: st.TimeStart, End: st.TimeEnd}
		}
		break
	}
	if !found {
		c.note("the goal has no position: the goal pose is the start")
		c.res.Report.NoGoalPosition = true
	}
	c.sc.Goal = pose
}

// laneletSpan returns how far a goal given as lanelets reaches along the lane behind and ahead of the middle of
// its first lanelet: half that lanelet's length, plus the lanelets of the goal that follow on from it
// (successors) or lead into it (predecessors).
func (c *converter) laneletSpan(ids []string) *scenarios.Span {
	in := make(map[string]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	lanes := c.sc.Map.Lanes
	length := func(i int) float64 {
		pl := geom.NewPolyline(lanes[i].Centerline)
		return pl.Length()
	}
	first, ok := c.laneIx[ids[0]]
	if !ok {
		return nil
	}
	half := length(first) / 2
	span := &scenarios.Span{Behind: half, Ahead: half}
	// chain adds the goal's lanelets that follow one another from lane i along next, each once.
	chain := func(i int, next func(int) []string) float64 {
		total, seen := 0.0, map[int]bool{i: true}
		for {
			found := false
			for _, id := range next(i) {
				if j, ok := c.laneIx[id]; ok && in[id] && !seen[j] {
					seen[j], i, found = true, j, true
					total += length(j)
					break
				}
			}
			if !found {
				return total
			}
		}
	}
	span.Ahead += chain(first, func(i int) []string { return lanes[i].Successors })
	span.Behind += chain(first, func(i int) []string { return lanes[i].Predecessors })
	return span
}

func reversed(p []geom.Vec2) []geom.Vec2 {
	out := slices.Clone(p)
	slices.Reverse(out)
	return out
}

// checks flags short experts and ego overlaps at the start.
func (c *converter) checks() {
	rep := &c.res.Report
	if rep.ExpertSeconds < ShortExpert-1e-9 {
		rep.ShortExpert = true
	}
	if len(c.sc.Expert) == 0 {
		return
	}
	eb := c.veh.Footprint(c.sc.Expert[0].Pose)
	for i := range c.sc.Tracks {
		t := &c.sc.Tracks[i]
		if s, ok := t.StateAt(0); ok && eb.Overlaps(s.Box(t.Length, t.Width)) {
			rep.StartOverlaps = append(rep.StartOverlaps, t.ID)
		}
	}
}
