package planner

import (
	"math"
	"slices"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// newFixturePDM initialises a PDM on fixtureMap(length).
func newFixturePDM(t testing.TB, length float64, cfg PDMConfig) (*PDM, *scenarios.Scenario) {
	t.Helper()
	sc := fixtureScenario(length, 10, 10)
	p := NewPDM(cfg)
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, DT: 0.1}); err != nil {
		t.Fatal(err)
	}
	return p, sc
}

func checkTrajectory(t *testing.T, tr dynamics.Trajectory, t0 float64) {
	t.Helper()
	if len(tr) != 81 {
		t.Fatalf("trajectory has %d points, want 81", len(tr))
	}
	for k, q := range tr {
		if !q.Pose.IsFinite() || math.IsNaN(q.Speed) || math.IsInf(q.Speed, 0) || math.IsNaN(q.Accel) {
			t.Fatalf("point %d not finite: %+v", k, q)
		}
		if want := t0 + 0.1*float64(k); math.Abs(q.Time-want) > 1e-9 {
			t.Fatalf("point %d at %.3f s, want %.3f", k, q.Time, want)
		}
	}
}

func TestPDMFreeRoad(t *testing.T) {
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0)
	d := p.Decision()
	if d.Mode != ModeProposal || d.Proposals != 16 || d.Offset != 0 || d.TargetSpeed != 15 {
		t.Errorf("decision %+v, want the centerline at the full speed limit among 16 proposals", d)
	}
	if end := tr[80]; end.Speed < 11 || math.Abs(end.Pose.Y) > 1e-6 {
		t.Errorf("after 8 s: %+v, want accelerating towards 15 m/s on the centerline", end)
	}
}

func TestPDMBadInput(t *testing.T) {
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		in   *Input
	}{
		{"nil input", nil},
		{"no ego", &Input{Time: 0}},
		{"NaN ego x", fixtureInput(0, geom.Pose{X: nan}, 10, nil)},
		{"Inf ego heading", fixtureInput(0, geom.Pose{X: 10, Heading: inf}, 10, nil)},
		{"NaN ego speed", fixtureInput(0, geom.Pose{X: 10}, nan, nil)},
		{"NaN time", fixtureInput(nan, geom.Pose{X: 10}, 10, nil)},
	} {
		if tr, err := p.ComputeTrajectory(tc.in); err == nil {
			t.Errorf("%s: no error (trajectory of %d points)", tc.name, len(tr))
		}
	}
	if _, err := NewPDM(PDMConfig{}).ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, nil)); err == nil {
		t.Error("uninitialised planner: no error")
	}
	sc := fixtureScenario(300, 10, 10)
	if err := NewPDM(PDMConfig{}).Initialize(Initialization{Map: &sc.Map}); err == nil {
		t.Error("empty route: Initialize gave no error")
	}
	if err := NewPDM(PDMConfig{}).Initialize(Initialization{Route: sc.Route}); err == nil {
		t.Error("no map: Initialize gave no error")
	}
}

// Objects with non-finite fields are skipped: the plan is the one without them.
func TestPDMNonFiniteObjects(t *testing.T) {
	lead := fixtureCar("lead", 40, 0, 0, 5)
	bad := []scenarios.Object{
		fixtureCar("nanx", math.NaN(), 0, 0, 5),
		fixtureCar("infv", 30, 0, 0, math.Inf(1)),
		fixtureCar("nanh", 30, 0, math.NaN(), 0),
		{ID: "zero", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: 25}}},
	}
	p1, _ := newFixturePDM(t, 300, PDMConfig{})
	want, err := p1.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, []scenarios.Object{lead}))
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := newFixturePDM(t, 300, PDMConfig{})
	got, err := p2.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, append(bad, lead)))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, got, 0)
	for k := range want {
		if want[k] != got[k] {
			t.Fatalf("point %d: %+v with bad objects, %+v without", k, got[k], want[k])
		}
	}
	if n := p2.Stats().BadObjects; n != 4 {
		t.Errorf("BadObjects = %d, want 4", n)
	}
}

func TestPDMNoAgents(t *testing.T) {
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	in := fixtureInput(0, geom.Pose{X: 10}, 0, nil)
	in.Objects = nil
	tr, err := p.ComputeTrajectory(in)
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0)
	if tr[80].Speed <= 0 {
		t.Errorf("standing ego on a free road does not start: %+v", tr[80])
	}
}

