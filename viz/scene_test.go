package viz

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"asyncdrive/geom"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// testRun is a straight lane "a" along x from -60 to 60 m (roadblock "rb", on the route) with lane "b" on
// its left (roadblock "rb2", off the route), two connectors leaving lane a's end (straight, green; turning
// left, red), the goal at (50, 0), the ego at the origin heading +x, a car 20 m ahead, one fused track on
// the car, a raw detection from "rsu" at (30, 8) and one from "car7" (0.5 s old) at (10, 12). agents-1
// pedestrians stand south of the road.
func testRun(agents int) (*runlog.Run, Route) {
	var c, l, r, bl []geom.Vec2
	for x := -60.0; x <= 60; x += 10 {
		c = append(c, geom.V(x, 0))
		l = append(l, geom.V(x, 1.75))
		r = append(r, geom.V(x, -1.75))
		bl = append(bl, geom.V(x, 5.25))
	}
	straight := []geom.Vec2{geom.V(60, 0), geom.V(70, 0), geom.V(80, 0)}
	left := geom.NewPolyline([]geom.Vec2{geom.V(60, 0), geom.V(65, 0), geom.V(70, 1.5), geom.V(74, 4.5), geom.V(76, 9)})
	sp := geom.NewPolyline(straight)
	m := &scenarios.Map{Lanes: []scenarios.Lane{
		{ID: "a", Roadblock: "rb", Centerline: c, Left: l, Right: r, SpeedLimit: 15},
		{ID: "b", Roadblock: "rb2", Centerline: sp.Offset(3.5), Left: bl, Right: l, SpeedLimit: 15},
		{ID: "straight", Roadblock: "j1", Connector: true, Centerline: straight, Left: sp.Offset(1.75), Right: sp.Offset(-1.75)},
		{ID: "left", Roadblock: "j2", Connector: true, Centerline: left.Pts, Left: left.Offset(1.75), Right: left.Offset(-1.75)},
	}}
	run := &runlog.Run{
		Header: runlog.Header{ScenarioID: "test", Type: "unit", Planner: "pdm", DT: 0.1,
			Vehicle:      runlog.Vehicle{Length: 5.18, Width: 2.3, RearToCenter: 1.46},
			Instructions: []scenarios.Instruction{{T: 0, Text: "go straight"}, {T: 0.45, Text: "keep going"}}},
		Map: m,
	}
	for i := 0; i < 10; i++ {
		f := runlog.Frame{T: float64(i) * 0.1, Iteration: i, Ego: runlog.Ego{X: -1.46, Speed: 5}, Mode: "proposal",
			Metrics: map[string]float64{"speed": 5}}
		f.Agents = append(f.Agents, runlog.Agent{ID: "car", Type: "vehicle", X: 20, Length: 4.5, Width: 2})
		for k := 1; k < agents; k++ {
			ang := float64(k) * 2.399
			f.Agents = append(f.Agents, runlog.Agent{ID: "x", Type: "pedestrian", X: 40 * math.Cos(ang), Y: -30 + 20*math.Sin(ang), Heading: ang, Length: 4.5, Width: 2})
		}
		f.Lights = []runlog.Light{{Lane: "straight", State: "green"}, {Lane: "left", State: "red"}}
		f.Plan = []runlog.Point{{X: -1.46}, {T: 1, X: 3.5}, {T: 2, X: 8.5}}
		f.Perception = &runlog.Perception{
			Tracks: []runlog.Track{{ID: "t", X: 20, Length: 4.5, Width: 2, Cov: [3]float64{0.5, 0, 0.2}, Existence: 0.9}},
			Detections: []runlog.Detection{
				{Sender: "rsu", X: 30, Y: 8, Length: 4, Width: 2},
				{Sender: "car7", X: 10, Y: 12, Length: 4, Width: 2, AgeS: 0.5},
			},
		}
		run.Frames = append(run.Frames, f)
	}
	goal := geom.Pose{X: 50}
	return run, Route{Roadblocks: []string{"rb", "j1"}, Goal: &goal}
}

