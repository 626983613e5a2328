package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"asyncdrive/geom"
)

// Lane indices in testScenario's map.
const (
	iL1 = iota // rb1, right lane, y = 0, x 0..50
	iL2        // rb1, left lane, y = 3.5, x 0..50 (dead end)
	iC1        // rbc1, connector straight through, x 50..70, traffic light tl1
	iC2        // rbc2, connector turning left: (50,0) -> (60,0) -> (60,10)
	iL3        // rb3, x 70..120
	iL4        // rb4, heading +Y, x = 60, y 10..60
)

func pts(xy ...float64) []geom.Vec2 {
	out := make([]geom.Vec2, len(xy)/2)
	for i := range out {
		out[i] = geom.Vec2{X: xy[2*i], Y: xy[2*i+1]}
	}
	return out
}

// testMap is a small hand-built map, 3.5 m lanes:
//
//	             l4 (x=60, y 10..60, +Y)
//	              |
//	l2 (y=3.5) ---+ c2 (left turn)
//	l1 (y=0)  ----+--- c1 ---- l3 (y=0, x 70..120)
//	carpark below l1 (x 0..20, y -15..-5); walkway above l2 (y 6..8); crosswalk across l3 at x 80..84.
//
// Links are deliberately one-sided: l1 names its successors [c2, c1] (the off-route branch first), l3 names
// its predecessor c1 (c1 names no successor), c2 names its successor l4 and l4 its predecessor c2.
func testMap() Map {
	return Map{
		Lanes: []Lane{
			{ID: "l1", Roadblock: "rb1", Centerline: pts(0, 0, 25, 0, 50, 0), Left: pts(0, 1.75, 50, 1.75),
				Right: pts(0, -1.75, 50, -1.75), SpeedLimit: 13.4, Successors: []string{"c2", "c1"}, LeftNeighbor: "l2"},
			{ID: "l2", Roadblock: "rb1", Centerline: pts(0, 3.5, 50, 3.5), Left: pts(0, 5.25, 50, 5.25),
				Right: pts(0, 1.75, 50, 1.75), SpeedLimit: 15, RightNeighbor: "l1"},
			{ID: "c1", Roadblock: "rbc1", Connector: true, Centerline: pts(50, 0, 70, 0), Left: pts(50, 1.75, 70, 1.75),
				Right: pts(50, -1.75, 70, -1.75), SpeedLimit: 10},
			{ID: "c2", Roadblock: "rbc2", Connector: true, Centerline: pts(50, 0, 60, 0, 60, 10),
				Left: pts(50, 1.75, 58.25, 1.75, 58.25, 10), Right: pts(50, -1.75, 61.75, -1.75, 61.75, 10),
				SpeedLimit: 6, Successors: []string{"l4"}},
			{ID: "l3", Roadblock: "rb3", Centerline: pts(70, 0, 120, 0), Left: pts(70, 1.75, 120, 1.75),
				Right: pts(70, -1.75, 120, -1.75), SpeedLimit: 13.4, Predecessors: []string{"c1"}},
			{ID: "l4", Roadblock: "rb4", Centerline: pts(60, 10, 60, 60), Left: pts(58.25, 10, 58.25, 60),
				Right: pts(61.75, 10, 61.75, 60), SpeedLimit: 13.4, Predecessors: []string{"c2"}},
		},
		Roadblocks: []Roadblock{
			{ID: "rb1", Lanes: []string{"l1", "l2"}},
			{ID: "rbc1", Lanes: []string{"c1"}, Connector: true},
			{ID: "rbc2", Lanes: []string{"c2"}, Connector: true},
			{ID: "rb3", Lanes: []string{"l3"}},
			{ID: "rb4", Lanes: []string{"l4"}},
		},
		StopLines:  []StopLine{{ID: "sl1", Kind: StopTrafficLight, Lane: "c1", Polygon: pts(49, -1.75, 50, -1.75, 50, 1.75, 49, 1.75)}},
		Crosswalks: []Polygon{{ID: "cw1", Polygon: pts(80, -3, 84, -3, 84, 3, 80, 3)}},
		Areas: []Area{
			{ID: "park1", Kind: AreaCarpark, Polygon: pts(0, -15, 20, -15, 20, -5, 0, -5)},
			{ID: "walk1", Kind: AreaWalkway, Polygon: pts(0, 6, 50, 6, 50, 8, 0, 8)},
		},
		TrafficLights: []TrafficLight{{ID: "tl1", Connectors: []string{"c1"},
			Phases: []LightPhase{{0, Green}, {5, Yellow}, {8, Red}}}},
	}
}