// An ego far from every lane gets a comfortable stop along its heading, not an error.
func TestPDMOffMap(t *testing.T) {
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	ego := geom.Pose{X: 10, Y: 500, Heading: 0.3}
	tr, err := p.ComputeTrajectory(fixtureInput(2, ego, 6, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 2)
	if p.Decision().Mode != ModeStop || p.Stats().Stops != 1 {
		t.Errorf("decision %+v stats %+v, want a stop", p.Decision(), p.Stats())
	}
	if tr[0].Pose != ego || tr[80].Speed != 0 || math.Abs(tr[10].Speed-4.5) > 1e-9 {
		t.Errorf("stop trajectory: start %+v, at 1 s %+v, end %+v; want from the ego, 1.5 m/s^2 to 0", tr[0], tr[10], tr[80])
	}
	h := math.Atan2(tr[80].Pose.Y-ego.Y, tr[80].Pose.X-ego.X)
	if math.Abs(h-0.3) > 1e-9 {
		t.Errorf("stop leaves the heading: %v", h)
	}
	// Back on the map, the planner plans normally.
	if _, err := p.ComputeTrajectory(fixtureInput(2.1, geom.Pose{X: 10}, 6, nil)); err != nil || p.Decision().Mode != ModeProposal {
		t.Errorf("back on the map: err %v, decision %+v", err, p.Decision())
	}
}

// A goal (and route end) behind the ego: the centerline ends near the ego; the ego has arrived, so the end of
// the map is the end of the road and the planner stops before it.
func TestPDMGoalBehind(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	sc.Goal = geom.Pose{X: 5}
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb3"}, Goal: sc.Goal}); err != nil {
		t.Fatal(err)
	}
	// The ego near the end of rb3's lane d (x from 320 to 520), the goal behind it.
	ego := geom.Pose{X: 480}
	tr, err := p.ComputeTrajectory(fixtureInput(0, ego, 10, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0)
	front := tr[80].Pose.X + dynamics.Pacifica().FrontLength
	if tr[80].Speed > 0.5 || front > 520.5 {
		t.Errorf("end of plan %+v (front at %.2f), want stopped before the route's end at 520", tr[80], front)
	}
	// Beyond the end of the route.
	tr, err = p.ComputeTrajectory(fixtureInput(0.1, geom.Pose{X: 530}, 3, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0.1)
	if tr[80].Speed > 0.1 {
		t.Errorf("past the route's end: still %.2f m/s after 8 s", tr[80].Speed)
	}
}

// Where the map was cut on a fast road with the goal ahead, the lane runs on: the planner keeps its speed
// through the end of the map and plans straight on, in the lane. On a slow road (the fixture's 15 m/s, below
// the default MapEdgeMinSpeed of 60 km/h) or with the runout off, it stops before the end, unless the lanes
// are a motorway's (Lane.Highway: a congested motorway has no end either).
func TestPDMDrivesThroughTheMapEdge(t *testing.T) {
	for _, c := range []struct {
		cfg     PDMConfig
		highway bool
		runOn   bool
	}{
		{PDMConfig{MapEdgeMinSpeed: 15}, false, true},
		{PDMConfig{}, false, false},
		{PDMConfig{MapEdgeMinSpeed: 15, MapEdgeRunout: -1}, false, false},
		{PDMConfig{}, true, true},
		{PDMConfig{MapEdgeRunout: -1}, true, false},
	} {
		sc := fixtureScenario(300, 10, 10)
		for i := range sc.Map.Lanes {
			sc.Map.Lanes[i].Highway = c.highway
		}
		p := NewPDM(c.cfg)
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb3"}, Goal: geom.Pose{X: 510}}); err != nil {
			t.Fatal(err)
		}
		tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 450}, 12, nil))
		if err != nil {
			t.Fatal(err)
		}
		checkTrajectory(t, tr, 0)
		end := tr[80]
		front := end.Pose.X + dynamics.Pacifica().FrontLength
		switch {
		case c.runOn && (end.Speed < 11 || end.Pose.X < 530 || math.Abs(end.Pose.Y) > 0.05 || math.Abs(end.Pose.Heading) > 0.01):
			t.Errorf("runout %v, min speed %v, highway %v: end of plan %+v, want still about 12 m/s, straight on past the map's end at x = 520", c.cfg.MapEdgeRunout, c.cfg.MapEdgeMinSpeed, c.highway, end)
		case !c.runOn && (end.Speed > 1.5 || front > 520.5):
			t.Errorf("runout %v, min speed %v, highway %v: end of plan %+v (front at %.2f), want stopping before the map's end at 520", c.cfg.MapEdgeRunout, c.cfg.MapEdgeMinSpeed, c.highway, end, front)
		}
	}
}

// redLightFixture returns a PDM initialized on the fixture's road, 80 m long, and the index of the lane
// connector at its end (x = 80), whose light the tests set.
func redLightFixture(t *testing.T) (*PDM, int) {
	t.Helper()
	sc := fixtureScenario(80, 10, 10)
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route}); err != nil {
		t.Fatal(err)
	}
	c, _ := sc.Map.Index().LaneIndex("c")
	return p, c
}

func TestPDMStopsForRedLight(t *testing.T) {
	p, c := redLightFixture(t)
	in := fixtureInput(0, geom.Pose{X: 30}, 10, nil)
	in.Lights = []LightStatus{{Lane: c, State: scenarios.Red}}
	tr, err := p.ComputeTrajectory(in)
	if err != nil {
		t.Fatal(err)
	}
	if front := tr[80].Pose.X + 4.049; tr[80].Speed > 0.5 || front > 80 || front < 70 {
		t.Errorf("red light at x=80: plan ends at front %.2f, %.2f m/s", front, tr[80].Speed)
	}
	in.Lights[0].State = scenarios.Green
	tr, _ = p.ComputeTrajectory(in)
	if tr[80].Pose.X < 90 {
		t.Errorf("green light: plan ends at x=%.2f, want through the intersection", tr[80].Pose.X)
	}
}