func TestTriangulate(t *testing.T) {
	// An L-shaped (concave) polygon of area 3: the triangles must cover exactly that area.
	poly := []geom.Vec2{geom.V(0, 0), geom.V(2, 0), geom.V(2, 1), geom.V(1, 1), geom.V(1, 2), geom.V(0, 2)}
	for _, p := range [][]geom.Vec2{poly, {poly[5], poly[4], poly[3], poly[2], poly[1], poly[0]}} {
		tris := triangulate(p)
		area := 0.0
		for _, tr := range tris {
			a, b, c := p[tr[0]], p[tr[1]], p[tr[2]]
			area += math.Abs((b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X)) / 2
		}
		if len(tris) != 4 || math.Abs(area-3) > 1e-9 {
			t.Errorf("%d triangles of area %v, want 4 covering 3", len(tris), area)
		}
	}
	if triangulate([]geom.Vec2{geom.V(0, 0), geom.V(1, 1)}) != nil || triangulate([]geom.Vec2{geom.V(0, 0), geom.V(math.NaN(), 1), geom.V(1, 0)}) != nil {
		t.Error("degenerate polygons triangulated")
	}
}

func TestCamera(t *testing.T) {
	c := Camera{Center: geom.V(10, 5), PixelsPerMeter: 4, Width: 800, Height: 600}
	if x, y := c.Project(geom.V(10, 5)); x != 400 || y != 300 {
		t.Errorf("centre at %v,%v", x, y)
	}
	if x, y := c.Project(geom.V(20, 10)); x != 440 || y != 280 {
		t.Errorf("(20, 10) at %v,%v, want 440,280 (north up)", x, y)
	}
	p := geom.V(13, -2)
	x, y := c.Project(p)
	c.Zoom(2, x, y)
	if x2, y2 := c.Project(p); math.Abs(x2-x) > 1e-9 || math.Abs(y2-y) > 1e-9 || c.PixelsPerMeter != 8 {
		t.Errorf("zoom moved the point under the cursor: %v,%v -> %v,%v", x, y, x2, y2)
	}
	// The world matrix agrees with Project.
	m := c.WorldMatrix()
	q := geom.V(17, 3)
	nx := float64(m[0])*q.X + float64(m[12])
	ny := float64(m[5])*q.Y + float64(m[13])
	px, py := c.Project(q)
	if math.Abs((nx+1)/2*800-px) > 1e-3 || math.Abs((1-ny)/2*600-py) > 1e-3 {
		t.Errorf("matrix puts (17,3) at %v,%v, Project at %v,%v", (nx+1)/2*800, (1-ny)/2*600, px, py)
	}
}

func TestStateKeys(t *testing.T) {
	run, _ := testRun(1)
	s := NewState(run)
	s.Advance(0.25)
	if k := s.Frame(); k != 2 {
		t.Errorf("after 0.25 s at x1: frame %d, want 2", k)
	}
	s.Key(KeyStepForward, false)
	if s.Playing || s.Frame() != 3 {
		t.Errorf("step: playing %v frame %d, want paused at 3", s.Playing, s.Frame())
	}
	s.Key(KeyStepBack, true)
	if s.Frame() != 0 {
		t.Errorf("shift-step back 1 s: frame %d, want 0 (clamped)", s.Frame())
	}
	s.Scrub(1)
	if s.Frame() != 9 {
		t.Errorf("scrub to the end: frame %d", s.Frame())
	}
	s.Key(KeyPlayPause, false)
	if !s.Playing || s.Frame() != 0 {
		t.Errorf("play at the end restarts: playing %v frame %d", s.Playing, s.Frame())
	}
	s.Key(KeyFaster, false)
	s.Advance(0.2)
	if s.Frame() != 4 {
		t.Errorf("x2 for 0.2 s: frame %d, want 4", s.Frame())
	}
	s.Advance(100)
	if s.Playing || s.Frame() != 9 {
		t.Error("playback does not stop at the end")
	}
	s.Key(KeyHelp, false)
	s.Key(KeyQuit, false)
	if !s.Help || !s.Quit {
		t.Error("help/quit keys")
	}
	empty := NewState(&runlog.Run{})
	empty.Advance(1)
	empty.Key(KeyStepForward, false)
	if empty.Frame() != -1 {
		t.Error("an empty run has a frame")
	}
}

