package planner

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// straightMap is one 300 m lane "a" along +X (y=0) into a 20 m connector "c" with light "tl", then lane "d".
func straightMap() scenarios.Map {
	lane := func(id, rb string, x0, x1 float64) scenarios.Lane {
		var c, l, r []geom.Vec2
		for x := x0; x <= x1+1e-9; x += 5 {
			c = append(c, geom.V(x, 0))
			l = append(l, geom.V(x, 1.75))
			r = append(r, geom.V(x, -1.75))
		}
		return scenarios.Lane{ID: id, Roadblock: rb, Centerline: c, Left: l, Right: r, SpeedLimit: 12}
	}
	a, c, d := lane("a", "rb1", 0, 300), lane("c", "rb2", 300, 320), lane("d", "rb3", 320, 500)
	a.Successors, c.Successors, c.Connector = []string{"c"}, []string{"d"}, true
	return scenarios.Map{
		Lanes: []scenarios.Lane{a, c, d},
		Roadblocks: []scenarios.Roadblock{
			{ID: "rb1", Lanes: []string{"a"}}, {ID: "rb2", Lanes: []string{"c"}, Connector: true}, {ID: "rb3", Lanes: []string{"d"}},
		},
		TrafficLights: []scenarios.TrafficLight{{ID: "tl", Connectors: []string{"c"}, Phases: []scenarios.LightPhase{{State: scenarios.Red}}}},
	}
}

func idmInput(x, v float64, objs []scenarios.Object, lights []LightStatus) *Input {
	return &Input{
		Time:    3,
		Ego:     []dynamics.State{{Time: 3, Pose: geom.Pose{X: x}, Speed: v}},
		Objects: [][]scenarios.Object{objs},
		Lights:  lights,
	}
}

