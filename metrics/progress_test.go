package metrics

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// laneAlong returns a 3.5 m wide lane along centerline c, at 10 m/s.
func laneAlong(id, rb string, c []geom.Vec2) scenarios.Lane {
	l := scenarios.LaneAlong(id, rb, c, 2*laneHalfWidth)
	l.SpeedLimit = 10
	return l
}

// forkMap: lane A (x 0..100 along y = 0) forks into two connectors, CS straight on to x = 130 and CL a left
// turn of radius 20 m ending at (120, 20) heading +y; CS leads into DS (x 130..230), CL into DL (north from
// (120, 20)). Every connector is its own roadblock, as the CommonRoad import makes them; the straight one
// comes first.
func forkMap(t testing.TB) *scenarios.MapIndex { return forkScenarioMap().Index() }

// forkScenarioMap is forkMap before indexing, for tests that change it.
func forkScenarioMap() *scenarios.Map {
	line := func(a, b geom.Vec2) []geom.Vec2 { return geom.LinePoints(a, b, 5) }
	arc := geom.ArcPoints(geom.V(100, 20), 20, -math.Pi/2, 0, 20)
	a := laneAlong("A", "RA", line(geom.V(0, 0), geom.V(100, 0)))
	a.Successors = []string{"CS", "CL"}
	cs := laneAlong("CS", "RCS", line(geom.V(100, 0), geom.V(130, 0)))
	cs.Connector, cs.Successors, cs.Predecessors = true, []string{"DS"}, []string{"A"}
	cl := laneAlong("CL", "RCL", arc)
	cl.Connector, cl.Successors, cl.Predecessors = true, []string{"DL"}, []string{"A"}
	ds := laneAlong("DS", "RDS", line(geom.V(130, 0), geom.V(230, 0)))
	ds.Predecessors = []string{"CS"}
	dl := laneAlong("DL", "RDL", line(geom.V(120, 20), geom.V(120, 120)))
	dl.Predecessors = []string{"CL"}
	return &scenarios.Map{
		Lanes: []scenarios.Lane{a, cs, cl, ds, dl},
		Roadblocks: []scenarios.Roadblock{
			{ID: "RA", Lanes: []string{"A"}},
			{ID: "RCS", Lanes: []string{"CS"}, Connector: true},
			{ID: "RCL", Lanes: []string{"CL"}, Connector: true},
			{ID: "RDS", Lanes: []string{"DS"}},
			{ID: "RDL", Lanes: []string{"DL"}},
		},
	}
}

// The expert's route at a fork follows the connector the expert ends up in, as nuPlan's
// remove_extra_lane_connectors makes it, not the one that happened to be chosen where the two connectors
// still overlap; an ego that goes straight where the expert turned left gets no progress through the turn.
func TestDrivenLanesAtAFork(t *testing.T) {
	m := forkMap(t)
	var left, straight []geom.Vec2
	for x := 80.0; x < 100; x++ {
		left, straight = append(left, geom.V(x, 0)), append(straight, geom.V(x, 0))
	}
	for k := 0; k <= 40; k++ {
		th := math.Pi / 2 * float64(k) / 40
		left = append(left, geom.V(100+20*math.Sin(th), 20-20*math.Cos(th)))
	}
	for y := 21.0; y <= 40; y++ {
		left = append(left, geom.V(120, y))
	}
	for x := 100.0; x <= 150; x++ {
		straight = append(straight, geom.V(x, 0))
	}
	got := DrivenLanes(m, left)
	want := []int{lane(t, m, "A"), lane(t, m, "CL"), lane(t, m, "DL")}
	if len(got) != len(want) {
		t.Fatalf("expert turning left drives through %v, want %v (A, CL, DL)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("expert turning left drives through %v, want %v (A, CL, DL)", got, want)
		}
	}
	rp := NewRouteProgress(m, got)
	expert, ego := rp.Total(left), rp.Total(straight)
	arc := 20 * math.Pi / 2
	if !near(expert, 20+arc+20, 0.2) {
		t.Errorf("expert progress %.2f m, want %.2f (20 m of A, the turn, 20 m north)", expert, 20+arc+20)
	}
	// Straight on, the ego is in the turn's connector only where the two overlap, about 8.5 m past the fork;
	// it is not credited with the straight connector's 30 m.
	t.Logf("progress: expert %.2f m, straight-on ego %.2f m", expert, ego)
	if ego > 20+9 {
		t.Errorf("straight-on ego's progress along the left turn %.2f m, want at most 29 (A and the overlap)", ego)
	}
}

// leftTurnRun returns ego states whose box centres drive the fork map's left turn: the last 10 m of A, the
// turn, 20 m north; speed(s) gives the speed at arc length s from x = 90.
func leftTurnRun(speed func(s float64) float64) []dynamics.State {
	d := pacifica.RearAxleToCenter()
	var out []dynamics.State
	add := func(c geom.Vec2, h, s float64) {
		rear := geom.Pose{X: c.X - d*math.Cos(h), Y: c.Y - d*math.Sin(h), Heading: h}
		out = append(out, dynamics.State{Time: float64(len(out)) * 0.1, Pose: rear, Speed: speed(s)})
	}
	for x := 90.0; x < 100; x++ {
		add(geom.V(x, 0), 0, x-90)
	}
	arc := 20 * math.Pi / 2
	for k := 0; k <= 40; k++ {
		th := math.Pi / 2 * float64(k) / 40
		add(geom.V(100+20*math.Sin(th), 20-20*math.Cos(th)), th, 10+arc*float64(k)/40)
	}
	for y := 21.0; y <= 40; y++ {
		add(geom.V(120, y), math.Pi/2, 10+arc+y-20)
	}
	return out
}

// The speed limit in lane connectors is the highest of their neighbours', taken over the connectors of ego's
// route as nuPlan cuts them down after the run: where the left turn still overlaps the straight connector,
// the straight road's 20 m/s limit does not apply to an ego that turns left (limit 10 from A, 8 north).
func TestSpeedLimitAlongTheConnectorTakenAtAFork(t *testing.T) {
	sm := forkScenarioMap()
	for i := range sm.Lanes {
		switch sm.Lanes[i].ID {
		case "DS":
			sm.Lanes[i].SpeedLimit = 20
		case "DL":
			sm.Lanes[i].SpeedLimit = 8
		}
	}
	m := sm.Index()
	// 15 m/s over the first 8 m of the turn (where it overlaps the straight connector), 7 m/s elsewhere.
	ego := leftTurnRun(func(s float64) float64 {
		if s >= 10 && s < 18 {
			return 15
		}
		return 7
	})
	r := &Run{DT: 0.1, Map: m, Vehicle: pacifica, Ego: ego, Objects: make([][]scenarios.Object, len(ego)), Expert: ego}
	res := Evaluate(r)
	if !near(res.MaxOverspeed, 5, 1e-9) || res.OverspeedIntegral < 0.4 {
		t.Errorf("over the limit by at most %.2f m/s, integral %.2f m; want 5 m/s (15 against A's 10) over the overlap",
			res.MaxOverspeed, res.OverspeedIntegral)
	}
}
