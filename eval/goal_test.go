package eval

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
)

// goalCase is one item of the goal and collision tests: whether its source describes a goal, whether the
// runner meets it, its at-fault collisions, and whether the runner fails.
type goalCase struct {
	id         string
	goal, hit  bool
	collisions int
	fail       bool
}

var goalCases = []goalCase{
	{id: "g-hit", goal: true, hit: true},
	{id: "g-miss-c2", goal: true, collisions: 2},
	{id: "g-hit-c1", goal: true, hit: true, collisions: 1},
	{id: "nogoal", collisions: 0},
	{id: "nogoal-c3", collisions: 3},
	{id: "g-fail", goal: true, hit: true, fail: true},
	{id: "nogoal-2"},
}

// goalItems returns the goal cases as items; a case with a goal has a loader returning a Goal that says
// whether it is hit.
func goalItems() []Item {
	items := make([]Item, len(goalCases))
	for i, c := range goalCases {
		var goal Goal
		if c.goal {
			goal = GoalFunc(func(t float64, rear geom.Pose, v float64) bool { return c.hit })
		}
		items[i] = Item{Key: c.id, Type: testTypes[i%2], Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(c.id, testTypes[i%2]), goal, nil
		}}
	}
	return items
}

// goalRunner asks the goal it is given at the scenario's start (as a real runner asks at every frame) and
// reports the case's collisions.
func goalRunner(_ context.Context, sc *scenarios.Scenario, goal Goal) (Outcome, error) {
	for _, c := range goalCases {
		if c.id != sc.ID {
			continue
		}
		if c.fail {
			return Outcome{}, errors.New("fake failure")
		}
		out := Outcome{Score: 0.5, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}, AtFaultCollisions: c.collisions}
		if goal != nil {
			reached := goal.Reached(0, sc.Expert[0].Pose, sc.Expert[0].Speed)
			out.GoalReached = &reached
		}
		return out, nil
	}
	return Outcome{}, errors.New("unknown case " + sc.ID)
}

func TestGoalAndCollisionAggregation(t *testing.T) {
	dir := t.TempDir()
	s := mustRun(t, testConfig(dir, goalItems(), 3), goalRunner)
	// Ran: 6 of 7 (g-fail failed). With a goal and ran: g-hit, g-miss-c2, g-hit-c1, of which 2 reached: 2/3.
	// With an at-fault collision: g-miss-c2, g-hit-c1, nogoal-c3 of the 6 that ran: 1/2.
	if s.GoalReached == nil || math.Abs(*s.GoalReached-2.0/3) > 1e-12 || s.GoalScenarios != 3 {
		t.Errorf("goal_reached %v over %d scenarios, want 2/3 over 3", s.GoalReached, s.GoalScenarios)
	}
	if s.Collisions != 0.5 {
		t.Errorf("collisions = %v, want 0.5", s.Collisions)
	}
	if s.Failed != 1 {
		t.Errorf("failed = %d, want 1", s.Failed)
	}

	// The records: goal_reached true, false or null, written explicitly; at_fault_collisions as reported.
	data := string(readFile(t, filepath.Join(dir, ResultsFile)))
	lines := strings.Split(strings.TrimSpace(data), "\n")
	want := []struct {
		goal string
		n    int
	}{{"true", 0}, {"false", 2}, {"true", 1}, {"null", 0}, {"null", 3}, {"null", 0}, {"null", 0}}
	if len(lines) != len(want) {
		t.Fatalf("%d records, want %d", len(lines), len(want))
	}
	for i, line := range lines {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatal(err)
		}
		if g := string(raw["goal_reached"]); g != want[i].goal {
			t.Errorf("record %d: goal_reached %q, want %s", i, g, want[i].goal)
		}
		if n := string(raw["at_fault_collisions"]); n != string(rune('0'+want[i].n)) {
			t.Errorf("record %d: at_fault_collisions %q, want %d", i, n, want[i].n)
		}
	}

	// summary.json says the same, and reads back.
	back, err := ReadSummary(filepath.Join(dir, SummaryFile))
	if err != nil || back.GoalReached == nil || *back.GoalReached != *s.GoalReached || back.Collisions != 0.5 || back.GoalScenarios != 3 {
		t.Errorf("summary.json: %+v, %v", back, err)
	}
}

