package planner

import (
	"fmt"
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Test fixtures shared by the planner's internal and external tests (export_test.go exports them).

// fixtureLane builds a straight lane along +X at lateral position y from x0 to x1, points every 2 m.
func fixtureLane(id, rb string, x0, x1, y, limit float64) scenarios.Lane {
	var c, l, r []geom.Vec2
	for x := x0; ; x += 2 {
		if x > x1 {
			x = x1
		}
		c = append(c, geom.V(x, y))
		l = append(l, geom.V(x, y+1.75))
		r = append(r, geom.V(x, y-1.75))
		if x >= x1 {
			break
		}
	}
	return scenarios.Lane{ID: id, Roadblock: rb, Centerline: c, Left: l, Right: r, SpeedLimit: limit}
}

// fixtureMap is a straight two-lane road along +X: lanes "a" (y=0) and "b" (y=3.5, left of a) in roadblock
// rb1 from x=0 to x=length; connectors "c" (from a) and "c2" (from b), 20 m long, in roadblock rb2 under
// traffic light "tl" (green unless phases are given); lanes "d" and "e" in rb3 for 200 m more. Speed limit
// 15 m/s (10 in the connectors).
func fixtureMap(length float64, phases ...scenarios.LightPhase) scenarios.Map {
	a := fixtureLane("a", "rb1", 0, length, 0, 15)
	b := fixtureLane("b", "rb1", 0, length, 3.5, 15)
	c := fixtureLane("c", "rb2", length, length+20, 0, 10)
	c2 := fixtureLane("c2", "rb2", length, length+20, 3.5, 10)
	d := fixtureLane("d", "rb3", length+20, length+220, 0, 15)
	e := fixtureLane("e", "rb3", length+20, length+220, 3.5, 15)
	a.LeftNeighbor, b.RightNeighbor = "b", "a"
	d.LeftNeighbor, e.RightNeighbor = "e", "d"
	a.Successors, b.Successors = []string{"c"}, []string{"c2"}
	c.Successors, c2.Successors = []string{"d"}, []string{"e"}
	c.Connector, c2.Connector = true, true
	if len(phases) == 0 {
		phases = []scenarios.LightPhase{{Start: 0, State: scenarios.Green}}
	}
	return scenarios.Map{
		Lanes: []scenarios.Lane{a, b, c, c2, d, e},
		Roadblocks: []scenarios.Roadblock{
			{ID: "rb1", Lanes: []string{"a", "b"}},
			{ID: "rb2", Lanes: []string{"c", "c2"}, Connector: true},
			{ID: "rb3", Lanes: []string{"d", "e"}},
		},
		TrafficLights: []scenarios.TrafficLight{{ID: "tl", Connectors: []string{"c", "c2"}, Phases: phases}},
	}
}

// segmentedMap is a straight two-lane road along +X, lanes "a<k>" (y=0) and "b<k>" (y=3.5, left of a<k>)
// in roadblock "rb<k>" from x=k*seg to (k+1)*seg, n segments, each lane leading into the next; speed limit
// 15 m/s. Its lanes are as short as the segments of a recorded map's lanelets.
func segmentedMap(n int, seg float64) (scenarios.Map, []string) {
	var m scenarios.Map
	var route []string
	for k := 0; k < n; k++ {
		x0 := float64(k) * seg
		a := fixtureLane(fmt.Sprint("a", k), fmt.Sprint("rb", k), x0, x0+seg, 0, 15)
		b := fixtureLane(fmt.Sprint("b", k), fmt.Sprint("rb", k), x0, x0+seg, 3.5, 15)
		a.LeftNeighbor, b.RightNeighbor = b.ID, a.ID
		if k+1 < n {
			a.Successors, b.Successors = []string{fmt.Sprint("a", k+1)}, []string{fmt.Sprint("b", k+1)}
		}
		m.Lanes = append(m.Lanes, a, b)
		m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: a.Roadblock, Lanes: []string{a.ID, b.ID}})
		route = append(route, a.Roadblock)
	}
	return m, route
}

// fixtureCruise is an expert log along y from x0 at speed v for n frames.
func fixtureCruise(x0, y, v float64, n int) []scenarios.EgoState {
	out := make([]scenarios.EgoState, n)
	for i := range out {
		out[i] = scenarios.EgoState{Pose: geom.Pose{X: x0 + v*float64(i)*0.1, Y: y}, Speed: v}
	}
	return out
}

// fixtureTrack is a vehicle track moving at speed v along heading h from (x0, y0), for n frames.
func fixtureTrack(id string, x0, y0, h, v float64, n int) scenarios.Track {
	t := scenarios.Track{ID: id, Type: scenarios.Vehicle, Length: 4.5, Width: 2}
	f := geom.Unit(h)
	for i := 0; i < n; i++ {
		p := geom.V(x0, y0).Add(f.Scale(v * float64(i) * 0.1))
		t.States = append(t.States, scenarios.AgentState{Pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, VX: f.X * v, VY: f.Y * v})
	}
	return t
}

// fixtureScenario is a 15 s scenario on fixtureMap(length) with the ego cruising on lane a from x0 at v.
func fixtureScenario(length, x0, v float64, tracks ...scenarios.Track) *scenarios.Scenario {
	return &scenarios.Scenario{
		Version: scenarios.FormatVersion, ID: "fixture", Type: "following_lane_with_lead", DT: 0.1, Horizon: 15,
		Map: fixtureMap(length), Route: []string{"rb1", "rb2", "rb3"},
		Expert: fixtureCruise(x0, 0, v, 231), Goal: geom.Pose{X: length + 200},
		Tracks: tracks,
	}
}

// fixtureInput builds a planner input at time t with the ego at rear-axle pose ego and speed v and the given
// objects.
func fixtureInput(t float64, ego geom.Pose, v float64, objs []scenarios.Object) *Input {
	return &Input{
		Time:    t,
		Ego:     []dynamics.State{{Time: t, Pose: ego, Speed: v}},
		Objects: [][]scenarios.Object{objs},
	}
}

// fixtureCar is a vehicle object at centre (x, y) with heading h and speed v along it.
func fixtureCar(id string, x, y, h, v float64) scenarios.Object {
	f := geom.Unit(h)
	return scenarios.Object{ID: id, Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: x, Y: y, Heading: h}, Length: 4.5, Width: 2}, Vel: f.Scale(v)}
}

// fixtureTraffic returns n vehicles spread over both lanes and beyond the road (oncoming, parked, crossing),
// deterministic, around x in [x0, x0+span].
func fixtureTraffic(n int, x0, span float64) []scenarios.Object {
	objs := make([]scenarios.Object, 0, n)
	for i := 0; i < n; i++ {
		u := math.Mod(float64(i)*0.618033988749895, 1)
		x := x0 + u*span
		var y, h, v float64
		switch i % 5 {
		case 0: // ahead in the ego's lane or the next one
			y, v = 0, 8
		case 1:
			y, v = 3.5, 12
		case 2: // oncoming, off to the left
			y, h, v = 8, math.Pi, 10
		case 3: // parked on the right
			y, v = -4.5, 0
		case 4: // crossing far ahead
			y, h, v = -10+20*u, math.Pi/2, 3
		}
		objs = append(objs, fixtureCar(string(rune('A'+i%26))+string(rune('a'+i/26%26))+string(rune('0'+i/676)), x, y, h, v))
	}
	return objs
}
