package eval

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncdrive/scenarios"
)

// A scenario's import flags reach its record, the summary counts them (failed runs of loaded scenarios
// included) and the table lists them.
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
			return Outcome{Score: 0.5}, nil // no metrics: a failed scenario
		}
		return Outcome{Score: 0.8, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}}, nil
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
	if want := map[string]int{"short_expert": 2, "start_shifted": 2}; !maps.Equal(s.Flagged, want) {
		t.Errorf("flagged %v, want %v", s.Flagged, want)
	}
	back, err := ReadSummary(filepath.Join(dir, SummaryFile))
	if err != nil || !maps.Equal(back.Flagged, s.Flagged) {
		t.Errorf("summary.json flagged %v (%v), want %v", back.Flagged, err, s.Flagged)
	}
	var tab strings.Builder
	if err := WriteTable(&tab, s, []string{"m"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "scenarios flagged on import (results.jsonl's flags): 2 short expert, 2 start shifted") {
		t.Errorf("table lacks the flags line:\n%s", tab.String())
	}
}