func TestOverlayAndAtlas(t *testing.T) {
	a, err := NewAtlas(14)
	if err != nil {
		t.Fatal(err)
	}
	if a.LineHeight < 12 || a.Width("ego") != 3*a.Width("e") || a.Width("iii") != a.Width("WWW") {
		t.Errorf("atlas metrics (fixed width): line %d, widths %v %v %v", a.LineHeight, a.Width("ego"), a.Width("iii"), a.Width("WWW"))
	}
	run, route := testRun(1)
	sc := NewScene(run, route)
	st := NewState(run)
	var b Batch
	cam := Camera{Width: 1280, Height: 720, PixelsPerMeter: 8}
	text := Overlay(&b, nil, a, &cam, sc, st)
	if len(text) == 0 || len(text)%(6*textFloats) != 0 || len(b.Tris) == 0 {
		t.Errorf("overlay: %d text floats, %d triangle floats", len(text), len(b.Tris))
	}
	lines := PanelLines(sc, &run.Frames[0], st)
	want := map[string]Color{
		"test (unit)":                         ColorText,
		"route: go straight":                  ColorText,
		"guide: none":                         ColorTextDim,
		"  car7           1  age 0.50-0.50 s": SenderPalette[1],
		"  rsu            1  age 0.00-0.00 s": SenderPalette[0],
		"speed      5.00":                     ColorText,
	}
	for _, l := range lines {
		if c, ok := want[l.Text]; ok {
			if c != l.Color {
				t.Errorf("panel line %q in %v, want %v", l.Text, l.Color, c)
			}
			delete(want, l.Text)
		}
	}
	if len(want) > 0 {
		t.Errorf("panel lacks %v; it has %v", want, lines)
	}
	if got := PanelLines(sc, &run.Frames[5], st); got[4].Text != "route: keep going" {
		t.Errorf("instruction at 0.5 s: %q", got[4].Text)
	}
	// A scenario flagged on import says so under its name, dimmed.
	run.Header.Flags = []string{"short_expert", "start_shifted"}
	if got := PanelLines(sc, &run.Frames[0], st); got[1].Text != "flagged on import: short_expert, start_shifted" || got[1].Color != ColorTextDim {
		t.Errorf("flagged run's panel line 1: %+v", got[1])
	}
	run.Header.Flags = nil
	// A guided frame: the decision line names the turn, target and pull-over; the next gives the
	// probabilities.
	gf := run.Frames[0]
	gf.Guidance = &runlog.Guidance{Instruction: "stop at the pickup zone", Lane: "any", Turn: "left", TargetSpeed: 4.5, HeadwayS: 1.2,
		PullOver: true, PullOverProb: 0.93, LaneProbs: [3]float64{0.1, 0.85, 0.05}, StopProb: 0.2}
	panelHas(t, "guided panel", PanelLines(sc, &gf, st),
		"guide: stop at the pickup zone",
		"  decision: lane any  turn left  target 4.5 m/s  headway 1.2 s  PULL OVER  p(stop) 0.20",
		"  p(lane) L 0.10 K 0.85 R 0.05  p(pull over) 0.93")
	// PDM's proposals with their terms: the chosen one, then the best of each other path with what held it
	// back.
	pf := run.Frames[0]
	pf.Proposals = []runlog.Proposal{
		{Score: 0.8, Chosen: true, Terms: &runlog.ProposalTerms{Path: "centerline", TargetSpeed: 15.1, Kind: "idm", Multiplier: 1, Drivable: true, Direction: 1, TTC: 1, Comfort: 1, LaneWeight: 0.8}},
		{Score: 0.7, Terms: &runlog.ProposalTerms{Path: "centerline", Offset: 1, TargetSpeed: 9, Kind: "idm", Multiplier: 1, Drivable: true, Direction: 1, TTC: 1, Comfort: -1, LaneWeight: 0.8}},
		{Score: 0, Terms: &runlog.ProposalTerms{Path: "left_lane", TargetSpeed: 15.1, Kind: "idm", Drivable: true, Direction: 1, CollideAt: 2.5, CollideWith: "42", Comfort: -1, LaneWeight: 1}},
		{Score: 0, Terms: &runlog.ProposalTerms{Path: "left_lane", TargetSpeed: 3, Kind: "idm", Drivable: false, Direction: 1, TTC: 1, Comfort: 0, LaneWeight: 1}},
		{Score: 0.3, Terms: &runlog.ProposalTerms{Path: "right_lane", TargetSpeed: 12, Kind: "idm", Multiplier: 1, Drivable: true, Direction: 1, TTCAt: 1.1, TTCWith: "31", Comfort: -1, LaneWeight: 1}},
	}
	panelHas(t, "panel with proposals", PanelLines(sc, &pf, st),
		"  5 proposals, chosen score 0.80",
		"  chosen centerline 15.1 m/s 0.80: lane weight 0.80",
		"  left_lane 15.1 m/s 0.00: collides with 42 in 2.5 s, time to collision",
		"  right_lane 12.0 m/s 0.30: time to collision with 31 in 1.1 s")
	// Labels: one per detection, right of it, in its sender's (faded) colour; none zoomed out.
	labels := Labels(&run.Frames[0], &cam, sc, a)
	if len(labels) != 2 || labels[0].Text != "rsu 0.00s" || labels[1].Text != "car7 0.50s" {
		t.Fatalf("labels %+v", labels)
	}
	if x, _ := cam.Project(geom.V(30, 8)); labels[0].X <= x || labels[1].Color.A >= 1 || labels[0].Color != SenderPalette[0] {
		t.Errorf("label placement/colour %+v", labels)
	}
	// Detections of one object by several senders: the labels stack instead of overlapping; those that find
	// no free place within two lines are left out.
	f := run.Frames[0]
	f.Perception = &runlog.Perception{}
	for k := 0; k < 7; k++ {
		f.Perception.Detections = append(f.Perception.Detections, runlog.Detection{Sender: "rsu", X: 30, Y: 8, Length: 4, Width: 2})
	}
	labels = Labels(&f, &cam, sc, a)
	if len(labels) != 5 {
		t.Fatalf("%d labels for 7 detections at one place, want 5", len(labels))
	}
	for i := range labels {
		for j := range i {
			if math.Abs(labels[i].Y-labels[j].Y) < float64(a.LineHeight) {
				t.Errorf("labels %d and %d overlap: %+v %+v", i, j, labels[i], labels[j])
			}
		}
	}
	cam.PixelsPerMeter = 2
	if l := Labels(&run.Frames[0], &cam, sc, a); len(l) != 0 {
		t.Errorf("labels when zoomed out: %v", l)
	}
	// An empty run: the overlay says so, with the warnings.
	empty := &runlog.Run{Warnings: []string{"no map in the file"}}
	text = Overlay(&b, text, a, &cam, NewScene(empty, Route{}), NewState(empty))
	if len(text) == 0 {
		t.Error("no text for an empty run")
	}
}