func TestPDMZeroAllocs(t *testing.T) {
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	in := fixtureInput(0, geom.Pose{X: 10}, 10, fixtureTraffic(50, 20, 150))
	g := &Guidance{Lane: LaneChangeLeft, SpeedCap: 12}
	for i := 0; i < 3; i++ { // first ticks build the paths and grow the buffers
		in.Guidance = g
		if _, err := p.ComputeTrajectory(in); err != nil {
			t.Fatal(err)
		}
		in.Guidance = nil
		if _, err := p.ComputeTrajectory(in); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		g    *Guidance
	}{{"unguided", nil}, {"guided", g}} {
		in.Guidance = tc.g
		n := testing.AllocsPerRun(50, func() {
			if _, err := p.ComputeTrajectory(in); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: ComputeTrajectory allocates %v times per tick", tc.name, n)
		}
	}
}

func TestPDMDeterministic(t *testing.T) {
	run := func() []dynamics.TrajectoryPoint {
		p, _ := newFixturePDM(t, 300, PDMConfig{})
		var all []dynamics.TrajectoryPoint
		for i := 0; i < 20; i++ {
			tm := 0.1 * float64(i)
			tr, err := p.ComputeTrajectory(fixtureInput(tm, geom.Pose{X: 10 + 9*tm, Y: 0.1}, 9, fixtureTraffic(40, 20, 120)))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, tr...)
		}
		return all
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("point %d differs between runs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// With LaneChanges, a car parked in the ego's lane is passed in the free lane to the left; without, the ego
// stops behind it.
func TestPDMUnguidedLaneChanges(t *testing.T) {
	parked := []scenarios.Object{fixtureCar("parked", 45, 0, 0, 0)}
	for _, tc := range []struct {
		cfg  PDMConfig
		want PathKind
	}{{PDMConfig{}, PathCenterline}, {PDMConfig{LaneChanges: true}, PathLeftLane}} {
		p, _ := newFixturePDM(t, 300, tc.cfg)
		tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, parked))
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Decision(); d.Path != tc.want {
			t.Errorf("LaneChanges %v: decision %+v, want path %v", tc.cfg.LaneChanges, d, tc.want)
		}
		if passes := tr[80].Pose.X > 50; passes != (tc.want == PathLeftLane) {
			t.Errorf("LaneChanges %v: plan ends at %+v", tc.cfg.LaneChanges, tr[80].Pose)
		}
	}
}

// A lane-change path has an arc length of its own: where the lane beside the ego begins 45 m after the ego's
// own lane does (a lane added on the left), the ego's place on it must be searched for around its own arc
// length, not the centerline's (the search window reaches 40 m back). A lane change then starts from the ego,
// and in a closed loop that keeps asking for it the ego crosses into the new lane within 5 s. (Searched around
// the centerline's arc length, the path started 1 m ahead of the ego and to its right, the offset growing
// tick by tick: NGSIM US101-26_1's ego never left its lane.)
func TestPDMLaneChangeOntoALaneThatBeginsLater(t *testing.T) {
	a := fixtureLane("a", "rb1", 0, 400, 0, 15)
	b := fixtureLane("b", "rb1", 45, 400, 3.5, 15)
	a.LeftNeighbor, b.RightNeighbor = "b", "a"
	m := scenarios.Map{Lanes: []scenarios.Lane{a, b}, Roadblocks: []scenarios.Roadblock{{ID: "rb1", Lanes: []string{"a", "b"}}}}
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &m, Route: []string{"rb1"}, DT: 0.1}); err != nil {
		t.Fatal(err)
	}
	ego := dynamics.State{Pose: geom.Pose{X: 180}, Speed: 12}
	for k := 0; ego.Pose.Y < 1.75; k++ { // until the ego's rear axle crosses into lane b
		if k == 50 {
			t.Fatalf("after 5 s the ego is at y=%.2f, still in its lane", ego.Pose.Y)
		}
		ego.Time = 0.1 * float64(k)
		in := &Input{Time: ego.Time, Ego: []dynamics.State{ego}, Objects: [][]scenarios.Object{nil},
			Guidance: &Guidance{Time: ego.Time, Lane: LaneChangeLeft}}
		tr, err := p.ComputeTrajectory(in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Decision().Path != PathLeftLane {
			t.Fatalf("tick %d: decision %+v, want the left lane", k, p.Decision())
		}
		if d := tr[0].Pose.Pos().Dist(ego.Pose.Pos()); d > 0.05 {
			t.Fatalf("tick %d: the lane change starts %.2f m from the ego (%+v, ego %+v)", k, d, tr[0].Pose, ego.Pose)
		}
		ego.Pose, ego.Speed = tr[1].Pose, tr[1].Speed // follow the plan exactly
	}
}

// A route of roadblocks the map does not have: the planner follows the lane graph from the lane it is in.
func TestPDMUnknownRoute(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"nowhere"}}); err != nil {
		t.Fatal(err)
	}
	tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 10}, 10, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0)
	if d := p.Decision(); d.Mode != ModeProposal || tr[80].Pose.X < 90 {
		t.Errorf("decision %+v, plan ends at %+v", d, tr[80].Pose)
	}
}

// A goal in the lane beside the centerline: unguided, the planner changes into the goal's lane.
func TestPDMChangesIntoTheGoalLane(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for _, off := range []bool{false, true} {
		p := NewPDM(PDMConfig{NoGoalLane: off})
		// The goal in lane e (y = 3.5, rb3), the ego in lane a (y = 0).
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb1", "rb2", "rb3"}, Goal: geom.Pose{X: 450, Y: 3.5}}); err != nil {
			t.Fatal(err)
		}
		ego := geom.Pose{X: 20}
		var y float64
		for i := 0; i < 80; i++ {
			tr, err := p.ComputeTrajectory(fixtureInput(float64(i)*0.1, ego, 10, nil))
			if err != nil {
				t.Fatal(err)
			}
			// Follow the plan exactly (1 step of 0.1 s).
			ego = tr[1].Pose
			y = ego.Y
		}
		switch {
		case !off && (y < 3.0 || p.Stats().GoalLaneChanges == 0):
			t.Errorf("goal lane on: after 8 s the ego is at y = %.2f (%d goal-lane ticks), want in lane b/e at y = 3.5", y, p.Stats().GoalLaneChanges)
		case off && math.Abs(y) > 0.3:
			t.Errorf("goal lane off: the ego left its lane (y = %.2f)", y)
		}
	}
}

