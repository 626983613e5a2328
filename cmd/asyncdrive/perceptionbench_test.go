package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/eval"
	"asyncdrive/perception"
	"asyncdrive/runlog"
	"asyncdrive/sim"
)

// The perception stack plugs into the simulator and the run recorder.
var (
	_ sim.Perception          = (*perception.Stack)(nil)
	_ runlog.PerceptionSource = perceptionSource{}
)

func TestPerceptionBench(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := asyncdrive(t, "perception-bench", "--per-type", "1", "--types", "starting_left_turn,changing_lane",
		"--delays", "0,500", "--workers", "2", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"AP@0.7", "fused", "late", "ego", "wrote"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, perceptionFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep perception.BenchReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Scenarios != 2 || len(rep.Rows) != 6 || rep.Targets == nil || !strings.Contains(rep.Protocol, "globally") {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Rows {
		if r.AP70 <= 0 || r.AP70 > r.AP50 || r.GT == 0 {
			t.Errorf("row %+v", r)
		}
	}
	// The result does not depend on the number of workers.
	out1 := t.TempDir()
	if code, _, stderr := asyncdrive(t, "perception-bench", "--per-type", "1", "--types", "starting_left_turn,changing_lane",
		"--delays", "0,500", "--workers", "1", "--out", out1); code != exitOK {
		t.Fatal(stderr)
	}
	data1, _ := os.ReadFile(filepath.Join(out1, perceptionFile))
	if string(data1) != string(data) {
		t.Error("perception.json differs between 1 and 2 workers")
	}
}

func TestPerceptionFlags(t *testing.T) {
	t.Setenv(eval.JobIndexEnv, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--planner", "idm", "--perception", "magic"}, `unknown perception "magic"`},
		{[]string{"eval", "--planner", "idm", "--delay-ms", "300"}, "--delay-ms needs --perception"},
		{[]string{"eval", "--planner", "idm", "--perception", "fused", "--delay-ms", "-1"}, "--delay-ms must be between"},
		{[]string{"perception-bench", "--delays", "x"}, `bad delay "x"`},
		{[]string{"perception-bench", "--delay-model", "poisson"}, `unknown delay model "poisson"`},
	} {
		code, _, stderr := asyncdrive(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

// Closed loop with fused perception: the run completes, scores close to ground truth, and the choice is
// recorded so that a resume with another perception is refused.
func TestEvalWithPerception(t *testing.T) {
	t.Setenv(eval.JobIndexEnv, "")
	out := t.TempDir()
	args := []string{"eval", "--planner", "pdm", "--per-type", "1", "--types", "following_lane_with_lead,stopping_with_lead",
		"--perception", "fused", "--delay-ms", "300", "--out", out}
	code, stdout, stderr := asyncdrive(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	man, err := eval.ReadManifest(filepath.Join(out, eval.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if man.Options["perception"] != "fused" || man.Options["perception_delay_ms"] != "300" {
		t.Errorf("manifest options %v", man.Options)
	}
	s, err := eval.ReadSummary(filepath.Join(out, eval.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if s.Score < 85 {
		t.Errorf("CLS with fused perception %.2f, want close to ground truth's", s.Score)
	}
	resume := append(args[:len(args)-6:len(args)-6], "--perception", "late", "--delay-ms", "300", "--out", out)
	if code, _, stderr := asyncdrive(t, resume...); code == exitOK {
		t.Errorf("resuming with another perception was accepted: %s", stderr)
	}
}

// A recorded run carries the perception's tracks and received detections in every frame.
func TestEvalRecordsPerception(t *testing.T) {
	t.Setenv(eval.JobIndexEnv, "")
	out, logs := t.TempDir(), t.TempDir()
	code, stdout, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--per-type", "1", "--types", "starting_left_turn",
		"--perception", "fused", "--delay-ms", "200", "--steps", "40", "--out", out, "--record", logs)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(logs, "*.mcap"))
	if len(files) != 1 {
		t.Fatalf("run logs %v", files)
	}
	run, err := runlog.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	withTracks, senders := 0, map[string]bool{}
	for _, f := range run.Frames {
		if f.Perception == nil {
			t.Fatalf("frame at %.1f s has no perception", f.T)
		}
		if len(f.Perception.Tracks) > 0 {
			withTracks++
		}
		for _, tr := range f.Perception.Tracks {
			if tr.Cov[0] <= 0 || tr.Existence <= 0 || tr.Existence > 1 {
				t.Fatalf("track %+v", tr)
			}
		}
		for _, d := range f.Perception.Detections {
			senders[d.Sender] = true
			if d.AgeS < -0.05 || d.AgeS > 1.05 {
				t.Fatalf("detection %+v", d)
			}
		}
	}
	if withTracks < len(run.Frames)/2 || !senders["ego"] || len(senders) < 2 {
		t.Errorf("%d of %d frames with tracks, senders %v", withTracks, len(run.Frames), senders)
	}
}