func TestWrap(t *testing.T) {
	got := wrap([]TextLine{{"warning: file truncated or corrupt after 12 frames: unexpected EOF", ColorWarning}}, 30)
	if len(got) != 3 || got[0].Text != "warning: file truncated or" || got[1].Text != "  corrupt after 12 frames:" || got[2].Color != ColorWarning {
		t.Errorf("wrap: %v", got)
	}
	for _, l := range wrap([]TextLine{{strings.Repeat("x", 100), ColorText}}, 30) {
		if len(l.Text) > 30 {
			t.Errorf("line of %d characters", len(l.Text))
		}
	}
}

func TestSceneLightsAndSenders(t *testing.T) {
	run, route := testRun(1)
	sc := NewScene(run, route)
	// The two connectors leaving lane a split its end edge: the left turn takes the left half.
	if bar := sc.lightBars["left"]; bar[0].Dist(geom.V(60, 1.75)) > 1e-9 || bar[1].Dist(geom.V(60, 0)) > 1e-9 {
		t.Errorf("left turn's light bar %v", bar)
	}
	if bar := sc.lightBars["straight"]; bar[0].Dist(geom.V(60, 0)) > 1e-9 || bar[1].Dist(geom.V(60, -1.75)) > 1e-9 {
		t.Errorf("straight's light bar %v", bar)
	}
	// Senders take colours in the order they first appear; unknown ones are grey.
	if sc.SenderColor("rsu") != SenderPalette[0] || sc.SenderColor("car7") != SenderPalette[1] || sc.SenderColor("x") != ColorUnknown {
		t.Errorf("sender colours rsu %v car7 %v", sc.SenderColor("rsu"), sc.SenderColor("car7"))
	}
	// A frame's batch has the light bars in the lights' colours and the detections in their senders'.
	var b Batch
	sc.FrameBatch(&b, &run.Frames[0], Layers{Perception: true})
	count := func(vs []float32, c Color) int {
		n := 0
		for i := 0; i+vertexFloats <= len(vs); i += vertexFloats {
			if vs[i+2] == c.R && vs[i+3] == c.G && vs[i+4] == c.B && vs[i+5] == c.A {
				n++
			}
		}
		return n
	}
	if count(b.Tris, ColorRed) != 6 || count(b.Tris, ColorGreen) != 6 {
		t.Errorf("light bars: %d red, %d green vertices, want 6 each", count(b.Tris, ColorRed), count(b.Tris, ColorGreen))
	}
	if count(b.Lines, SenderPalette[0]) != 8 || count(b.Lines, detectionColor(SenderPalette[1], 0.5)) != 8 {
		t.Error("detection outlines not in their senders' colours")
	}
	// Without the perception layer, no detections.
	sc.FrameBatch(&b, &run.Frames[0], Layers{})
	if count(b.Lines, SenderPalette[0]) != 0 {
		t.Error("detections drawn with the perception layer off")
	}
	// A collision frame is marked for the timeline; a new sender in a live frame gets the next colour.
	f := run.Frames[9]
	f.T = 1.0
	f.Metrics = map[string]float64{runlog.MetricCollisions: 1}
	f.Perception = &runlog.Perception{Detections: []runlog.Detection{{Sender: "obu"}}}
	st := NewState(run)
	if !st.Append(f) {
		t.Fatal("a later live frame was refused")
	}
	sc.Observe()
	if len(sc.Collisions) != 1 || sc.Collisions[0] != 1.0 || sc.SenderColor("obu") != SenderPalette[2] {
		t.Errorf("after a live frame: collisions %v, obu %v", sc.Collisions, sc.SenderColor("obu"))
	}
}