// A car ahead in the next lane signals a change into the ego's lane: the planner eases off (braking at most
// courtesyDecel for it); without the signal, or signalling away, it keeps its speed.
func TestPDMEasesOffForASignallingCar(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for _, c := range []struct {
		name string
		ind  scenarios.Indicator
		ease bool
	}{{"signalling in", scenarios.IndicatorRight, true}, {"no signal", scenarios.IndicatorOff, false}, {"signalling away", scenarios.IndicatorLeft, false}} {
		p := NewPDM(PDMConfig{})
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
			t.Fatal(err)
		}
		// The ego at 12 m/s in lane a; a car in lane b (y = 3.5) 8 m ahead at 10 m/s.
		car := fixtureCar("cutter", 40+8+4.5, 3.5, 0, 10)
		car.Indicator = c.ind
		tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 40}, 12, []scenarios.Object{car}))
		if err != nil {
			t.Fatal(err)
		}
		checkTrajectory(t, tr, 0)
		v2, minAcc := tr[20].Speed, 0.0
		for _, q := range tr[:21] {
			minAcc = min(minAcc, q.Accel)
		}
		switch {
		case c.ease && (v2 > 11.2 || minAcc < -courtesyDecel-0.3):
			t.Errorf("%s: speed %.2f m/s after 2 s, strongest braking %.2f m/s^2; want easing off below 11.2 m/s at about %v m/s^2", c.name, v2, minAcc, -courtesyDecel)
		case !c.ease && v2 < 11.8:
			t.Errorf("%s: speed %.2f m/s after 2 s, want about 12 (no reason to slow)", c.name, v2)
		}
	}
}

// On a lane without a speed limit the planner keeps the pace it had at the start, when that is above the
// fallback speed.
func TestPDMKeepsItsPaceWithoutASpeedLimit(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for i := range sc.Map.Lanes {
		sc.Map.Lanes[i].SpeedLimit = 0
	}
	for _, v0 := range []float64{10, 20} {
		p := NewPDM(PDMConfig{})
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
			t.Fatal(err)
		}
		tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 20}, v0, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := max(15, v0)
		if got := tr[80].Speed; math.Abs(got-want) > 0.5 {
			t.Errorf("start at %v m/s: %.2f m/s after 8 s, want about %v", v0, got, want)
		}
	}
}

// At motorway speed a slow car ahead beyond MapRadius counts: the planner starts braking for it at once.
func TestPDMSeesASlowCarFarAheadAtSpeed(t *testing.T) {
	sc := fixtureScenario(600, 10, 10)
	for i := range sc.Map.Lanes {
		sc.Map.Lanes[i].SpeedLimit = 30
	}
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
		t.Fatal(err)
	}
	slow := fixtureCar("slow", 20+80, 0, 0, 8) // 80 m ahead at 8 m/s, the ego at 30 m/s
	tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 20}, 30, []scenarios.Object{slow}))
	if err != nil {
		t.Fatal(err)
	}
	if a := tr[10].Accel; a > -1 {
		t.Errorf("acceleration after 1 s %.2f m/s^2, want braking for the slow car 80 m ahead", a)
	}
}

// An ego standing at its goal when the planner starts has arrived: it stays, unless that is turned off.
func TestPDMHoldsAtTheGoal(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for _, off := range []bool{false, true} {
		p := NewPDM(PDMConfig{NoHoldAtGoal: off})
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: geom.Pose{X: 52}}); err != nil {
			t.Fatal(err)
		}
		tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 50}, 0, nil))
		if err != nil {
			t.Fatal(err)
		}
		moved := tr[80].Pose.X - 50
		switch {
		case !off && (moved > 0.01 || p.Decision().Mode != ModeArrived):
			t.Errorf("hold on: moved %.2f m in 8 s, mode %v; want still, arrived", moved, p.Decision().Mode)
		case off && moved < 5:
			t.Errorf("hold off: moved %.2f m in 8 s, want driving on", moved)
		}
	}
	// Driving past the goal, or standing far from it, is not arriving.
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: geom.Pose{X: 100}}); err != nil {
		t.Fatal(err)
	}
	if tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 50}, 0, nil)); err != nil || tr[80].Pose.X < 55 {
		t.Errorf("goal 50 m ahead: err %v, plan ends at %+v; want driving on", err, tr[80].Pose)
	}
}

// Guidance that does not ask for a lane change (keep, or lane probabilities favouring the current lane)
// leaves the move to the goal's lane to the mission; guidance that asks for the other side wins.
func TestPDMGoalLaneUnderGuidance(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for _, c := range []struct {
		name string
		g    Guidance
		goal bool // ends in the goal's lane (y = 3.5)
	}{
		{"keep", Guidance{Lane: LaneKeep}, true},
		{"probabilities favour keep", Guidance{LaneProbs: [3]float64{0.1, 0.8, 0.1}}, true},
		{"speed only", Guidance{SpeedCap: 9}, true},
		{"change right asked", Guidance{Lane: LaneChangeRight}, false},
	} {
		p := NewPDM(PDMConfig{})
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb1", "rb2", "rb3"}, Goal: geom.Pose{X: 450, Y: 3.5}}); err != nil {
			t.Fatal(err)
		}
		ego := geom.Pose{X: 20}
		for i := 0; i < 80; i++ {
			in := fixtureInput(float64(i)*0.1, ego, 10, nil)
			g := c.g
			g.Time = in.Time
			in.Guidance = &g
			tr, err := p.ComputeTrajectory(in)
			if err != nil {
				t.Fatal(err)
			}
			ego = tr[1].Pose
		}
		if got := ego.Y > 3.0; got != c.goal {
			t.Errorf("%s: after 8 s the ego is at y = %.2f; want in the goal's lane: %v", c.name, ego.Y, c.goal)
		}
	}
}

