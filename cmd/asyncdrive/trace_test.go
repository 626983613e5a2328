package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimTrace: --trace N prints a header and one line per N planner ticks with the ego's state and PDM's
// decision; the scores follow.
func TestSimTrace(t *testing.T) {
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--trace", "10")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if !strings.Contains(lines[0], "mode") || !strings.Contains(lines[0], "lead (gap m, v m/s)") {
		t.Fatalf("first line %q, want the trace header", lines[0])
	}
	var ticks []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 14 {
			continue // the scores
		}
		if f[6] != "proposal" && f[6] != "emergency_brake" && f[6] != "hold" {
			t.Errorf("line %q: mode %q, want one of PDM's", l, f[6])
		}
		ticks = append(ticks, f[0])
	}
	// 15 s at 10 Hz: ticks 0, 10, ..., 140.
	if len(ticks) != 15 || ticks[0] != "0.0" || ticks[1] != "1.0" || ticks[14] != "14.0" {
		t.Errorf("trace times %v, want 0.0 to 14.0 every second", ticks)
	}
	if !strings.Contains(stdout, "CLS") {
		t.Errorf("no scores after the trace:\n%s", stdout)
	}
	if code, _, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--trace", "-1"); code != exitUsage || !strings.Contains(stderr, "--trace must be >= 0") {
		t.Errorf("--trace -1: exit %d, %q", code, stderr)
	}
}

// TestSimTraceShowsContact: on the recorded SinD scenario where a car turning left runs into the front of the
// ego (PDM's remaining at-fault collision there), the trace prints the tick of first contact with the car's
// id, between its regular lines, and the goal column.
func TestSimTraceShowsContact(t *testing.T) {
	if testing.Short() {
		t.Skip("closed-loop run on recorded data")
	}
	file := filepath.Join(crData, "SinD", "CHN_SIND-831_1804_T-1879.cr.xml.gz")
	if _, err := os.Stat(file); err != nil {
		t.Skipf("no CommonRoad data at %s", crData)
	}
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--file", file, "--trace", "10")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	contact := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasSuffix(l, " false 10382") {
			contact = l
		}
	}
	if contact == "" || strings.HasSuffix(strings.Fields(contact)[0], ".0") {
		t.Fatalf("want a line off the 1 s grid with the goal not met and contact 10382:\n%s", stdout)
	}
	if !strings.Contains(stdout, "1 at-fault collisions") {
		t.Errorf("scores: want the at-fault collision\n%s", stdout)
	}
}