func TestProposalColor(t *testing.T) {
	if ProposalColor(1) != ColorProposal || ProposalColor(0) != ColorProposalBad || ProposalColor(math.NaN()) != ColorProposalBad || ProposalColor(7) != ColorProposal {
		t.Error("proposal colours at the ends")
	}
	if c := ProposalColor(0.5); !(c.G > ColorProposalBad.G && c.G < ColorProposal.G) {
		t.Errorf("proposal colour at 0.5: %v", c)
	}
}

func TestStateAppend(t *testing.T) {
	run := &runlog.Run{}
	s := NewState(run)
	s.Live = true
	for _, tt := range []float64{0, 0.1, 0.2} {
		if !s.Append(runlog.Frame{T: tt}) {
			t.Fatalf("frame at %v refused", tt)
		}
	}
	if s.Frame() != 2 || s.T != 0.2 {
		t.Errorf("playing live: at frame %d (t %v), want the newest", s.Frame(), s.T)
	}
	if s.Append(runlog.Frame{T: 0.15}) || s.Append(runlog.Frame{T: math.NaN()}) || len(run.Frames) != 3 {
		t.Error("a frame out of time order or at NaN was taken")
	}
	s.Key(KeyStepBack, false)
	s.Append(runlog.Frame{T: 0.3})
	if s.Playing || s.Frame() != 1 {
		t.Errorf("paused live view moved: playing %v, frame %d", s.Playing, s.Frame())
	}
}

