package main

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/eval"
)

// asyncdrive runs the command line in-process and returns the exit code, stdout and stderr.
func asyncdrive(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndHelp(t *testing.T) {
	code, _, stderr := asyncdrive(t)
	if code != exitUsage || !strings.Contains(stderr, "commands:") || !strings.Contains(stderr, "examples:") {
		t.Errorf("no arguments: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := asyncdrive(t, "help", "eval")
	for _, want := range []string{"--planner name", "--shard I/N", "JOB_COMPLETION_INDEX", "log_replay", "idm", "examples:"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("help eval (exit %d) lacks %q", code, want)
		}
	}
	if code, stdout, _ := asyncdrive(t, "merge", "-h"); code != exitOK || !strings.Contains(stdout, "--partial") {
		t.Errorf("merge -h: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := asyncdrive(t, "frobnicate"); code != exitUsage || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := asyncdrive(t, "version"); code != exitOK || !strings.HasPrefix(stdout, "asyncdrive ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

func TestBadFlags(t *testing.T) {
	t.Setenv(eval.JobIndexEnv, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--planner", "nope"}, `unknown planner "nope" (known: ` + strings.Join(plannerNames(), ", ") + ")"},
		{[]string{"eval"}, "missing --planner"},
		{[]string{"eval", "--planner", "idm", "--agents", "smart"}, `unknown agents "smart" (known: nonreactive, reactive, reactive_nuplan)`},
		{[]string{"eval", "--planner", "idm", "--shard", "4/4"}, "want 0 <= I < N"},
		{[]string{"eval", "--planner", "idm", "--shard", "x"}, "want I/N"},
		{[]string{"eval", "--planner", "idm", "--shards", "4"}, "--shards needs JOB_COMPLETION_INDEX"},
		{[]string{"eval", "--planner", "idm", "--shards", "4", "--shard", "0/4"}, "not both"},
		{[]string{"eval", "--planner", "idm", "--workers", "0"}, "--workers must be at least 1"},
		{[]string{"eval", "--planner", "idm", "--types", "flying"}, `unknown scenario type "flying"`},
		{[]string{"eval", "--planner", "idm", "--scenarios", "/nonexistent"}, "/nonexistent"},
		{[]string{"eval", "--planner", "idm", "extra"}, `unexpected argument "extra"`},
		{[]string{"eval", "--planner", "idm", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"gen"}, "missing --out"},
		{[]string{"gen", "--out", t.TempDir(), "--per-type", "0"}, "--per-type must be at least 1"},
		{[]string{"merge", "a"}, "missing --out"},
		{[]string{"merge", "--out", "x"}, "no shard folders"},
		{[]string{"report"}, "no output folders given"},
		{[]string{"report", "--limit", "5", "a"}, "--limit applies to --diff and --failures only"},
		{[]string{"report", "--diff", "--limit", "-1", "a", "b"}, "--limit -1: want a count >= 0"},
		{[]string{"sim", "--planner", "idm", "--scenario", "starting_left_turn"}, "--scenario must be TYPE/INDEX"},
		{[]string{"sim", "--planner", "idm", "--scenario", "main_test.go"}, `"main_test.go" is a file: use --file main_test.go`},
	} {
		code, _, stderr := asyncdrive(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "asyncdrive help "+tc.args[0]) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	dir := t.TempDir()
	if code, _, stderr := asyncdrive(t, "eval", "--planner", "idm", "--scenarios", dir, "--seed", "3"); code != exitUsage ||
		!strings.Contains(stderr, "--seed applies to --scenarios builtin only") {
		t.Errorf("--seed with a folder: exit %d, %q", code, stderr)
	}
}

func TestEvalConfig(t *testing.T) {
	parse := func(env map[string]string, args ...string) (cfg eval.Config, err error) {
		fs := flag.NewFlagSet("eval", flag.ContinueOnError)
		var f evalFlags
		f.define(fs)
		pos, err := parseFlags(fs, "", args, new(bytes.Buffer))
		if err != nil {
			return cfg, err
		}
		return f.config(fs, pos, func(k string) string { return env[k] })
	}
	types := scenarioTypes()[:2]
	cfg, err := parse(map[string]string{eval.JobIndexEnv: "2"}, "--planner", "idm", "--agents", "reactive", "--shards", "3",
		"--per-type", "2", "--types", strings.Join(types, ","), "--seed", "7")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shard != (eval.Shard{I: 2, N: 3}) || cfg.Out != filepath.Join("out", "idm-reactive-shard-2-of-3") {
		t.Errorf("shard %v out %s", cfg.Shard, cfg.Out)
	}
	if len(cfg.Items) != 4 || cfg.Items[0].Key != types[0]+"/000" || cfg.Items[0].Source != "builtin" {
		t.Errorf("items %d, first %+v", len(cfg.Items), cfg.Items[0])
	}
	want := map[string]string{"per_type": "2", "seed": "7", "steps": "0", "types": strings.Join(types, ",")}
	for k, v := range want {
		if cfg.Options[k] != v {
			t.Errorf("option %s = %q, want %q", k, cfg.Options[k], v)
		}
	}
	// Flags after positional arguments are parsed too (merge a b --out c).
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	var m mergeFlags
	m.define(fs)
	pos, err := parseFlags(fs, "", []string{"a", "b", "--out", "c", "d"}, new(bytes.Buffer))
	if err != nil || m.out != "c" || strings.Join(pos, " ") != "a b d" {
		t.Errorf("interspersed flags: %v %q %v", pos, m.out, err)
	}
}

// TestEndToEnd generates two small scenario types, evaluates them from files and from the builtin suite,
// in one process and as two shards, and checks that the outputs agree.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("closed-loop runs")
	}
	base := t.TempDir()
	types := strings.Join(scenarioTypes()[:2], ",")
	files := filepath.Join(base, "scenarios")
	if code, stdout, stderr := asyncdrive(t, "gen", "--out", files, "--per-type", "2", "--types", types, "--gzip"); code != exitOK ||
		!strings.Contains(stdout, "wrote 4 scenario files") {
		t.Fatalf("gen: exit %d\n%s%s", code, stdout, stderr)
	}
	common := []string{"--planner", "log_replay", "--agents", "reactive", "--steps", "30"}
	code, stdout, stderr := asyncdrive(t, append([]string{"eval", "--scenarios", files, "--out", filepath.Join(base, "files")}, common...)...)
	if code != exitOK || !strings.Contains(stdout, "all (CLS x100)") || !strings.Contains(stdout, "results.jsonl") {
		t.Fatalf("eval files: exit %d\n%s%s", code, stdout, stderr)
	}
	fromFiles, err := eval.ReadSummary(filepath.Join(base, "files", eval.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if fromFiles.Scenarios != 4 || fromFiles.Failed != 0 {
		t.Fatalf("eval of generated files: %d scenarios, %d failed: %+v", fromFiles.Scenarios, fromFiles.Failed, fromFiles.Errors)
	}

	builtin := append([]string{"--per-type", "2", "--types", types}, common...)
	single := filepath.Join(base, "single")
	if code, _, stderr := asyncdrive(t, append([]string{"eval", "--out", single, "--workers", "1"}, builtin...)...); code != exitOK {
		t.Fatalf("eval builtin: exit %d: %s", code, stderr)
	}
	var shards []string
	for i, sh := range []string{"0/2", "1/2"} {
		dir := filepath.Join(base, "shard-"+string(rune('0'+i)))
		shards = append(shards, dir)
		if code, _, stderr := asyncdrive(t, append([]string{"eval", "--out", dir, "--shard", sh, "--workers", "2"}, builtin...)...); code != exitOK {
			t.Fatalf("eval shard %s: exit %d: %s", sh, code, stderr)
		}
	}
	merged := filepath.Join(base, "merged")
	if code, stdout, stderr := asyncdrive(t, "merge", shards[1], shards[0], "--out", merged); code != exitOK || !strings.Contains(stdout, "merged 2 shards") {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, stderr)
	}
	a, _ := eval.ReadSummary(filepath.Join(single, eval.SummaryFile))
	b, _ := eval.ReadSummary(filepath.Join(merged, eval.SummaryFile))
	// Files are summed in path order, the builtin suite in its own order: equal up to rounding.
	close := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*max(1, math.Abs(x)) }
	if a == nil || b == nil || a.Score != b.Score || a.Scenarios != b.Scenarios || a.Suite != b.Suite || !close(a.Score, fromFiles.Score) {
		t.Errorf("single %+v\nmerged %+v\nfiles %+v", a, b, fromFiles)
	}
	for name, v := range a.Metrics {
		if b.Metrics[name] != v || !close(fromFiles.Metrics[name], v) {
			t.Errorf("metric %s: single %v merged %v files %v", name, v, b.Metrics[name], fromFiles.Metrics[name])
		}
	}
	// Records agree apart from the measured runtimes.
	ra, _ := eval.ReadResults(filepath.Join(single, eval.ResultsFile))
	rb, _ := eval.ReadResults(filepath.Join(merged, eval.ResultsFile))
	if len(ra) != 4 || len(rb) != 4 {
		t.Fatalf("%d and %d records", len(ra), len(rb))
	}
	for i := range ra {
		if ra[i].Key != rb[i].Key || ra[i].Score != rb[i].Score || ra[i].Planner.Calls != rb[i].Planner.Calls {
			t.Errorf("record %d: %+v vs %+v", i, ra[i], rb[i])
		}
	}
	if _, err := os.Stat(filepath.Join(merged, eval.ResultsDir, "000003.json")); err != nil {
		t.Error(err)
	}
}