// The emergency brake at walking pace is tuplan_garage's: a trajectory backing away along the heading, so
// that nuPlan's LQR tracker, which commands about -0.9 m/s^2 per m/s of speed error against the speed it fits
// to the poses, brakes hard. Re-planned every tick from 1.5 m/s, the ego stops within 0.7 m and does not
// back up; a plan that stops in place (the fast branch's law) lets it roll about 1.7 m.
func TestPDMEmergencyBrakeStopsAtWalkingPace(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb3"}, Goal: geom.Pose{X: 510}}); err != nil {
		t.Fatal(err)
	}
	ctrl := dynamics.NewController(dynamics.Pacifica())
	st := dynamics.State{Pose: geom.Pose{X: 450}, Speed: 1.5}
	minSpeed := 0.0
	for k := 0; k < 40; k++ {
		st = ctrl.Step(st, p.brakeTrajectory(st, 0), 0.1)
		minSpeed = min(minSpeed, st.Speed)
	}
	if d := st.Pose.X - 450; d > 0.7 || math.Abs(st.Speed) > 0.02 || minSpeed < -0.05 {
		t.Errorf("from 1.5 m/s: rolled %.2f m, speed %.3f m/s after 4 s, lowest speed %.3f; want < 0.7 m, stopped, no backing up", d, st.Speed, minSpeed)
	}
	// The same ego tracking a stop in place for comparison.
	st = dynamics.State{Speed: 1.5}
	for k := 0; k < 40; k++ {
		stop := dynamics.Trajectory{{Time: st.Time, Pose: st.Pose}, {Time: st.Time + 8, Pose: st.Pose}}
		st = ctrl.Step(st, stop, 0.1)
	}
	t.Logf("stop in place: rolled %.2f m", st.Pose.X)
}

// For vehicle software, StopProfileBrake makes the low-speed emergency brake and the hold a stop along the
// heading: speeds never negative, poses never behind the ego, at rest within the distance the brake's
// deceleration gives. By default the brake is a line at a negative "correcting" speed (for nuPlan's tracker),
// which runs back behind the ego.
func TestPDMStopProfileBrake(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	for _, profile := range []bool{false, true} {
		p := NewPDM(PDMConfig{StopProfileBrake: profile})
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: []string{"rb3"}, Goal: geom.Pose{X: 510}}); err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{1.5, 0.15} {
			ego := dynamics.State{Time: 3, Pose: geom.Pose{X: 450, Y: 0.2, Heading: 0.05}, Speed: v}
			tr := p.brakeTrajectory(ego, 0)
			checkTrajectory(t, tr, 3)
			minV, back := math.Inf(1), 0.0
			for _, q := range tr {
				minV = min(minV, q.Speed)
				along := (q.Pose.X-ego.Pose.X)*math.Cos(ego.Pose.Heading) + (q.Pose.Y-ego.Pose.Y)*math.Sin(ego.Pose.Heading)
				back = min(back, along)
			}
			end := tr[len(tr)-1]
			travel := math.Hypot(end.Pose.X-ego.Pose.X, end.Pose.Y-ego.Pose.Y)
			if !profile {
				if minV >= 0 || back > -1 {
					t.Errorf("default brake from %.2f m/s: lowest speed %.2f, %.2f m behind the ego at most; want the negative correcting line", v, minV, -back)
				}
				continue
			}
			// The stop decelerates at 4.05 m/s^2 from 1.5 m/s (0.28 m) and at v/0.15 s at walking pace (1 cm of slack
			// for the 0.1 s steps).
			maxTravel := v * v / (2 * min(4.05, v/0.15))
			if minV < 0 || back < -1e-9 || end.Speed != 0 || travel > maxTravel+0.01 || math.Abs(end.Pose.Heading-0.05) > 1e-12 {
				t.Errorf("stop-profile brake from %.2f m/s: lowest speed %.3f, %.3f m behind, end speed %.3f after %.3f m (want at most %.3f), heading %.3f",
					v, minV, -back, end.Speed, travel, maxTravel, end.Pose.Heading)
			}
		}
	}
}

