package eval

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"asyncdrive/scenarios"
)

func TestWriteTable(t *testing.T) {
	s := &Summary{
		Planner: "idm", Agents: "reactive", Source: "builtin", Total: 5, Scenarios: 5, Failed: 1,
		Score: 46, ScoreCompleted: 57.5,
		ByType: map[string]TypeScore{
			"stopping_with_lead": {N: 2, Score: 75}, "changing_lane": {N: 2, Failed: 1, Score: 40}, UnknownType: {N: 1, Failed: 1},
		},
		Metrics:      map[string]float64{"ego_is_comfortable": 1, "no_ego_at_fault_collisions": 0.5, "extra": 0.25},
		PlannerCalls: 300, PlannerMSMean: 1.5, PlannerMSP50: 1.25, PlannerMSP99: 4, PlannerMSMax: 9,
		Errors: []ErrorLine{{Index: 4, Key: "x.json", Error: "x.json: version: unknown format version 99"}},
		WallS:  2, ScenariosPerS: 2.5,
	}
	var b bytes.Buffer
	if err := WriteTable(&b, s, []string{"no_ego_at_fault_collisions", "ego_is_comfortable", "speed_limit_compliance"}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"planner idm, agents reactive, 5 scenarios from builtin, 1 failed",
		"changing_lane           2       1    40.00\nstopping_with_lead      2       0    75.00\nunknown                 1       1     0.00\n",
		"all (CLS x100)          5       1    46.00",
		"no_ego_at_fault_collisions               0.5000\nego_is_comfortable                       1.0000\nspeed_limit_compliance                        -\nextra                                    0.2500\n",
		"p50 1.250 ms, p99 4.000 ms",
		"2.5 scenarios/s",
		"\n  x.json: version: unknown format version 99\n",
	} {
		wantIn(t, "table", got, want)
	}
}

func TestBar(t *testing.T) {
	var b bytes.Buffer
	bar := NewBar(&b, "idm")
	now := time.Unix(0, 0)
	bar.now = func() time.Time { return now }
	bar.Set(10, 40) // 10 resumed
	now = now.Add(50 * time.Millisecond)
	bar.Set(11, 40) // throttled
	now = now.Add(time.Second)
	bar.Set(20, 40)
	now = now.Add(time.Second)
	bar.Set(40, 40) // the last one is always drawn
	bar.Finish()
	frames := strings.Split(b.String(), "\r")[1:]
	if len(frames) != 3 {
		t.Fatalf("%d frames: %q", len(frames), b.String())
	}
	if !strings.HasPrefix(frames[1], "idm [===============>") || !strings.Contains(frames[1], "20/40  50%") ||
		!strings.Contains(frames[1], "9.5/s") || !strings.Contains(frames[1], "eta 2s") {
		t.Errorf("frame %q", frames[1])
	}
	if !strings.Contains(frames[2], "[==============================] 40/40 100%") || !strings.HasSuffix(frames[2], "\n") {
		t.Errorf("last frame %q", frames[2])
	}
	if ShowProgress(os.Stdout) && os.Getenv("CI") != "" {
		t.Error("progress bar in CI")
	}
}

// Example of a run with a trivial runner; cmd/asyncdrive wires the simulator in the same way.
func ExampleRun() {
	var items []Item
	for i, typ := range []string{"changing_lane", "changing_lane", "stopping_with_lead"} {
		id := fmt.Sprintf("%s-%d", typ, i)
		items = append(items, Item{Key: id, Type: typ, Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(id, typ), nil, nil
		}})
	}
	out, _ := os.MkdirTemp("", "eval-example")
	defer os.RemoveAll(out)
	runner := func(ctx context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		score := 1.0
		if sc.Type == "stopping_with_lead" {
			score = 0.4
		}
		return Outcome{Score: score, Metrics: map[string]float64{"ego_is_comfortable": 1}, PlannerMS: []float64{2, 2, 3}}, nil
	}
	s, err := Run(context.Background(), Config{Planner: "demo", Agents: "nonreactive", Items: items, Workers: 2, Out: out}, runner)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("score %.1f, changing_lane %.1f (n=%d), stopping_with_lead %.1f, p50 %.2f ms\n",
		s.Score, s.ByType["changing_lane"].Score, s.ByType["changing_lane"].N, s.ByType["stopping_with_lead"].Score, s.PlannerMSP50)
	// Output: score 80.0, changing_lane 100.0 (n=2), stopping_with_lead 40.0, p50 2.01 ms
}