func TestMapBatch(t *testing.T) {
	run, route := testRun(1)
	with, without := MapBatch(run.Map, route), MapBatch(run.Map, Route{})
	// The route tints lane a (roadblock rb) and connector straight (j1), and the goal adds its mark.
	if len(with.Tris) <= len(without.Tris) {
		t.Errorf("route adds nothing: %d vs %d triangle floats", len(with.Tris), len(without.Tris))
	}
	if b := MapBatch(nil, Route{}); len(b.Tris)+len(b.Lines) != 0 {
		t.Error("a nil map draws something")
	}
	if b := MapBatch(nil, route); len(b.Tris) == 0 {
		t.Error("the goal is not drawn without a map")
	}
	box := MapBounds(run.Map)
	if box.Min.X != -60 || box.Max.X < 76 || box.Max.Y < 9 {
		t.Errorf("map bounds %+v", box)
	}
}

func TestSummarize(t *testing.T) {
	lat := make([]time.Duration, 200)
	for i := range lat {
		lat[i] = time.Duration(200-i) * time.Millisecond
	}
	r := summarize(lat)
	// benchlat's method: the sorted samples at n/2 and n*99/100.
	if r.Frames != 200 || r.P50 != 101 || r.P99 != 199 || r.Max != 200 || r.Mean != 100.5 {
		t.Errorf("summary %+v", r)
	}
	if r := summarize(nil); r.Frames != 0 || r.P50 != 0 {
		t.Errorf("empty summary %+v", r)
	}
}

// Numbers that are not finite anywhere in a frame or the map draw nothing for that item and never panic.
func TestNonFiniteInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	run, route := testRun(3)
	run.Map.Lanes = append(run.Map.Lanes, scenarios.Lane{ID: "bad", Connector: true, Centerline: []geom.Vec2{{X: nan}, {X: 1, Y: inf}},
		Left: []geom.Vec2{{X: nan}}, Right: []geom.Vec2{{Y: inf}, {}}})
	run.Map.Crosswalks = append(run.Map.Crosswalks, scenarios.Polygon{Polygon: []geom.Vec2{{X: nan}, {X: 1}, {Y: 1}}})
	f := &run.Frames[0]
	f.Ego = runlog.Ego{X: nan, Y: inf, Heading: nan, Speed: nan}
	f.Agents = append(f.Agents, runlog.Agent{X: nan, Length: inf, Width: nan}, runlog.Agent{X: 1, Length: 4, Width: 2, Heading: inf, Indicator: 1})
	f.Lights = append(f.Lights, runlog.Light{Lane: "bad", State: "green"}, runlog.Light{Lane: "nowhere", State: "red"})
	f.Plan = []runlog.Point{{X: nan}, {X: 1, Y: inf}, {X: 2}}
	f.Proposals = []runlog.Proposal{{Points: []runlog.Point{{X: inf}, {Y: nan}}, Score: nan}}
	f.Perception.Tracks = append(f.Perception.Tracks, runlog.Track{X: nan, Cov: [3]float64{nan, inf, -1}}, runlog.Track{X: 1, Cov: [3]float64{-1, nan, 2}})
	f.Perception.Detections = append(f.Perception.Detections, runlog.Detection{Sender: "\xff\xfe", X: inf, AgeS: nan}, runlog.Detection{X: 1, AgeS: nan, Length: inf})
	f.Metrics["x"] = nan
	nanGoal := geom.Pose{X: nan}
	route.Goal = &nanGoal
	route.GoalSpan = &scenarios.Span{Behind: nan, Ahead: inf}
	if pts := goalStretch(run.Map.Index(), geom.Pose{X: 50}, *route.GoalSpan); pts != nil {
		t.Errorf("a NaN span draws %d points", len(pts))
	}
	if pts := goalStretch(run.Map.Index(), geom.Pose{X: 50}, scenarios.Span{Behind: 1e300, Ahead: inf}); len(pts) == 0 || len(pts) > 2001 {
		t.Errorf("a huge span draws %d points, want the lane's, at most 2 km", len(pts))
	}
	sc := NewScene(run, route)
	st := NewState(run)
	var b Batch
	sc.FrameBatch(&b, f, Layers{Proposals: true, Perception: true})
	cam := Camera{Width: 640, Height: 480, PixelsPerMeter: 8}
	st.FollowEgo(&cam)
	if !cam.Center.IsFinite() {
		t.Errorf("camera centre %v", cam.Center)
	}
	a, err := NewAtlas(14)
	if err != nil {
		t.Fatal(err)
	}
	Overlay(&b, nil, a, &cam, sc, st)
	cam.Zoom(nan, 0, 0)
	cam.Zoom(inf, 0, 0)
	if cam.PixelsPerMeter != 8 {
		t.Errorf("zoom by NaN/Inf changed the zoom to %v", cam.PixelsPerMeter)
	}
}

