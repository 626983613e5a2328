package scenarios

import (
	"math"
	"testing"

	"asyncdrive/geom"
)

func TestTrafficLightStateAt(t *testing.T) {
	l := testMap().TrafficLights[0] // green at 0, yellow at 5, red at 8
	cases := []struct {
		t    float64
		want LightState
	}{
		{-1, Unknown}, // before the first phase
		{-1e-6, Unknown},
		{0, Green}, // a phase starts at its Start
		{4.9, Green},
		{5 - 1e-6, Green},
		{5 - 1e-10, Yellow}, // within the 1e-9 s tolerance for times built from steps
		{5, Yellow},
		{0.1 * 50, Yellow},
		{7.99, Yellow},
		{8, Red},
		{1e6, Red}, // the last phase lasts
	}
	for _, c := range cases {
		if got := l.StateAt(c.t); got != c.want {
			t.Errorf("StateAt(%v) = %q, want %q", c.t, got, c.want)
		}
	}
	var none TrafficLight
	if got := none.StateAt(3); got != Unknown {
		t.Errorf("no phases: %q", got)
	}
	late := TrafficLight{Phases: []LightPhase{{2, Red}, {2, Green}}} // same start: the later one wins
	if late.StateAt(1) != Unknown || late.StateAt(2) != Green {
		t.Errorf("equal starts: %q %q", late.StateAt(1), late.StateAt(2))
	}
}

func TestScenarioSteps(t *testing.T) {
	long := func(n int) []EgoState { return make([]EgoState, n) }
	cases := []struct {
		name    string
		horizon float64
		dt      float64
		expert  int
		want    int
	}{
		{"horizon 0: the whole log", 0, 0.1, 31, 30},
		{"nuPlan 15 s", 15, 0.1, 201, 150},
		{"15 s, log exactly 15 s", 15, 0.1, 151, 150},
		{"horizon longer than the log", 15, 0.1, 31, 30},
		{"2 s", 2, 0.1, 31, 20},
		{"0.2 s period", 15, 0.2, 100, 75},
		{"horizon not a multiple of dt rounds", 1.04, 0.1, 31, 10},
		{"no expert", 15, 0.1, 0, 0},
		{"one state", 15, 0.1, 1, 0},
		{"zero dt", 15, 0, 31, 0},
	}
	for _, c := range cases {
		sc := &Scenario{Horizon: c.horizon, DT: c.dt, Expert: long(c.expert)}
		if got := sc.Steps(); got != c.want {
			t.Errorf("%s: Steps() = %d, want %d", c.name, got, c.want)
		}
	}
	if got := testScenario().Steps(); got != 20 {
		t.Errorf("test scenario: %d steps", got)
	}
}

func TestTrackStateAt(t *testing.T) {
	tr := testScenario().Tracks[1] // ped1: frames 5..14
	cases := []struct {
		frame int
		ok    bool
		y     float64
	}{
		{0, false, 0},
		{4, false, 0},
		{5, true, -3},
		{10, true, -3 + 0.14*5},
		{14, true, -3 + 0.14*9},
		{15, false, 0},
		{-1, false, 0},
	}
	for _, c := range cases {
		st, ok := tr.StateAt(c.frame)
		if ok != c.ok || math.Abs(st.Pose.Y-c.y) > 1e-12 {
			t.Errorf("StateAt(%d) = %v, %v; want y %v, %v", c.frame, st, ok, c.y, c.ok)
		}
		if !ok && st != (AgentState{}) {
			t.Errorf("StateAt(%d) absent but not zero: %v", c.frame, st)
		}
	}
}

func TestAgentState(t *testing.T) {
	a := AgentState{Pose: geom.Pose{X: 1, Y: 2, Heading: math.Pi / 2}, VX: 3, VY: -4}
	if a.Speed() != 5 {
		t.Errorf("Speed = %v", a.Speed())
	}
	b := a.Box(4.8, 2)
	if b.Center != a.Pose || b.Length != 4.8 || b.Width != 2 {
		t.Errorf("Box = %v", b)
	}
	// The box is centred on the pose: its front is 2.4 m ahead along +Y.
	if c := b.Corners(); math.Abs(c[0].Y-4.4) > 1e-12 || math.Abs(c[0].X-0) > 1e-12 {
		t.Errorf("front left corner %v", c[0])
	}
}

func TestKinds(t *testing.T) {
	for _, c := range []struct {
		t          ObjectType
		valid, vru bool
	}{
		{Vehicle, true, false}, {Pedestrian, true, true}, {Bicycle, true, true}, {StaticObject, true, false},
		{"car", false, false}, {"", false, false}, {"Vehicle", false, false},
	} {
		if c.t.Valid() != c.valid || c.t.IsVRU() != c.vru {
			t.Errorf("%q: Valid %v IsVRU %v", c.t, c.t.Valid(), c.t.IsVRU())
		}
	}
	for k, want := range map[AreaKind]bool{AreaCarpark: true, AreaPickupDropoff: true, AreaGenericDrivable: true, AreaWalkway: false} {
		if k.Drivable() != want {
			t.Errorf("%q.Drivable() = %v", k, !want)
		}
	}
}

// The planner is told the goal's time window and span only with the goal itself.
func TestPlannerGoalWindow(t *testing.T) {
	w, sp := &TimeWindow{Start: 1, End: 2}, &Span{Behind: 3, Ahead: 4}
	sc := &Scenario{Route: []string{"a", "b"}, Goal: geom.Pose{X: 5}, GoalWindow: w, GoalSpan: sp}
	if got := sc.PlannerGoalWindow(); got != w {
		t.Errorf("goal shown: window %v, want %v", got, w)
	}
	if got := sc.PlannerGoalSpan(); got != sp {
		t.Errorf("goal shown: span %v, want %v", got, sp)
	}
	sc.RouteShown = 1
	if got := sc.PlannerGoalWindow(); got != nil {
		t.Errorf("goal hidden: window %v, want nil", got)
	}
	if got := sc.PlannerGoalSpan(); got != nil {
		t.Errorf("goal hidden: span %v, want nil", got)
	}
}

func TestLaneAlong(t *testing.T) {
	l := LaneAlong("a", "rb", []geom.Vec2{geom.V(0, 0), geom.V(10, 0), geom.V(10, 10)}, 4)
	if l.ID != "a" || l.Roadblock != "rb" || len(l.Left) != 3 || len(l.Right) != 3 {
		t.Fatalf("lane %+v", l)
	}
	if l.Left[0] != geom.V(0, 2) || l.Right[0] != geom.V(0, -2) || l.Left[2] != geom.V(8, 10) || l.Right[2] != geom.V(12, 10) {
		t.Errorf("bounds left %v right %v, want 2 m either side of the centerline", l.Left, l.Right)
	}
}

// A span is aimed at 2 m inside either end, never past its point; a nil span is the point.
func TestSpanAim(t *testing.T) {
	for _, c := range []struct {
		span          *Span
		behind, ahead float64
	}{
		{nil, 0, 0},
		{&Span{Behind: 50, Ahead: 150}, 48, 148},
		{&Span{Behind: 1, Ahead: 2}, 0, 0},
	} {
		if b, a := c.span.Aim(); b != c.behind || a != c.ahead {
			t.Errorf("%+v.Aim() = %v, %v, want %v, %v", c.span, b, a, c.behind, c.ahead)
		}
	}
}
