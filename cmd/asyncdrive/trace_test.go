package main

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/eval"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// TestSimTrace: --trace N prints a header and one line per N planner ticks with the ego's state and PDM's
// decision; the scores follow.
func TestSimTrace(t *testing.T) {
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--trace", "10")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if !strings.Contains(lines[0], "mode") || !strings.Contains(lines[0], "lead (gap m, v m/s)") || !strings.Contains(lines[0], "expert (ds m, v)") {
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
	file := crFile(t, "SinD", "CHN_SIND-831_1804_T-1879.cr.xml.gz")
	// Every 0.7 s: the contact (at 3.0 s) falls between two regular lines.
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--file", file, "--trace", "7")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	contact := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasSuffix(l, " false 10382") {
			contact = l
		}
	}
	if contact == "" {
		t.Fatalf("want a line with the goal not met and contact 10382:\n%s", stdout)
	}
	if tick, err := strconv.ParseFloat(strings.Fields(contact)[0], 64); err != nil || int(math.Round(tick*10))%7 == 0 {
		t.Fatalf("want the contact line off the 0.7 s grid, got %q", contact)
	}
	if !strings.Contains(stdout, "1 at-fault collisions") {
		t.Errorf("scores: want the at-fault collision\n%s", stdout)
	}
	// The expert column: the ego, having braked for the car, is metres behind where the recorded driver was
	// (who passed before the car came), and the driver was doing 5-6 m/s.
	m := regexp.MustCompile(`([+-]\d+\.\d), (\d+\.\d)\s+false 10382$`).FindStringSubmatch(contact)
	if m == nil {
		t.Fatalf("contact line %q: no expert column", contact)
	}
	if ds, _ := strconv.ParseFloat(m[1], 64); ds > -2 {
		t.Errorf("contact line %q: the ego %.1f m from the recorded driver, want more than 2 m behind", contact, ds)
	}
	if v, _ := strconv.ParseFloat(m[2], 64); v < 5 || v > 6 {
		t.Errorf("contact line %q: the recorded driver at %.1f m/s, want 5-6", contact, v)
	}
}

// TestSimExplainsCommonRoadGoal: sim says how a run fared against a CommonRoad goal when the goal is missed,
// and with --trace when it is met. The replayed NGSIM expert (synthetic, it keeps the route's lane) passes
// beside the goal's lanelet; the replayed highD human meets its goal.
func TestSimExplainsCommonRoadGoal(t *testing.T) {
	missed := crFile(t, "NGSIM", "USA_US101-11_2_T-1.xml.gz")
	met := crFile(t, "highD", "DEU_LocationALower26-1_260_T-75.cr.xml.gz")
	for _, tc := range []struct {
		args []string
		want string // "" for no goal lines
	}{
		{[]string{"--file", missed}, "goal state 1: not met: never in the region, 0.9 m from it at the closest"},
		{[]string{"--file", met}, ""},
		{[]string{"--file", met, "--trace", "100"}, "goal state 1: met at 3.8 s (time [0.0, 9.0] s"},
	} {
		code, stdout, stderr := asyncdrive(t, append([]string{"sim", "--planner", "log_replay"}, tc.args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", tc.args, code, stdout, stderr)
		}
		switch {
		case tc.want == "" && strings.Contains(stdout, "goal state"):
			t.Errorf("%v: goal explained for a goal met without --trace:\n%s", tc.args, stdout)
		case tc.want != "" && !strings.Contains(stdout, tc.want):
			t.Errorf("%v: want %q in\n%s", tc.args, tc.want, stdout)
		}
	}
}

// TestSimEgoLeavesTheRecordedMap: on an empty motorway PDM drives at the limit, faster than the recorded
// driver, and reaches the end of highD's recorded map before the recording ends. It drives out through the
// open end of its lane: the run is scored up to there, with no drivable-area violation (it used to score
// 0), and sim and eval say when it left.
func TestSimEgoLeavesTheRecordedMap(t *testing.T) {
	const name = "DEU_LocationAUpper30-1_30902_T-977"
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--file", crFile(t, "highD", name+".cr.xml.gz"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"CLS 100.00", "drove off the map through the open end of its lane at 12.2 s", "drivable_area_compliance             1.0000"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("want %q in\n%s", want, stdout)
		}
	}

	dir := t.TempDir()
	copyRecorded(t, dir, "highD", name)
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--scenarios", dir, "--out", out); code != exitOK {
		t.Fatalf("eval: exit %d\n%s%s", code, stdout, stderr)
	}
	recs, err := eval.ReadResults(filepath.Join(out, eval.ResultsFile))
	if err != nil || len(recs) != 1 {
		t.Fatalf("results: %d records, %v", len(recs), err)
	}
	if l := recs[0].LeftMapS; l == nil || math.Abs(*l-12.2) > 0.05 {
		t.Errorf("results.jsonl left_map_s = %v, want 12.2", l)
	}
	if sum, err := eval.ReadSummary(filepath.Join(out, eval.SummaryFile)); err != nil || sum.LeftMap != 1 {
		t.Errorf("summary.json left_map = %v (%v), want 1", sum, err)
	}
}

