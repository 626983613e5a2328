package main

import (
	pngpkg "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/runlog"
	"asyncdrive/viz"
)

// eval --record writes one readable MCAP run log per scenario, with every frame of the run.
func TestEvalRecord(t *testing.T) {
	base := t.TempDir()
	rec := filepath.Join(base, "logs")
	types := strings.Join(scenarioTypes()[:2], ",")
	code, stdout, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--per-type", "1", "--types", types, "--steps", "40",
		"--out", filepath.Join(base, "out"), "--record", rec)
	if code != exitOK {
		t.Fatalf("eval --record: exit %d\n%s%s", code, stdout, stderr)
	}
	files, err := filepath.Glob(filepath.Join(rec, "*.mcap"))
	if err != nil || len(files) != 2 {
		t.Fatalf("run logs %v (%v), want 2", files, err)
	}
	for _, f := range files {
		run, err := runlog.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Frames) != 40 || run.Header.Planner != "pdm" || run.Map == nil || len(run.Warnings) != 0 {
			t.Errorf("%s: %d frames, planner %q, map %v, warnings %v", f, len(run.Frames), run.Header.Planner, run.Map != nil, run.Warnings)
		}
	}
	if got := runlogName("a/b c:d"); got != "a_b_c_d.mcap" {
		t.Errorf("runlogName = %q", got)
	}
}

// view --screenshot renders a recorded run to a PNG of the asked size; without cgo it says so.
func TestViewScreenshot(t *testing.T) {
	base := t.TempDir()
	logf := filepath.Join(base, "run.mcap")
	if code, stdout, stderr := asyncdrive(t, "sim", "--planner", "idm", "--scenario", "changing_lane/0", "--record", logf); code != exitOK ||
		!strings.Contains(stdout, "CLS") {
		t.Fatalf("sim --record: exit %d\n%s%s", code, stdout, stderr)
	}
	png := filepath.Join(base, "shot.png")
	code, stdout, stderr := asyncdrive(t, "view", logf, "--screenshot", png, "--at", "3", "--width", "800", "--height", "500")
	switch {
	case !viz.Available:
		if code == exitOK || !strings.Contains(stderr, "without cgo") {
			t.Errorf("view without cgo: exit %d, %q; want an error saying so", code, stderr)
		}
		return
	case strings.Contains(stderr, "cannot open an OpenGL"):
		t.Skipf("no display: %s", stderr)
	case code != exitOK:
		t.Fatalf("view --screenshot: exit %d\n%s%s", code, stdout, stderr)
	}
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := pngpkg.Decode(f)
	if err != nil || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 500 {
		t.Fatalf("screenshot %v (%v), want 800x500", img.Bounds(), err)
	}
	// The run log carries the route: the ego's lanes are tinted as the route.
	if tinted := countPixels(t, png, viz.ColorRoute.Over(viz.ColorDrivable).RGB8()); tinted < 5000 {
		t.Errorf("%d pixels of the route's tint in the screenshot, want the ego's lanes tinted", tinted)
	}
	// Bad input: a file that is not a run log.
	bad := filepath.Join(base, "bad.mcap")
	os.WriteFile(bad, []byte("not mcap"), 0o644)
	if code, _, stderr := asyncdrive(t, "view", bad, "--screenshot", png); code == exitOK || !strings.Contains(stderr, "not an MCAP file") {
		t.Errorf("view of a bad file: exit %d, %q", code, stderr)
	}

	// --compare: PDM's run of the scenario beside IDM's, its ego a pink outline; a bad second file is an
	// error naming the flag, a run of another scenario a warning.
	other := filepath.Join(base, "pdm.mcap")
	if code, _, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "changing_lane/0", "--record", other); code != exitOK {
		t.Fatalf("sim --record pdm: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := asyncdrive(t, "view", logf, "--compare", other, "--screenshot", png, "--at", "3", "--width", "800", "--height", "500"); code != exitOK {
		t.Fatalf("view --compare: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := countPixels(t, png, viz.ColorCompare.RGB8()); n < 20 {
		t.Errorf("%d pixels of the compared run's colour, want its ego's outline", n)
	}
	if code, _, stderr := asyncdrive(t, "view", logf, "--compare", bad, "--screenshot", png); code == exitOK || !strings.Contains(stderr, "--compare: ") {
		t.Errorf("view --compare with a bad file: exit %d, %q", code, stderr)
	}
	third := filepath.Join(base, "other.mcap")
	if code, _, stderr := asyncdrive(t, "sim", "--planner", "idm", "--scenario", "changing_lane/1", "--record", third); code != exitOK {
		t.Fatalf("sim --record: exit %d: %s", code, stderr)
	}
	if code, _, stderr := asyncdrive(t, "view", logf, "--compare", third, "--screenshot", png); code != exitOK || !strings.Contains(stderr, "drawn together all the same") {
		t.Errorf("view --compare with a run of another scenario: exit %d, %q; want a warning", code, stderr)
	}
}

// countPixels counts the pixels of a PNG within 3 levels of an 8-bit colour.
func countPixels(t *testing.T, path string, want [3]uint8) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := pngpkg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near8(r, want[0]) && near8(g, want[1]) && near8(bl, want[2]) {
				n++
			}
		}
	}
	return n
}

// near8 reports whether a 16-bit colour channel is within 3 of an 8-bit value.
func near8(c uint32, v uint8) bool {
	d := int(c>>8) - int(v)
	return d >= -3 && d <= 3
}
