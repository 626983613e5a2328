package commonroad

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"asyncdrive/geom"
)

// document is a CommonRoad file's content, read from either element vocabulary (2018b or 2020a).
type document struct {
	version   string
	id        string
	source    string
	tags      []string // scenario tags: 2018b's tags attribute, 2020a's <scenarioTags> children
	dt        float64
	lanelets  []lanelet
	signs     map[string]float64 // traffic sign id -> speed limit (m/s), 0 for other signs
	lights    []light
	inters    []intersection
	obstacles []obstacle
	problems  []problem
	notes     []string
}

type lanelet struct {
	id                      string
	left, right             []geom.Vec2
	pred, succ              []string
	adjLeft, adjRight       string
	adjLeftSame, adjRgtSame bool
	types                   []string
	signRefs, lightRefs     []string
	speedLimit              float64 // 2018b <speedLimit>
}

type cycleElement struct {
	duration int
	color    string
}

type light struct {
	id        string
	cycle     []cycleElement
	offset    int
	direction string
	active    bool
}

type intersection struct {
	id         string
	incoming   []string // incoming lanelets
	successors []string // successorsRight/Straight/Left lanelets
	incomings  []incoming
}

// incoming is one incoming of an intersection: its lanelets and the movement it declares for each of its
// successors ("right", "straight" or "left"; "" where it declares several: SinD's incoming 47 names lanelet
// 29 both a right and a left turn).
type incoming struct {
	lanes []string
	turns map[string]string
}

// obState is one state of an obstacle or of the ego: the time step, the reference point, orientation and speed.
type obState struct {
	step    int
	pos     geom.Vec2
	heading float64
	speed   float64
	accel   float64
	hasAcc  bool
}

type obstacle struct {
	id            string
	static        bool
	typ           string
	length, width float64
	states        []obState
	occupancyOnly bool // has an occupancy set but no trajectory
}

type shape struct {
	kind                  string // rectangle, circle, polygon
	length, width, orient float64
	radius                float64
	center                geom.Vec2
	poly                  []geom.Vec2
}

type goalState struct {
	time     interval // time steps
	hasTime  bool
	shapes   []shape
	lanelets []string
	orient   *interval
	vel      *interval
}

type problem struct {
	id    string
	init  obState
	goals []goalState
}

// readDocument interprets the element tree of a CommonRoad scenario.
func (r *reader) readDocument(root *node) *document {
	if root.name != "commonRoad" {
		r.fail("<"+root.name+">", "not a CommonRoad scenario (the root element must be <commonRoad>)")
		return nil
	}
	doc := &document{
		version: root.attr("commonRoadVersion"),
		id:      root.attr("benchmarkID"),
		source:  root.attr("source"),
		signs:   map[string]float64{},
		tags:    strings.Fields(root.attr("tags")),
	}
	if doc.id == "" {
		r.fail("commonRoad@benchmarkID", "missing")
	}
	dts := root.attr("timeStepSize")
	if dts == "" {
		r.fail("commonRoad@timeStepSize", "missing")
	} else {
		doc.dt = r.float(&node{text: dts, line: root.line}, "commonRoad@timeStepSize")
		if r.err == nil && (doc.dt <= 0 || doc.dt > 1) {
			r.fail("commonRoad@timeStepSize", "must be in (0, 1] seconds, got %v", doc.dt)
		}
	}
	for _, k := range root.kids {
		if r.err != nil {
			return nil
		}
		switch k.name {
		case "scenarioTags":
			for _, t := range k.kids {
				doc.tags = append(doc.tags, t.name)
			}
		case "lanelet":
			doc.lanelets = append(doc.lanelets, r.readLanelet(k))
		case "trafficSign":
			id, lim := r.readSign(k)
			doc.signs[id] = lim
		case "trafficLight":
			doc.lights = append(doc.lights, r.readLight(k))
		case "intersection":
			doc.inters = append(doc.inters, r.readIntersection(k))
		case "obstacle": // 2018b: <role>static|dynamic</role>
			role := ""
			if c := k.child("role"); c != nil {
				role = c.text
			}
			if role != "static" && role != "dynamic" {
				r.fail(elemID(k), "<role> must be static or dynamic, got %q", clip(role))
				return nil
			}
			doc.obstacles = append(doc.obstacles, r.readObstacle(k, role == "static"))
		case "dynamicObstacle":
			doc.obstacles = append(doc.obstacles, r.readObstacle(k, false))
		case "staticObstacle":
			doc.obstacles = append(doc.obstacles, r.readObstacle(k, true))
		case "planningProblem":
			doc.problems = append(doc.problems, r.readProblem(k))
		}
	}
	if r.err != nil {
		return nil
	}
	if len(doc.lanelets) == 0 {
		r.fail("lanelet", "no lanelets: a scenario needs a road network")
	}
	if len(doc.problems) == 0 {
		r.fail("planningProblem", "missing: a scenario needs a planning problem")
	}
	return doc
}