func TestGoalReachedIsNullWithoutGoals(t *testing.T) {
	dir := t.TempDir()
	s := mustRun(t, testConfig(dir, genItems(4), 2), fakeRunner)
	if s.GoalReached != nil || s.GoalScenarios != 0 || s.Collisions != 0 {
		t.Errorf("goal_reached %v over %d, collisions %v; want null over 0 and 0", s.GoalReached, s.GoalScenarios, s.Collisions)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, SummaryFile)), &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["goal_reached"]) != "null" || string(raw["collisions"]) != "0" {
		t.Errorf("summary.json goal_reached %s collisions %s", raw["goal_reached"], raw["collisions"])
	}
}

func TestGoalAndCollisionsMerge(t *testing.T) {
	base := t.TempDir()
	single := filepath.Join(base, "single")
	mustRun(t, testConfig(single, goalItems(), 2), goalRunner)
	var shards []string
	for i := range 3 {
		dir := filepath.Join(base, "shard", string(rune('0'+i)))
		cfg := testConfig(dir, goalItems(), 2)
		cfg.Shard = Shard{I: i, N: 3}
		mustRun(t, cfg, goalRunner)
		shards = append(shards, dir)
	}
	merged := filepath.Join(base, "merged")
	s, err := Merge(merged, shards, false)
	if err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, single, merged)
	if s.GoalReached == nil || math.Abs(*s.GoalReached-2.0/3) > 1e-12 || s.GoalScenarios != 3 || s.Collisions != 0.5 {
		t.Errorf("merged goal_reached %v over %d, collisions %v; want 2/3 over 3 and 0.5", s.GoalReached, s.GoalScenarios, s.Collisions)
	}
	// A partial merge aggregates what it holds: shard 0 holds g-hit, nogoal and nogoal-2 (indexes 0, 3, 6).
	part, err := Merge(filepath.Join(base, "part"), shards[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	if part.GoalReached == nil || *part.GoalReached != 1 || part.GoalScenarios != 1 || part.Collisions != 0 {
		t.Errorf("partial merge goal_reached %v over %d, collisions %v; want 1 over 1 and 0", part.GoalReached, part.GoalScenarios, part.Collisions)
	}
}

func TestDecodeRecordChecksGoalAndCollisions(t *testing.T) {
	for _, tc := range []struct{ rec, want string }{
		{`{"index":0,"key":"a","id":"a","type":"t","source":"s","score":0,"goal_reached":true,"at_fault_collisions":0,"error":"x"}`, "a failed record"},
		{`{"index":0,"key":"a","id":"a","type":"t","source":"s","score":0,"goal_reached":null,"at_fault_collisions":1,"error":"x"}`, "a failed record"},
		{`{"index":0,"key":"a","id":"a","type":"t","source":"s","score":0,"at_fault_collisions":-1,"error":"x"}`, "at_fault_collisions -1 < 0"},
	} {
		if _, err := DecodeRecord([]byte(tc.rec)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeRecord(%s) = %v, want an error containing %q", tc.rec, err, tc.want)
		}
	}
	// Records written before these fields existed still decode: goal unknown, no collisions.
	r, err := DecodeRecord([]byte(`{"index":0,"key":"a","id":"a","type":"t","source":"s","score":0,"error":"x"}`))
	if err != nil || r.GoalReached != nil || r.AtFaultCollisions != 0 {
		t.Errorf("old record: %+v, %v", r, err)
	}
}

func TestNegativeCollisionsIsAFailure(t *testing.T) {
	s := mustRun(t, testConfig(t.TempDir(), genItems(1), 1), func(context.Context, *scenarios.Scenario, Goal) (Outcome, error) {
		return Outcome{Score: 1, PlannerMS: []float64{1}, AtFaultCollisions: -1}, nil
	})
	if s.Failed != 1 || !strings.Contains(s.Errors[0].Error, "at-fault collisions") {
		t.Errorf("failed %d, errors %+v", s.Failed, s.Errors)
	}
}

// lateGoal is a goal never reached that says it was missed by arriving 0.71234 s late.
type lateGoal struct{}

func (lateGoal) Reached(float64, geom.Pose, float64) bool { return false }
func (lateGoal) Miss([]commonroad.Sample) commonroad.Miss {
	return commonroad.Miss{Reason: commonroad.MissLate, By: 0.71234}
}

// impossibleGoal is a goal never reached that knows no driver could reach it.
type impossibleGoal struct{}

func (impossibleGoal) Reached(float64, geom.Pose, float64) bool { return false }
func (impossibleGoal) Unreachable() string                      { return "too far" }

// TestGoalMissesAndPerTypeGoals: a missed goal that can say how (a GoalMisser) is recorded with its reason and
// how far off (rounded to a thousandth), one that cannot counts as unexplained, an unreachable goal (a
// GoalChecker) is recorded as such and left out of the goals reached of the reachable ones, and summary.json
// and the table give goals reached and at-fault collisions per type.
func TestGoalMissesAndPerTypeGoals(t *testing.T) {
	type c struct {
		id, typ    string
		goal       Goal
		collisions int
	}
	cases := []c{
		{"a-late", "A", lateGoal{}, 1},
		{"a-hit", "A", GoalFunc(func(float64, geom.Pose, float64) bool { return true }), 0},
		{"b-miss", "B", GoalFunc(func(float64, geom.Pose, float64) bool { return false }), 0},
		{"b-nogoal", "B", nil, 2},
		{"b-impossible", "B", impossibleGoal{}, 0},
	}
	items := make([]Item, len(cases))
	for i, tc := range cases {
		items[i] = Item{Key: tc.id, Type: tc.typ, Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(tc.id, tc.typ), tc.goal, nil
		}}
	}
	runner := func(_ context.Context, sc *scenarios.Scenario, goal Goal) (Outcome, error) {
		out := Outcome{Score: 0.5, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}}
		for _, tc := range cases {
			if tc.id == sc.ID {
				out.AtFaultCollisions = tc.collisions
			}
		}
		if goal != nil {
			reached := goal.Reached(0, sc.Expert[0].Pose, sc.Expert[0].Speed)
			out.GoalReached = &reached
			if gm, ok := goal.(GoalMisser); ok && !reached {
				m := gm.Miss(nil)
				out.GoalMiss = &m
			}
		}
		return out, nil
	}
	s, recs := runAndRead(t, items, runner)
	if m := recs[0].GoalMiss; m == nil || m.Reason != "late" || m.By == nil || *m.By != 0.712 {
		t.Errorf("a-late: goal_miss %+v, want late by 0.712", m)
	}
	for _, r := range recs[1:] {
		if r.GoalMiss != nil {
			t.Errorf("%s: goal_miss %+v, want none (met, unexplained or no goal)", r.Key, r.GoalMiss)
		}
		if want := map[bool]string{true: "too far"}[r.Key == "b-impossible"]; r.GoalUnreachable != want {
			t.Errorf("%s: goal_unreachable %q, want %q", r.Key, r.GoalUnreachable, want)
		}
	}
	if want := map[string]int{"late": 1, "unexplained": 2}; !maps.Equal(s.GoalMisses, want) {
		t.Errorf("goal_misses %v, want %v", s.GoalMisses, want)
	}
	if s.GoalReachable != 3 || s.GoalReachedOfReachable == nil || math.Abs(*s.GoalReachedOfReachable-1.0/3) > 1e-12 {
		t.Errorf("reachable goals %d, reached of them %v; want 3 and 1/3", s.GoalReachable, s.GoalReachedOfReachable)
	}
	a, b := s.ByType["A"], s.ByType["B"]
	if a.GoalReached == nil || *a.GoalReached != 0.5 || a.GoalScenarios != 2 || a.Collisions != 0.5 || a.GoalReachable != 2 {
		t.Errorf("type A: %+v, want goals 1/2 (2 reachable), collisions 1/2", a)
	}
	if b.GoalReached == nil || *b.GoalReached != 0 || b.GoalScenarios != 2 || math.Abs(b.Collisions-1.0/3) > 1e-12 ||
		b.GoalReachable != 1 || *b.GoalReachedOfReachable != 0 {
		t.Errorf("type B: %+v, want goals 0/2 (1 reachable, 0 of it), collisions 1/3", b)
	}
	var tab strings.Builder
	if err := WriteTable(&tab, s, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"goals  of reachable  collisions", "  50.0%         50.0%       50.0%", "   0.0%          0.0%       33.3%",
		"(missed: 2 unexplained, 1 late)", "goal reached in 25.00% of the 4 completed with a goal, 33.33% of the 3 reachable"} {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tab.String())
		}
	}
	// A goal_miss belongs to a missed goal.
	rec := `{"index":0,"key":"a","id":"a","type":"t","source":"s","score":1,"planner":{"calls":0,"total_ms":0,"mean_ms":0,"p50_ms":0,"p99_ms":0,"max_ms":0,"hist":{"buckets":[]}},"goal_reached":true,"goal_miss":{"reason":"late"},"at_fault_collisions":0}`
	if _, err := DecodeRecord([]byte(rec)); err == nil || !strings.Contains(err.Error(), "goal_miss without a missed goal") {
		t.Errorf("goal_miss with the goal met: %v", err)
	}
}