// Waiting at a red light: an ego creeping at 0.15 m/s towards its stop line is braked to rest (ModeHold)
// within about a second; tracking the waiting proposal itself, nuPlan's stopping controller (speed decaying at
// 0.5/s) would leave it moving above time-to-collision's 5 mm/s for about 7 s.
func TestPDMHoldsWhileWaiting(t *testing.T) {
	p, c := redLightFixture(t)
	ctrl := dynamics.NewController(dynamics.Pacifica())
	// The front bumper 1 m (the IDM's minimum gap) before the stop line at x = 80.
	st := dynamics.State{Pose: geom.Pose{X: 80 - 1 - dynamics.Pacifica().FrontLength}, Speed: 0.15}
	held, restAt := 0, -1.0
	for k := 0; k < 30; k++ {
		in := fixtureInput(st.Time, st.Pose, st.Speed, nil)
		in.Ego[0].Accel = st.Accel
		in.Lights = []LightStatus{{Lane: c, State: scenarios.Red}}
		tr, err := p.ComputeTrajectory(in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Decision().Mode == ModeHold {
			held++
		}
		st = ctrl.Step(st, tr, 0.1)
		if restAt < 0 && math.Abs(st.Speed) <= 0.005 {
			restAt = st.Time
		}
	}
	if held == 0 || restAt < 0 || restAt > 1.2 || math.Abs(st.Speed) > 0.005 {
		t.Errorf("held %d ticks, at rest (<= 5 mm/s) from t = %.1f s, speed %.4f m/s after 3 s; want held, at rest within 1.2 s and staying", held, restAt, st.Speed)
	}
	if p.Stats().Holds != held {
		t.Errorf("Stats().Holds %d, want %d", p.Stats().Holds, held)
	}
}

// An ego starting at rest with its rear axle behind the start of the first lane (where a recorded map was
// cut: NGSIM Peachtree) plans to move off at once: its proposals run straight back along the lane's first
// heading instead of holding at the lane's start, which the tracker read as a plan to stand still.
func TestPDMStartsBehindTheFirstLane(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route}); err != nil {
		t.Fatal(err)
	}
	// The lane starts at x = 0; the rear axle is 1 m before it, the footprint's centre on the lane.
	tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: -1}, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 0)
	if tr[0].Pose.X > -0.9 || tr[10].Pose.X <= tr[0].Pose.X+0.2 || tr[10].Speed < 0.5 {
		t.Errorf("plan from x = -1 at rest: x %.2f at 0 s, %.2f at 1 s, speed %.2f at 1 s; want starting at the ego and moving off", tr[0].Pose.X, tr[10].Pose.X, tr[10].Speed)
	}
}

// Behind a leader at the ego's own speed 1 s ahead (a time gap shorter than the 1.5 s headway, as highD
// drivers keep) PDM reopens the gap braking at most GapBrake (1 m/s^2), where the plain IDM plans 2.8 m/s^2
// within the first second; a slower leader, or a gap under half a second, still gets the IDM's full braking.
func TestPDMReopensAShortGapGently(t *testing.T) {
	const v = 25.0
	minAccel := func(cfg PDMConfig, leadV, timeGap float64) float64 {
		t.Helper()
		front := 20 + dynamics.Pacifica().FrontLength
		lead := fixtureCar("lead", front+timeGap*v+1+2.25, 0, 0, leadV) // bumper gap: min gap + timeGap*v
		return firstTickMinAccel(t, cfg, v, v, []scenarios.Object{lead}, 0, 10)
	}
	if a := minAccel(PDMConfig{}, v, 1.0); a < -1-1e-9 {
		t.Errorf("leader at the same speed 1 s ahead: braking %.2f m/s^2, want at most 1", -a)
	}
	if a := minAccel(PDMConfig{GapBrake: -1}, v, 1.0); a > -1.5 {
		t.Errorf("without GapBrake: braking %.2f m/s^2, want the IDM's harder braking", -a)
	}
	if a := minAccel(PDMConfig{}, v-5, 1.0); a > -1.5 {
		t.Errorf("leader 5 m/s slower: braking %.2f m/s^2, want the IDM's full braking", -a)
	}
	if a := minAccel(PDMConfig{}, v, 0.3); a > -1.5 {
		t.Errorf("leader 0.3 s ahead: braking %.2f m/s^2, want the IDM's full braking", -a)
	}
}

// A leader braking hard (its speed fell from 15 to 12 m/s over the last 0.5 s of the history) is forecast to
// go on braking until it stands, and the ego brakes for that at once; forecast at constant velocity it
// brakes later. A crossing car slowing down keeps the constant-velocity forecast (it may still cross).
func TestPDMForecastsABrakingLeader(t *testing.T) {
	const v = 15.0
	run := func(cfg PDMConfig, heading float64) (accel float64, p *PDM) {
		t.Helper()
		sc := fixtureScenario(1000, 10, v)
		p = NewPDM(cfg)
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
			t.Fatal(err)
		}
		in := &Input{Time: 0.5}
		for k := 0; k <= 5; k++ {
			tk := float64(k) * 0.1
			ego := geom.Pose{X: 20 + v*tk}
			in.Ego = append(in.Ego, dynamics.State{Time: tk, Pose: ego, Speed: v})
			lead := fixtureCar("lead", 20+40+v*tk-3*tk*tk, 0, heading, v-6*tk) // braking at 6 m/s^2
			if heading != 0 {
				lead.Box.Center.X, lead.Box.Center.Y = 20+40, 10-v*tk
			}
			lead.Track = 3
			in.Objects = append(in.Objects, []scenarios.Object{lead})
		}
		tr, err := p.ComputeTrajectory(in)
		if err != nil {
			t.Fatal(err)
		}
		return tr[5].Accel, p
	}
	braking, p := run(PDMConfig{}, 0)
	if p.objs[0].acc > -5 {
		t.Errorf("leader forecast deceleration %.2f m/s^2, want about -6", p.objs[0].acc)
	}
	steady, _ := run(PDMConfig{NoBrakingForecast: true}, 0)
	if !(braking < steady-0.5) {
		t.Errorf("acceleration after 0.5 s: %.2f m/s^2 with the braking forecast, %.2f without; want clearly harder braking with it", braking, steady)
	}
	if _, p := run(PDMConfig{}, -math.Pi/2); p.objs[0].acc != 0 {
		t.Errorf("crossing car forecast deceleration %.2f m/s^2, want 0 (constant velocity)", p.objs[0].acc)
	}
}

