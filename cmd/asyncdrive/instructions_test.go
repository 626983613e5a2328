package main

import (
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/eval"
)

// eval --suite instructions checks whether the ego followed the instructions: the expert always does;
// unguided PDM, told the route only up to the junction, never takes the instructed branch.
func TestEvalInstructionFollowed(t *testing.T) {
	for _, c := range []struct {
		planner            string
		branch, slow, want float64
	}{
		{"log_replay", 1, 1, 1},
		{"pdm", 0, 0, 0},
	} {
		out := filepath.Join(t.TempDir(), c.planner)
		code, stdout, stderr := asyncdrive(t, "eval", "--planner", c.planner, "--suite", "instructions", "--per-type", "2",
			"--types", "instruction_route_branch,instruction_slow_down", "--out", out)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s%s", c.planner, code, stdout, stderr)
		}
		s, err := eval.ReadSummary(filepath.Join(out, eval.SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		if s.InstructionFollowed == nil || *s.InstructionFollowed != c.want || s.InstructionScenarios != 4 {
			t.Errorf("%s: instruction_followed %v over %d, want %v over 4", c.planner, s.InstructionFollowed, s.InstructionScenarios, c.want)
		}
		for typ, want := range map[string]float64{"instruction_route_branch": c.branch, "instruction_slow_down": c.slow} {
			if f := s.ByType[typ].InstructionFollowed; f == nil || *f != want {
				t.Errorf("%s %s: instruction_followed %v, want %v", c.planner, typ, f, want)
			}
		}
		if !strings.Contains(stdout, "instructions followed in") {
			t.Errorf("%s: the table does not report instructions followed:\n%s", c.planner, stdout)
		}
	}
}

// The builtin suite's routing texts only describe the route the planner is given: nothing to follow.
func TestEvalInstructionFollowedNotForBuiltin(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b")
	code, stdout, stderr := asyncdrive(t, "eval", "--planner", "idm", "--per-type", "1", "--types", "changing_lane", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	s, err := eval.ReadSummary(filepath.Join(out, eval.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if s.InstructionFollowed != nil || strings.Contains(stdout, "followed") {
		t.Errorf("builtin suite: instruction_followed %v, table:\n%s", s.InstructionFollowed, stdout)
	}
}

// sim --scenario takes the instruction suite's types too.
func TestSimInstructionScenario(t *testing.T) {
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "log_replay", "--scenario", "instruction_route_branch/0")
	if code != exitOK || !strings.Contains(stdout, "instruction_route_branch_000: CLS") {
		t.Errorf("sim of an instruction scenario: exit %d\n%s%s", code, stdout, stderr)
	}
}