// TestUnavoidableCollisionsCountApart: a collision the runner says the scenario causes is recorded
// (collision_unavoidable), counts in collisions but not in collisions_of_avoidable, and the table shows
// both; an explanation without a collision is not recorded, and a record with one is rejected.
func TestUnavoidableCollisionsCountApart(t *testing.T) {
	type c struct {
		id, typ     string
		collisions  int
		unavoidable string
	}
	cases := []c{
		{"a-planner", "A", 1, ""},
		{"a-scene", "A", 1, "cut in"},
		{"a-clean", "A", 0, "stray"},
		{"b-clean", "B", 0, ""},
	}
	items := make([]Item, len(cases))
	for i, tc := range cases {
		items[i] = Item{Key: tc.id, Type: tc.typ, Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(tc.id, tc.typ), GoalFunc(func(float64, geom.Pose, float64) bool { return true }), nil
		}}
	}
	runner := func(_ context.Context, sc *scenarios.Scenario, goal Goal) (Outcome, error) {
		reached := true
		out := Outcome{Score: 0.5, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}, GoalReached: &reached}
		for _, tc := range cases {
			if tc.id == sc.ID {
				out.AtFaultCollisions, out.CollisionUnavoidable = tc.collisions, tc.unavoidable
			}
		}
		return out, nil
	}
	s, recs := runAndRead(t, items, runner)
	for _, r := range recs {
		if want := map[bool]string{true: "cut in"}[r.Key == "a-scene"]; r.CollisionUnavoidable != want {
			t.Errorf("%s: collision_unavoidable %q, want %q", r.Key, r.CollisionUnavoidable, want)
		}
	}
	if s.Collisions != 0.5 || s.CollisionAvoidable != 3 || math.Abs(s.CollisionsOfAvoidable-1.0/3) > 1e-12 {
		t.Errorf("collisions %v, of the %d avoidable %v; want 1/2, 3 and 1/3", s.Collisions, s.CollisionAvoidable, s.CollisionsOfAvoidable)
	}
	a, b := s.ByType["A"], s.ByType["B"]
	if math.Abs(a.Collisions-2.0/3) > 1e-12 || a.CollisionAvoidable != 2 || a.CollisionsOfAvoidable != 0.5 {
		t.Errorf("type A: %+v, want collisions 2/3, 1/2 of the 2 avoidable", a)
	}
	if b.Collisions != 0 || b.CollisionAvoidable != 1 || b.CollisionsOfAvoidable != 0 {
		t.Errorf("type B: %+v, want no collision, 1 avoidable", b)
	}
	var tab strings.Builder
	if err := WriteTable(&tab, s, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"collisions  of avoidable", "    66.7%         50.0%", "at-fault collisions in 50.00% of the completed scenarios (33.33% of the 3 without a collision the scenario causes, 1 with one)"} {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tab.String())
		}
	}
	rec := `{"index":0,"key":"a","id":"a","type":"t","source":"s","score":1,"planner":{"calls":0,"total_ms":0,"mean_ms":0,"p50_ms":0,"p99_ms":0,"max_ms":0,"hist":{"buckets":[]}},"goal_reached":null,"at_fault_collisions":0,"collision_unavoidable":"x"}`
	if _, err := DecodeRecord([]byte(rec)); err == nil || !strings.Contains(err.Error(), "collision_unavoidable without an at-fault collision") {
		t.Errorf("collision_unavoidable without a collision: %v", err)
	}
}