// testScenario is a valid scenario on testMap: the ego drives along l1 at about 10 m/s for 3 s (31 states),
// with a vehicle on l2, a pedestrian on the crosswalk, a bicycle on l3 and a static object in the car park.
// Some numbers are chosen to be awkward in decimal (0.1 steps, thirds, a subnormal, -0).
func testScenario() *Scenario {
	const n = 31
	expert := make([]EgoState, n)
	for i := range expert {
		t := float64(i) * 0.1
		expert[i] = EgoState{Pose: geom.Pose{X: 5 + 10*t + 0.25*t*t, Y: 0.01 * math.Sin(t), Heading: 0.001 * t},
			Speed: 10 + 0.5*t, Accel: 0.5, Steering: t / 3}
	}
	states := func(n int, f func(i int) AgentState) []AgentState {
		out := make([]AgentState, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	return &Scenario{
		Version: FormatVersion,
		ID:      "test-0001",
		Type:    "traversing_intersection",
		Source:  "hand-built",
		DT:      0.1,
		Horizon: 2,
		Map:     testMap(),
		Route:   []string{"rb1", "rbc1", "rb3"},
		Goal:    geom.Pose{X: 110, Y: 0, Heading: math.Copysign(0, -1)},
		Expert:  expert,
		Tracks: []Track{
			{ID: "veh1", Type: Vehicle, Length: 4.8, Width: 2, Start: 0, States: states(n, func(i int) AgentState {
				return AgentState{Pose: geom.Pose{X: 10 + 0.8*float64(i), Y: 3.5}, VX: 8}
			})},
			{ID: "ped1", Type: Pedestrian, Length: 0.6, Width: 0.6, Start: 5, States: states(10, func(i int) AgentState {
				return AgentState{Pose: geom.Pose{X: 82, Y: -3 + 0.14*float64(i), Heading: math.Pi / 2}, VY: 1.4}
			})},
			{ID: "bike1", Type: Bicycle, Length: 1.8, Width: 0.6, Start: 0, States: states(20, func(i int) AgentState {
				return AgentState{Pose: geom.Pose{X: 75 + 0.5*float64(i), Y: -1}, VX: 5 + 1.0/3, VY: 5e-324}
			})},
			{ID: "cone1", Type: StaticObject, Length: 0.5, Width: 0.5, Start: 0, States: states(n, func(int) AgentState {
				return AgentState{Pose: geom.Pose{X: 15, Y: -10}}
			})},
		},
		Instructions: []Instruction{{T: 0, Text: "go straight through the intersection"}},
	}
}

// sameBits reports the first difference between a and b, comparing floats by their bits (so that -0 and
// 0 differ and NaN equals NaN). Unexported fields (the map index) are skipped.
func sameBits(a, b any) error { return diffBits(reflect.ValueOf(a), reflect.ValueOf(b), "") }

func diffBits(a, b reflect.Value, path string) error {
	if a.Kind() != b.Kind() {
		return fmt.Errorf("%s: kind %v vs %v", path, a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Errorf("%s: %v (%#x) vs %v (%#x)", path, a.Float(), math.Float64bits(a.Float()), b.Float(), math.Float64bits(b.Float()))
		}
	case reflect.Pointer:
		if a.IsNil() != b.IsNil() {
			return fmt.Errorf("%s: nil vs not nil", path)
		}
		if !a.IsNil() {
			return diffBits(a.Elem(), b.Elem(), path)
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			if err := diffBits(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if err := diffBits(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Errorf("%s: %v vs %v", path, a.Interface(), b.Interface())
		}
	}
	return nil
}

func TestTestScenarioIsValid(t *testing.T) {
	if err := Validate(testScenario()); err != nil {
		t.Fatal(err)
	}
}
