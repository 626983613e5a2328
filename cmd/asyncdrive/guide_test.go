package main

import (
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/eval"
	"asyncdrive/llmguide/ort"
)

// eval --guide builtin runs the guide every K ticks and reports it in summary.json; without cgo it says
// why it cannot.
func TestEvalGuided(t *testing.T) {
	out := filepath.Join(t.TempDir(), "g")
	code, stdout, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--per-type", "1", "--types", "changing_lane,stopping_with_lead",
		"--steps", "50", "--guide", "builtin", "--guide-interval", "5", "--guide-latency-ms", "300",
		"--instruction", "2:drive slowly", "--out", out)
	if _, err := ort.OpenBytes(nil, "probe", ort.Options{}); err == ort.ErrNoCGO {
		if code == exitOK || !strings.Contains(stderr, "without cgo") {
			t.Errorf("guided eval without cgo: exit %d, %q; want an error saying so", code, stderr)
		}
		return
	}
	if code != exitOK {
		t.Fatalf("eval --guide: exit %d\n%s%s", code, stdout, stderr)
	}
	s, err := eval.ReadSummary(filepath.Join(out, eval.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	g := s.Guide
	if g == nil || g.Calls != 2*10 || g.Errors != 0 || g.Interval != "5" || g.LatencyMS != "300" || g.Model != "builtin" || !(g.InferP50 > 0) {
		t.Fatalf("summary guide %+v, want 20 calls (2 scenarios x 50 ticks / 5)", g)
	}
	if s.Options["instructions"] != "2:drive slowly" {
		t.Errorf("options %v", s.Options)
	}
	// Bad flags.
	for _, args := range [][]string{
		{"--guide", "builtin", "--guide-interval", "0"},
		{"--guide", "builtin", "--guide-device", "tpu"},
		{"--instruction", "stop"},
		{"--guide", "builtin", "--instruction", "-1:stop"},
	} {
		code, _, stderr := asyncdrive(t, append([]string{"eval", "--planner", "pdm", "--out", t.TempDir()}, args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d (%s), want a usage error", args, code, stderr)
		}
	}
	if code, _, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--guide", "/nonexistent.onnx", "--out", t.TempDir()); code == exitOK || !strings.Contains(stderr, "nonexistent.onnx") {
		t.Errorf("missing model: exit %d, %q", code, stderr)
	}
}