// Vertices that do not change a shape by more than mapTolerance are dropped; corners and curves stay.
func TestSimplify(t *testing.T) {
	line := []geom.Vec2{geom.V(0, 0), geom.V(1, 0.001), geom.V(2, 0), geom.V(3, 0), geom.V(3, 1), geom.V(3, 2)}
	if got := simplePolyline(line); len(got) != 3 || got[1] != geom.V(3, 0) {
		t.Errorf("simplified %v, want the ends and the corner", got)
	}
	var b Batch
	var l, r []geom.Vec2
	for x := 0.0; x <= 100; x += 2 {
		l, r = append(l, geom.V(x, 1.75)), append(r, geom.V(x, -1.75))
	}
	b.Strip(l, r, ColorDrivable)
	if n := len(b.Tris) / vertexFloats / 3; n != 2 {
		t.Errorf("a straight lane strip is %d triangles, want 2", n)
	}
	b.Reset()
	var arc []geom.Vec2
	for i := 0; i <= 90; i++ {
		arc = append(arc, geom.Unit(float64(i)*math.Pi/180).Scale(10))
	}
	kept := simplePolyline(arc)
	if len(kept) < 5 || len(kept) > 40 {
		t.Errorf("a 10 m quarter circle keeps %d of 91 points", len(kept))
	}
	for i := range arc { // every dropped point is within the tolerance of the simplified line
		d := math.Inf(1)
		for k := 0; k+1 < len(kept); k++ {
			d = math.Min(d, geom.SegmentDist(arc[i], kept[k], kept[k+1]))
		}
		if d > mapTolerance+1e-12 {
			t.Fatalf("point %d is %v m off the simplified arc", i, d)
		}
	}
	// A square sampled every metre fills as a square: 2 triangles.
	var sq []geom.Vec2
	for _, side := range [][2]geom.Vec2{{geom.V(0, 0), geom.V(1, 0)}, {geom.V(10, 0), geom.V(0, 1)}, {geom.V(10, 10), geom.V(-1, 0)}, {geom.V(0, 10), geom.V(0, -1)}} {
		for k := 0; k < 10; k++ {
			sq = append(sq, side[0].Add(side[1].Scale(float64(k))))
		}
	}
	b.Polygon(sq, ColorArea)
	if n := len(b.Tris) / vertexFloats / 3; n != 2 {
		t.Errorf("a square of 40 vertices fills with %d triangles, want 2", n)
	}
}

// panelHas fails the test unless the panel lines include every one of want (what names the panel).
func panelHas(t *testing.T, what string, lines []TextLine, want ...string) {
	t.Helper()
	var texts []string
	for _, l := range lines {
		texts = append(texts, l.Text)
	}
	for _, w := range want {
		if !slices.Contains(texts, w) {
			t.Errorf("%s lacks %q: %q", what, w, texts)
		}
	}
}

