package viz

import (
	"math"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// testRun is a straight lane along x from -60 to 60 m, the ego at the origin heading +x, a car 20 m ahead,
// and one fused track and one raw detection at (30, 8).
func testRun(agents int) *runlog.Run {
	var c, l, r []geom.Vec2
	for x := -60.0; x <= 60; x += 10 {
		c = append(c, geom.V(x, 0))
		l = append(l, geom.V(x, 1.75))
		r = append(r, geom.V(x, -1.75))
	}
	m := &scenarios.Map{Lanes: []scenarios.Lane{{ID: "a", Roadblock: "rb", Centerline: c, Left: l, Right: r, SpeedLimit: 15}}}
	run := &runlog.Run{
		Header: runlog.Header{ScenarioID: "test", Type: "unit", Planner: "pdm", DT: 0.1,
			Vehicle: runlog.Vehicle{Length: 5.18, Width: 2.3, RearToCenter: 1.46}},
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
		f.Plan = []runlog.Point{{X: -1.46}, {T: 1, X: 3.5}, {T: 2, X: 8.5}}
		f.Perception = &runlog.Perception{
			Tracks:     []runlog.Track{{ID: "t", X: 20, Length: 4.5, Width: 2, Cov: [3]float64{0.5, 0, 0.2}, Existence: 0.9}},
			Detections: []runlog.Detection{{Sender: "rsu", X: 30, Y: 8, Length: 4, Width: 2}},
		}
		run.Frames = append(run.Frames, f)
	}
	return run
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
	run := testRun(1)
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
	if a.LineHeight < 12 || a.Width("ego") <= a.Width("e") {
		t.Errorf("atlas metrics: line %d, widths %v %v", a.LineHeight, a.Width("ego"), a.Width("e"))
	}
	run := testRun(1)
	st := NewState(run)
	var b Batch
	text := Overlay(&b, nil, a, 1280, 720, run, st)
	if len(text) == 0 || len(text)%(6*textFloats) != 0 || len(b.Tris) == 0 {
		t.Errorf("overlay: %d text floats, %d triangle floats", len(text), len(b.Tris))
	}
	lines := PanelLines(run, &run.Frames[0], st)
	if lines[0] != "test  (unit)" || lines[len(lines)-1] != "speed               5.00" {
		t.Errorf("panel lines %q", lines)
	}
}