func elemID(n *node) string {
	if id := n.attr("id"); id != "" {
		return fmt.Sprintf("%s %s", n.name, id)
	}
	return fmt.Sprintf("%s (line %d)", n.name, n.line)
}

func (r *reader) id(n *node) string {
	id := n.attr("id")
	if id == "" {
		r.fail(fmt.Sprintf("%s (line %d)", n.name, n.line), "missing id attribute")
	}
	return id
}

func refs(n *node, name string) []string {
	var out []string
	for _, c := range n.all(name) {
		if v := c.attr("ref"); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (r *reader) readLanelet(n *node) lanelet {
	l := lanelet{id: r.id(n)}
	elem := elemID(n)
	lb, rb := n.child("leftBound"), n.child("rightBound")
	if lb == nil || rb == nil {
		r.fail(elem, "needs <leftBound> and <rightBound> (line %d)", n.line)
		return l
	}
	l.left = r.points(lb, elem+".leftBound")
	l.right = r.points(rb, elem+".rightBound")
	if r.err == nil && (len(l.left) < 2 || len(l.right) < 2) {
		r.fail(elem, "bounds need at least 2 points each, have %d (left) and %d (right)", len(l.left), len(l.right))
	}
	l.pred = refs(n, "predecessor")
	l.succ = refs(n, "successor")
	if a := n.child("adjacentLeft"); a != nil {
		l.adjLeft, l.adjLeftSame = a.attr("ref"), a.attr("drivingDir") == "same"
	}
	if a := n.child("adjacentRight"); a != nil {
		l.adjRight, l.adjRgtSame = a.attr("ref"), a.attr("drivingDir") == "same"
	}
	for _, t := range n.all("laneletType") {
		l.types = append(l.types, t.text)
	}
	l.signRefs = refs(n, "trafficSignRef")
	l.lightRefs = refs(n, "trafficLightRef")
	if sl := n.child("stopLine"); sl != nil {
		for _, id := range refs(sl, "trafficLightRef") {
			if !slices.Contains(l.lightRefs, id) {
				l.lightRefs = append(l.lightRefs, id)
			}
		}
	}
	if s := n.child("speedLimit"); s != nil { // 2018b
		l.speedLimit = r.float(s, elem+".speedLimit")
		if l.speedLimit < 0 {
			r.fail(elem+".speedLimit", "negative: %v", l.speedLimit)
		}
	}
	return l
}

// speedSignIDs are the maximum-speed sign codes: Germany (274, 274.1 zone), USA (R2-1), China (b13? unused
// here), Spain (r301), and the enumeration names some converters write.
var speedSignIDs = []string{"274", "274.1", "R2-1", "r301", "MAX_SPEED", "MAX_SPEED_ZONE_START", "maxSpeed"}

func (r *reader) readSign(n *node) (string, float64) {
	id := r.id(n)
	elem := elemID(n)
	lim := 0.0
	for i, e := range n.all("trafficSignElement") {
		code := ""
		if c := e.child("trafficSignID"); c != nil {
			code = c.text
		}
		if !slices.Contains(speedSignIDs, code) {
			continue
		}
		if v := e.child("additionalValue"); v != nil {
			x := r.float(v, fmt.Sprintf("%s.trafficSignElement[%d].additionalValue", elem, i))
			if x > 0 && (lim == 0 || x < lim) {
				lim = x
			}
		}
	}
	return id, lim
}

func (r *reader) readLight(n *node) light {
	l := light{id: r.id(n), active: true}
	elem := elemID(n)
	if c := n.child("cycle"); c != nil {
		for i, ce := range c.all("cycleElement") {
			e := fmt.Sprintf("%s.cycle.cycleElement[%d]", elem, i)
			d := r.integer(ce.child("duration"), e+".duration")
			if d < 0 {
				r.fail(e+".duration", "negative: %d", d)
			}
			col := ""
			if cc := ce.child("color"); cc != nil {
				col = cc.text
			}
			l.cycle = append(l.cycle, cycleElement{duration: d, color: col})
		}
		if o := c.child("timeOffset"); o != nil {
			l.offset = r.integer(o, elem+".cycle.timeOffset")
		}
	}
	if d := n.child("direction"); d != nil {
		l.direction = d.text
	}
	if a := n.child("active"); a != nil && a.text == "false" {
		l.active = false
	}
	return l
}

func (r *reader) readIntersection(n *node) intersection {
	in := intersection{id: r.id(n)}
	for _, inc := range n.all("incoming") {
		g := incoming{lanes: refs(inc, "incomingLanelet"), turns: map[string]string{}}
		in.incoming = append(in.incoming, g.lanes...)
		for _, s := range [...]struct{ elem, move string }{
			{"successorsRight", "right"}, {"successorsStraight", "straight"}, {"successorsLeft", "left"},
		} {
			succ := refs(inc, s.elem)
			in.successors = append(in.successors, succ...)
			for _, id := range succ {
				if m, seen := g.turns[id]; seen && m != s.move {
					g.turns[id] = ""
				} else {
					g.turns[id] = s.move
				}
			}
		}
		in.incomings = append(in.incomings, g)
	}
	return in
}

// readShape reads the first shape (rectangle, circle or polygon) inside n.
func (r *reader) readShape(n *node, elem string) (shape, bool) {
	for _, k := range n.kids {
		switch k.name {
		case "rectangle":
			s := shape{kind: "rectangle"}
			s.length = r.float(k.child("length"), elem+".rectangle.length")
			s.width = r.float(k.child("width"), elem+".rectangle.width")
			if c := k.child("orientation"); c != nil {
				s.orient = r.float(c, elem+".rectangle.orientation")
			}
			if c := k.child("center"); c != nil {
				s.center = r.point(c, elem+".rectangle.center")
			}
			if r.err == nil && (s.length <= 0 || s.width <= 0) {
				r.fail(elem+".rectangle", "length and width must be positive, got %v x %v (line %d)", s.length, s.width, k.line)
			}
			return s, true
		case "circle":
			s := shape{kind: "circle"}
			s.radius = r.float(k.child("radius"), elem+".circle.radius")
			if c := k.child("center"); c != nil {
				s.center = r.point(c, elem+".circle.center")
			}
			if r.err == nil && s.radius <= 0 {
				r.fail(elem+".circle.radius", "must be positive, got %v", s.radius)
			}
			return s, true
		case "polygon":
			s := shape{kind: "polygon", poly: r.points(k, elem+".polygon")}
			if r.err == nil && len(s.poly) < 3 {
				r.fail(elem+".polygon", "needs at least 3 points, has %d", len(s.poly))
			}
			return s, true
		}
	}
	return shape{}, false
}

// readShapes reads every shape inside n (a goal position may be a union of shapes).
func (r *reader) readShapes(n *node, elem string) []shape {
	var out []shape
	for _, k := range n.kids {
		switch k.name {
		case "rectangle", "circle", "polygon":
			s, _ := r.readShape(&node{kids: []*node{k}}, elem)
			out = append(out, s)
		}
	}
	return out
}

// centre returns the shape's centre (a polygon's vertex average, the closing vertex dropped).
func (s shape) centre() geom.Vec2 {
	if s.kind != "polygon" {
		return s.center
	}
	pts := s.poly
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	var c geom.Vec2
	for _, p := range pts {
		c = c.Add(p)
	}
	return c.Scale(1 / float64(len(pts)))
}

// outline returns the shape as a polygon (a circle as a 16-gon).
func (s shape) outline() []geom.Vec2 {
	switch s.kind {
	case "rectangle":
		c := geom.Box{Center: geom.Pose{X: s.center.X, Y: s.center.Y, Heading: s.orient}, Length: s.length, Width: s.width}.Corners()
		return c[:]
	case "circle":
		out := make([]geom.Vec2, 16)
		for i := range out {
			out[i] = s.center.Add(geom.Unit(2 * math.Pi * float64(i) / 16).Scale(s.radius))
		}
		return out
	}
	pts := s.poly
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	return slices.Clone(pts)
}

// readState reads a state (initialState, trajectory state, or planning problem initial state).
func (r *reader) readState(n *node, elem string, needSpeed bool) obState {
	var s obState
	t := r.value(n.child("time"), elem+".time")
	s.step = int(math.Round((t.lo + t.hi) / 2))
	if math.Abs(t.lo) > 1e9 || math.Abs(t.hi) > 1e9 {
		r.fail(elem+".time", "out of range")
	}
	p := n.child("position")
	switch {
	case p == nil:
		r.fail(elem+".position", "missing (line %d)", n.line)
	case p.child("point") != nil:
		s.pos = r.point(p.child("point"), elem+".position.point")
	default:
		if sh, ok := r.readShape(p, elem+".position"); ok {
			s.pos = sh.centre()
		} else {
			r.fail(elem+".position", "needs a point or a shape (line %d)", p.line)
		}
	}
	o := r.value(n.child("orientation"), elem+".orientation")
	s.heading = (o.lo + o.hi) / 2
	if v := n.child("velocity"); v != nil {
		iv := r.value(v, elem+".velocity")
		s.speed = (iv.lo + iv.hi) / 2
	} else if needSpeed {
		r.fail(elem+".velocity", "missing (line %d)", n.line)
	}
	if a := n.child("acceleration"); a != nil {
		iv := r.value(a, elem+".acceleration")
		s.accel, s.hasAcc = (iv.lo+iv.hi)/2, true
	}
	return s
}

func (r *reader) readObstacle(n *node, static bool) obstacle {
	o := obstacle{id: r.id(n), static: static}
	elem := elemID(n)
	if t := n.child("type"); t != nil {
		o.typ = t.text
	}
	sn := n.child("shape")
	if sn == nil {
		r.fail(elem+".shape", "missing (line %d)", n.line)
		return o
	}
	sh, ok := r.readShape(sn, elem+".shape")
	if !ok {
		r.fail(elem+".shape", "needs a rectangle, circle or polygon (line %d)", sn.line)
		return o
	}
	switch sh.kind {
	case "rectangle":
		o.length, o.width = sh.length, sh.width
	case "circle":
		o.length, o.width = 2*sh.radius, 2*sh.radius
	case "polygon":
		b := geom.BoundsOf(sh.poly)
		o.length, o.width = b.Max.X-b.Min.X, b.Max.Y-b.Min.Y
		if o.length <= 0 || o.width <= 0 {
			r.fail(elem+".shape.polygon", "has no area")
		}
	}
	in := n.child("initialState")
	if in == nil {
		r.fail(elem+".initialState", "missing (line %d)", n.line)
		return o
	}
	o.states = append(o.states, r.readState(in, elem+".initialState", false))
	if tr := n.child("trajectory"); tr != nil {
		for i, st := range tr.all("state") {
			o.states = append(o.states, r.readState(st, fmt.Sprintf("%s.trajectory.state[%d]", elem, i), false))
			if r.err != nil {
				return o
			}
		}
	} else if n.child("occupancySet") != nil {
		o.occupancyOnly = true
	}
	return o
}

func (r *reader) readProblem(n *node) problem {
	p := problem{id: r.id(n)}
	elem := elemID(n)
	in := n.child("initialState")
	if in == nil {
		r.fail(elem+".initialState", "missing (line %d)", n.line)
		return p
	}
	p.init = r.readState(in, elem+".initialState", true)
	for i, g := range n.all("goalState") {
		ge := fmt.Sprintf("%s.goalState[%d]", elem, i)
		gs := goalState{}
		if t := g.child("time"); t != nil {
			gs.time, gs.hasTime = r.value(t, ge+".time"), true
		}
		if pos := g.child("position"); pos != nil {
			gs.shapes = r.readShapes(pos, ge+".position")
			gs.lanelets = refs(pos, "lanelet")
			if r.err == nil && len(gs.shapes) == 0 && len(gs.lanelets) == 0 {
				r.fail(ge+".position", "needs a polygon, rectangle, circle or lanelet (line %d)", pos.line)
			}
		}
		if o := g.child("orientation"); o != nil {
			iv := r.value(o, ge+".orientation")
			gs.orient = &iv
		}
		if v := g.child("velocity"); v != nil {
			iv := r.value(v, ge+".velocity")
			gs.vel = &iv
		}
		p.goals = append(p.goals, gs)
	}
	if r.err == nil && len(p.goals) == 0 {
		r.fail(elem+".goalState", "missing (line %d)", n.line)
	}
	return p
}

// solution is the recorded ego trajectory of a *.solution.xml file.
type solution struct {
	problem string
	model   string // ks, st, mb, pm, ...
	// vehicleType is the vehicle type id of the benchmark id ("KS1:TR2:..." -> 1), 0 when it names none.
	vehicleType int
	states      []solState
}

type solState struct {
	step                            int
	x, y, heading, speed, steer, vy float64
}

// benchmarkVehicle returns the vehicle type id of a CommonRoad benchmark id, the digits that end its first
// field ("KS1:TR2:DEU_...:2020a" -> 1), or 0 when there are none.
func benchmarkVehicle(id string) int {
	first, _, _ := strings.Cut(id, ":")
	i := len(first)
	for i > 0 && first[i-1] >= '0' && first[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(first[i:])
	if err != nil || n > 99 {
		return 0
	}
	return n
}

// readSolution interprets a CommonRoadSolution tree: the first trajectory of the planning problem id.
func (r *reader) readSolution(root *node, problemID string) *solution {
	if root.name != "CommonRoadSolution" {
		r.fail("<"+root.name+">", "not a CommonRoad solution (the root element must be <CommonRoadSolution>)")
		return nil
	}
	for _, k := range root.kids {
		if !strings.HasSuffix(k.name, "Trajectory") {
			continue
		}
		if pid := k.attr("planningProblem"); problemID != "" && pid != "" && pid != problemID {
			continue
		}
		sol := &solution{problem: k.attr("planningProblem"), model: strings.TrimSuffix(k.name, "Trajectory"),
			vehicleType: benchmarkVehicle(root.attr("benchmark_id"))}
		elem := k.name
		for i, st := range k.kids {
			e := fmt.Sprintf("%s.%s[%d]", elem, st.name, i)
			s := solState{step: r.integer(st.child("time"), e+".time")}
			s.x = r.float(st.child("x"), e+".x")
			s.y = r.float(st.child("y"), e+".y")
			if c := st.child("orientation"); c != nil {
				s.heading = r.float(c, e+".orientation")
			}
			if c := st.child("velocity"); c != nil {
				s.speed = r.float(c, e+".velocity")
			}
			if c := st.child("velocityY"); c != nil {
				s.vy = r.float(c, e+".velocityY")
			}
			if c := st.child("steeringAngle"); c != nil {
				s.steer = r.float(c, e+".steeringAngle")
			}
			if r.err != nil {
				return nil
			}
			sol.states = append(sol.states, s)
		}
		if len(sol.states) == 0 {
			r.fail(elem, "no states")
			return nil
		}
		return sol
	}
	r.fail("CommonRoadSolution", "no trajectory for planning problem %s", problemID)
	return nil
}
