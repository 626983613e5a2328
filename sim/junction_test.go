package sim

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// crossing is a four-way junction at the origin: the ego's road runs west to east (lanes "w", connector
// "wc" from x=-8 to 8, "e"), the agent's road south to north ("s", connector "sc" from y=-8 to 8, "n").
func crossing() scenarios.Map {
	lane := func(id, rb string, a, b geom.Vec2) scenarios.Lane {
		d := b.Sub(a)
		n := int(d.Norm()/2 + 0.5)
		left := d.Scale(1.75 / d.Norm()).Perp()
		var c, l, r []geom.Vec2
		for i := 0; i <= n; i++ {
			p := a.Add(d.Scale(float64(i) / float64(n)))
			c, l, r = append(c, p), append(l, p.Add(left)), append(r, p.Sub(left))
		}
		return scenarios.Lane{ID: id, Roadblock: rb, Centerline: c, Left: l, Right: r, SpeedLimit: 7}
	}
	w := lane("w", "rbw", geom.V(-80, 0), geom.V(-8, 0))
	wc := lane("wc", "rbwc", geom.V(-8, 0), geom.V(8, 0))
	e := lane("e", "rbe", geom.V(8, 0), geom.V(150, 0))
	s := lane("s", "rbs", geom.V(0, -80), geom.V(0, -8))
	sc := lane("sc", "rbsc", geom.V(0, -8), geom.V(0, 8))
	n := lane("n", "rbn", geom.V(0, 8), geom.V(0, 150))
	wc.Connector, sc.Connector = true, true
	w.Successors, wc.Predecessors, wc.Successors, e.Predecessors = []string{"wc"}, []string{"w"}, []string{"e"}, []string{"wc"}
	s.Successors, sc.Predecessors, sc.Successors, n.Predecessors = []string{"sc"}, []string{"s"}, []string{"n"}, []string{"sc"}
	m := scenarios.Map{Lanes: []scenarios.Lane{w, wc, e, s, sc, n}}
	for _, l := range m.Lanes {
		m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: l.Roadblock, Lanes: []string{l.ID}, Connector: l.Connector})
	}
	return m
}

// yieldScenario: the ego crosses the junction at 2 m/s; a car coming from the south at 6.5 m/s would,
// replayed from its log, drive into the ego's side.
func yieldScenario() *scenarios.Scenario {
	sc := &scenarios.Scenario{
		Version: scenarios.FormatVersion, ID: "crossing", Type: "starting_straight_traffic_light_intersection_traversal",
		DT: 0.1, Horizon: 15, Map: crossing(), Route: []string{"rbw", "rbwc", "rbe"},
		Expert: cruise(-14, 2, 231), Goal: geom.Pose{X: 16},
	}
	agent := scenarios.Track{ID: "south", Type: scenarios.Vehicle, Length: 4.5, Width: 2}
	for i := 0; i < 231; i++ {
		agent.States = append(agent.States, scenarios.AgentState{Pose: geom.Pose{Y: -32 + 0.65*float64(i), Heading: math.Pi / 2}, VY: 6.5})
	}
	sc.Tracks = []scenarios.Track{agent}
	return sc
}

// egoOverlaps counts the frames in which a road user overlaps the ego's footprint.
func egoOverlaps(res *Result) int {
	n := 0
	for i, objs := range res.Objects {
		eb := dynamics.Pacifica().Footprint(res.Ego[i].Pose)
		for _, o := range objs {
			if o.Box.Overlaps(eb) {
				n++
			}
		}
	}
	return n
}

// TestReactiveAgentYieldsToEgoInJunction: driven by IDM, the car of yieldScenario stops for the ego that is
// already inside the junction and goes on once the ego has cleared its path.
func TestReactiveAgentYieldsToEgoInJunction(t *testing.T) {
	sc := yieldScenario()
	nr, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: NonReactive})
	if err != nil {
		t.Fatal(err)
	}
	if egoOverlaps(nr) == 0 {
		t.Fatal("non-reactive: the replayed car should drive into the ego (the test's conflict is missing)")
	}
	r, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: Reactive})
	if err != nil {
		t.Fatal(err)
	}
	if n := egoOverlaps(r); n > 0 {
		t.Fatalf("reactive: the agent overlaps the ego in %d frames", n)
	}
	minV, minAt := 1e9, 0
	for i, objs := range r.Objects {
		if len(objs) == 1 && objs[0].Vel.Norm() < minV {
			minV, minAt = objs[0].Vel.Norm(), i
		}
	}
	if minV > 0.5 {
		t.Errorf("reactive: the agent slows to %.2f m/s at most, want a stop (< 0.5 m/s) for the ego", minV)
	}
	if ego := dynamics.Pacifica().Footprint(r.Ego[minAt].Pose); ego.Center.X+ego.Length/2 < -8 || ego.Center.X-ego.Length/2 > 2 {
		t.Errorf("reactive: the agent is slowest at frame %d with the ego at x=%.1f, want the ego in the junction", minAt, ego.Center.X)
	}
	last := r.Objects[len(r.Objects)-1]
	if len(last) != 1 || last[0].Box.Center.Y < 10 || last[0].Vel.Norm() < 3 {
		t.Errorf("reactive: the agent should have crossed and be driving on at the end, got %+v", last)
	}
}