func newTestIDM(t *testing.T) *IDM {
	t.Helper()
	m := straightMap()
	p := NewIDM(IDMConfig{})
	if err := p.Initialize(Initialization{Map: &m, Route: []string{"rb1", "rb2", "rb3"}, Vehicle: dynamics.Pacifica(), DT: 0.1}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIDMTrajectoryShape(t *testing.T) {
	p := newTestIDM(t)
	traj, err := p.ComputeTrajectory(idmInput(10, 8, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	// nuPlan's IDM planner: the current state and 16 samples 0.5 s apart (8 s).
	if len(traj) != 17 || math.Abs(traj[0].Time-3) > 1e-9 || math.Abs(traj[16].Time-11) > 1e-9 {
		t.Fatalf("trajectory has %d points from %.1f s to %.1f s, want 17 from 3 to 11", len(traj), traj[0].Time, traj[len(traj)-1].Time)
	}
	for k := 1; k < len(traj); k++ {
		if traj[k].Pose.X < traj[k-1].Pose.X || math.Abs(traj[k].Pose.Y) > 1e-9 {
			t.Fatalf("point %d at %+v: want monotone progress along the lane centre", k, traj[k].Pose)
		}
	}
	// Free road: speeds up towards the 12 m/s speed limit at no more than 1 m/s^2.
	if v := traj[16].Speed; v <= 8 || v > 12+1e-9 {
		t.Errorf("speed after 8 s = %.2f, want in (8, 12]", v)
	}
	if a := traj[1].Accel; a > 1+1e-9 {
		t.Errorf("acceleration %.2f exceeds nuPlan's accel_max 1.0", a)
	}
}

func TestIDMStopsForObstaclesAndRedLights(t *testing.T) {
	foot := dynamics.Pacifica()
	stopped := scenarios.Object{ID: "car", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: 45}, Length: 4.5, Width: 2}}
	offLane := stopped
	offLane.Box.Center.Y = 4 // in the next lane: ignored
	cases := []struct {
		name   string
		objs   []scenarios.Object
		lights []LightStatus
		limit  float64 // x the ego's front bumper must not pass
		free   bool
	}{
		{"stopped car ahead", []scenarios.Object{stopped}, nil, 45 - 2.25, false},
		{"car in the next lane", []scenarios.Object{offLane}, nil, 0, true},
		{"red light", nil, []LightStatus{{Lane: 1, State: scenarios.Red}}, 300, false},
		{"green light", nil, []LightStatus{{Lane: 1, State: scenarios.Green}}, 0, true},
	}
	for _, c := range cases {
		p := newTestIDM(t)
		x0 := 10.0
		if c.lights != nil {
			x0 = 250
		}
		traj, err := p.ComputeTrajectory(idmInput(x0, 8, c.objs, c.lights))
		if err != nil {
			t.Fatal(err)
		}
		end := traj[len(traj)-1]
		front := foot.Footprint(end.Pose)
		frontX := front.Center.X + front.Length/2
		if c.free {
			if end.Speed < 8 {
				t.Errorf("%s: slowed to %.2f m/s on a free road", c.name, end.Speed)
			}
			continue
		}
		if frontX > c.limit || end.Speed > 1 {
			t.Errorf("%s: ends with the front at x=%.2f at %.2f m/s, want stopped before x=%.2f", c.name, frontX, end.Speed, c.limit)
		}
	}
}

// TestNuPlanIDM: idm_nuplan is nuPlan's IDM planner as nuPlan runs it. One Euler step per 0.5 s sample
// advances the position at the speed the sample starts with, so at speed its plan runs into a stopped car
// that the finer-integrated idm stops behind; and a car touching the ego from behind is its leader, at
// distance 0, so it plans to stop where idm drives on.
func TestNuPlanIDM(t *testing.T) {
	m := straightMap()
	init := Initialization{Map: &m, Route: []string{"rb1", "rb2", "rb3"}, Vehicle: dynamics.Pacifica(), DT: 0.1}
	plan := func(p *IDM, x, v float64, objs []scenarios.Object) dynamics.Trajectory {
		t.Helper()
		if err := p.Initialize(init); err != nil {
			t.Fatal(err)
		}
		traj, err := p.ComputeTrajectory(idmInput(x, v, objs, nil))
		if err != nil {
			t.Fatal(err)
		}
		return traj
	}
	if got := NewNuPlanIDM().Name(); got != "idm_nuplan" {
		t.Errorf("Name() = %q, want idm_nuplan", got)
	}
	if p, err := New("idm_nuplan", &scenarios.Scenario{}); err != nil || p.Name() != "idm_nuplan" {
		t.Errorf("registry: %v, %v", p, err)
	}
	veh := dynamics.Pacifica()
	// A stopped car 25 m ahead of the front bumper, the ego at 12 m/s: the IDM's 3 m/s^2 just stop it.
	stopped := []scenarios.Object{{ID: "car", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: 10 + veh.FrontLength + 25 + 2.25}, Length: 4.5, Width: 2}}}
	rearOf := stopped[0].Box.Center.X - 2.25
	furthest := func(traj dynamics.Trajectory) float64 {
		x := math.Inf(-1)
		for _, q := range traj {
			x = max(x, q.Pose.X+veh.FrontLength)
		}
		return x
	}
	if x := furthest(plan(NewIDM(IDMConfig{}), 10, 12, stopped)); x > rearOf {
		t.Errorf("idm plans its front to x=%.2f, past the stopped car's rear at %.2f", x, rearOf)
	}
	if x := furthest(plan(NewNuPlanIDM(), 10, 12, stopped)); x <= rearOf {
		t.Errorf("idm_nuplan plans its front to x=%.2f, short of the stopped car's rear at %.2f: want nuPlan's overshoot", x, rearOf)
	}
	// A car whose front touches the ego's rear bumper, at the ego's speed.
	behind := []scenarios.Object{{ID: "follower", Type: scenarios.Vehicle, Vel: geom.V(8, 0),
		Box: geom.Box{Center: geom.Pose{X: 50 - veh.RearLength - 2.2}, Length: 4.5, Width: 2}}}
	if v := plan(NewIDM(IDMConfig{}), 50, 8, behind)[1].Speed; v < 8 {
		t.Errorf("idm plans %.2f m/s after 0.5 s with a car behind it, want no braking", v)
	}
	// nuPlan's leader is an obstacle where it is now: it brakes in the first sample, the one the controller
	// follows before the next plan.
	if v := plan(NewNuPlanIDM(), 50, 8, behind)[1].Speed; v > 8-0.5*3+1e-9 {
		t.Errorf("idm_nuplan plans %.2f m/s after 0.5 s with a car touching it from behind, want nuPlan's full braking (6.5)", v)
	}
	// The ego's front is 2 m into the connector (x 300-320) when its light turns red: nuPlan's occupancy map
	// holds the red connector's polygon, which touches the ego's footprint, so idm_nuplan brakes in the
	// junction; idm counts red connectors only ahead of its front bumper and drives on.
	redPlan := func(p *IDM) dynamics.Trajectory {
		t.Helper()
		if err := p.Initialize(init); err != nil {
			t.Fatal(err)
		}
		traj, err := p.ComputeTrajectory(idmInput(302-veh.FrontLength, 8, nil, []LightStatus{{Lane: 1, State: scenarios.Red}}))
		if err != nil {
			t.Fatal(err)
		}
		return traj
	}
	if v := redPlan(NewIDM(IDMConfig{})); v[1].Speed < 8 {
		t.Errorf("idm in a connector whose light turns red plans %.2f m/s after 0.5 s, want it driving on", v[1].Speed)
	}
	if v := redPlan(NewNuPlanIDM()); v[1].Speed > 8-0.5*3+1e-9 {
		t.Errorf("idm_nuplan in a connector whose light turns red plans %.2f m/s after 0.5 s, want nuPlan's full braking (6.5)", v[1].Speed)
	}
}