// The expert's layer: its drive as a line and, at each frame, the outline of where it was then; nothing once
// its log has ended, and nothing with the layer off (key E).
func TestSceneExpert(t *testing.T) {
	run, route := testRun(1)
	for k := 0; k <= 5; k++ { // 10 m/s along the lane for 0.5 s, from x = 1
		run.Header.Expert = append(run.Header.Expert, runlog.Point{T: float64(k) * 0.1, X: 1 + float64(k), Speed: 10})
	}
	sc := NewScene(run, route)
	var b Batch
	outline := func() []geom.Vec2 { // the vertices drawn in the expert's full colour
		var ps []geom.Vec2
		for i := 0; i+vertexFloats <= len(b.Lines); i += vertexFloats {
			if v := b.Lines[i:]; v[2] == ColorExpert.R && v[3] == ColorExpert.G && v[4] == ColorExpert.B && v[5] == ColorExpert.A {
				ps = append(ps, geom.V(float64(v[0]), float64(v[1])))
			}
		}
		return ps
	}
	sc.FrameBatch(&b, &run.Frames[3], Layers{Expert: true})
	ps := outline()
	if len(ps) != 8 {
		t.Fatalf("expert outline: %d vertices, want a box's 8", len(ps))
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		minX, maxX = min(minX, p.X), max(maxX, p.X)
	}
	// At 0.3 s the expert's rear axle is at x = 4: its box spans 4 - (2.59 - 1.46) to 4 + 1.46 + 2.59.
	if math.Abs(minX-2.87) > 0.01 || math.Abs(maxX-8.05) > 0.01 {
		t.Errorf("expert outline at 0.3 s spans x %.2f to %.2f, want 2.87 to 8.05", minX, maxX)
	}
	if n := len(b.Lines); n == 0 {
		t.Fatal("no lines")
	}
	sc.FrameBatch(&b, &run.Frames[9], Layers{Expert: true}) // 0.9 s: the log ended at 0.5 s
	if len(outline()) != 0 {
		t.Error("an outline drawn after the expert's log ended")
	}
	withLayer := len(b.Lines)
	sc.FrameBatch(&b, &run.Frames[9], Layers{})
	if len(b.Lines) >= withLayer {
		t.Error("the expert's drive drawn with its layer off")
	}
	st := NewState(run)
	if st.Key(KeyExpert, false); st.Layers.Expert {
		t.Error("E does not turn the expert off")
	}
}

// A compared run: its ego's outline and plan at the frame's time, its planner in the panel; nothing where it
// has no frame, or with its layer off (key C).
func TestSceneCompare(t *testing.T) {
	run, route := testRun(1)
	other, _ := testRun(1)
	other.Header.Planner, other.Header.Agents = "idm", "reactive"
	other.Frames = other.Frames[:5] // 0 to 0.4 s
	for i := range other.Frames {
		other.Frames[i].Ego.X = 6 // 7.46 m ahead of this run's ego
		other.Frames[i].Ego.Speed = 3
		other.Frames[i].Plan = []runlog.Point{{X: 6}, {T: 1, X: 9}, {T: 2, X: 12}}
	}
	sc := NewScene(run, route)
	sc.Compare = other
	var b Batch
	outline := func() (n int, minX float64) {
		minX = math.Inf(1)
		for i := 0; i+vertexFloats <= len(b.Lines); i += vertexFloats {
			if v := b.Lines[i:]; v[2] == ColorCompare.R && v[3] == ColorCompare.G && v[4] == ColorCompare.B {
				n++
				minX = min(minX, float64(v[0]))
			}
		}
		return n, minX
	}
	sc.FrameBatch(&b, &run.Frames[2], Layers{Compare: true})
	// The outline (8 vertices) and the plan (2 segments): the box's rear at 6 - (2.59 - 1.46).
	if n, minX := outline(); n != 12 || math.Abs(minX-4.87) > 0.01 {
		t.Errorf("compared ego: %d vertices from x %.2f, want 12 from 4.87", n, minX)
	}
	st := NewState(run)
	panel := PanelLines(sc, &run.Frames[2], st)
	found := false
	for _, l := range panel {
		found = found || strings.Contains(l.Text, "compared: idm (reactive)") && strings.Contains(l.Text, "3.0 m/s")
	}
	if !found {
		t.Errorf("panel %v: no line for the compared run", panel)
	}
	sc.FrameBatch(&b, &run.Frames[8], Layers{Compare: true}) // 0.8 s: the compared run has ended
	if n, _ := outline(); n != 0 {
		t.Error("the compared ego drawn after its run ended")
	}
	sc.FrameBatch(&b, &run.Frames[2], Layers{})
	if n, _ := outline(); n != 0 {
		t.Error("the compared ego drawn with its layer off")
	}
	if st.Key(KeyCompare, false); st.Layers.Compare {
		t.Error("C does not turn the compared run off")
	}
}
