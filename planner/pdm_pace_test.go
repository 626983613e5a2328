package planner

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// cruiseSpeed inverts the distance covered by changing speed at a and then cruising.
func TestCruiseSpeed(t *testing.T) {
	covered := func(c, v, tau, a float64) float64 {
		tc := min(math.Abs(c-v)/a, tau)
		vEnd := v + math.Copysign(a*tc, c-v)
		return (v+vEnd)/2*tc + vEnd*(tau-tc)
	}
	for _, c := range []struct{ d, v, tau float64 }{{100, 10, 8}, {50, 10, 8}, {96, 9.3, 7.5}, {10, 0, 5}, {80, 10, 8}} {
		got := cruiseSpeed(c.d, c.v, c.tau, 1)
		if d := covered(got, c.v, c.tau, 1); math.Abs(d-c.d) > 1e-6 {
			t.Errorf("cruiseSpeed(%v, %v, %v) = %v covers %v m", c.d, c.v, c.tau, got, d)
		}
	}
	if got := cruiseSpeed(500, 10, 5, 1); !math.IsInf(got, 1) {
		t.Errorf("unreachable: got %v, want +Inf", got)
	}
	if got := cruiseSpeed(1, 20, 10, 1); got != 0 {
		t.Errorf("must stop: got %v, want 0", got)
	}
	if got := cruiseSpeed(10, 5, 0, 1); !math.IsInf(got, 1) {
		t.Errorf("no time left: got %v, want +Inf", got)
	}
}

// A goal 200 m ahead to be reached within [10, 11] s is out of reach at the 15 m/s the planner targets on a
// road without a posted limit: the proposals target the cruise speed for the window's middle, and not without
// a window, with pacing off, once the window is past, or with a window that is easily met. A goal that reaches
// along the lane (Initialization.GoalSpan: a lanelet) is aimed at 2 m past where it begins: not late when that
// is 12 m ahead, late for 182 m when it begins 180 m ahead; a span that is NaN or negative is none.
func TestPDMPacesToGoalWindow(t *testing.T) {
	sc := fixtureScenario(600, 10, 15)
	for i := range sc.Map.Lanes {
		sc.Map.Lanes[i].SpeedLimit = 0
	}
	v := dynamics.Pacifica()
	goal := geom.Pose{X: 10 + (v.FrontLength-v.RearLength)/2 + 200}
	laneSpeed := 15.0
	for _, c := range []struct {
		name   string
		cfg    PDMConfig
		window *scenarios.TimeWindow
		span   *scenarios.Span
		now    float64
		faster float64 // the distance paced for, 0 for none
	}{
		{"late", PDMConfig{}, &scenarios.TimeWindow{Start: 10, End: 11}, nil, 0, 200},
		{"no window", PDMConfig{}, nil, nil, 0, 0},
		{"pacing off", PDMConfig{NoGoalPacing: true}, &scenarios.TimeWindow{Start: 10, End: 11}, nil, 0, 0},
		{"window past", PDMConfig{}, &scenarios.TimeWindow{Start: -5, End: -1}, nil, 0, 0},
		{"in time", PDMConfig{}, &scenarios.TimeWindow{Start: 0, End: 300}, nil, 0, 0},
		{"lane goal begins near", PDMConfig{}, &scenarios.TimeWindow{Start: 10, End: 11}, &scenarios.Span{Behind: 190, Ahead: 10}, 0, 0},
		{"lane goal begins far", PDMConfig{}, &scenarios.TimeWindow{Start: 10, End: 11}, &scenarios.Span{Behind: 20, Ahead: 10}, 0, 182},
		{"NaN span: none", PDMConfig{}, &scenarios.TimeWindow{Start: 10, End: 11}, &scenarios.Span{Behind: math.NaN(), Ahead: 10}, 0, 200},
		{"negative span: none", PDMConfig{}, &scenarios.TimeWindow{Start: 10, End: 11}, &scenarios.Span{Behind: 20, Ahead: -1}, 0, 200},
	} {
		p := NewPDM(c.cfg)
		if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: goal, GoalWindow: c.window, GoalSpan: c.span}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.ComputeTrajectory(fixtureInput(c.now, geom.Pose{X: 10}, 15, nil)); err != nil {
			t.Fatal(err)
		}
		got := 0.0
		for _, pr := range p.props {
			got = max(got, pr.target)
		}
		want := laneSpeed
		if c.faster > 0 {
			// 200 m by the window's middle (10.5 s) from 15 m/s, speeding up at 1 m/s^2: 20.5 m/s.
			want = cruiseSpeed(c.faster, 15, 10.5, paceAccel)
		}
		if math.Abs(got-want) > 0.05 {
			t.Errorf("%s: highest target %.2f m/s, want %.2f", c.name, got, want)
		}
	}
}