func TestIDMBadInput(t *testing.T) {
	m := straightMap()
	if err := NewIDM(IDMConfig{}).Initialize(Initialization{Map: &m}); err == nil {
		t.Error("empty route: want an error")
	}
	if err := NewIDM(IDMConfig{}).Initialize(Initialization{Route: []string{"rb1"}}); err == nil {
		t.Error("no map: want an error")
	}
	p := newTestIDM(t)
	if _, err := p.ComputeTrajectory(idmInput(math.NaN(), 5, nil, nil)); err == nil {
		t.Error("NaN ego: want an error")
	}
	if _, err := p.ComputeTrajectory(&Input{}); err == nil {
		t.Error("no ego state: want an error")
	}
	far := newTestIDM(t)
	if _, err := far.ComputeTrajectory(idmInput(5000, 5, nil, nil)); err == nil {
		t.Error("ego far off the map: want an error")
	}
}

func TestLogReplayReturnsExpertFuture(t *testing.T) {
	sc := &scenarios.Scenario{DT: 0.1}
	for i := 0; i < 50; i++ {
		sc.Expert = append(sc.Expert, scenarios.EgoState{Pose: geom.Pose{X: float64(i)}, Speed: 10})
	}
	p := NewLogReplay(sc)
	if err := p.Initialize(Initialization{}); err != nil {
		t.Fatal(err)
	}
	traj, err := p.ComputeTrajectory(&Input{Iteration: 10, Time: 1})
	if err != nil {
		t.Fatal(err)
	}
	// nuPlan's log future planner: the current state and 16 more, 0.5 s apart, over 8 s.
	if len(traj) != 17 || traj[0].Pose.X != 10 || math.Abs(traj[0].Time-1) > 1e-9 {
		t.Fatalf("got %d points starting at x=%v t=%v, want 17 from the expert's frame 10", len(traj), traj[0].Pose.X, traj[0].Time)
	}
	if q := traj[3]; q.Pose.X != 25 || math.Abs(q.Time-2.5) > 1e-9 {
		t.Errorf("fourth point %+v, want the expert's frame 25 at 2.5 s", q)
	}
	// Past the end of the log the last pose is held at rest.
	if last := traj[16]; last.Pose.X != 49 || last.Speed != 0 || math.Abs(last.Time-9) > 1e-9 {
		t.Errorf("last point %+v, want the log's last pose at rest at 9 s", last)
	}
	if err := NewLogReplay(&scenarios.Scenario{DT: 0.1}).Initialize(Initialization{}); err == nil {
		t.Error("no expert log: want an error")
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"log_replay", "idm"} {
		p, err := New(name, &scenarios.Scenario{DT: 0.1})
		if err != nil || p.Name() != name {
			t.Errorf("New(%q) = %v, %v", name, p, err)
		}
	}
	_, err := New("nope", nil)
	if err == nil || !strings.Contains(err.Error(), "log_replay") {
		t.Errorf("unknown planner: error %v should list the known planners", err)
	}
}
