//go:build cgo

package viz

import (
	"asyncdrive/scenarios"
	"errors"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/runlog"
)

// render renders run at time t offscreen, skipping the test when no OpenGL window can be opened (no display:
// the tests run under xvfb-run).
func render(t *testing.T, run *runlog.Run, at float64, o Options) (*image.RGBA, *Camera) {
	t.Helper()
	img, cam, err := RenderImage(run, at, o)
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display (%v): run the viz tests under xvfb-run (make test does)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect.Dx() != o.Width || img.Rect.Dy() != o.Height {
		t.Fatalf("image %v, want %dx%d", img.Rect, o.Width, o.Height)
	}
	return img, cam
}

// near reports whether a pixel within r of (x, y) has colour c (within 3 levels per channel).
func near(img *image.RGBA, x, y float64, r int, c Color) bool {
	want := c.RGB8()
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			px, py := int(x)+dx, int(y)+dy
			if !(image.Point{px, py}.In(img.Rect)) {
				continue
			}
			o := img.PixOffset(px, py)
			ok := true
			for k := 0; k < 3; k++ {
				d := int(img.Pix[o+k]) - int(want[k])
				if d < -3 || d > 3 {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// checker returns a function that checks that world point p shows colour c (within r pixels).
func checker(t *testing.T, img *image.RGBA, cam *Camera) func(what string, p geom.Vec2, r int, c Color) {
	return func(what string, p geom.Vec2, r int, c Color) {
		t.Helper()
		x, y := cam.Project(p)
		if !near(img, x, y, r, c) {
			got := []uint8{0, 0, 0}
			if (image.Point{int(x), int(y)}).In(img.Rect) {
				o := img.PixOffset(int(x), int(y))
				got = img.Pix[o : o+3]
			}
			t.Errorf("%s: no %v pixel near (%.0f, %.0f) for world %v; found %v", what, c.RGB8(), x, y, p, got)
		}
	}
}

func TestRenderPixels(t *testing.T) {
	run, route := testRun(1)
	img, cam := render(t, run, 0.5, Options{Width: 1280, Height: 720, PixelsPerMeter: 8, Route: route})
	check := checker(t, img, cam)
	// The camera follows the ego: its rear axle (-1.46, 0) is the image centre.
	if x, y := cam.Project(geom.V(-1.46, 0)); x != 640 || y != 360 {
		t.Errorf("ego's rear axle at %v,%v, want the centre", x, y)
	}
	// The ego's box (centre at the origin), beside the plan drawn over its middle.
	check("ego", geom.V(0, 0.6), 0, ColorEgo)
	check("ego", geom.V(-2, -0.8), 0, ColorEgo)
	check("plan", geom.V(5, 0), 1, ColorPlan)
	check("car ahead", geom.V(20, 0.6), 0, ColorVehicle)
	check("lane line", geom.V(40, 1.75), 1, ColorLaneLine)
	check("lane line", geom.V(40, -1.75), 1, ColorLaneLine)
	check("lane line", geom.V(40, 5.25), 1, ColorLaneLine)
	check("drivable, on the route", geom.V(40, 0.8), 0, ColorRoute.Over(ColorDrivable))
	check("drivable, off the route", geom.V(40, 3.5), 0, ColorDrivable)
	check("background", geom.V(40, 20), 0, ColorBackground)
	check("goal", geom.V(50, 0), 0, ColorGoal)
	check("goal ring", geom.V(50, 2.5), 1, ColorGoal)
	check("no goal stretch without a span", geom.V(35, 0), 0, ColorRoute.Over(ColorDrivable))
	// The light bars where the connectors start: the left turn (red) on the left half, straight (green) right.
	check("red light", geom.V(60.7, 0.9), 0, ColorRed)
	check("green light", geom.V(60.7, -0.9), 0, ColorGreen)
	// The raw detections' outlines in their senders' colours, at their bottom edges (y = 7 and 11 m);
	// inside them the background.
	check("rsu detection", geom.V(30, 7), 1, SenderPalette[0])
	check("inside the detection", geom.V(30, 8), 0, ColorBackground)
	check("car7 detection (0.5 s old, faded)", geom.V(10, 11), 1, detectionColor(SenderPalette[1], 0.5).Over(ColorBackground))
	// The fused track's outline on the car's box edge.
	check("track", geom.V(20, 1), 1, ColorTrack)
	// The panel's text is drawn: some pixel in the first text line is bright.
	bright := false
	for x := 8; x < 200 && !bright; x++ {
		for y := 8; y < 22; y++ {
			o := img.PixOffset(x, y)
			if img.Pix[o] > 200 && img.Pix[o+1] > 200 && img.Pix[o+2] > 200 {
				bright = true
			}
		}
	}
	if !bright {
		t.Error("no text pixels in the panel")
	}
	// The timeline's cursor at t = 0.5 of 0.9 s.
	x0, y0, x1, y1 := TimelineRect(1280, 720)
	if !near(img, x0+0.5/0.9*(x1-x0), (y0+y1)/2, 1, ColorCursor) {
		t.Error("no timeline cursor at 0.5 s")
	}
}

// The perception layer off (O), the detections are gone; zoomed in, the ego fills the centre.
func TestRenderLayersAndZoom(t *testing.T) {
	run, _ := testRun(1)
	for i := range run.Frames {
		run.Frames[i].Perception.Detections[0].Y = 0 // over the lane, right of the car
	}
	img, cam := render(t, run, 0, Options{Width: 640, Height: 360, PixelsPerMeter: 40})
	check := checker(t, img, cam)
	check("ego at 40 px/m", geom.V(1.5, 0.8), 0, ColorEgo)
	check("lane line at 40 px/m", geom.V(6, 1.75), 1, ColorLaneLine)
	if x, _ := cam.Project(geom.V(30, 0)); x < 640 {
		t.Fatal("the detection should be off screen at this zoom")
	}
}

// A run without a map or frames still renders: the background, and a panel saying so.
func TestRenderEmptyRuns(t *testing.T) {
	run, _ := testRun(1)
	run.Map = nil
	run.Warnings = []string{"no map in the file: replaying without it"}
	img, cam := render(t, run, 100, Options{Width: 1280, Height: 720})
	check := checker(t, img, cam)
	check("ego without a map", geom.V(0, 0.6), 0, ColorEgo)
	check("background without a map", geom.V(0, 10), 0, ColorBackground)
	check("car without a map", geom.V(20, 0.6), 0, ColorVehicle)
	img, cam = render(t, &runlog.Run{Warnings: []string{"no map"}}, 0, Options{Width: 320, Height: 240})
	if !near(img, 300, 120, 0, ColorBackground) || cam.Width != 320 {
		t.Error("an empty run does not render the background")
	}
}

func TestScreenshotFile(t *testing.T) {
	run, route := testRun(1)
	path := filepath.Join(t.TempDir(), "shot.png")
	err := Screenshot(run, 0.3, path, Options{Width: 640, Height: 360, Help: true, Route: route})
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil || format != "png" || img.Bounds().Dx() != 640 || img.Bounds().Dy() != 360 {
		t.Fatalf("screenshot %v %s %v", err, format, img.Bounds())
	}
	// The help box's panel darkens the top right (the map there is background without it).
	r, g, b, _ := img.At(600, 40).RGBA()
	if bg := ColorBackground.RGB8(); !(r>>8 < uint32(bg[0]) && g>>8 < uint32(bg[1]) && b>>8 < uint32(bg[2])) {
		t.Errorf("no help box at the top right: %v %v %v", r>>8, g>>8, b>>8)
	}
	if err := Screenshot(run, 0.3, filepath.Join(t.TempDir(), "no", "such", "dir.png"), Options{}); err == nil {
		t.Error("a screenshot into a missing folder succeeded")
	}
}

func TestBench(t *testing.T) {
	run, _ := testRun(300)
	r, err := Bench(run, 20, Options{})
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.Frames != 20 || len(r.Latencies) != 20 || !(r.P50 > 0) || r.P99 < r.P50 {
		t.Errorf("bench %+v", r)
	}
	if _, err := Bench(run, 0, Options{}); err == nil {
		t.Error("0 bench frames accepted")
	}
}

// The interactive window opens, replays and closes (after CloseAfter frames); a live window takes frames
// from a channel, out-of-order ones dropped, and carries on after the channel closes.
func TestInteractiveWindows(t *testing.T) {
	run, route := testRun(5)
	err := Replay(run, Options{Width: 320, Height: 240, CloseAfter: 5, Route: route})
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	frames := make(chan runlog.Frame)
	go func() {
		defer close(frames)
		for _, f := range append(run.Frames, run.Frames[3]) {
			frames <- f
		}
	}()
	if err := Live(run.Header, run.Map, frames, Options{Width: 320, Height: 240, CloseAfter: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-frames; ok {
		t.Error("the live window closed before the frames ended")
	}
}

// The expert's outline, where it was at the frame's time, is drawn over the road ahead of the ego.
func TestRenderExpert(t *testing.T) {
	run, route := testRun(1)
	for k := 0; k <= 9; k++ {
		run.Header.Expert = append(run.Header.Expert, runlog.Point{T: float64(k) * 0.1, X: 10 + float64(k), Speed: 10})
	}
	img, cam := render(t, run, 0.4, Options{Width: 640, Height: 360, PixelsPerMeter: 10, Route: route})
	check := checker(t, img, cam)
	// At 0.4 s the rear axle is at x = 14, the box from 12.87 to 18.05 and 1.15 m to either side.
	check("expert outline, left side", geom.V(15.5, 1.15), 1, ColorExpert)
	check("expert outline, front", geom.V(18.05, -0.5), 1, ColorExpert)
	check("inside the outline: the road", geom.V(15.5, 0.6), 0, ColorRoute.Over(ColorDrivable))
}

// A goal given as lanelets is drawn along its lane over its stretch: 30 m behind the goal at (50, 0) and 5 m
// past it, on lane a's centreline, and no further.
func TestRenderGoalStretch(t *testing.T) {
	run, route := testRun(1)
	route.GoalSpan = &scenarios.Span{Behind: 30, Ahead: 5}
	img, cam := render(t, run, 0.5, Options{Width: 1280, Height: 720, PixelsPerMeter: 8, Route: route})
	check := checker(t, img, cam)
	check("goal stretch", geom.V(35, 0), 0, ColorGoal)
	check("goal stretch", geom.V(53, 0), 0, ColorGoal)
	check("behind the stretch", geom.V(17, 0.8), 0, ColorRoute.Over(ColorDrivable))
	check("past the stretch", geom.V(57, 0), 0, ColorRoute.Over(ColorDrivable))
}