func TestWriteComparison(t *testing.T) {
	a := &Summary{Planner: "log_replay", Agents: "nonreactive", Scenarios: 3, Score: 90,
		ByType:       map[string]TypeScore{"changing_lane": {N: 2, Score: 85}, "stopping_with_lead": {N: 1, Score: 100}},
		PlannerMSP50: 0.5, PlannerMSP99: 1.5, WallS: 2, ScenariosPerS: 1.5}
	b := &Summary{Planner: "idm", Agents: "reactive", Scenarios: 2, Failed: 1, Score: 40,
		ByType: map[string]TypeScore{"changing_lane": {N: 2, Failed: 1, Score: 40}}}
	got := comparison(t, a, b)
	for _, want := range []string{
		"scenario type              n  log_replay CLS-NR  idm CLS-R\n",
		"changing_lane              2              85.00      40.00\n",
		"stopping_with_lead         1             100.00          -\n",
		"all (CLS x100)                            90.00      40.00\n",
		"failed                                        0          1\n",
		"collisions                                 0.0%       0.0%\n",
	} {
		wantIn(t, "comparison", got, want)
	}
	for _, absent := range []string{"goal reached", "instructions followed", "guide"} {
		if strings.Contains(got, absent) {
			t.Errorf("no run has %s, yet the comparison shows it:\n%s", absent, got)
		}
	}

	// A guided run with goals and instructions: its heading names the interval and latency (or the rate),
	// and rows appear for what any run has, "-" for the runs without.
	goal, followed := 0.75, 0.5
	g := &Summary{Planner: "pdm", Agents: "nonreactive", Scenarios: 4, Score: 95, Collisions: 0.25,
		ByType:      map[string]TypeScore{"changing_lane": {N: 4, Score: 95, InstructionFollowed: &followed}},
		GoalReached: &goal, GoalScenarios: 4, InstructionFollowed: &followed, InstructionScenarios: 2,
		Guide: &GuideSummary{Calls: 120, Interval: "5", LatencyMS: "100", InferP50: 0.2, InferP99: 1.25}}
	r := &Summary{Planner: "pdm", Agents: "reactive", Scenarios: 4, Score: 94,
		ByType: map[string]TypeScore{"changing_lane": {N: 4, Score: 94}},
		Guide:  &GuideSummary{Calls: 40, Errors: 2, Interval: "rate 2 Hz", LatencyMS: "300"}}
	got = comparison(t, a, g, r)
	for _, want := range []string{
		"log_replay CLS-NR  pdm CLS-NR K5 L100  pdm CLS-R 2Hz L300\n",
		"changing_lane              4              85.00          95.00, 50%               94.00\n",
		"collisions                                 0.0%               25.0%                0.0%\n",
		"goal reached                                  -               75.0%                   -\n",
		"instructions followed                         -               50.0%                   -\n",
		"guide calls                                   -                 120                  40\n",
		"guide errors                                  -                   0                   2\n",
		"guide infer p99 (ms)                          -               1.250               0.000\n",
	} {
		wantIn(t, "comparison", got, want)
	}

	// Runs with goals per type (CommonRoad datasets): rows of goals and collisions per such type.
	hd, sd := 0.99, 0.5
	c1 := &Summary{Planner: "pdm", Agents: "nonreactive", Scenarios: 3, Score: 90, GoalReached: &goal, GoalScenarios: 3,
		ByType: map[string]TypeScore{"highD": {N: 1, Score: 99, GoalReached: &hd, GoalScenarios: 1},
			"SinD": {N: 2, Score: 85, GoalReached: &sd, GoalScenarios: 2, Collisions: 0.5}}}
	got = comparison(t, c1, a)
	for _, want := range []string{
		"goals, SinD                        50.0%                  -\n",
		"goals, highD                       99.0%                  -\n",
		"collisions, SinD                   50.0%                  -\n",
		"collisions, highD                   0.0%                  -\n",
	} {
		wantIn(t, "comparison", got, want)
	}
	if strings.Contains(got, "goals, changing_lane") {
		t.Errorf("a type without goals has a goals row:\n%s", got)
	}
}

// wantIn fails the test unless text (named what) contains want.
// comparison returns WriteComparison's table of sums.
func comparison(t *testing.T, sums ...*Summary) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteComparison(&buf, sums); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func wantIn(t *testing.T, what, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("%s lacks %q:\n%s", what, want, text)
	}
}
