package main

import (
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"asyncdrive/runlog"
	"asyncdrive/viz"
)

// skipWithoutViewer skips a test of the viewer when this build has none or no display can be opened.
func skipWithoutViewer(t *testing.T, code int, stderr string) {
	t.Helper()
	switch {
	case !viz.Available:
		if code == exitOK || !strings.Contains(stderr, "without cgo") {
			t.Errorf("view without cgo: exit %d, %q; want an error saying so", code, stderr)
		}
		t.Skip("built without cgo: no viewer")
	case strings.Contains(stderr, "cannot open an OpenGL"):
		t.Skipf("no display: %s", stderr)
	}
}

// A run log cut short (a PDM run log is a few chunks: cut inside the last) replays up to the damage with a
// warning; one without a map or frames still renders;
// --bench-frames prints the frame-time percentiles.
func TestViewDamagedAndEmptyLogs(t *testing.T) {
	base := t.TempDir()
	logf := filepath.Join(base, "run.mcap")
	if code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--record", logf); code != exitOK {
		t.Fatalf("sim --record: exit %d\n%s%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(base, "cut.mcap")
	if err := os.WriteFile(cut, data[:len(data)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(base, "cut.png")
	code, stdout, stderr := asyncdrive(t, "view", cut, "--screenshot", shot, "--at", "100", "--width", "400", "--height", "300")
	skipWithoutViewer(t, code, stderr)
	if code != exitOK || !strings.Contains(stderr, "warning: file truncated or corrupt") || !strings.Contains(stdout, "wrote "+shot) {
		t.Fatalf("view of a truncated log: exit %d\n%s%s", code, stdout, stderr)
	}
	if f, err := os.Open(shot); err != nil {
		t.Fatal(err)
	} else {
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 400 || cfg.Height != 300 {
			t.Errorf("screenshot of a truncated log: %dx%d (%v)", cfg.Width, cfg.Height, err)
		}
	}

	code, stdout, stderr = asyncdrive(t, "view", logf, "--bench-frames", "30", "--width", "640", "--height", "360")
	if code != exitOK || !regexp.MustCompile(`^30 frames at 640x360, up to \d+ agents: frame time p50 [\d.]+ ms, p99 [\d.]+ ms`).MatchString(stdout) {
		t.Errorf("view --bench-frames: exit %d\n%s%s", code, stdout, stderr)
	}

	// A log with a header only: no map, no frames.
	empty := filepath.Join(base, "empty.mcap")
	f, err := os.Create(empty)
	if err != nil {
		t.Fatal(err)
	}
	w, err := runlog.NewWriter(f, runlog.Header{Format: runlog.Format, ScenarioID: "empty"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, stdout, stderr = asyncdrive(t, "view", empty, "--screenshot", filepath.Join(base, "empty.png"))
	if code != exitOK || !strings.Contains(stderr, "no map") || !strings.Contains(stdout, "no frames") {
		t.Errorf("view of an empty log: exit %d\n%s%s", code, stdout, stderr)
	}

	// Bad flags.
	for _, args := range [][]string{
		{"view", logf, "--at", "3"},
		{"view", logf, "--screenshot", shot, "--at", "-1"},
		{"view", logf, "--screenshot", shot, "--bench-frames", "3"},
		{"view", logf, "--width", "4"},
		{"view"},
	} {
		if code, _, stderr := asyncdrive(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, %q; want a usage error", args, code, stderr)
		}
	}
}
