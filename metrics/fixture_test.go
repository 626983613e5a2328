package metrics

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// The test map: two parallel lanes A (y=0) and B (y=3.5) of roadblock R1 from x=0 to x=100, heading +x; a
// lane connector C (roadblock RC) from A's end to x=120; lane D (roadblock R3) from x=120 to x=220. Lanes are
// 3.5 m wide. Speed limits: A and B 10 m/s, C 5 m/s, D 12 m/s.
const laneHalfWidth = 1.75

func straightLane(id, rb string, x0, x1, y float64, limit float64) scenarios.Lane {
	var c, l, r []geom.Vec2
	for x := x0; x <= x1+1e-9; x += 10 {
		c = append(c, geom.V(x, y))
		l = append(l, geom.V(x, y+laneHalfWidth))
		r = append(r, geom.V(x, y-laneHalfWidth))
	}
	return scenarios.Lane{ID: id, Roadblock: rb, Centerline: c, Left: l, Right: r, SpeedLimit: limit}
}

func testMap(t testing.TB) *scenarios.MapIndex {
	t.Helper()
	a := straightLane("A", "R1", 0, 100, 0, 10)
	a.Successors = []string{"C"}
	a.LeftNeighbor = "B"
	b := straightLane("B", "R1", 0, 100, 3.5, 10)
	b.RightNeighbor = "A"
	c := straightLane("C", "RC", 100, 120, 0, 5)
	c.Connector = true
	c.Successors = []string{"D"}
	d := straightLane("D", "R3", 120, 220, 0, 12)
	m := &scenarios.Map{
		Lanes: []scenarios.Lane{a, b, c, d},
		Roadblocks: []scenarios.Roadblock{
			{ID: "R1", Lanes: []string{"A", "B"}},
			{ID: "RC", Lanes: []string{"C"}, Connector: true},
			{ID: "R3", Lanes: []string{"D"}},
		},
	}
	return m.Index()
}

func lane(t testing.TB, m *scenarios.MapIndex, id string) int {
	t.Helper()
	i, ok := m.LaneIndex(id)
	if !ok {
		t.Fatalf("no lane %s", id)
	}
	return i
}

var pacifica = dynamics.Pacifica()

// egoAt returns an ego state with its rear axle at (x, y), heading h, speed v, at frame i.
func egoAt(i int, x, y, h, v float64) dynamics.State {
	return dynamics.State{Time: float64(i) * 0.1, Pose: geom.Pose{X: x, Y: y, Heading: h}, Speed: v}
}

// straightRun returns n ego states driving +x along y at speed v from rear-axle x0.
func straightRun(n int, x0, y, v float64) []dynamics.State {
	s := make([]dynamics.State, n)
	for i := range s {
		s[i] = egoAt(i, x0+v*0.1*float64(i), y, 0, v)
	}
	return s
}

// newRun returns a run on the test map with the expert equal to the ego and no objects.
func newRun(t testing.TB, ego []dynamics.State) *Run {
	return &Run{
		DT: 0.1, Map: testMap(t), Vehicle: pacifica, Ego: ego,
		Objects: make([][]scenarios.Object, len(ego)), Expert: ego, Route: []string{"R1", "RC", "R3"},
	}
}

// car returns a vehicle object centred at (x, y) with heading h and velocity (vx, vy).
func car(id string, x, y, h, vx, vy float64) scenarios.Object {
	return scenarios.Object{
		ID: id, Type: scenarios.Vehicle,
		Box: geom.Box{Center: geom.Pose{X: x, Y: y, Heading: h}, Length: 4.5, Width: 2},
		Vel: geom.V(vx, vy),
	}
}

func object(id string, typ scenarios.ObjectType, x, y, size float64, vx, vy float64) scenarios.Object {
	return scenarios.Object{
		ID: id, Type: typ,
		Box: geom.Box{Center: geom.Pose{X: x, Y: y, Heading: math.Atan2(vy, vx)}, Length: size, Width: size},
		Vel: geom.V(vx, vy),
	}
}

// egoFront returns the x of ego's front bumper for a rear axle at x (heading +x).
func egoFront(x float64) float64 { return x + pacifica.FrontLength }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
