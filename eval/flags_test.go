package eval

import (
	"context"
	"errors"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncdrive/scenarios"
)

// A scenario's import flags reach its record, the summary gives each flag its row of the per-type table (a
// scenario under each of its flags, failed runs of loaded scenarios included) and the table prints them.
func TestImportFlagsReachRecordsAndSummary(t *testing.T) {
	flags := map[string][]string{
		"short":   {"short_expert", "start_shifted"},
		"shifted": {"start_shifted"},
		"clean":   nil,
		"crashes": {"short_expert"},
	}
	var items []Item
	for _, id := range []string{"short", "shifted", "clean", "crashes"} {
		items = append(items, Item{Key: id, Type: "A", Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			sc := testScenario(id, "A")
			sc.Flags = flags[id]
			return sc, nil, nil
		}})
	}
	runner := func(_ context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		if sc.ID == "crashes" {
			return Outcome{}, errors.New("planner crashed") // a failed scenario that loaded
		}
		score := 0.8
		if sc.ID == "shifted" {
			score = 0.7
		}
		return Outcome{Score: score, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}}, nil
	}
	dir := t.TempDir()
	s := mustRun(t, testConfig(dir, items, 2), runner)
	recs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !slices.Equal(r.Flags, flags[r.Key]) {
			t.Errorf("%s: flags %v, want %v", r.Key, r.Flags, flags[r.Key])
		}
	}
	// short_expert: "short" (0.8) and "crashes" (failed, 0); start_shifted: "short" and "shifted" (0.7).
	want := map[string]TypeScore{
		"short_expert":  {N: 2, Failed: 1, Score: 40},
		"start_shifted": {N: 2, Score: 75},
	}
	for f, w := range want {
		g := s.ByFlag[f]
		if g.N != w.N || g.Failed != w.Failed || math.Abs(g.Score-w.Score) > 1e-9 {
			t.Errorf("by_flag[%s] = %+v, want %+v", f, g, w)
		}
	}
	if len(s.ByFlag) != len(want) {
		t.Errorf("by_flag has %d flags, want %d: %v", len(s.ByFlag), len(want), s.ByFlag)
	}
	back, err := ReadSummary(filepath.Join(dir, SummaryFile))
	if err != nil || !maps.Equal(back.ByFlag, s.ByFlag) {
		t.Errorf("summary.json by_flag %v (%v), want %v", back.ByFlag, err, s.ByFlag)
	}
	var tab strings.Builder
	if err := WriteTable(&tab, s, []string{"m"}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"flagged on import (results.jsonl's flags; a scenario counts under each of its flags):",
		"short_expert       2       1    40.00",
		"start_shifted      2       0    75.00",
	} {
		if !strings.Contains(tab.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, tab.String())
		}
	}
}