// TestSimProposals: --proposals prints, at the first tick at or after each time, PDM's 16 proposals with the
// terms of their scores, one of them chosen while PDM drives on a proposal; a bad time is a usage error.
func TestSimProposals(t *testing.T) {
	code, stdout, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--proposals", "2.05, 0")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var heads []string
	rows, chosen, collide := 0, 0, 0
	// A row whose proposal collides names the road user and when, and so does its time-to-collision column,
	// which fails no later than the collision.
	collideRow := regexp.MustCompile(`(\d+\.\d) s (\S+) +[\d.]+ +[\d.]+ (\S+)(?: (\d+\.\d) s (\S+))?`)
	for _, l := range strings.Split(stdout, "\n") {
		switch f := strings.Fields(l); {
		case strings.HasPrefix(l, "proposals at "):
			heads = append(heads, l)
		case len(f) >= 17 && (f[1] == "centerline" || f[1] == "left_lane" || f[1] == "right_lane"):
			rows++
			if m := collideRow.FindStringSubmatch(l); m != nil {
				collide++
				at, _ := strconv.ParseFloat(m[1], 64)
				ttcAt, err := strconv.ParseFloat(m[4], 64)
				if m[3] != "0" || err != nil || m[5] != m[2] || ttcAt > at {
					t.Errorf("row %q: collides with %s at %s s but its ttc column says %q", l, m[2], m[1], strings.TrimSpace(m[3]+" "+m[4]+" s "+m[5]))
				}
			}
			if f[len(f)-1] == "chosen" {
				chosen++
			}
			if score, err := strconv.ParseFloat(f[5], 64); err != nil || score < 0 || score > 1 {
				t.Errorf("row %q: score %q, want 0 to 1", l, f[5])
			}
		}
	}
	if len(heads) != 2 || !strings.HasPrefix(heads[0], "proposals at 0.0 s") || !strings.HasPrefix(heads[1], "proposals at 2.1 s") ||
		!strings.Contains(heads[1], "mode proposal): 16") {
		t.Errorf("headings %q, want proposals at 0.0 s and 2.1 s, 16 each", heads)
	}
	if rows != 32 || chosen != 2 || collide == 0 {
		t.Errorf("%d proposal rows, %d chosen, %d colliding; want 32, 2 and some (the stop at the start)\n%s", rows, chosen, collide, stdout)
	}
	if !strings.Contains(stdout, "CLS") {
		t.Errorf("no scores after the proposals:\n%s", stdout)
	}
	if code, _, stderr := asyncdrive(t, "sim", "--planner", "pdm", "--scenario", "following_lane_with_lead/0", "--proposals", "1,soon"); code != exitUsage || !strings.Contains(stderr, `"soon" is not a time`) {
		t.Errorf("--proposals 1,soon: exit %d, %q", code, stderr)
	}
	// A planner without proposals says so.
	if code, stdout, _ := asyncdrive(t, "sim", "--planner", "idm", "--scenario", "following_lane_with_lead/0", "--proposals", "1"); code != exitOK || !strings.Contains(stdout, "proposals at 1.0 s (ego at") || !strings.Contains(stdout, "): 0") {
		t.Errorf("idm --proposals 1: exit %d\n%s", code, stdout)
	}
}

// The trace's expert column: how far ahead of (+) or behind (-) the expert the ego is at its time, along the
// expert's drive, with the expert's speed; "-" past the end of the log.
func TestExpertTrackColumn(t *testing.T) {
	var log []scenarios.EgoState
	for k := 0; k <= 20; k++ { // 10 m/s along x, then standing
		x := math.Min(float64(k), 15)
		log = append(log, scenarios.EgoState{Pose: geom.Pose{X: x}, Speed: 10 * b2f(k < 15)})
	}
	x := newExpertTrack(log, 0.1)
	for _, tc := range []struct {
		t, egoX float64
		want    string
	}{
		{1.0, 8, "-2.0, 10.0"},
		{0.5, 6.5, "+1.5, 10.0"},
		{1.8, 15, "+0.0, 0.0"},
		{2.5, 15, "-"},
	} {
		if got := x.column(dynamics.State{Time: tc.t, Pose: geom.Pose{X: tc.egoX, Y: 0.5}}); got != tc.want {
			t.Errorf("at %.1f s, ego at x %.1f: %q, want %q", tc.t, tc.egoX, got, tc.want)
		}
	}
	var none expertTrack
	if got := none.column(dynamics.State{Time: 1}); got != "-" {
		t.Errorf("no expert: %q, want -", got)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
