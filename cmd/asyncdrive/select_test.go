package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncdrive/eval"
)

// evalKeys runs eval with args into a new folder and returns the keys of its records, sorted.
func evalKeys(t *testing.T, args ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args = append([]string{"eval", "--planner", "idm", "--workers", "2", "--out", out}, args...)
	if code, _, stderr := asyncdrive(t, args...); code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	recs, err := eval.ReadResults(filepath.Join(out, eval.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	return keys
}

// --match runs the scenarios whose key or file name matches a pattern; --failed-in those that failed in an
// earlier evaluation (an at-fault collision, a missed goal or an error), and the two together both.
func TestEvalMatchAndFailedIn(t *testing.T) {
	suite := []string{"--types", "changing_lane,stopping_with_lead", "--per-type", "3"}
	got := evalKeys(t, append(suite, "--match", "changing_lane/00[02], stopping_with_lead/001")...)
	if want := []string{"changing_lane/000", "changing_lane/002", "stopping_with_lead/001"}; !slices.Equal(got, want) {
		t.Errorf("--match: evaluated %v, want %v", got, want)
	}
	// An earlier evaluation, edited: a collision in one scenario, an error in another and a missed goal in a
	// third; one collided in its first record but not once resumed (the last record counts).
	before := filepath.Join(t.TempDir(), "before")
	if code, _, stderr := asyncdrive(t, append([]string{"eval", "--planner", "idm", "--out", before}, suite...)...); code != exitOK {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	path := filepath.Join(before, eval.ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]func(r map[string]any){
		"changing_lane/000": func(r map[string]any) { r["at_fault_collisions"] = 0 },
		"changing_lane/001": func(r map[string]any) { r["at_fault_collisions"] = 1 },
		"changing_lane/002": func(r map[string]any) { // a scenario that failed to run: no scores
			for k := range r {
				if !slices.Contains([]string{"index", "key", "id", "type", "source"}, k) {
					delete(r, k)
				}
			}
			r["score"], r["error"] = 0, "boom"
		},
		"stopping_with_lead/000": func(r map[string]any) { r["goal_reached"] = false },
		"stopping_with_lead/001": func(r map[string]any) { r["at_fault_collisions"] = 0 },
		"stopping_with_lead/002": func(r map[string]any) { r["at_fault_collisions"] = 0 },
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		key, _ := r["key"].(string)
		if key == "stopping_with_lead/001" {
			r["at_fault_collisions"] = 1
			first, _ := json.Marshal(r)
			lines = append(lines, string(first))
		}
		edits[key](r)
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = evalKeys(t, append(suite, "--failed-in", before)...)
	if want := []string{"changing_lane/001", "changing_lane/002", "stopping_with_lead/000"}; !slices.Equal(got, want) {
		t.Errorf("--failed-in: evaluated %v, want %v", got, want)
	}
	got = evalKeys(t, append(suite, "--failed-in", before, "--match", "changing_lane/*")...)
	if want := []string{"changing_lane/001", "changing_lane/002"}; !slices.Equal(got, want) {
		t.Errorf("--failed-in with --match: evaluated %v, want %v", got, want)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--match", "[a-"}, `--match: pattern "[a-": syntax error in pattern`},
		{[]string{"--match", " , "}, `--match: no pattern in " , "`},
		{[]string{"--match", "flying/*"}, "--match flying/*: none of the 6 scenarios matches"},
		{[]string{"--failed-in", filepath.Join(before, "nope")}, "is " + filepath.Join(before, "nope") + " a finished eval output folder?"},
		{[]string{"--types", "near_multiple_vehicles", "--failed-in", before}, "none of its 3 failed scenarios is among the 3 to evaluate here"},
	} {
		args := append([]string{"eval", "--planner", "idm", "--out", t.TempDir()}, suite...)
		code, _, stderr := asyncdrive(t, append(args, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
