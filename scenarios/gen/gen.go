package gen

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Types lists the 14 nuPlan challenge scenario types, in the order of the nuPlan challenge (and of
// REFERENCE.md).
var Types = []string{
	"starting_left_turn",
	"starting_right_turn",
	"starting_straight_traffic_light_intersection_traversal",
	"stopping_with_lead",
	"high_lateral_acceleration",
	"high_magnitude_speed",
	"low_magnitude_speed",
	"traversing_pickup_dropoff",
	"waiting_for_pedestrian_to_cross",
	"behind_long_vehicle",
	"stationary_in_traffic",
	"near_multiple_vehicles",
	"changing_lane",
	"following_lane_with_lead",
}

// DefaultSeed is the run seed of the default suite.
const DefaultSeed = 1

// DefaultPerType is the number of scenarios per type in the default suite (280 in all).
const DefaultPerType = 20

// Spec names one scenario of a suite: its type, its number within the type and the run seed. Generate(s.Type,
// s.Index, s.Seed) makes it.
type Spec struct {
	Type  string
	Index int
	Seed  uint64
}

// ID returns the scenario id that Generate gives the spec's scenario.
func (s Spec) ID() string { return ScenarioID(s.Type, s.Index, s.Seed) }

// Suite returns the specs of perType scenarios of every type, type by type in the order of Types. It is
// cheap: the scenarios are generated one by one with Generate, so that workers can make them in parallel.
func Suite(perType int, seed uint64) []Spec {
	out := make([]Spec, 0, perType*len(Types))
	for _, t := range Types {
		for i := 0; i < perType; i++ {
			out = append(out, Spec{Type: t, Index: i, Seed: seed})
		}
	}
	return out
}

// ScenarioID returns "<type>_<index, 3 digits>", with "_s<seed>" appended when seed is not DefaultSeed.
func ScenarioID(typ string, index int, seed uint64) string {
	id := typ + "_" + itoa3(index)
	if seed != DefaultSeed {
		id += "_s" + strconv.FormatUint(seed, 10)
	}
	return id
}

func itoa3(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// maxAttempts bounds the number of internal re-draws when a draw fails the generator's own checks.
const maxAttempts = 12

// Generate makes scenario number index of type typ, deterministically from seed: the same arguments give the
// same scenario, byte for byte once encoded (on one architecture). Each draw uses a PCG generator seeded from
// a hash of the type, the index, the seed and the attempt number; a draw whose expert fails the generator's
// checks (collision, drivable area, speed limit, comfort, or not recognisably the type) is replaced by the
// next attempt, and after maxAttempts the best draw is returned. The error is non-nil only for an unknown
// type or an internal failure.
func Generate(typ string, index int, seed uint64) (*scenarios.Scenario, error) {
	if slices.Contains(InstructionTypes, typ) {
		return GenerateInstruction(typ, index, seed)
	}
	rec, ok := recipes[typ]
	if !ok {
		return nil, fmt.Errorf("gen: unknown scenario type %q (want one of %s)", typ, strings.Join(Types, ", "))
	}
	if index < 0 {
		return nil, fmt.Errorf("gen: negative scenario index %d", index)
	}
	return bestDraw(typ, index, seed, func(attempt int, g *rng) (*scenarios.Scenario, int, error) {
		return build(typ, index, seed, rec, g)
	})
}

// bestDraw draws scenario (typ, index, seed) up to maxAttempts times, each attempt with its own generator,
// and returns the first draw with no problems, else the one with the fewest (draw returns the scenario and
// its problem count).
func bestDraw(typ string, index int, seed uint64, draw func(attempt int, g *rng) (*scenarios.Scenario, int, error)) (*scenarios.Scenario, error) {
	var best *scenarios.Scenario
	bestBad := math.MaxInt
	var lastErr error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		g := newRNG(typ, index, seed, attempt)
		attemptsTotal.Add(1)
		sc, bad, err := draw(attempt, g)
		if err != nil {
			lastErr = err
			continue
		}
		if bad == 0 {
			return sc, nil
		}
		if bad < bestBad {
			best, bestBad = sc, bad
		}
	}
	if best == nil {
		return nil, fmt.Errorf("gen: %s: %w", ScenarioID(typ, index, seed), lastErr)
	}
	return best, nil
}

// attemptsTotal counts draws (for tests and benchmarks).
var attemptsTotal atomic.Int64

// rng is the generator's random source with a few helpers.
type rng struct{ *rand.Rand }

func newRNG(typ string, index int, seed uint64, attempt int) *rng {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%d|%d", typ, index, seed, attempt)
	a := h.Sum64()
	h.Write([]byte("#"))
	return &rng{rand.New(rand.NewPCG(a, h.Sum64()))}
}

// Range returns a uniform number in [a, b).
func (g *rng) Range(a, b float64) float64 { return a + (b-a)*g.Float64() }

// Exp returns an exponential number of the given mean.
func (g *rng) Exp(mean float64) float64 { return g.ExpFloat64() * mean }

// Int returns a uniform integer in [a, b].
func (g *rng) Int(a, b int) int { return a + g.IntN(b-a+1) }

// Bool returns true with probability p.
func (g *rng) Bool(p float64) bool { return g.Float64() < p }

// Sign returns -1 or +1.
func (g *rng) Sign() float64 {
	if g.Bool(0.5) {
		return 1
	}
	return -1
}

// The ego vehicle, nuPlan's Pacifica.
var (
	egoParams    = dynamics.Pacifica()
	egoLength    = egoParams.Length()
	egoWidth     = egoParams.Width
	egoFront     = egoParams.FrontLength
	egoRear      = egoParams.RearLength
	egoWheelbase = egoParams.Wheelbase
)

// trackRadius is the neighbourhood of the ego that tracks are logged in (nuPlan's agent radius).
const trackRadius = 100.0

// build runs one draw of a recipe: the scene, the simulation, the scenario and its checks. bad counts the
// failed checks.
func build(typ string, index int, seed uint64, rec recipe, g *rng) (*scenarios.Scenario, int, error) {
	sn, err := rec(g)
	if err != nil {
		return nil, 0, err
	}
	w := sn.w
	w.run()
	if len(w.expert) != logFrames {
		return nil, 0, fmt.Errorf("expert log has %d frames", len(w.expert))
	}
	sc := &scenarios.Scenario{
		Version: scenarios.FormatVersion,
		ID:      ScenarioID(typ, index, seed),
		Type:    typ,
		Source:  "gen seed=" + strconv.FormatUint(seed, 10),
		DT:      dt,
		Horizon: 15,
		Map:     w.net.emit(logFrames + 20),
		Expert:  w.expert,
	}
	sc.Route = w.route()
	sc.Tracks = w.tracks()
	sc.Instructions = w.instructions(sn)
	bad := 0
	if sn.check != nil {
		if err := sn.check(w); err != nil {
			bad += 10
		}
	}
	// Left-hand traffic: mirror the scene (turns swap sides, so only where the type allows it).
	if sn.mirror {
		mirror(sc)
	}
	// Place the scene at a random pose so that nothing is axis-aligned.
	tf := geom.Pose{X: g.Range(-3000, 3000), Y: g.Range(-3000, 3000), Heading: g.Range(-math.Pi, math.Pi)}
	transform(sc, tf)
	roundScenario(sc)
	sc.Goal = sc.Expert[len(sc.Expert)-1].Pose
	if err := scenarios.Validate(sc); err != nil {
		return nil, 0, err
	}
	bad += len(expertProblems(sc))
	bad += agentOverlaps(sc)
	bad += ttcViolations(sc)
	if bad == 0 && expertFailsTTC(sc) {
		bad++
	}
	return sc, bad, nil
}

// route lists the roadblocks of the ego's final path, in order.
func (w *world) route() []string {
	var out []string
	for _, sp := range w.ego.path.spans {
		id := w.net.lanes[sp.occ[0].lane].rbID
		if len(out) == 0 || out[len(out)-1] != id {
			out = append(out, id)
		}
	}
	return out
}

// tracks turns the simulated agents, pedestrians and statics into tracks, each cut to the frames it spends
// within trackRadius of the ego.
func (w *world) tracks() []scenarios.Track {
	var out []scenarios.Track
	near := func(p geom.Pose, f int) bool {
		e := w.expert[f].Pose
		return math.Hypot(p.X-e.X, p.Y-e.Y) <= trackRadius
	}
	cut := func(id string, typ scenarios.ObjectType, l, wd float64, first int, st []scenarios.AgentState) {
		// The longest run of frames within the radius (a track is one contiguous run).
		a, b := -1, -1
		for i := 0; i < len(st); {
			if !near(st[i].Pose, first+i) {
				i++
				continue
			}
			j := i
			for j+1 < len(st) && near(st[j+1].Pose, first+j+1) {
				j++
			}
			if a < 0 || j-i > b-a {
				a, b = i, j
			}
			i = j + 1
		}
		if a < 0 {
			return
		}
		out = append(out, scenarios.Track{ID: id, Type: typ, Length: l, Width: wd, Start: first + a,
			States: st[a : b+1 : b+1]})
	}
	for _, v := range w.vehs {
		if v.ego || len(v.states) == 0 {
			continue
		}
		cut(v.name, v.typ, v.length, v.width, v.first, v.states)
	}
	for _, p := range w.peds {
		cut(p.name, scenarios.Pedestrian, 0.6, 0.6, p.first, p.states)
	}
	for _, s := range w.statics {
		st := make([]scenarios.AgentState, logFrames)
		for i := range st {
			st[i] = scenarios.AgentState{Pose: s.pose}
		}
		cut(s.name, s.typ, s.length, s.width, 0, st)
	}
	return out
}

// instructions writes AsyncDriver-style routing instructions for the ego: the next intersection movement with
// its distance, lane changes, and "keep going" otherwise.
func (w *world) instructions(sn *scene) []scenarios.Instruction {
	var out []scenarios.Instruction
	e := w.ego
	// Path station of the ego at each frame: recomputed from the log by the distance driven.
	sAt := make([]float64, logFrames)
	for i := range sAt {
		sAt[i] = w.info[i].s
	}
	// The first connector of the final path.
	connS, move := -1.0, moveNone
	for _, sp := range e.path.spans {
		if l := w.net.lanes[sp.occ[0].lane]; l.conn && sp.nocc == 1 {
			connS, move = sp.s0, l.move
			break
		}
	}
	words := map[int]string{moveLeft: "turn left", moveRight: "turn right", moveStraight: "go straight"}
	lcAt, lcEnd := -1, -1
	lcWord := ""
	for _, ev := range w.egoEvents {
		if ev.tick >= 0 && ev.tick < logFrames {
			lcAt, lcWord = ev.tick, ev.kind
			lcEnd = lcAt + int(e.lcDur/dt)
		}
	}
	state := ""
	for i := 0; i < logFrames; i += 10 {
		var text string
		switch {
		case lcAt >= 0 && i+10 > lcAt && i < lcEnd:
			text = "change to the " + lcWord + " lane"
		case connS >= 0 && sAt[i]+egoFront < connS:
			d := connS - sAt[i] - egoFront
			if d > 30 {
				text = words[move] + " in " + strconv.Itoa(int(math.Round(d/5)*5)) + " meters"
				if i > 0 && strings.HasPrefix(state, words[move]+" in") {
					// Repeat the distance only every 5 s.
					if i%50 != 0 {
						continue
					}
				}
			} else {
				text = words[move] + " in " + strconv.Itoa(int(math.Max(5, math.Round(d/5)*5))) + " meters"
			}
		case connS >= 0 && sAt[i]+egoFront >= connS && sAt[i] < connS+30:
			text = words[move]
		default:
			text = "keep going"
		}
		if text != state {
			out = append(out, scenarios.Instruction{T: float64(i) * dt, Text: text})
			state = text
		}
	}
	if lcAt >= 0 && (len(out) == 0 || !strings.HasPrefix(out[len(out)-1].Text, "change")) {
		// make sure the lane change is announced at its own time
		found := false
		for _, in := range out {
			if strings.HasPrefix(in.Text, "change") {
				found = true
			}
		}
		if !found {
			out = append(out, scenarios.Instruction{T: float64(lcAt) * dt, Text: "change to the " + lcWord + " lane"})
		}
	}
	return out
}

// transform moves every coordinate of sc by the rigid motion tf (rotation about the origin, then translation).
func transform(sc *scenarios.Scenario, tf geom.Pose) {
	sn, cs := math.Sincos(tf.Heading)
	pt := func(p geom.Vec2) geom.Vec2 {
		return geom.Vec2{X: cs*p.X - sn*p.Y + tf.X, Y: sn*p.X + cs*p.Y + tf.Y}
	}
	pose := func(p geom.Pose) geom.Pose {
		q := pt(p.Pos())
		return geom.Pose{X: q.X, Y: q.Y, Heading: geom.NormalizeAngle(p.Heading + tf.Heading)}
	}
	pts := func(ps []geom.Vec2) {
		for i := range ps {
			ps[i] = pt(ps[i])
		}
	}
	forEachPoints(&sc.Map, pts)
	for i := range sc.Expert {
		sc.Expert[i].Pose = pose(sc.Expert[i].Pose)
	}
	for i := range sc.Tracks {
		for j := range sc.Tracks[i].States {
			s := &sc.Tracks[i].States[j]
			s.Pose = pose(s.Pose)
			s.VX, s.VY = cs*s.VX-sn*s.VY, sn*s.VX+cs*s.VY
		}
	}
}

// forEachPoints calls f on every point list of the map.
func forEachPoints(m *scenarios.Map, f func([]geom.Vec2)) {
	for i := range m.Lanes {
		l := &m.Lanes[i]
		f(l.Centerline)
		f(l.Left)
		f(l.Right)
	}
	for i := range m.StopLines {
		f(m.StopLines[i].Polygon)
	}
	for i := range m.Crosswalks {
		f(m.Crosswalks[i].Polygon)
	}
	for i := range m.Areas {
		f(m.Areas[i].Polygon)
	}
}

// mirror reflects the scene across the x axis: right-hand traffic becomes left-hand traffic. Left and right
// boundaries and neighbours swap, headings, steering and turn words change sign.
func mirror(sc *scenarios.Scenario) {
	flip := func(ps []geom.Vec2) {
		for i := range ps {
			ps[i].Y = -ps[i].Y
		}
	}
	forEachPoints(&sc.Map, flip)
	for i := range sc.Map.Lanes {
		l := &sc.Map.Lanes[i]
		l.Left, l.Right = l.Right, l.Left
		l.LeftNeighbor, l.RightNeighbor = l.RightNeighbor, l.LeftNeighbor
	}
	for i := range sc.Expert {
		e := &sc.Expert[i]
		e.Pose.Y, e.Pose.Heading, e.Steering = -e.Pose.Y, -e.Pose.Heading, -e.Steering
	}
	for i := range sc.Tracks {
		for j := range sc.Tracks[i].States {
			s := &sc.Tracks[i].States[j]
			s.Pose.Y, s.Pose.Heading, s.VY, s.Indicator = -s.Pose.Y, -s.Pose.Heading, -s.VY, -s.Indicator
		}
	}
	for i := range sc.Instructions {
		t := sc.Instructions[i].Text
		t = strings.ReplaceAll(t, "left", "\x00")
		t = strings.ReplaceAll(t, "right", "left")
		sc.Instructions[i].Text = strings.ReplaceAll(t, "\x00", "right")
	}
}

func r4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
func r6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// roundScenario rounds positions to 0.1 mm and angles to 1 µrad: shorter files, same behaviour.
func roundScenario(sc *scenarios.Scenario) {
	pts := func(ps []geom.Vec2) {
		for i := range ps {
			ps[i] = geom.Vec2{X: r4(ps[i].X), Y: r4(ps[i].Y)}
		}
	}
	forEachPoints(&sc.Map, pts)
	pose := func(p geom.Pose) geom.Pose { return geom.Pose{X: r4(p.X), Y: r4(p.Y), Heading: r6(p.Heading)} }
	for i := range sc.Expert {
		e := &sc.Expert[i]
		e.Pose = pose(e.Pose)
		e.Speed, e.Accel, e.Steering = r4(e.Speed), r4(e.Accel), r6(e.Steering)
	}
	for i := range sc.Tracks {
		for j := range sc.Tracks[i].States {
			s := &sc.Tracks[i].States[j]
			s.Pose = pose(s.Pose)
			s.VX, s.VY = r4(s.VX), r4(s.VY)
		}
	}
	for i := range sc.Map.Lanes {
		sc.Map.Lanes[i].SpeedLimit = r4(sc.Map.Lanes[i].SpeedLimit)
	}
}
