package planner_test

import (
	"math"
	"reflect"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// recorder wraps a PDM and keeps its decision at every tick, and optionally feeds it guidance.
type recorder struct {
	*planner.PDM
	decisions []planner.PDMDecision
	guide     func(in *planner.Input) *planner.Guidance
}

func (r *recorder) ComputeTrajectory(in *planner.Input) (dynamics.Trajectory, error) {
	if r.guide != nil {
		in.Guidance = r.guide(in)
	}
	tr, err := r.PDM.ComputeTrajectory(in)
	r.decisions = append(r.decisions, r.PDM.Decision())
	return tr, err
}

func newRecorder() *recorder { return &recorder{PDM: planner.NewPDM(planner.PDMConfig{})} }

func run(t *testing.T, sc *scenarios.Scenario, p planner.Planner, mode sim.AgentMode) *sim.Result {
	t.Helper()
	res, err := sim.Run(sc, p, sim.Config{Agents: mode})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var modes = []sim.AgentMode{sim.NonReactive, sim.Reactive}

func frontX(s dynamics.State) float64 {
	b := dynamics.Pacifica().Footprint(s.Pose)
	return b.Center.X + b.Length/2
}

func TestPDMClosedLoopStopsBehindStoppedCar(t *testing.T) {
	for _, mode := range modes {
		sc := planner.FixtureScenario(300, 10, 10, planner.FixtureTrack("parked", 80, 0, 0, 0, 231))
		res := run(t, sc, newRecorder(), mode)
		end := res.Ego[len(res.Ego)-1]
		gap := (80 - 2.25) - frontX(end)
		if gap < 0.5 || gap > 6 || end.Speed > 0.2 {
			t.Errorf("%s: stopped %.2f m behind the parked car at %.2f m/s, want 0.5..6 m and standing", mode, gap, end.Speed)
		}
		if m := res.Metrics; m.NoAtFaultCollisions != 1 || m.NumCollisions != 0 || m.DrivableAreaCompliance != 1 {
			t.Errorf("%s: metrics %+v", mode, m)
		}
	}
}

func TestPDMClosedLoopFollowsSlowerLead(t *testing.T) {
	for _, mode := range modes {
		sc := planner.FixtureScenario(300, 10, 10, planner.FixtureTrack("lead", 40, 0, 0, 5, 231))
		res := run(t, sc, newRecorder(), mode)
		m := res.Metrics
		if m.NumCollisions != 0 || m.TimeToCollisionWithinBound != 1 {
			t.Errorf("%s: collisions %d, TTC %v (min %.2f s)", mode, m.NumCollisions, m.TimeToCollisionWithinBound, m.MinTTC)
		}
		if mode == sim.Reactive {
			continue // the lead is then an IDM agent that speeds up to the limit
		}
		end := res.Ego[len(res.Ego)-1]
		if math.Abs(end.Speed-5) > 0.7 {
			t.Errorf("%s: ends at %.2f m/s behind a 5 m/s lead", mode, end.Speed)
		}
		lead := res.Objects[len(res.Objects)-1][0].Box
		gap := lead.Center.X - lead.Length/2 - frontX(end)
		if gap < 3 || gap > 20 {
			t.Errorf("%s: ends %.2f m behind the lead, want a following gap of 3..20 m", mode, gap)
		}
		if m.Score < 0.8 {
			t.Errorf("%s: score %.3f", mode, m.Score)
		}
	}
}

// A parked car sticks 1.35 m into the ego's lane from the right: the centerline is blocked, the path 1 m to
// the left clears it by 0.2 m and stays on the road (lane b is to the left), so the planner nudges past.
func TestPDMClosedLoopNudgesAroundBlockingCar(t *testing.T) {
	blocker := planner.FixtureTrack("blocker", 60, -1.4, 0, 0, 231)
	for _, mode := range modes {
		rec := newRecorder()
		sc := planner.FixtureScenario(300, 10, 8, blocker)
		res := run(t, sc, rec, mode)
		m := res.Metrics
		if m.NumCollisions != 0 || m.DrivableAreaCompliance != 1 {
			t.Errorf("%s: collisions %d, drivable %v: %+v", mode, m.NumCollisions, m.DrivableAreaCompliance, m.CollisionList())
		}
		if end := res.Ego[len(res.Ego)-1]; end.Pose.X < 90 {
			t.Errorf("%s: ego ends at x=%.1f, want past the blocker at x=60", mode, end.Pose.X)
		}
		nudged := false
		for _, d := range rec.decisions {
			nudged = nudged || d.Offset == 1
		}
		if !nudged {
			t.Errorf("%s: never chose the +1 m offset path", mode)
		}
		// The ego passes the blocker left of the centerline, and comes back afterwards.
		maxY := 0.0
		for _, s := range res.Ego {
			if x := s.Pose.X; x > 50 && x < 65 {
				maxY = max(maxY, s.Pose.Y)
			}
		}
		if maxY < 0.5 {
			t.Errorf("%s: largest offset passing the blocker %.2f m, want about 1", mode, maxY)
		}
		if y := res.Ego[len(res.Ego)-1].Pose.Y; math.Abs(y) > 0.3 {
			t.Errorf("%s: ends %.2f m off the centerline", mode, y)
		}
	}
}

func TestPDMClosedLoopRedThenGreen(t *testing.T) {
	for _, mode := range modes {
		sc := planner.FixtureScenario(80, 10, 8)
		sc.Map = planner.FixtureMap(80, scenarios.LightPhase{Start: 0, State: scenarios.Red}, scenarios.LightPhase{Start: 11, State: scenarios.Green})
		s, err := sim.New(sc, newRecorder(), sim.Config{Agents: mode})
		if err != nil {
			t.Fatal(err)
		}
		maxFront := 0.0
		for s.Iteration() < 110 { // until t = 11 s, the light red
			if err := s.Step(); err != nil {
				t.Fatal(err)
			}
			maxFront = max(maxFront, frontX(s.Ego()[len(s.Ego())-1]))
		}
		waiting := s.Ego()[len(s.Ego())-1]
		if maxFront > 80 || maxFront < 74 || waiting.Speed > 0.5 {
			t.Errorf("%s: red until 11 s: front got to x=%.2f, %.2f m/s at 11 s; want stopped before the stop line at 80", mode, maxFront, waiting.Speed)
		}
		for !s.Done() {
			if err := s.Step(); err != nil {
				t.Fatal(err)
			}
		}
		if end := s.Ego()[len(s.Ego())-1]; frontX(end) < maxFront+4 || end.Speed < 2 {
			t.Errorf("%s: 4 s after the light turned green the front is at x=%.1f, %.2f m/s; want driving on", mode, frontX(end), end.Speed)
		}
	}
}

// A car in the left lane swerves into the ego's lane just ahead of it: every proposal collides within 2 s, so
// the planner brakes harder than its proposals can (IDM: 3 m/s^2), and avoids the collision.
func TestPDMClosedLoopEmergencyBrakeForCutIn(t *testing.T) {
	cut := planner.FixtureTrack("cutin", 21, 3.5, -0.55, 3, 231)
	rec := newRecorder()
	sc := planner.FixtureScenario(300, 10, 7.5, cut)
	res := run(t, sc, rec, sim.NonReactive)
	first := -1
	for i, d := range rec.decisions {
		if d.Mode == planner.ModeEmergency {
			first = i
			break
		}
	}
	if first < 0 || first > 5 {
		t.Fatalf("first emergency brake at tick %d, want within the first 0.5 s", first)
	}
	minAcc := 0.0
	for _, s := range res.Ego[first : first+12] {
		minAcc = min(minAcc, s.Accel)
	}
	if minAcc > -3.3 {
		t.Errorf("hardest braking %.2f m/s^2 after the emergency brake, want below -3.3", minAcc)
	}
	if res.Metrics.NumCollisions != 0 {
		t.Errorf("collisions: %+v", res.Metrics.CollisionList())
	}
}

func TestPDMClosedLoopDeterministic(t *testing.T) {
	mk := func() *scenarios.Scenario {
		return planner.FixtureScenario(300, 10, 10,
			planner.FixtureTrack("lead", 40, 0, 0, 6, 231),
			planner.FixtureTrack("side", 25, 3.5, 0, 11, 231),
			planner.FixtureTrack("blocker", 150, -1.4, 0, 0, 231))
	}
	for _, mode := range modes {
		a, b := run(t, mk(), newRecorder(), mode), run(t, mk(), newRecorder(), mode)
		if !reflect.DeepEqual(a.Ego, b.Ego) || !reflect.DeepEqual(a.Plans, b.Plans) || a.Metrics != b.Metrics {
			t.Errorf("%s: two runs differ", mode)
		}
	}
}

// With guidance to change to the left lane, the ego moves to lane b, the centerline follows it there, and the
// run has no collision.
func TestPDMClosedLoopGuidedLaneChange(t *testing.T) {
	for _, mode := range modes {
		rec := newRecorder()
		rec.guide = func(in *planner.Input) *planner.Guidance {
			return &planner.Guidance{Time: in.Time - 0.3, Lane: planner.LaneChangeLeft}
		}
		sc := planner.FixtureScenario(300, 10, 10, planner.FixtureTrack("slow", 50, 0, 0, 4, 231))
		res := run(t, sc, rec, mode)
		end := res.Ego[len(res.Ego)-1]
		if math.Abs(end.Pose.Y-3.5) > 0.3 {
			t.Errorf("%s: ends at y=%.2f, want in lane b (y=3.5)", mode, end.Pose.Y)
		}
		if res.Metrics.NumCollisions != 0 || res.Metrics.DrivableAreaCompliance != 1 {
			t.Errorf("%s: %+v", mode, res.Metrics)
		}
		if rec.Stats().Reanchors < 1 {
			t.Errorf("%s: the centerline was not moved to the new lane", mode)
		}
		left := 0
		for _, d := range rec.decisions {
			if d.Path == planner.PathLeftLane {
				left++
			}
		}
		if left == 0 {
			t.Errorf("%s: never chose a left-lane proposal", mode)
		}
	}
}

// On a road whose lanes are short segments (15 m: a lane change at 13 m/s spans five of them), a guided
// lane change goes on from segment to segment instead of starting over at each: the ego is in the left lane
// within 6 s of the guidance asking for it, and once the guide says "keep" it stays there.
func TestPDMClosedLoopLaneChangeAcrossLaneSegments(t *testing.T) {
	m, route := planner.SegmentedMap(40, 15)
	sc := &scenarios.Scenario{Version: scenarios.FormatVersion, ID: "segments", Type: "changing_lane", DT: 0.1,
		Horizon: 15, Map: m, Route: route, Expert: planner.FixtureCruise(10, 0, 13, 151), Goal: geom.Pose{X: 590}}
	for _, mode := range modes {
		rec := newRecorder()
		const ask, keep = 1.0, 6.0 // the guide asks for the left lane from 1 s, for "keep" from 6 s
		rec.guide = func(in *planner.Input) *planner.Guidance {
			switch {
			case in.Time < ask:
				return nil
			case in.Time < keep:
				return &planner.Guidance{Time: in.Time, Lane: planner.LaneChangeLeft}
			}
			return &planner.Guidance{Time: in.Time, Lane: planner.LaneKeep}
		}
		res := run(t, sc, rec, mode)
		arrived := -1.0
		for _, e := range res.Ego {
			if arrived < 0 && math.Abs(e.Pose.Y-3.5) < 0.3 {
				arrived = e.Time
			}
		}
		end := res.Ego[len(res.Ego)-1]
		if arrived < 0 || arrived > ask+6 {
			t.Errorf("%s: in the left lane at %.1f s (asked at %.1f s), want within 6 s; ends at y=%.2f", mode, arrived, ask, end.Pose.Y)
		}
		if math.Abs(end.Pose.Y-3.5) > 0.3 {
			t.Errorf("%s: ends at y=%.2f, want in the left lane (y=3.5)", mode, end.Pose.Y)
		}
		if res.Metrics.NumCollisions != 0 || res.Metrics.DrivableAreaCompliance != 1 || res.Metrics.Comfortable != 1 {
			t.Errorf("%s: %+v", mode, res.Metrics)
		}
	}
}

// The planner takes over at 25 m/s 0.4 s behind a car at the same speed (as a recorded motorway run starts
// where the driver followed closely). Every proposal brakes to reopen the gap; braking at once, nuPlan's
// tracker turned that into a longitudinal jerk beyond the comfort bound. The eased proposals brake as
// much, building up at PDMConfig.EasedBrakeJerk: the run is comfortable and the gap reopens all the same.
func TestPDMClosedLoopEasesIntoBrakingAtSpeed(t *testing.T) {
	const v = 25.0
	lead := planner.FixtureTrack("lead", 10+dynamics.Pacifica().FrontLength+0.4*v+2.25, 0, 0, v, 231)
	drive := func(p *planner.PDM) *sim.Result {
		t.Helper()
		sc := planner.FixtureScenario(1500, 10, v, lead)
		for i := range sc.Map.Lanes {
			sc.Map.Lanes[i].SpeedLimit = 30
		}
		return run(t, sc, p, sim.NonReactive)
	}
	pdm := planner.NewPDM(planner.PDMConfig{})
	res := drive(pdm)
	m := res.Metrics
	if m.Comfortable != 1 || m.NoAtFaultCollisions != 1 || m.NumCollisions != 0 {
		t.Errorf("comfortable %v, no at-fault collision %v, collisions %d; want comfortable and none (lon jerk %.2f)",
			m.Comfortable, m.NoAtFaultCollisions, m.NumCollisions, m.Comfort.MaxAbsLonJerk)
	}
	if n := pdm.Stats().Eased; n == 0 {
		t.Errorf("no tick took an eased proposal")
	}
	last := res.ScoredFrames - 1
	if gap := (lead.States[last].Pose.X - 2.25 - frontX(res.Ego[last])) / v; gap < 1 {
		t.Errorf("time gap after 15 s %.2f s, want the gap reopened to at least 1 s", gap)
	}
	if off := drive(planner.NewPDM(planner.PDMConfig{EasedBrakeJerk: -1})).Metrics; off.Comfortable == 1 {
		t.Logf("comfortable without eased proposals too (lon jerk %.2f)", off.Comfort.MaxAbsLonJerk)
	} else {
		t.Logf("without eased proposals: lon jerk %.2f, %.2f with them", off.Comfort.MaxAbsLonJerk, m.Comfort.MaxAbsLonJerk)
	}
}

// The builtin following_lane_with_lead/0 has a parked car sticking out into the ego's lane 20-55 m ahead,
// which the lead and the expert pass by nudging left. IDM, which follows whatever is in its path, stops
// behind it; PDM passes it on a lateral offset, as the expert does.
func TestPDMPassesKerbObstacleIDMStopsBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pdm", "idm"} {
		p, err := planner.New(name, sc)
		if err != nil {
			t.Fatal(err)
		}
		m := run(t, sc, p, sim.NonReactive).Metrics
		if m.NoAtFaultCollisions != 1 || m.DrivableAreaCompliance != 1 {
			t.Errorf("%s: at-fault collisions %v, drivable area %v", name, m.NoAtFaultCollisions, m.DrivableAreaCompliance)
		}
		switch ratio := m.ProgressAlongExpertRoute; {
		case name == "pdm" && ratio < 0.9:
			t.Errorf("pdm: progress %.2f of the expert's, want it past the obstacle (>= 0.9)", ratio)
		case name == "idm" && ratio > 0.5:
			t.Errorf("idm: progress %.2f of the expert's, want it held up behind the obstacle (<= 0.5)", ratio)
		}
	}
}

