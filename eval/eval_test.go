package eval

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"asyncdrive/scenarios"
)

func TestResultsIndependentOfWorkers(t *testing.T) {
	items := genItems(37)
	base := t.TempDir()
	var dirs []string
	for _, w := range []int{1, 4, 7} {
		dir := filepath.Join(base, "w"+string(rune('0'+w)))
		s := mustRun(t, testConfig(dir, items, w), fakeRunner)
		if s.Scenarios != 37 || s.Failed != 0 || s.Total != 37 {
			t.Fatalf("workers %d: scenarios %d failed %d total %d", w, s.Scenarios, s.Failed, s.Total)
		}
		noTempFiles(t, dir)
		dirs = append(dirs, dir)
	}
	for _, d := range dirs[1:] {
		sameOutputs(t, dirs[0], d)
	}
	// results.jsonl is in suite order, not completion order.
	recs, err := ReadResults(filepath.Join(dirs[1], ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Index != i || r.Key != items[i].Key {
			t.Fatalf("line %d holds index %d key %s", i+1, r.Index, r.Key)
		}
	}
}

func TestResume(t *testing.T) {
	items := genItems(30)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	interrupting := func(ctx context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		if calls.Add(1) == 10 {
			cancel() // Ctrl-C while this scenario (and others) are running
		}
		if calls.Load() > 10 {
			<-ctx.Done()
			return Outcome{}, ctx.Err()
		}
		return fakeRunner(ctx, sc, nil)
	}
	_, err := Run(ctx, testConfig(dir, items, 3), interrupting)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want an InterruptedError wrapping context.Canceled, got %v", err)
	}
	finished := len(listFiles(t, filepath.Join(dir, ResultsDir)))
	if finished != ie.Done || finished < 10 || finished >= 30 {
		t.Fatalf("%d record files, error says %d done", finished, ie.Done)
	}
	if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err == nil {
		t.Error("an interrupted run wrote summary.json")
	}
	noTempFiles(t, dir)

	// Rerun: only the missing scenarios run.
	var reruns atomic.Int32
	counting := func(ctx context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		reruns.Add(1)
		return fakeRunner(ctx, sc, nil)
	}
	var last [2]int
	cfg := testConfig(dir, items, 2)
	cfg.Progress = func(done, total int) { last = [2]int{done, total} }
	s := mustRun(t, cfg, counting)
	if got, want := int(reruns.Load()), 30-finished; got != want {
		t.Errorf("resume ran %d scenarios, want %d", got, want)
	}
	if s.Resumed != finished || last != [2]int{30, 30} {
		t.Errorf("resumed %d (want %d), last progress %v", s.Resumed, finished, last)
	}
	fresh := t.TempDir()
	mustRun(t, testConfig(fresh, items, 4), fakeRunner)
	sameOutputs(t, dir, fresh)

	// A third run has nothing to do and keeps the summary.
	reruns.Store(0)
	before := readFile(t, filepath.Join(dir, SummaryFile))
	mustRun(t, testConfig(dir, items, 2), counting)
	if reruns.Load() != 0 || string(before) != string(readFile(t, filepath.Join(dir, SummaryFile))) {
		t.Errorf("a finished run ran %d scenarios again or rewrote its summary", reruns.Load())
	}
}

func TestResumeRefusesADifferentRun(t *testing.T) {
	items := genItems(8)
	dir := t.TempDir()
	mustRun(t, testConfig(dir, items, 2), fakeRunner)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"planner", func(c *Config) { c.Planner = "log_replay" }, `planner "idm" (want "log_replay")`},
		{"agents", func(c *Config) { c.Agents = "reactive" }, `agents "nonreactive" (want "reactive")`},
		{"option", func(c *Config) { c.Options["seed"] = "2" }, `option seed "1" (want "2")`},
		{"suite", func(c *Config) { c.Items = genItems(9) }, "suite"},
		{"shard", func(c *Config) { c.Shard = Shard{I: 1, N: 2} }, `shard "" (want "1/2")`},
	} {
		cfg := testConfig(dir, items, 2)
		tc.edit(&cfg)
		_, err := Run(context.Background(), cfg, fakeRunner)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "another --out") {
			t.Errorf("%s: got %v, want an error mentioning %s", tc.name, err, tc.want)
		}
	}
}

