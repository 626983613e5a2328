package main

import (
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/runlog"
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
