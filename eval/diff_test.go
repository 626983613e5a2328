package eval

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestDiffRecords(t *testing.T) {
	yes, no := true, false
	metrics := func(ttc float64) map[string]float64 {
		return map[string]float64{"no_ego_at_fault_collisions": 1, "time_to_collision_within_bound": ttc}
	}
	base := []*Record{
		{Key: "a", Type: "SinD", Score: 1, Metrics: metrics(1), GoalReached: &yes},
		{Key: "b", Type: "SinD", Score: 0.9, Metrics: metrics(1), GoalReached: &yes},
		{Key: "c", Type: "highD", Score: 0.5, Metrics: metrics(0), GoalReached: &no, AtFaultCollisions: 1},
		{Key: "d", Type: "highD", Score: 0.8, Metrics: metrics(1)},
		{Key: "gone", Type: "highD", Score: 1},
		{Key: "e", Type: "highD", Score: 0, Error: "stale"}, // replaced by the record below, as a resume does
		{Key: "e", Type: "highD", Score: 0.7, Metrics: metrics(1)},
	}
	newer := []*Record{
		// a: collides now and misses its goal late.
		{Key: "a", Type: "SinD", Score: 0, Metrics: map[string]float64{"no_ego_at_fault_collisions": 0, "time_to_collision_within_bound": 0},
			GoalReached: &no, GoalMiss: &GoalMiss{Reason: "late"}, AtFaultCollisions: 1},
		// b: better score, same goal.
		{Key: "b", Type: "SinD", Score: 0.95, Metrics: metrics(1), GoalReached: &yes},
		// c: the same failure as before, score unchanged but a metric moved.
		{Key: "c", Type: "highD", Score: 0.5, Metrics: map[string]float64{"no_ego_at_fault_collisions": 0.5, "time_to_collision_within_bound": 0},
			GoalReached: &no, AtFaultCollisions: 1},
		// d: unchanged up to rounding.
		{Key: "d", Type: "highD", Score: 0.8 + 1e-12, Metrics: metrics(1)},
		{Key: "e", Type: "highD", Score: 0.7, Metrics: metrics(1)},
		{Key: "new", Type: "highD", Score: 1},
	}
	d := DiffRecords(base, newer)
	if d.Common != 5 || len(d.Changes) != 3 || d.Better != 1 || d.Worse != 1 {
		t.Fatalf("common %d, changes %d (better %d, worse %d), want 5, 3 (1, 1)", d.Common, len(d.Changes), d.Better, d.Worse)
	}
	var keys []string
	for _, c := range d.Changes {
		keys = append(keys, c.Key)
	}
	if got := strings.Join(keys, ","); got != "a,c,b" {
		t.Errorf("changes %s, want a,c,b (largest drop first)", got)
	}
	if strings.Join(d.OnlyBase, ",") != "gone" || strings.Join(d.OnlyNew, ",") != "new" {
		t.Errorf("only in base %v, only in new %v", d.OnlyBase, d.OnlyNew)
	}
	if want := 100 * (1 + 0.9 + 0.5 + 0.8 + 0.7) / 5; math.Abs(d.Base-want) > 1e-9 {
		t.Errorf("base CLS %v, want %v", d.Base, want)
	}
	if s := d.ByType["SinD"]; s.N != 2 || s.Changed != 2 || math.Abs(s.Base-95) > 1e-9 || math.Abs(s.New-47.5) > 1e-9 {
		t.Errorf("SinD row %+v", s)
	}
	if len(d.Shared) != 1 || d.Shared[0].Key != "c" || strings.Join(d.Shared[0].How, ",") != "at-fault collision,goal missed" {
		t.Errorf("shared failures %+v, want c's collision and missed goal", d.Shared)
	}

	var buf bytes.Buffer
	if err := WriteDiff(&buf, "before", "after", d, 2); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{
		"base: before\nnew:  after\n",
		"5 scenarios in both: 3 changed (CLS up in 1, down in 1, equal in 1), 2 unchanged; CLS x100 78.00 -> 59.00 (-19.00)\n",
		"1 scenarios only in the base evaluation (not compared), e.g. gone\n",
		"SinD               2        2     95.00     47.50   -47.50\n",
		" 100.00 ->   0.00  -100.00  a\n",
		"goal met->late\n",
		"at-fault collisions 0->1\n",
		"time_to_collision_within_bound 1->0\n",
		"no_ego_at_fault_collisions 1->0.5\n", // c: a metric moved at an equal score
		"... and 1 more (--limit 0 lists them all)\n",
		"1 scenarios fail the same way in both:\n  c: at-fault collision, goal missed\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "  b\n") {
		t.Errorf("limit 2 listed the third change:\n%s", got)
	}
}
