package scenarios

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"asyncdrive/geom"
)

func testIndex(t testing.TB) *MapIndex {
	t.Helper()
	sc := testScenario()
	if err := Validate(sc); err != nil {
		t.Fatal(err)
	}
	return sc.Map.Index()
}

func TestMapIndexLookups(t *testing.T) {
	m := testMap()
	x := m.Index()
	if m.Index() != x || x.Map() != &m {
		t.Error("Index is not cached on the map")
	}
	if x.NumLanes() != 6 {
		t.Errorf("NumLanes = %d", x.NumLanes())
	}
	for i, id := range []string{"l1", "l2", "c1", "c2", "l3", "l4"} {
		if j, ok := x.LaneIndex(id); !ok || j != i || x.Lane(j).ID != id {
			t.Errorf("LaneIndex(%q) = %d, %v", id, j, ok)
		}
	}
	if _, ok := x.LaneIndex("nope"); ok {
		t.Error("LaneIndex of a missing lane")
	}
	if _, ok := x.LaneIndex(""); ok {
		t.Error("LaneIndex of the empty id")
	}
	if j, ok := x.RoadblockIndex("rb3"); !ok || j != 3 {
		t.Errorf("RoadblockIndex(rb3) = %d, %v", j, ok)
	}
	if _, ok := x.RoadblockIndex("l1"); ok {
		t.Error("RoadblockIndex of a lane id")
	}
	if got := x.Path(iC2).Length(); math.Abs(got-20) > 1e-12 {
		t.Errorf("c2 path length %v, want 20", got)
	}
	// The outline is the left boundary, then the right one reversed.
	want := pts(50, 1.75, 58.25, 1.75, 58.25, 10, 61.75, 10, 61.75, -1.75, 50, -1.75)
	if got := x.LanePolygon(iC2); !slices.Equal(got, want) {
		t.Errorf("LanePolygon(c2) = %v, want %v", got, want)
	}
	if x.LeftNeighbor(iL1) != iL2 || x.RightNeighbor(iL2) != iL1 || x.LeftNeighbor(iL2) != -1 || x.RightNeighbor(iL1) != -1 {
		t.Error("neighbours wrong")
	}
}