// The emergency brake brakes at EmergencyDecel (4 m/s^2) for a collision 1 to 2 s ahead, and at
// EmergencyHardDecel (6 m/s^2) when it is EmergencyHardTime (1 s) away or nearer.
func TestPDMEmergencyBrakeHarderWhenImminent(t *testing.T) {
	const v = 15.0
	brake := func(gap float64) (ttc, decel float64) {
		t.Helper()
		p, _ := newFixturePDM(t, 1000, PDMConfig{})
		ego := geom.Pose{X: 20}
		stopped := fixtureCar("stopped", ego.X+p.vehicle.FrontLength+gap+2.25, 0, 0, 0)
		tr, err := p.ComputeTrajectory(fixtureInput(0, ego, v, []scenarios.Object{stopped}))
		if err != nil {
			t.Fatal(err)
		}
		if p.Decision().Mode != ModeEmergency {
			t.Fatalf("gap %.0f m at %.0f m/s: mode %v, want the emergency brake", gap, v, p.Decision().Mode)
		}
		return p.Decision().TimeToCollide, -tr[0].Accel
	}
	if ttc, d := brake(8); !(ttc <= 1) || d != 6 {
		t.Errorf("collision in %.1f s: braking at %.1f m/s^2, want a collision within 1 s braked at 6", ttc, d)
	}
	if ttc, d := brake(20); !(ttc > 1 && ttc <= 2) || d != 4 {
		t.Errorf("collision in %.1f s: braking at %.1f m/s^2, want a collision 1-2 s ahead braked at 4", ttc, d)
	}
}

// At speed, eased proposals let the free road's braking (a speed above the limit) build up at
// EasedBrakeJerk, and the planner takes them; braking for a standing car is never eased.
func TestPDMEasesFreeRoadBrakingNotStops(t *testing.T) {
	const v = 25.0
	firstAccel := func(cfg PDMConfig, limit float64, objs []scenarios.Object) float64 {
		t.Helper()
		return firstTickMinAccel(t, cfg, v, limit, objs, 1, 5) // the first half second
	}
	off := PDMConfig{EasedBrakeJerk: -1}
	if a, hard := firstAccel(PDMConfig{}, 20, nil), firstAccel(off, 20, nil); a < -0.75-1e-9 || hard > -1.2 {
		t.Errorf("5 m/s above the limit: braking %.2f m/s^2 in the first 0.5 s eased, %.2f not; want at most 0.75 eased, more than 1.2 not", -a, -hard)
	}
	parked := []scenarios.Object{fixtureCar("parked", 20+60, 0, 0, 0)}
	if a, hard := firstAccel(PDMConfig{}, 30, parked), firstAccel(off, 30, parked); a != hard || a > -2 {
		t.Errorf("car standing 60 m ahead: braking %.2f m/s^2 with eased proposals, %.2f without; want the same full braking", -a, -hard)
	}
}

// firstTickMinAccel plans one tick on fixtureScenario's road (every lane's speed limit set to limit) with the
// ego at rear-axle x=20 at speed v among objs, and returns the lowest acceleration of the trajectory's
// points from to to (inclusive).
func firstTickMinAccel(t *testing.T, cfg PDMConfig, v, limit float64, objs []scenarios.Object, from, to int) float64 {
	t.Helper()
	sc := fixtureScenario(1000, 10, v)
	for i := range sc.Map.Lanes {
		sc.Map.Lanes[i].SpeedLimit = limit
	}
	p := NewPDM(cfg)
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
		t.Fatal(err)
	}
	tr, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 20}, v, objs))
	if err != nil {
		t.Fatal(err)
	}
	a := math.Inf(1)
	for _, pt := range tr[from : to+1] {
		a = min(a, pt.Accel)
	}
	return a
}

// A car drifting across the next lane towards its centre is forecast to stop drifting there (laneDriftForecast):
// PDM keeps its speed beside it, where at constant velocity (PDM-Closed's forecast) the car would cut into the
// ego's lane and PDM would slow down for it. A car drifting past its lane's centre towards the ego's lane is
// still forecast into the ego's lane.
// bendMap is a two-way road: the ego's lane "a" runs along +X from x=0 to 40, then bends left around
// (40, 50) with radius 50 for a quarter turn, to (90, 50); the oncoming lane "o" runs 3.5 m to its left, the
// other way.
func bendMap() scenarios.Map {
	var c []geom.Vec2
	for x := 0.0; x < 40; x += 2 {
		c = append(c, geom.V(x, 0))
	}
	for k := 0; k <= 40; k++ {
		a := -math.Pi/2 + float64(k)/40*math.Pi/2
		c = append(c, geom.V(40+50*math.Cos(a), 50+50*math.Sin(a)))
	}
	pl := geom.NewPolyline(c)
	lane := func(id string, lat float64, reverse bool) scenarios.Lane {
		l := scenarios.Lane{ID: id, Roadblock: "rb_" + id, Centerline: pl.Offset(lat), Left: pl.Offset(lat + 1.75),
			Right: pl.Offset(lat - 1.75), SpeedLimit: 15}
		if reverse {
			l.Left, l.Right = l.Right, l.Left
			slices.Reverse(l.Centerline)
			slices.Reverse(l.Left)
			slices.Reverse(l.Right)
		}
		return l
	}
	return scenarios.Map{
		Lanes:      []scenarios.Lane{lane("a", 0, false), lane("o", 3.5, true)},
		Roadblocks: []scenarios.Roadblock{{ID: "rb_a", Lanes: []string{"a"}}, {ID: "rb_o", Lanes: []string{"o"}}},
	}
}