func TestRetryFailed(t *testing.T) {
	items := genItems(4)
	items[2].Load = func() (*scenarios.Scenario, Goal, error) { return testScenario("x-fail", "changing_lane"), nil, nil }
	dir := t.TempDir()
	if s := mustRun(t, testConfig(dir, items, 2), fakeRunner); s.Failed != 1 {
		t.Fatalf("failed %d, want 1", s.Failed)
	}
	var n atomic.Int32
	cfg := testConfig(dir, items, 2)
	cfg.RetryFailed = true
	s := mustRun(t, cfg, func(ctx context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		n.Add(1)
		return Outcome{Score: 1, PlannerMS: []float64{1}}, nil
	})
	if n.Load() != 1 || s.Failed != 0 {
		t.Errorf("retry ran %d scenarios, %d still failed; want 1 and 0", n.Load(), s.Failed)
	}
}

// writeBadFiles writes a folder of two good scenario files and four bad ones and returns the folder.
func writeBadFiles(t *testing.T) string {
	dir := t.TempDir()
	good := testScenario("good-1", "changing_lane")
	if err := scenarios.Save(filepath.Join(dir, "a", "good-1.json"), good); err != nil {
		if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := scenarios.Save(filepath.Join(dir, "a", "good-1.json"), good); err != nil {
			t.Fatal(err)
		}
	}
	good.ID = "good-2"
	if err := scenarios.Save(filepath.Join(dir, "good-2.json.gz"), good); err != nil {
		t.Fatal(err)
	}
	data := readFile(t, filepath.Join(dir, "a", "good-1.json"))
	text := string(data)
	bad := map[string]string{
		"truncated.json":   text[:len(text)/2],
		"version99.json":   strings.Replace(text, `"version":1`, `"version":99`, 1),
		"badnumber.json":   strings.Replace(text, `"goal":{"x":90`, `"goal":{"x":1e999`, 1),
		"missinglane.json": strings.Replace(text, `"lanes":["lane"]`, `"lanes":["lane_9"]`, 1),
	}
	for name, content := range bad {
		if content == text {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not scenario files: skipped.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.json"), []byte("{"), 0o644)
	return dir
}

func TestBadScenarioFilesAreCountedAndNamed(t *testing.T) {
	src := writeBadFiles(t)
	items, err := FolderItems(src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	if got := strings.Join(keys, " "); got != "a/good-1.json badnumber.json good-2.json.gz missinglane.json truncated.json version99.json" {
		t.Fatalf("items %s", got)
	}
	out := t.TempDir()
	cfg := testConfig(out, items, 3)
	cfg.Scenarios = src
	s := mustRun(t, cfg, fakeRunner)
	if s.Scenarios != 6 || s.Failed != 4 {
		t.Fatalf("scenarios %d failed %d, want 6 and 4", s.Scenarios, s.Failed)
	}
	// The type of a file that is valid JSON but not a valid scenario is still known.
	if u := s.ByType[UnknownType]; u.N != 1 || u.Failed != 1 || u.Score != 0 {
		t.Errorf("by_type[unknown] = %+v, want the truncated file", u)
	}
	if cl := s.ByType["changing_lane"]; cl.N != 5 || cl.Failed != 3 {
		t.Errorf("by_type[changing_lane] = %+v, want 2 good files and 3 bad ones", cl)
	}
	want := map[string][]string{ // key -> what the error must say: the file and the element
		"truncated.json":   {"truncated.json", "line 1 column"},
		"version99.json":   {"version99.json", "version", "99"},
		"badnumber.json":   {"badnumber.json", "goal.x", "1e999"},
		"missinglane.json": {"missinglane.json", "map.roadblocks[0]", "lanes", `"lane_9"`},
	}
	for _, e := range s.Errors {
		for _, w := range want[e.Key] {
			if !strings.Contains(e.Error, w) {
				t.Errorf("%s: error %q does not mention %q", e.Key, e.Error, w)
			}
		}
		delete(want, e.Key)
	}
	if len(want) > 0 {
		t.Errorf("no error for %v", want)
	}
	recs, err := ReadResults(filepath.Join(out, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[5]; r.ID != "good-1" || r.Type != "changing_lane" || !r.Failed() {
		t.Errorf("record of a file with version 99: %+v", r)
	}
	if r := recs[4]; r.ID != "truncated" || r.Type != "" || !r.Failed() || r.Source != filepath.Join(src, "truncated.json") {
		t.Errorf("record of a truncated file: %+v", r)
	}
}

func TestPanicIsRecoveredAndCounted(t *testing.T) {
	items := genItems(6)
	items[3].Load = func() (*scenarios.Scenario, Goal, error) {
		return testScenario("boom-panic", "changing_lane"), nil, nil
	}
	items[4].Load = func() (*scenarios.Scenario, Goal, error) { panic("generator bug") }
	s := mustRun(t, testConfig(t.TempDir(), items, 2), fakeRunner)
	if s.Failed != 2 || len(s.Errors) != 2 {
		t.Fatalf("failed %d, want 2", s.Failed)
	}
	if e := s.Errors[0].Error; !strings.Contains(e, "panic while simulating boom-panic") ||
		!strings.Contains(e, "assignment to entry in nil map") || !strings.Contains(e, "fakeRunner") {
		t.Errorf("panic record: %s", e)
	}
	if e := s.Errors[1].Error; !strings.Contains(e, "panic while loading") || !strings.Contains(e, "generator bug") {
		t.Errorf("panic record: %s", e)
	}
}

func TestBadOutcomeIsAFailure(t *testing.T) {
	items := genItems(3)
	s := mustRun(t, testConfig(t.TempDir(), items, 1), func(ctx context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
		switch {
		case strings.HasPrefix(sc.ID, "changing_lane"):
			return Outcome{Score: math.NaN()}, nil
		case strings.HasPrefix(sc.ID, "following"):
			return Outcome{Score: 0.5, Metrics: map[string]float64{"m": math.Inf(1)}}, nil
		}
		return Outcome{Score: 0.5, PlannerMS: []float64{-1}}, nil
	})
	if s.Failed != 3 {
		t.Fatalf("failed %d, want 3: %+v", s.Failed, s.Errors)
	}
}

func TestShardsMergeToASingleRun(t *testing.T) {
	items := genItems(23)
	items[5].Load = func() (*scenarios.Scenario, Goal, error) { return testScenario("x-fail", "changing_lane"), nil, nil }
	base := t.TempDir()
	single := filepath.Join(base, "single")
	mustRun(t, testConfig(single, items, 3), fakeRunner)

	var shards []string
	for i := range 3 {
		dir := filepath.Join(base, "shard-"+string(rune('0'+i)))
		cfg := testConfig(dir, items, i+1)
		cfg.Shard = Shard{I: i, N: 3}
		s := mustRun(t, cfg, fakeRunner)
		if want := (23 - i + 2) / 3; s.Scenarios != want || s.Shard != cfg.Shard.String() {
			t.Fatalf("shard %d: %d scenarios, want %d", i, s.Scenarios, want)
		}
		recs, _ := ReadResults(filepath.Join(dir, ResultsFile))
		for _, r := range recs {
			if r.Index%3 != i {
				t.Fatalf("shard %d ran scenario %d", i, r.Index)
			}
		}
		shards = append(shards, dir)
	}
	merged := filepath.Join(base, "merged")
	// Any order of arguments gives the same result.
	s, err := Merge(merged, []string{shards[2], shards[0], shards[1]}, false)
	if err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, single, merged)
	m, err := ReadManifest(filepath.Join(merged, ManifestFile))
	if err != nil || m.Shard != "" {
		t.Fatalf("merged manifest %+v, %v", m, err)
	}
	if s.MergedShards != 3 || s.WallSSum < s.WallS {
		t.Errorf("merged timing: %+v", s)
	}
	// A merged folder is a finished single run: eval into it has nothing to do.
	mustRun(t, testConfig(merged, items, 2), func(context.Context, *scenarios.Scenario, Goal) (Outcome, error) {
		t.Fatal("ran a scenario in a merged folder")
		return Outcome{}, nil
	})

	// Refusals.
	other := filepath.Join(base, "other")
	cfg := testConfig(other, items, 2)
	cfg.Shard, cfg.Planner = Shard{I: 1, N: 3}, "log_replay"
	mustRun(t, cfg, fakeRunner)
	half := filepath.Join(base, "half")
	cfg = testConfig(half, items, 2)
	cfg.Shard = Shard{I: 1, N: 2}
	mustRun(t, cfg, fakeRunner)
	unfinished := filepath.Join(base, "unfinished")
	os.MkdirAll(unfinished, 0o755)
	os.WriteFile(filepath.Join(unfinished, ManifestFile), readFile(t, filepath.Join(shards[1], ManifestFile)), 0o644)
	for _, tc := range []struct {
		dirs []string
		want string
	}{
		{[]string{shards[0], other}, `different runs: planner "log_replay" (want "idm")`},
		{[]string{shards[0], shards[1], shards[1]}, "are both shard 1/3"},
		{[]string{shards[0], single}, "overlap"},
		{[]string{shards[0], half}, "different splits"},
		{[]string{shards[0], shards[2]}, "hold 15 of 23 scenarios; missing shards 1/3"},
		{[]string{shards[0], unfinished}, "is not finished"},
		{[]string{base}, "not an eval output folder"},
		{[]string{shards[0], merged}, "overlap"},
	} {
		_, err := Merge(filepath.Join(base, "refused"), tc.dirs, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("merge %v: got %v, want an error with %q", tc.dirs, err, tc.want)
		}
	}
	if _, err := Merge(shards[0], shards, false); err == nil {
		t.Error("merged into one of its shard folders")
	}
	p, err := Merge(filepath.Join(base, "partial"), []string{shards[0], shards[2]}, true)
	if err != nil || p.Scenarios != 15 || p.Total != 23 {
		t.Errorf("partial merge: %+v, %v", p, err)
	}
}

func TestSummaryAggregation(t *testing.T) {
	rt := func(ms ...float64) *Runtime { return newRuntime(ms) }
	recs := []*Record{
		{Index: 0, Key: "a0", Type: "A", Score: 0.5, Metrics: map[string]float64{"m1": 1, "m2": 0.5}, Planner: rt(1, 2, 3)},
		{Index: 1, Key: "b0", Type: "B", Score: 0.8, Metrics: map[string]float64{"m1": 0, "m2": 1}, Planner: rt(10)},
		{Index: 2, Key: "a1", Type: "A", Score: 1.0, Metrics: map[string]float64{"m1": 1, "m2": 0}, Planner: rt(4)},
		{Index: 3, Key: "b1", Type: "B", Error: "bad file"},
		{Index: 4, Key: "x", Error: "truncated"},
	}
	s := Summarize(&Manifest{Planner: "p", Agents: "reactive", Total: 5}, recs)
	// Overall: (50 + 80 + 100 + 0 + 0) / 5 = 46; over the three that ran: 230 / 3.
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("score", s.Score, 46)
	check("score_completed", s.ScoreCompleted, 230.0/3)
	if s.Scenarios != 5 || s.Failed != 2 {
		t.Errorf("scenarios %d failed %d", s.Scenarios, s.Failed)
	}
	want := map[string]TypeScore{"A": {N: 2, Score: 75}, "B": {N: 2, Failed: 1, Score: 40}, UnknownType: {N: 1, Failed: 1}}
	for typ, w := range want {
		g := s.ByType[typ]
		if g.N != w.N || g.Failed != w.Failed || math.Abs(g.Score-w.Score) > 1e-9 {
			t.Errorf("by_type[%s] = %+v, want %+v", typ, g, w)
		}
	}
	if len(s.ByType) != 3 {
		t.Errorf("by_type has %d rows", len(s.ByType))
	}
	check("metrics.m1", s.Metrics["m1"], 2.0/3)
	check("metrics.m2", s.Metrics["m2"], 0.5)
	// Runtimes: 1, 2, 3, 4, 10 ms. Mean 4, nearest-rank p50 = 3rd = 3, p99 = 5th = 10 (bucket midpoints).
	if s.PlannerCalls != 5 {
		t.Errorf("planner calls %d", s.PlannerCalls)
	}
	check("planner_ms_mean", s.PlannerMSMean, 4)
	check("planner_ms_max", s.PlannerMSMax, 10)
	if math.Abs(s.PlannerMSP50-3)/3 > 0.004 || math.Abs(s.PlannerMSP99-10)/10 > 0.004 {
		t.Errorf("p50 %v p99 %v, want 3 and 10 within 0.4%%", s.PlannerMSP50, s.PlannerMSP99)
	}
	if len(s.Errors) != 2 || s.Errors[0].Key != "b1" || s.Errors[1].Error != "truncated" {
		t.Errorf("errors %+v", s.Errors)
	}
	r := recs[0].Planner
	if r.Calls != 3 || r.MeanMS != 2 || r.P50MS != 2 || r.P99MS != 3 || r.MaxMS != 3 || r.TotalMS != 6 {
		t.Errorf("runtime %+v", r)
	}
}

func TestShardParsing(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"", Shard{}, false}, {"0/1", Shard{}, false}, {"2/5", Shard{2, 5}, false},
		{"5/5", Shard{}, true}, {"-1/3", Shard{}, true}, {"1", Shard{}, true}, {"a/b", Shard{}, true}, {"0/0", Shard{}, true},
	} {
		got, err := ParseShard(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v", tc.in, got, err)
		}
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == JobIndexEnv {
				return v
			}
			return ""
		}
	}
	if s, err := ShardFromEnv(4, env("3")); err != nil || s != (Shard{3, 4}) {
		t.Errorf("ShardFromEnv: %v %v", s, err)
	}
	for _, v := range []string{"", "4", "x"} {
		if _, err := ShardFromEnv(4, env(v)); err == nil {
			t.Errorf("ShardFromEnv with %q: no error", v)
		}
	}
	// Every index in exactly one shard.
	for k := range 20 {
		n := 0
		for i := range 3 {
			if (Shard{i, 3}).Has(k) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("index %d in %d shards", k, n)
		}
	}
}

func TestWriteFailureStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	// A folder where a record file should go makes its rename fail (even for root).
	if err := os.MkdirAll(filepath.Join(dir, ResultsDir, "000003.json", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), testConfig(dir, genItems(8), 2), fakeRunner)
	if err == nil || !strings.Contains(err.Error(), "writing result") {
		t.Fatalf("got %v, want a write error", err)
	}
	noTempFiles(t, dir)
}

// A dataset linked into a folder is listed as if copied there: links to files and to folders are followed,
// a link back into the folder being listed is walked once, and a link to nothing is skipped.
func TestFolderItemsFollowLinks(t *testing.T) {
	data := t.TempDir()
	good := testScenario("linked", "changing_lane")
	if err := os.MkdirAll(filepath.Join(data, "set"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"set/one.json", "two.json"} {
		if err := scenarios.Save(filepath.Join(data, f), good); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	links := map[string]string{
		"folder":    filepath.Join(data, "set"),
		"file.json": filepath.Join(data, "two.json"),
		"gone.json": filepath.Join(data, "missing.json"),
		"loop":      dir,
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	items, err := FolderItems(dir)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	if got := strings.Join(keys, " "); got != "file.json folder/one.json" {
		t.Fatalf("items %q, want the linked file and the linked folder's file, once each", got)
	}
	for _, it := range items {
		sc, _, err := it.Load()
		if err != nil || sc.ID != "linked" {
			t.Errorf("%s: loaded %v, %v", it.Key, sc, err)
		}
	}
}