// TestPDMChangesLanesToStayOnTheRoute: in this builtin changing_lane scenario the ego starts in a lane that
// has no connector for the route's movement at the junction ahead, as a lane that turns off where the route
// goes on. IDM, like nuPlan's, follows its lane to the stop line and stays there; PDM moves over to the lane
// from which the route goes on and drives the route as the expert did.
func TestPDMChangesLanesToStayOnTheRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	sc, err := gen.Generate("changing_lane", 4, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	mx := sc.Map.Index()
	foot := dynamics.Pacifica().Footprint(sc.Expert[0].Pose)
	start := mx.RouteLanes(sc.Route, foot.Center, 30)
	if last := start[len(start)-1]; mx.Lane(last).Roadblock == sc.Route[len(sc.Route)-1] {
		t.Fatalf("%s: the ego's lane follows the route to its end; the test needs a lane that leaves it", sc.ID)
	}
	pdm := planner.NewPDM(planner.PDMConfig{})
	m := run(t, sc, pdm, sim.NonReactive).Metrics
	if m.NoAtFaultCollisions != 1 || m.ProgressAlongExpertRoute < 0.95 {
		t.Errorf("pdm: at-fault collisions %v, progress %.2f of the expert's, want none and >= 0.95", m.NoAtFaultCollisions, m.ProgressAlongExpertRoute)
	}
	if pdm.Stats().RouteLaneChanges == 0 {
		t.Error("pdm: no tick planned a lane change back onto the route")
	}
	idmP, err := planner.New("idm", sc)
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, sc, idmP, sim.NonReactive).Metrics.ProgressAlongExpertRoute; r > 0.6 {
		t.Errorf("idm: progress %.2f of the expert's, want it stopped at the end of its lane (<= 0.6)", r)
	}
}

