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
