package sim

import (
	"math"
	"slices"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// nuPlan's reactive agents are made once, from the vehicles of the first frame: a vehicle that enters the log
// later, one whose box on its lane overlaps a vehicle made before it, and bicycles do not exist; pedestrians
// are replayed.
func TestNuPlanAgentsComeFromTheFirstFrameOnly(t *testing.T) {
	sc := testScenario()
	sc.Map = road(1000)
	sc.Expert = cruise(0, 0, 231) // standing, within the agent radius
	late := track("late", 80, 0, 10, 200)
	late.Start = 20
	bike := track("bike", 40, 3.5, 5, 231)
	bike.Type = scenarios.Bicycle
	walker := track("walker", 30, 6, 1, 231)
	walker.Type, walker.Length, walker.Width = scenarios.Pedestrian, 0.5, 0.5
	sc.Tracks = []scenarios.Track{track("car", 60, 0, 10, 231), track("overlap", 62, 0.3, 10, 231), late, bike, walker}
	res, err := Run(sc, stopPlanner{}, Config{Agents: ReactiveNuPlan, Steps: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []int{0, 25} {
		var ids []string
		for _, o := range res.Objects[f] {
			ids = append(ids, o.ID)
		}
		slices.Sort(ids)
		if want := []string{"car", "walker"}; !slices.Equal(ids, want) {
			t.Errorf("objects at frame %d %v, want %v", f, ids, want)
		}
	}
}

// nuPlan's agents occupy their box and the stretch of their path up to 1.5 s at their speed ahead of it, and
// measure the gap to what they follow from there: starting 30 m behind the ego driving 10 m/s, an agent with
// a 15 m/s target settles about 33 m back (the IDM's own gap, about 18 m, plus 15 m), where a plain IDM
// would close to 18 m.
func TestNuPlanAgentFollowsFromItsProjectedFootprint(t *testing.T) {
	sc := testScenario()
	sc.Map = road(1000)
	sc.Expert = cruise(100, 10, 231)
	sc.Tracks = []scenarios.Track{track("car", 66, 0, 10, 231)}
	res, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: ReactiveNuPlan})
	if err != nil {
		t.Fatal(err)
	}
	last := len(res.Objects) - 1
	car := res.Objects[last][0]
	ego := sc.EgoVehicle().Footprint(res.Ego[last].Pose)
	gap := (ego.Center.X - ego.Length/2) - (car.Box.Center.X + car.Box.Length/2)
	if gap < 29 || gap > 37 || car.Vel.Norm() < 9 || car.Vel.Norm() > 11 {
		t.Errorf("after 15 s behind the ego at 10 m/s: %.1f m back at %.2f m/s, want about 33 m at 10 m/s", gap, car.Vel.Norm())
	}
}

// forkScenario: lane "in" (x 0..100) forks into "left" (a quarter turn of radius 20 to the north, listed first)
// and "straight" (on to x = 300); a light may control "straight". The car's log turns left; the ego stands
// beside the fork.
func forkScenario(light *scenarios.LightState) *scenarios.Scenario {
	lane := func(id string, pts []geom.Vec2, succ ...string) scenarios.Lane {
		l := scenarios.LaneAlong(id, "rb_"+id, pts, 3.5)
		l.SpeedLimit, l.Successors, l.Connector = 10, succ, id != "in"
		return l
	}
	m := scenarios.Map{Lanes: []scenarios.Lane{
		lane("in", geom.LinePoints(geom.V(0, 0), geom.V(100, 0), 5), "left", "straight"),
		lane("left", geom.ArcPoints(geom.V(100, 20), 20, -math.Pi/2, 0, 20)),
		lane("straight", geom.LinePoints(geom.V(100, 0), geom.V(300, 0), 5)),
	}}
	for _, l := range m.Lanes {
		m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: l.Roadblock, Lanes: []string{l.ID}, Connector: l.Connector})
	}
	if light != nil {
		m.TrafficLights = []scenarios.TrafficLight{{ID: "tl", Connectors: []string{"straight"}, Phases: []scenarios.LightPhase{{State: *light}}}}
	}
	car := scenarios.Track{ID: "car", Type: scenarios.Vehicle, Length: 4.5, Width: 2}
	for i := 0; i < 151; i++ {
		x := 60 + float64(i)
		p := geom.Pose{X: x}
		if x > 100 { // the logged left turn
			th := math.Min((x-100)/20, math.Pi/2)
			p = geom.Pose{X: 100 + 20*math.Sin(th), Y: 20 - 20*math.Cos(th), Heading: th}
		}
		car.States = append(car.States, scenarios.AgentState{Pose: p, VX: 10 * math.Cos(p.Heading), VY: 10 * math.Sin(p.Heading)})
	}
	ego := cruise(100, 0, 151) // standing beside the fork, within the agents' radius
	for i := range ego {
		ego[i].Pose.Y = -15
	}
	return &scenarios.Scenario{
		Version: scenarios.FormatVersion, ID: "fork", Type: "starting_straight_traffic_light_intersection_traversal", DT: 0.1, Horizon: 15,
		Map: m, Route: []string{"rb_in", "rb_straight"}, Expert: ego, Goal: ego[0].Pose,
		Tracks: []scenarios.Track{car},
	}
}

// At a fork nuPlan's agents take the lane that starts straightest among those a light lets them enter,
// whatever their log did: straight on, or left when the straight connector's light is red (a light that is
// not green closes it).
func TestNuPlanAgentTakesTheStraightestOpenWay(t *testing.T) {
	red, green := scenarios.Red, scenarios.Green
	for _, c := range []struct {
		name  string
		light *scenarios.LightState
		north bool
	}{{"no light", nil, false}, {"green", &green, false}, {"red", &red, true}} {
		res, err := Run(forkScenario(c.light), stopPlanner{}, Config{Agents: ReactiveNuPlan, Steps: 80})
		if err != nil {
			t.Fatal(err)
		}
		car := res.Objects[len(res.Objects)-1][0].Box.Center
		if north := car.Y > 5; north != c.north {
			t.Errorf("%s: the car ends at (%.1f, %.1f); want it turned north %v", c.name, car.X, car.Y, c.north)
		}
	}
}
