//go:build cgo

package viz

import (
	"errors"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"asyncdrive/geom"
)

// render renders a test run, skipping the test when no display can be opened.
func render(t *testing.T, run interface{}, o Options) (*image.RGBA, *Camera) {
	t.Helper()
	img, cam, err := RenderImage(testRun(1), 0.5, o)
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display (%v): run the viz tests under xvfb-run (make test does)", err)
	}
	if err != nil {
		t.Fatal(err)
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

func TestRenderPixels(t *testing.T) {
	img, cam := render(t, nil, Options{Width: 1280, Height: 720, PixelsPerMeter: 8})
	check := func(what string, p geom.Vec2, r int, c Color) {
		t.Helper()
		x, y := cam.Project(p)
		if !near(img, x, y, r, c) {
			o := img.PixOffset(int(x), int(y))
			t.Errorf("%s: no %v pixel near (%.0f, %.0f) for world %v; found %v", what, c.RGB8(), x, y, p, img.Pix[o:o+3])
		}
	}
	// The ego's box (centre at the origin), beside the plan line drawn over its middle.
	check("ego", geom.V(0, 0.6), 0, ColorEgo)
	check("plan", geom.V(5, 0), 1, ColorPlan)
	check("car ahead", geom.V(20, 0.6), 0, ColorVehicle)
	check("lane line", geom.V(40, 1.75), 1, ColorLaneLine)
	check("lane line", geom.V(40, -1.75), 1, ColorLaneLine)
	check("drivable", geom.V(40, 0.8), 0, ColorDrivable)
	check("background", geom.V(40, 20), 0, ColorBackground)
	// The detection's outline, at its bottom edge (y = 7 m); inside it, the background.
	check("detection box", geom.V(30, 7), 1, ColorDetection)
	check("inside the detection", geom.V(30, 8), 0, ColorBackground)
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
}

func TestScreenshotFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shot.png")
	err := Screenshot(testRun(1), 0.3, path, Options{Width: 640, Height: 360, Help: true})
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
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" || cfg.Width != 640 || cfg.Height != 360 {
		t.Errorf("screenshot %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
}

func TestBench(t *testing.T) {
	r, err := Bench(testRun(300), 20, Options{})
	if errors.Is(err, ErrNoDisplay) {
		t.Skipf("no OpenGL display: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.Frames != 20 || !(r.P50 > 0) || r.P99 < r.P50 {
		t.Errorf("bench %+v", r)
	}
}

// BenchmarkRender renders 1280x720 frames of a run with 300 agents (and the map, plan, perception overlay
// and panels) offscreen, each finished before the next: frame-time p50 and p99 in ms. Under xvfb-run this
// is Mesa's llvmpipe.
func BenchmarkRender(b *testing.B) {
	r, err := Bench(testRun(300), max(b.N, 200), Options{Width: 1280, Height: 720})
	if errors.Is(err, ErrNoDisplay) {
		b.Skipf("no OpenGL display: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.P50, "p50-ms")
	b.ReportMetric(r.P99, "p99-ms")
}