// TestPDMCurveForecast: a car coming round the bend on the oncoming lane is forecast along its lane; straight
// ahead at constant velocity it would cut across the ego's lane.
func TestPDMCurveForecast(t *testing.T) {
	m := bendMap()
	// The oncoming car, 46.5 m from the bend's centre at -45 degrees, heading round the bend towards the
	// straight at 12 m/s.
	ang := -math.Pi / 4
	car := fixtureCar("oncoming", 40+46.5*math.Cos(ang), 50+46.5*math.Sin(ang), ang-math.Pi/2, 12)
	plan := func(cfg PDMConfig) *PDM {
		p := NewPDM(cfg)
		if err := p.Initialize(Initialization{Map: &m, Route: []string{"rb_a"}, DT: 0.1}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 30}, 12, []scenarios.Object{car})); err != nil {
			t.Fatal(err)
		}
		return p
	}
	onLane := func(q geom.Vec2) float64 { // distance from the oncoming lane's centre
		if q.X < 40 {
			return math.Abs(q.Y - 3.5)
		}
		return math.Abs(q.Dist(geom.V(40, 50)) - 46.5)
	}
	p := plan(PDMConfig{})
	o := &p.objs[0]
	if o.curve == nil {
		t.Fatal("the oncoming car on the bend has no curve forecast")
	}
	for _, tt := range []float64{1, 2, 3, 4} {
		if q := o.at(tt); onLane(q) > 0.15 {
			t.Errorf("at %.0f s the forecast centre %v is %.2f m off the oncoming lane's centre", tt, q, onLane(q))
		}
		if d := o.at(tt).Dist(o.at(tt - 1)); math.Abs(d-12) > 0.3 {
			t.Errorf("the forecast covers %.2f m in the second to %.0f s, want 12", d, tt)
		}
	}
	if h := o.heading(2.5); math.Abs(geom.AngleDiff(h, math.Pi)) > 0.15 {
		t.Errorf("heading at 2.5 s (on the straight) %.3f, want about pi", h)
	}
	if d := p.Decision(); d.Mode != ModeProposal || d.TargetSpeed < 12 {
		t.Errorf("decision %+v, want a proposal at full speed: the car stays in its lane", d)
	}
	p = plan(PDMConfig{NoCurveForecast: true})
	if o := &p.objs[0]; o.curve != nil || onLane(o.at(2)) < 2 {
		t.Errorf("NoCurveForecast: the forecast at 2 s is %.2f m off the lane, want the straight line across the road", onLane(o.at(2)))
	}
	// On a straight lane, and below curveMinSpeed, the constant velocity stays.
	p = plan(PDMConfig{})
	for _, c := range []scenarios.Object{fixtureCar("straight", 20, 3.5, math.Pi, 12), fixtureCar("slow", car.Box.Center.X, car.Box.Center.Y, car.Box.Center.Heading, 3)} {
		if _, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 30}, 12, []scenarios.Object{c})); err != nil {
			t.Fatal(err)
		}
		if p.objs[0].curve != nil {
			t.Errorf("%s: curve forecast, want constant velocity", c.ID)
		}
	}
}

func TestPDMLaneDriftForecast(t *testing.T) {
	// Lane b is left of the ego's lane a; the car is 0.7 m left of b's centre, moving right at 1.2 m/s.
	drifter := fixtureCar("drifter", 24, 4.2, -0.2, 6)
	egoX := 10.0
	plan := func(cfg PDMConfig, objs ...scenarios.Object) (*PDM, PDMDecision) {
		p, _ := newFixturePDM(t, 300, cfg)
		if _, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: egoX}, 10, objs)); err != nil {
			t.Fatal(err)
		}
		return p, p.Decision()
	}
	p, d := plan(PDMConfig{}, drifter)
	if d.TargetSpeed != 15 || d.Offset != 0 {
		t.Errorf("drift forecast: decision %+v, want the centerline at 15 m/s beside the car settling in its lane", d)
	}
	if q := p.objs[0].at(4); math.Abs(q.Y-3.5) > 0.05 {
		t.Errorf("drift forecast: the car's centre at 4 s is %v, want on lane b's centre (y 3.5)", q)
	}
	if _, d := plan(PDMConfig{NoLaneDriftForecast: true}, drifter); d.TargetSpeed >= 15 && d.Offset == 0 {
		t.Errorf("constant velocity: decision %+v, want PDM to slow down or move away for the forecast cut-in", d)
	}
	// Past lane b's centre and moving on towards lane a: forecast to a's centre.
	p, _ = plan(PDMConfig{}, fixtureCar("changer", 60, 3.0, -0.2, 6))
	if q := p.objs[0].at(4); math.Abs(q.Y) > 0.05 {
		t.Errorf("a car changing into the ego's lane: centre at 4 s is %v, want on lane a's centre (y 0)", q)
	}
	// In a junction (a connector) the forecast stays at constant velocity.
	egoX = 290
	p, _ = plan(PDMConfig{}, fixtureCar("turning", 305, 3.0, -0.2, 6))
	if o := p.objs[0]; !math.IsInf(o.tEnd, 1) {
		t.Errorf("a car on a connector: drift ends at %.2f s, want constant velocity", o.tEnd)
	}
}
