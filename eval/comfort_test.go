package eval

import (
	"context"
	"maps"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/scenarios"
)

// A run's comfort violations reach its record (rounded to 1e-3), the summary counts them per quantity and
// the table lists them; a runner's non-finite violation fails the scenario with a clear error.
func TestComfortViolations(t *testing.T) {
	viol := map[string]map[string]float64{
		"jerky":   {"lon_jerk": 5.04321},
		"braking": {"lon_accel": -4.4, "lon_jerk": 6.1},
		"smooth":  nil,
		"broken":  {"lon_jerk": math.NaN()},
	}
	var items []Item
	for _, id := range []string{"jerky", "braking", "smooth", "broken"} {
		items = append(items, Item{Key: id, Type: "A", Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(id, "A"), nil, nil
		}})
	}
	runner := func(_ context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		return Outcome{Score: 0.8, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}, Uncomfortable: viol[sc.ID]}, nil
	}
	dir := t.TempDir()
	s := mustRun(t, testConfig(dir, items, 1), runner)
	recs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*Record{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	if got := byKey["jerky"].Uncomfortable; !maps.Equal(got, map[string]float64{"lon_jerk": 5.043}) {
		t.Errorf("jerky: uncomfortable %v, want lon_jerk 5.043", got)
	}
	if got := byKey["smooth"].Uncomfortable; got != nil {
		t.Errorf("smooth: uncomfortable %v, want none", got)
	}
	if r := byKey["broken"]; !r.Failed() || !strings.Contains(r.Error, "comfort violation") {
		t.Errorf("broken: error %q, want a failed scenario naming the comfort violation", r.Error)
	}
	if want := map[string]int{"lon_jerk": 2, "lon_accel": 1}; !maps.Equal(s.ComfortViolations, want) {
		t.Errorf("comfort_violations %v, want %v", s.ComfortViolations, want)
	}
	var tab strings.Builder
	if err := WriteTable(&tab, s, []string{"m"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "uncomfortable runs by the quantity outside nuPlan's bound: 2 lon jerk, 1 lon accel") {
		t.Errorf("table lacks the comfort line:\n%s", tab.String())
	}
}
