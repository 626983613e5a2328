package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// testScenario returns a small valid scenario: one straight lane, the ego driving along it.
func testScenario(id, typ string) *scenarios.Scenario {
	line := func(y float64) []geom.Vec2 { return []geom.Vec2{{X: 0, Y: y}, {X: 100, Y: y}} }
	sc := &scenarios.Scenario{
		Version: scenarios.FormatVersion, ID: id, Type: typ, DT: 0.1, Horizon: 1,
		Map: scenarios.Map{
			Lanes:      []scenarios.Lane{{ID: "lane", Roadblock: "rb", Centerline: line(0), Left: line(2), Right: line(-2), SpeedLimit: 10}},
			Roadblocks: []scenarios.Roadblock{{ID: "rb", Lanes: []string{"lane"}}},
		},
		Route: []string{"rb"},
		Goal:  geom.Pose{X: 90},
	}
	for i := range 11 {
		sc.Expert = append(sc.Expert, scenarios.EgoState{Pose: geom.Pose{X: float64(i)}, Speed: 10})
	}
	return sc
}

var testTypes = []string{"changing_lane", "following_lane_with_lead", "stopping_with_lead", "starting_left_turn"}

// genItems returns n generated items (like the builtin suite), types cycling through testTypes.
func genItems(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		typ := testTypes[i%len(testTypes)]
		key := fmt.Sprintf("%s/%03d", typ, i/len(testTypes))
		id := strings.ReplaceAll(key, "/", "-")
		items[i] = Item{Key: key, Type: typ, Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(id, typ), nil, nil
		}}
	}
	return items
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// fakeRunner scores a scenario from a hash of its id, deterministically; ids containing "fail" fail and
// ids containing "panic" panic.
func fakeRunner(_ context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
	if strings.Contains(sc.ID, "fail") {
		return Outcome{}, errors.New("fake failure")
	}
	if strings.Contains(sc.ID, "panic") {
		var m map[string]int
		m["boom"]++ // a real nil-map panic
	}
	h := hash(sc.ID)
	o := Outcome{
		Score: float64(h%1001) / 1000,
		Metrics: map[string]float64{
			"no_ego_at_fault_collisions":      float64(h % 2),
			"ego_progress_along_expert_route": float64(h%997) / 997,
			"speed_limit_compliance":          float64(h%89) / 89,
		},
	}
	for i := range 10 + int(h%20) {
		o.PlannerMS = append(o.PlannerMS, 0.25+float64((h>>uint(i))%1000)/100)
	}
	return o, nil
}

func testConfig(out string, items []Item, workers int) Config {
	return Config{
		Planner: "idm", Agents: "nonreactive", Scenarios: "builtin",
		Options: map[string]string{"seed": "1", "per_type": "10"},
		Items:   items, Workers: workers, Out: out,
	}
}

func mustRun(t *testing.T, cfg Config, r Runner) *Summary {
	t.Helper()
	s, err := Run(context.Background(), cfg, r)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return s
}

// runAndRead evaluates items with runner (two workers) into a temporary folder and returns the summary and
// the records read back from results.jsonl.
func runAndRead(t *testing.T, items []Item, r Runner) (*Summary, []*Record) {
	t.Helper()
	dir := t.TempDir()
	s := mustRun(t, testConfig(dir, items, 2), r)
	recs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return s, recs
}

// stable returns summary.json of dir with the timing fields cleared, for comparisons.
func stable(t *testing.T, dir string) string {
	t.Helper()
	s, err := ReadSummary(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	s.WallS, s.WallSSum, s.Resumed, s.ScenariosPerS, s.MergedShards = 0, 0, 0, 0, 0
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameOutputs fails unless dirs a and b hold the same results.jsonl and record files, and the same
// summary apart from timing.
func sameOutputs(t *testing.T, a, b string) {
	t.Helper()
	if ra, rb := readFile(t, filepath.Join(a, ResultsFile)), readFile(t, filepath.Join(b, ResultsFile)); !bytes.Equal(ra, rb) {
		t.Errorf("results.jsonl differ:\n%s\n%s", firstDiff(ra, rb), a+" vs "+b)
	}
	if sa, sb := stable(t, a), stable(t, b); sa != sb {
		t.Errorf("summary.json differ:\n%s\n--- vs ---\n%s", sa, sb)
	}
	fa, fb := listFiles(t, filepath.Join(a, ResultsDir)), listFiles(t, filepath.Join(b, ResultsDir))
	if strings.Join(fa, ",") != strings.Join(fb, ",") {
		t.Errorf("results/ differ: %v vs %v", fa, fb)
	}
	for _, f := range fa {
		if !bytes.Equal(readFile(t, filepath.Join(a, ResultsDir, f)), readFile(t, filepath.Join(b, ResultsDir, f))) {
			t.Errorf("results/%s differ", f)
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d vs %d lines", len(la), len(lb))
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// noTempFiles fails if a temporary file is left anywhere under dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}