// TestPDMTakesOverFromABrakingDriverComfortably: in these builtin scenarios the recorded driver is braking
// when PDM takes over, and PDM's proposals accelerate. Rising from the driver's braking at up to 2.5 m/s^3 at
// once, the jerk nuPlan's metric estimates over the first 1.5 s is above its bound of 4.13 m/s^3; easing in
// from 0.5 m/s^3 (PDMConfig.TakeoverJerk) keeps the runs comfortable.
func TestPDMTakesOverFromABrakingDriverComfortably(t *testing.T) {
	for _, c := range []struct {
		typ string
		idx int
	}{{"waiting_for_pedestrian_to_cross", 1}, {"following_lane_with_lead", 0}} {
		sc, err := gen.Generate(c.typ, c.idx, gen.DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		if a := sc.Expert[0].Accel; a > -0.5 {
			t.Fatalf("%s: the expert accelerates at %.2f m/s^2 at the start, want a braking driver to take over from", sc.ID, a)
		}
		if m := run(t, sc, planner.NewPDM(planner.PDMConfig{}), sim.NonReactive).Metrics; m.Comfortable != 1 {
			t.Errorf("%s: uncomfortable run (metrics %+v)", sc.ID, m)
		}
		if m := run(t, sc, planner.NewPDM(planner.PDMConfig{TakeoverJerk: -1}), sim.NonReactive).Metrics; m.Comfortable != 0 {
			t.Errorf("%s: comfortable without the takeover limit: the test no longer shows the jerk at takeover", sc.ID)
		}
	}
}

// TestPDMForecastsOncomingCarsAlongTheBend: on the S-bends of these builtin scenarios an oncoming car,
// forecast straight ahead at constant velocity, crosses into the ego's lane; PDM-Closed's forecast made the
// ego brake hard for it (an emergency brake, run 1) or slow where it fails time to collision (run 19) though
// the car kept to its own lane. Forecast along its lane (curveForecast), it passes, and both runs meet time to
// collision and comfort.
func TestPDMForecastsOncomingCarsAlongTheBend(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	for _, idx := range []int{1, 19} {
		sc, err := gen.Generate("high_lateral_acceleration", idx, gen.DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		pdm := planner.NewPDM(planner.PDMConfig{})
		m := run(t, sc, pdm, sim.NonReactive).Metrics
		if n := pdm.Stats().Emergencies; n != 0 {
			t.Errorf("%s: %d ticks braked in an emergency, want none", sc.ID, n)
		}
		if m.TimeToCollisionWithinBound != 1 || m.Comfortable != 1 || m.NoAtFaultCollisions != 1 {
			t.Errorf("%s: metrics %+v, want time to collision, comfort and no at-fault collision", sc.ID, m)
		}
		straight := planner.NewPDM(planner.PDMConfig{NoCurveForecast: true})
		ms := run(t, sc, straight, sim.NonReactive).Metrics
		if straight.Stats().Emergencies == 0 && ms.TimeToCollisionWithinBound == 1 {
			t.Errorf("%s: with the straight forecast no emergency brake and time to collision met: the test no longer shows the bend", sc.ID)
		}
	}
}

// A lower limit ahead: on fixtureMap the road beyond the junction (lanes d and e) is posted at 10 m/s, the
// approach and the junction's connectors at 15, and the ego cruises at 15. PDM slows down before lane d
// begins, so that it enters it at the lower limit and complies with it all the way; with NoLimitAhead
// (tuplan_garage's proposals, which follow the current lane's limit alone) it brakes only once it is in
// lane d, above its limit, and loses speed-limit compliance.
func TestPDMClosedLoopSlowsForALowerLimitAhead(t *testing.T) {
	const length = 140.0
	entry := func(cfg planner.PDMConfig) (float64, float64) {
		t.Helper()
		sc := planner.FixtureScenario(length, 10, 15)
		for i, l := range sc.Map.Lanes {
			switch l.ID {
			case "c", "c2":
				sc.Map.Lanes[i].SpeedLimit = 15
			case "d", "e":
				sc.Map.Lanes[i].SpeedLimit = 10
			}
		}
		res := run(t, sc, planner.NewPDM(cfg), sim.NonReactive)
		for _, s := range res.Ego[:res.ScoredFrames] {
			if dynamics.Pacifica().Footprint(s.Pose).Center.X >= length+20 {
				return s.Speed, res.Metrics.SpeedLimitCompliance
			}
		}
		t.Fatalf("the ego never reached lane d at x=%v", length+20)
		return 0, 0
	}
	v, compliance := entry(planner.PDMConfig{})
	if v > 10.05 || compliance != 1 {
		t.Errorf("entered the 10 m/s lane at %.2f m/s, speed-limit compliance %.3f; want at most the limit and 1", v, compliance)
	}
	vOff, complianceOff := entry(planner.PDMConfig{NoLimitAhead: true})
	if vOff < 12 || complianceOff >= 0.99 {
		t.Errorf("without looking ahead: entered at %.2f m/s, compliance %.3f; want above the limit, as tuplan_garage's PDM", vOff, complianceOff)
	}
	t.Logf("entry speed %.2f m/s (compliance %.3f), %.2f (%.3f) without looking ahead", v, compliance, vOff, complianceOff)
}
