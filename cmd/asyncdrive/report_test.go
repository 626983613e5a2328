package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// report --diff compares two evaluations of the same scenarios: log replay against IDM on a type where
// IDM waits behind kerb obstacles that the expert passes, so some scenarios change and the listing names
// them with what moved.
func TestReportDiff(t *testing.T) {
	dir := t.TempDir()
	lr, idm := filepath.Join(dir, "log_replay"), filepath.Join(dir, "idm")
	for _, run := range []struct{ planner, out string }{{"log_replay", lr}, {"idm", idm}} {
		if code, _, stderr := asyncdrive(t, "eval", "--planner", run.planner, "--types", "following_lane_with_lead",
			"--per-type", "4", "--workers", "2", "--out", run.out); code != exitOK {
			t.Fatalf("eval %s: exit %d: %s", run.planner, code, stderr)
		}
	}
	code, stdout, stderr := asyncdrive(t, "report", "--diff", lr, idm)
	if code != exitOK {
		t.Fatalf("report --diff: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"base: " + lr + " (log_replay, agents nonreactive, 4 scenarios, CLS x100 ",
		"new:  " + idm + " (idm, agents nonreactive, 4 scenarios, CLS x100 ",
		"4 scenarios in both: ",
		"following_lane_with_lead      4  ",
		"changed scenarios, largest CLS drop first",
		"ego_progress_along_expert_route ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report --diff lacks %q:\n%s", want, stdout)
		}
	}
	// The same evaluation against itself: nothing changed.
	if code, stdout, _ := asyncdrive(t, "report", "--diff", idm, idm); code != exitOK ||
		!strings.Contains(stdout, "4 scenarios in both: 0 changed (CLS up in 0, down in 0, equal in 0), 4 unchanged;") ||
		strings.Contains(stdout, "changed scenarios") {
		t.Errorf("report --diff of a folder against itself: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := asyncdrive(t, "report", "--diff", lr); code != exitUsage || !strings.Contains(stderr, "--diff compares two output folders (BASE NEW), got 1") {
		t.Errorf("report --diff with one folder: exit %d, %q", code, stderr)
	}
	if code, _, stderr := asyncdrive(t, "report", "--diff", lr, dir); code == exitOK || !strings.Contains(stderr, "is "+dir+" a finished eval output folder?") {
		t.Errorf("report --diff with a folder that is no evaluation: exit %d, %q", code, stderr)
	}
}

// report --failures lists what failed in one evaluation and why: IDM standing behind a kerb obstacle that
// the expert passes fails making progress; with --below a low-scoring run joins the list.
func TestReportFailures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "idm")
	if code, _, stderr := asyncdrive(t, "eval", "--planner", "idm", "--types", "following_lane_with_lead",
		"--per-type", "4", "--workers", "2", "--out", out); code != exitOK {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := asyncdrive(t, "report", "--failures", out)
	if code != exitOK {
		t.Fatalf("report --failures: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		out + " (idm, agents nonreactive, 4 scenarios, CLS x100 ",
		"1 of 4 scenarios with an at-fault collision, a missed goal, another multiplier failed or an error\n",
		"following_lane_with_lead: 1 of 4\n   0.00  following_lane_with_lead/000  not making progress (under 0.2 of the expert's)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report --failures lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = asyncdrive(t, "report", "--failures", "--below", "70", out)
	if code != exitOK || !strings.Contains(stdout, "2 of 4 scenarios") ||
		!strings.Contains(stdout, "following_lane_with_lead/003  progress 0.2") {
		t.Errorf("report --failures --below 70: exit %d\n%s", code, stdout)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--failures", out, out}, "--failures lists one output folder, got 2"},
		{[]string{"--failures", "--diff", out, out}, "--diff and --failures are two different reports"},
		{[]string{"--below", "50", out}, "--below applies to --failures only"},
		{[]string{"--failures", "--below", "NaN", out}, "--below NaN: want a CLS x100 in [0, 100]"},
	} {
		if code, _, stderr := asyncdrive(t, append([]string{"report"}, c.args...)...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("report %v: exit %d, %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