// nuPlan's agents see only what is in their path corridor: the same agent drives into the ego crossing in
// front of it.
func TestReactiveNuPlanAgentDoesNotYieldInJunction(t *testing.T) {
	sc := yieldScenario()
	r, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: ReactiveNuPlan})
	if err != nil {
		t.Fatal(err)
	}
	if n := egoOverlaps(r); n == 0 {
		t.Error("reactive_nuplan: the agent never touches the ego, want nuPlan's agent driving on into it")
	}
}

// TestReactiveAgentLeavesAStoppedVehicleAWayOut: the ego stands in the junction halfway into a left turn
// across the eastbound lane, its front in the lane. An agent coming east has to stop for it; it stops short of
// the ego's way out (the turn's next metres), not against the ego's side, where both would wait for the other.
func TestReactiveAgentLeavesAStoppedVehicleAWayOut(t *testing.T) {
	lane := func(id, rb string, pts []geom.Vec2) scenarios.Lane {
		l := scenarios.LaneAlong(id, rb, pts, 3.5)
		l.SpeedLimit = 10
		return l
	}
	line := func(a, b geom.Vec2) []geom.Vec2 { return geom.LinePoints(a, b, 2) }
	// The ego's left turn: westbound at y = 7, a quarter circle of radius 10 about (8, -3) into a southbound
	// lane at x = -2; it crosses the eastbound lane (y = 3.5) at about x = 0.4.
	arc := geom.ArcPoints(geom.V(8, -3), 10, math.Pi/2, math.Pi, 16)
	eIn := lane("e_in", "rb_e_in", line(geom.V(80, 7), geom.V(8, 7)))
	eL := lane("e_l", "rb_e_l", arc)
	sOut := lane("s_out", "rb_s_out", line(geom.V(-2, -3), geom.V(-2, -80)))
	aIn := lane("a_in", "rb_a_in", line(geom.V(-120, 3.5), geom.V(-8, 3.5)))
	aC := lane("a_c", "rb_a_c", line(geom.V(-8, 3.5), geom.V(8, 3.5)))
	aOut := lane("a_out", "rb_a_out", line(geom.V(8, 3.5), geom.V(150, 3.5)))
	eL.Connector, aC.Connector = true, true
	eIn.Successors, eL.Predecessors, eL.Successors, sOut.Predecessors = []string{"e_l"}, []string{"e_in"}, []string{"s_out"}, []string{"e_l"}
	aIn.Successors, aC.Predecessors, aC.Successors, aOut.Predecessors = []string{"a_c"}, []string{"a_in"}, []string{"a_out"}, []string{"a_c"}
	m := scenarios.Map{Lanes: []scenarios.Lane{eIn, eL, sOut, aIn, aC, aOut}}
	for _, l := range m.Lanes {
		m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: l.Roadblock, Lanes: []string{l.ID}, Connector: l.Connector})
	}
	// The ego stands on the arc at phi = 0.4 (rear axle), its front over the eastbound lane's north edge.
	pose := func(phi float64) geom.Pose {
		return geom.Pose{X: 8 - 10*math.Sin(phi), Y: -3 + 10*math.Cos(phi), Heading: math.Pi + phi}
	}
	var expert []scenarios.EgoState
	for i := 0; i < 231; i++ {
		expert = append(expert, scenarios.EgoState{Pose: pose(0.4)})
	}
	agent := scenarios.Track{ID: "east", Type: scenarios.Vehicle, Length: 4.5, Width: 2}
	for i := 0; i < 231; i++ {
		agent.States = append(agent.States, scenarios.AgentState{Pose: geom.Pose{X: -60 + 0.8*float64(i), Y: 3.5}, VX: 8})
	}
	sc := &scenarios.Scenario{Version: scenarios.FormatVersion, ID: "way_out", Type: "starting_left_turn", DT: 0.1, Horizon: 15,
		Map: m, Route: []string{"rb_e_in", "rb_e_l", "rb_s_out"}, Expert: expert, Goal: geom.Pose{X: -2, Y: -30, Heading: -math.Pi / 2},
		Tracks: []scenarios.Track{agent}}
	ego := dynamics.Pacifica().Footprint(pose(0.4))
	if !ego.Overlaps(geom.Box{Center: geom.Pose{Y: 3.5}, Length: 100, Width: 2}) {
		t.Fatal("the ego's front is not in the eastbound lane: the test has no conflict")
	}
	r, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: Reactive})
	if err != nil {
		t.Fatal(err)
	}
	if n := egoOverlaps(r); n > 0 {
		t.Fatalf("the agent touches the standing ego in %d frames", n)
	}
	last := r.Objects[len(r.Objects)-1]
	if len(last) != 1 || last[0].Vel.Norm() > 0.1 {
		t.Fatalf("want the agent standing at the end, got %+v", last)
	}
	// The ego's way out: its footprint 6 m further along the turn is clear of the agent.
	if wayOut := dynamics.Pacifica().Footprint(pose(0.4 + 0.6)); wayOut.Overlaps(last[0].Box) {
		t.Errorf("the agent stands at x = %.1f, on the ego's way out of the junction", last[0].Box.Center.X)
	}
}