func TestLanesAt(t *testing.T) {
	x := testIndex(t)
	cases := []struct {
		name string
		p    geom.Vec2
		want []int
	}{
		{"right lane", geom.V(25, 0), []int{iL1}},
		{"left lane", geom.V(25, 3.5), []int{iL2}},
		{"right lane near its right edge", geom.V(25, -1.7), []int{iL1}},
		{"both connectors", geom.V(55, 0), []int{iC1, iC2}},
		{"straight connector only", geom.V(65, 0), []int{iC1}},
		{"left-turn connector only", geom.V(60, 5), []int{iC2}},
		{"inside the turn's inner corner (concave outline)", geom.V(57, 5), nil},
		{"next lane", geom.V(100, 1), []int{iL3}},
		{"lane heading +Y", geom.V(59, 40), []int{iL4}},
		{"car park: not a lane", geom.V(10, -10), nil},
		{"between lanes and car park", geom.V(10, -3), nil},
		{"outside the map", geom.V(-50, 0), nil},
		{"far away", geom.V(1e6, -1e6), nil},
		{"NaN", geom.V(math.NaN(), 0), nil},
	}
	buf := make([]int, 0, 8)
	for _, c := range cases {
		got := x.LanesAt(c.p, buf[:0])
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: LanesAt(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
	// LanesAt appends.
	if got := x.LanesAt(geom.V(25, 0), []int{99}); !slices.Equal(got, []int{99, iL1}) {
		t.Errorf("LanesAt appends: %v", got)
	}
}

func TestDrivable(t *testing.T) {
	x := testIndex(t)
	cases := []struct {
		name string
		p    geom.Vec2
		in   bool
		dist float64
	}{
		{"lane centre", geom.V(25, 0), true, 0},
		{"connector", geom.V(60, 5), true, 0},
		{"car park", geom.V(10, -10), true, 0},
		{"on the right edge", geom.V(25, -1.75), true, 0},
		{"0.25 m right of the right lane", geom.V(25, -2.0), false, 0.25},
		{"0.35 m right of the right lane", geom.V(25, -2.1), false, 0.35},
		{"0.25 m left of the left lane (walkway is not drivable)", geom.V(25, 5.5), false, 0.25},
		{"walkway", geom.V(25, 7), false, 1.75},
		{"0.1 m above the car park", geom.V(10, -4.9), false, 0.1},
		{"beyond the last lane's end", geom.V(130, 0), false, 10},
		{"off the end, diagonal", geom.V(123, 5.75), false, 5},     // from (120, 1.75)
		{"inner corner of the turn", geom.V(57, 5), false, 1.25},   // to x = 58.25
		{"left of the car park", geom.V(-3, -5.75), false, 3},      // l1's corner (0, -1.75) is 5 away
		{"20 m left of the car park", geom.V(-20, -10), false, 20}, // l1's corner is 21.6 away
	}
	for _, c := range cases {
		if got := x.InDrivable(c.p); got != c.in {
			t.Errorf("%s: InDrivable(%v) = %v", c.name, c.p, got)
		}
		if got := x.DistanceOutsideDrivable(c.p); math.Abs(got-c.dist) > 1e-9 {
			t.Errorf("%s: DistanceOutsideDrivable(%v) = %v, want %v", c.name, c.p, got, c.dist)
		}
	}
	for _, p := range []geom.Vec2{geom.V(1000, 1000), geom.V(-1e9, 0), geom.V(60, 500)} {
		if got := x.DistanceOutsideDrivable(p); !math.IsInf(got, 1) && got < bruteDistance(x, p)-1e-9 {
			t.Errorf("far away %v: %v", p, got)
		}
	}
	if got := x.DistanceOutsideDrivable(geom.V(math.NaN(), 1)); !math.IsInf(got, 1) {
		t.Errorf("NaN point: %v", got)
	}
}

// bruteDistance is DistanceOutsideDrivable by a scan of every drivable polygon.
func bruteDistance(x *MapIndex, p geom.Vec2) float64 {
	d := math.Inf(1)
	for _, poly := range x.poly {
		d = math.Min(d, geom.DistToPolygon(p, poly))
	}
	return d
}

// TestDistanceOutsideDrivableExactOrInf checks, on random points, that the grid search gives the exact
// distance within its reach (24 m) and otherwise either the exact distance or +Inf, never a wrong number.
func TestDistanceOutsideDrivableExactOrInf(t *testing.T) {
	x := testIndex(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		p := geom.V(-100+rng.Float64()*320, -100+rng.Float64()*260)
		got, want := x.DistanceOutsideDrivable(p), bruteDistance(x, p)
		switch {
		case want <= 24 && math.Abs(got-want) > 1e-9:
			t.Fatalf("%v: %v, want %v", p, got, want)
		case !math.IsInf(got, 1) && math.Abs(got-want) > 1e-9:
			t.Fatalf("%v: %v, want %v or +Inf", p, got, want)
		}
		if in := x.InDrivable(p); in != (want == 0) {
			t.Fatalf("%v: InDrivable %v, distance %v", p, in, want)
		}
	}
}

// TestNearDrivableAgreesWithTheDistance checks NearDrivable against the distance to every drivable polygon, on
// random points and radii up to 40 m (past DistanceOutsideDrivable's 24 m reach), and on bad input.
func TestNearDrivableAgreesWithTheDistance(t *testing.T) {
	x := testIndex(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		p := geom.V(-100+rng.Float64()*320, -100+rng.Float64()*260)
		r := rng.Float64() * 40
		want := bruteDistance(x, p) < r
		if got := x.NearDrivable(p, r); got != want {
			t.Fatalf("NearDrivable(%v, %.3f) = %v; the drivable area is %.3f m away", p, r, got, bruteDistance(x, p))
		}
		if r <= 24 && want != (x.DistanceOutsideDrivable(p) < r) {
			t.Fatalf("NearDrivable(%v, %.3f) disagrees with DistanceOutsideDrivable %v", p, r, x.DistanceOutsideDrivable(p))
		}
	}
	if !x.NearDrivable(geom.V(25, 0), 0.1) {
		t.Error("a point on a lane is near the drivable area")
	}
	if !x.NearDrivable(geom.V(-1e6, 3e5), math.Inf(1)) {
		t.Error("every point is nearer than +Inf to a map with a drivable area")
	}
	for _, c := range []struct {
		p geom.Vec2
		r float64
	}{{geom.V(math.NaN(), 0), 10}, {geom.V(25, -2.1), 0}, {geom.V(25, -2.1), math.NaN()}, {geom.V(25, -2.1), -1}} {
		if x.NearDrivable(c.p, c.r) {
			t.Errorf("NearDrivable(%v, %v) = true", c.p, c.r)
		}
	}
}

func TestSpeedLimitAt(t *testing.T) {
	sc := testScenario()
	sc.Map.Lanes[iL3].SpeedLimit = 0 // none
	x := sc.Map.Index()
	cases := []struct {
		p   geom.Vec2
		lim float64
		ok  bool
	}{
		{geom.V(25, 0), 13.4, true},
		{geom.V(25, 3.5), 15, true},
		{geom.V(55, 0), 6, true}, // c1 (10) and c2 (6) overlap: the lower
		{geom.V(65, 0), 10, true},
		{geom.V(100, 0), 0, false}, // l3 has no limit
		{geom.V(10, -10), 0, false},
		{geom.V(-100, 0), 0, false},
	}
	for _, c := range cases {
		if lim, ok := x.SpeedLimitAt(c.p); lim != c.lim || ok != c.ok {
			t.Errorf("SpeedLimitAt(%v) = %v, %v; want %v, %v", c.p, lim, ok, c.lim, c.ok)
		}
	}
}

func TestNearestLane(t *testing.T) {
	x := testIndex(t)
	cases := []struct {
		name    string
		p       geom.Pose
		maxDist float64
		lane    int
		s, lat  float64
	}{
		{"on the right lane", geom.Pose{X: 25, Y: 0.3}, 5, iL1, 25, 0.3},
		{"on the left lane", geom.Pose{X: 25, Y: 3.2}, 5, iL2, 25, -0.3},
		{"nearer the left lane", geom.Pose{X: 25, Y: 1.9}, 5, iL2, 25, -1.6},
		{"too far for maxDist", geom.Pose{X: 25, Y: 10}, 2, -1, 0, 0},
		{"within a larger maxDist", geom.Pose{X: 25, Y: 10}, 10, iL2, 25, 6.5},
		{"driving the wrong way", geom.Pose{X: 25, Y: 0.3, Heading: math.Pi}, 5, -1, 0, 0},
		{"heading picks the straight connector", geom.Pose{X: 60.5, Y: 0.5}, 5, iC1, 10.5, 0.5},
		{"heading picks the turning connector", geom.Pose{X: 60.5, Y: 0.5, Heading: math.Pi / 2}, 5, iC2, 10.5, -0.5},
		{"lane heading +Y", geom.Pose{X: 59, Y: 30, Heading: 1.5}, 5, iL4, 20, 1},
	}
	for _, c := range cases {
		lane, s, lat, ok := x.NearestLane(c.p, c.maxDist)
		if lane != c.lane || ok != (c.lane >= 0) {
			t.Errorf("%s: NearestLane = lane %d, %v; want %d", c.name, lane, ok, c.lane)
			continue
		}
		if ok && (math.Abs(s-c.s) > 1e-9 || math.Abs(lat-c.lat) > 1e-9) {
			t.Errorf("%s: s %v lat %v, want %v %v", c.name, s, lat, c.s, c.lat)
		}
	}
}

func TestSuccessorsPredecessors(t *testing.T) {
	x := testIndex(t)
	cases := []struct {
		lane       int
		succ, pred []int
	}{
		{iL1, []int{iC2, iC1}, nil}, // as listed by l1
		{iL2, nil, nil},
		{iC1, []int{iL3}, []int{iL1}}, // from l3's predecessor and l1's successor lists
		{iC2, []int{iL4}, []int{iL1}}, // named on both sides: once
		{iL3, nil, []int{iC1}},
		{iL4, nil, []int{iC2}},
	}
	for _, c := range cases {
		if got := x.Successors(c.lane); !slices.Equal(got, c.succ) {
			t.Errorf("Successors(%s) = %v, want %v", x.Lane(c.lane).ID, got, c.succ)
		}
		if got := x.Predecessors(c.lane); !slices.Equal(got, c.pred) {
			t.Errorf("Predecessors(%s) = %v, want %v", x.Lane(c.lane).ID, got, c.pred)
		}
	}
	// Symmetric everywhere.
	for i := range x.NumLanes() {
		for _, j := range x.Successors(i) {
			if !slices.Contains(x.Predecessors(j), i) {
				t.Errorf("%d -> %d is not in %d's predecessors", i, j, j)
			}
		}
		for _, j := range x.Predecessors(i) {
			if !slices.Contains(x.Successors(j), i) {
				t.Errorf("%d <- %d is not in %d's successors", i, j, j)
			}
		}
	}
}

func TestLightState(t *testing.T) {
	x := testIndex(t)
	cases := []struct {
		lane int
		t    float64
		st   LightState
		ok   bool
	}{
		{iC1, 0, Green, true},
		{iC1, 6, Yellow, true},
		{iC1, 8, Red, true},
		{iC1, -1, Unknown, true}, // controlled, state not known yet
		{iC2, 6, Unknown, false}, // no light
		{iL1, 6, Unknown, false},
	}
	for _, c := range cases {
		if st, ok := x.LightState(c.lane, c.t); st != c.st || ok != c.ok {
			t.Errorf("LightState(%s, %v) = %q, %v; want %q, %v", x.Lane(c.lane).ID, c.t, st, ok, c.st, c.ok)
		}
	}
}

func TestRouteLanes(t *testing.T) {
	x := testIndex(t)
	straight := []string{"rb1", "rbc1", "rb3"}
	left := []string{"rb1", "rbc2", "rb4"}
	cases := []struct {
		name     string
		route    []string
		start    geom.Pose
		maxDepth int
		want     []int
	}{
		{"straight on: the fork's second branch", straight, geom.Pose{X: 5}, 10, []int{iL1, iC1, iL3}},
		{"left turn: the fork's first branch", left, geom.Pose{X: 5}, 10, []int{iL1, iC2, iL4}},
		{"depth 1", straight, geom.Pose{X: 5}, 1, []int{iL1, iC1}},
		{"depth 0", straight, geom.Pose{X: 5}, 0, []int{iL1}},
		{"from the dead-end lane", straight, geom.Pose{X: 5, Y: 3.5}, 10, []int{iL2}},
		{"starting on the connector", straight, geom.Pose{X: 55}, 10, []int{iC1, iL3}},
		{"starting on the turn", left, geom.Pose{X: 60, Y: 5, Heading: math.Pi / 2}, 10, []int{iC2, iL4}},
		{"route ends early", []string{"rb1", "rbc1"}, geom.Pose{X: 5}, 10, []int{iL1, iC1}},
		{"start before the route's lanes: the nearest within 60 m", []string{"rb3"}, geom.Pose{X: 65}, 10, []int{iL3}},
		// No route lane within 60 m: the nearest lane of any roadblock, and no further (its successors are off
		// the route).
		{"route out of reach", []string{"rb3"}, geom.Pose{X: -50}, 10, []int{iL1}},
		{"start a little off the lane", straight, geom.Pose{X: 5, Y: -6}, 10, []int{iL1, iC1, iL3}},
		{"nothing near", straight, geom.Pose{X: 5000, Y: 5000}, 10, nil},
	}
	for _, c := range cases {
		if got := x.RouteLanes(c.route, c.start, c.maxDepth); !slices.Equal(got, c.want) {
			t.Errorf("%s: RouteLanes = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestJoinPaths(t *testing.T) {
	x := testIndex(t)
	p := x.JoinPaths([]int{iL1, iC1, iL3})
	if math.Abs(p.Length()-120) > 1e-12 {
		t.Errorf("length %v, want 50+20+50", p.Length())
	}
	// l1 has 3 points, c1 and l3 2 each; shared end points appear once.
	if want := pts(0, 0, 25, 0, 50, 0, 70, 0, 120, 0); !slices.Equal(p.Pts, want) {
		t.Errorf("points %v, want %v", p.Pts, want)
	}
	turn := x.JoinPaths([]int{iL1, iC2, iL4})
	if math.Abs(turn.Length()-(50+20+50)) > 1e-12 {
		t.Errorf("turn length %v", turn.Length())
	}
	if s, lat := turn.Project(geom.V(59, 30)); math.Abs(s-90) > 1e-12 || math.Abs(lat-1) > 1e-12 {
		t.Errorf("project on the joined turn: %v %v", s, lat)
	}
	if empty := x.JoinPaths(nil); empty.Length() != 0 || len(empty.Pts) != 0 {
		t.Error("JoinPaths(nil)")
	}
}

// TestIndexExtremeCoordinates builds indexes over maps whose extents would overflow an int grid and checks
// that queries still answer.
func TestIndexExtremeCoordinates(t *testing.T) {
	lane := func(id string, x0, y0 float64) Lane {
		return Lane{ID: id, Roadblock: "rb", Centerline: pts(x0, y0, x0+10, y0), Left: pts(x0, y0+1.75, x0+10, y0+1.75),
			Right: pts(x0, y0-1.75, x0+10, y0-1.75)}
	}
	for _, far := range []float64{1e5, 3e7, 1e15, 1e300, 1.7e308, -1.7e308} {
		m := Map{Lanes: []Lane{lane("a", 0, 0), lane("b", far, far)}, Roadblocks: []Roadblock{{ID: "rb", Lanes: []string{"a", "b"}}}}
		if far < 0 { // extents overflow to +Inf
			m.Lanes = append(m.Lanes, lane("c", -far, -far))
		}
		x := m.Index()
		if got := x.LanesAt(geom.V(5, 0), nil); !slices.Equal(got, []int{0}) {
			t.Errorf("far %g: LanesAt near the origin = %v", far, got)
		}
		if got := x.LanesAt(geom.V(far+5, far), nil); math.Abs(far) < 1e300 && !slices.Equal(got, []int{1}) {
			t.Errorf("far %g: LanesAt at the far lane = %v", far, got)
		}
		if d := x.DistanceOutsideDrivable(geom.V(5, -2)); !(math.Abs(d-0.25) < 1e-9 || math.IsInf(d, 1)) {
			t.Errorf("far %g: distance %v", far, d)
		}
		if x.grid.nx*x.grid.ny > maxGridCells || x.grid.nx < 1 || x.grid.ny < 1 {
			t.Errorf("far %g: grid %d x %d", far, x.grid.nx, x.grid.ny)
		}
	}
}

// TestEmptyMapIndex: an unvalidated map without lanes still answers.
func TestEmptyMapIndex(t *testing.T) {
	var m Map
	x := m.Index()
	if x.NumLanes() != 0 || x.InDrivable(geom.V(0, 0)) || len(x.LanesAt(geom.V(0, 0), nil)) != 0 {
		t.Error("empty map")
	}
	if d := x.DistanceOutsideDrivable(geom.V(0, 0)); !math.IsInf(d, 1) {
		t.Errorf("distance %v", d)
	}
	if _, _, _, ok := x.NearestLane(geom.Pose{}, 100); ok {
		t.Error("NearestLane on an empty map")
	}
	if got := x.RouteLanes([]string{"rb"}, geom.Pose{}, 5); got != nil {
		t.Errorf("RouteLanes on an empty map: %v", got)
	}
}

func TestMapIndexAllocs(t *testing.T) {
	x := testIndex(t)
	buf := make([]int, 0, 8)
	out := geom.V(25, -2.1)
	var sink float64
	cases := map[string]func(){
		"LanesAt":                 func() { buf = x.LanesAt(geom.V(55, 0), buf[:0]) },
		"InDrivable":              func() { _ = x.InDrivable(out) },
		"DistanceOutsideDrivable": func() { sink += x.DistanceOutsideDrivable(out) },
		"SpeedLimitAt":            func() { v, _ := x.SpeedLimitAt(geom.V(55, 0)); sink += v },
		"NearestLane":             func() { _, s, _, _ := x.NearestLane(geom.Pose{X: 25, Y: 0.3}, 5); sink += s },
		"LightState":              func() { _, _ = x.LightState(iC1, 3) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
	_ = sink
}

// TestRouteLanesLongChain: a chain reaching further along the route wins over a longer chain that stays in an
// earlier roadblock, however long that one is.
func TestRouteLanesLongChain(t *testing.T) {
	const n = 1100 // lanes a0 .. a1099 in roadblock "a", 1 m each, in a chain
	var m Map
	var aIDs []string
	for i := range n {
		x0 := float64(i)
		id := "a" + strconv.Itoa(i)
		l := Lane{ID: id, Roadblock: "a", Centerline: pts(x0, 0, x0+1, 0), Left: pts(x0, 1.75, x0+1, 1.75), Right: pts(x0, -1.75, x0+1, -1.75)}
		if i+1 < n {
			l.Successors = []string{"a" + strconv.Itoa(i+1)}
		}
		m.Lanes = append(m.Lanes, l)
		aIDs = append(aIDs, id)
	}
	// a0 also leads into b0, in the route's second roadblock.
	m.Lanes[0].Successors = append(m.Lanes[0].Successors, "b0")
	m.Lanes = append(m.Lanes, Lane{ID: "b0", Roadblock: "b", Centerline: pts(1, 0, 1, 10), Left: pts(0, 0, 0, 10), Right: pts(2, 0, 2, 10)})
	m.Roadblocks = []Roadblock{{ID: "a", Lanes: aIDs}, {ID: "b", Lanes: []string{"b0"}}}
	got := m.Index().RouteLanes([]string{"a", "b"}, geom.Pose{X: 0.5}, 2000)
	if want := []int{0, n}; !slices.Equal(got, want) {
		if len(got) > 5 {
			got = got[:5]
		}
		t.Errorf("RouteLanes = %v..., want %v", got, want)
	}
}
