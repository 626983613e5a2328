package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/llmguide/dataset"
)

// guide-dataset adds the instruction scenarios of a training seed, counted as their own source with their
// turn labels, and warns when that seed is the evaluation seed.
func TestGuideDatasetInstructions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ds")
	code, stdout, stderr := asyncdrive(t, "guide-dataset", "--out", out, "--per-type", "1", "--types", "starting_left_turn",
		"--instructions", "2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("warning with the default training seed: %s", stderr)
	}
	var meta dataset.Meta
	b, err := os.ReadFile(filepath.Join(out, "meta.json"))
	if err == nil {
		err = json.Unmarshal(b, &meta)
	}
	if err != nil {
		t.Fatal(err)
	}
	ni, nb := meta.Sources["instructions"], meta.Sources["builtin"]
	if ni == 0 || nb == 0 || ni+nb != meta.Samples || !strings.Contains(stdout, "instruction scenarios") {
		t.Errorf("sources %v of %d samples; stdout %q", meta.Sources, meta.Samples, stdout)
	}
	if ti := meta.TurnsBySource["instructions"]; ti[0]+ti[1]+ti[2] != ni {
		t.Errorf("instruction turn counts %v for %d samples", ti, ni)
	}
	if meta.SlowsBySource["instructions"] == 0 || meta.Slows != meta.SlowsBySource["instructions"]+meta.SlowsBySource["builtin"] {
		t.Errorf("slow counts %d, by source %v: want some from the instruction scenarios' \"drive slowly\"", meta.Slows, meta.SlowsBySource)
	}
	if meta.PullOversBySource["instructions"] == 0 || meta.PullOvers != meta.PullOversBySource["instructions"] {
		t.Errorf("pull-over counts %d, by source %v: want all from the instruction scenarios' \"stop at the pickup zone\"", meta.PullOvers, meta.PullOversBySource)
	}
	if st, err := os.Stat(filepath.Join(out, "labels.f32")); err != nil || len(meta.Labels) != 7 || st.Size() != int64(4*7*meta.Samples) {
		t.Errorf("labels.f32: %v, want 7 float32 columns (%v) for %d samples", err, meta.Labels, meta.Samples)
	}

	// --instructions 0 leaves them out; the evaluation seed draws a warning; a negative count is refused.
	code, _, _ = asyncdrive(t, "guide-dataset", "--out", out, "--per-type", "1", "--types", "starting_left_turn", "--instructions", "0")
	b, _ = os.ReadFile(filepath.Join(out, "meta.json"))
	meta = dataset.Meta{}
	json.Unmarshal(b, &meta)
	if code != exitOK || meta.Sources["instructions"] != 0 {
		t.Errorf("--instructions 0: exit %d, sources %v", code, meta.Sources)
	}
	code, _, stderr = asyncdrive(t, "guide-dataset", "--out", out, "--per-type", "1", "--types", "starting_left_turn",
		"--instructions", "1", "--instruction-seed", "1")
	if code != exitOK || !strings.Contains(stderr, "evaluation") {
		t.Errorf("--instruction-seed 1: exit %d, stderr %q; want a warning", code, stderr)
	}
	if code, _, _ := asyncdrive(t, "guide-dataset", "--out", out, "--instructions", "-1"); code != exitUsage {
		t.Errorf("--instructions -1: exit %d, want a usage error", code)
	}
}
