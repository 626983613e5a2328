package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
)

// FormatVersion is the version of the output files (run.json, records, summary.json).
const FormatVersion = 1

// Runner simulates one scenario in closed loop and scores it. It is called from several goroutines at once,
// one scenario each. An error fails that scenario only; so does a panic, which Run recovers. A runner should
// return promptly when ctx is cancelled (an error returned after cancellation is not recorded: the scenario
// counts as not finished and is run again on resume).
//
// goal is the scenario's goal as its source describes it (a CommonRoad planning problem's goal), or nil when
// the source has none (generated scenarios, scenario files); the runner reports whether it was met in
// Outcome.GoalReached.
type Runner func(ctx context.Context, sc *scenarios.Scenario, goal Goal) (Outcome, error)

// Goal is a scenario's goal as its source defines it (position, time interval, orientation and speed).
type Goal interface {
	// Reached reports whether the ego, t seconds after the run start at rear-axle pose rear with speed v,
	// meets the goal.
	Reached(t float64, rear geom.Pose, v float64) bool
}

// GoalFunc is a Goal given by its test.
type GoalFunc func(t float64, rear geom.Pose, v float64) bool

// Reached calls f.
func (f GoalFunc) Reached(t float64, rear geom.Pose, v float64) bool { return f(t, rear, v) }

// GoalChecker is a Goal that knows whether it can be met at all (CommonRoad goals: *commonroad.Goal):
// Unreachable says why no driver could meet it, "" when one could or when it cannot tell. Eval records it
// (Record.GoalUnreachable) and reports goals reached over the reachable ones too.
type GoalChecker interface {
	Goal
	Unreachable() string
}

// GoalMisser is a Goal that can also say how a run that never met it missed it (CommonRoad goals:
// *commonroad.Goal); runners report it in Outcome.GoalMiss.
type GoalMisser interface {
	Goal
	Miss(run []commonroad.Sample) commonroad.Miss
}

// Config describes an evaluation run.
type Config struct {
	Planner string // planner name, recorded and checked on resume and merge
	Agents  string // agent mode ("nonreactive", "reactive", "reactive_nuplan"), recorded and checked
	// Scenarios describes the source for people ("builtin" or the folder); it is recorded, not checked.
	Scenarios string
	// Options are the other settings that change results (e.g. seed, per_type, steps), recorded and checked
	// on resume and merge.
	Options map[string]string
	Items   []Item // the whole suite, in suite order
	Shard   Shard  // the slice to run; zero for all
	Workers int    // parallel scenarios; <= 0 means runtime.NumCPU()
	Out     string // output folder
	// RetryFailed runs again the scenarios that an earlier run into Out recorded as failed.
	RetryFailed bool
	// Progress, if set, is called with the number of finished scenarios of this run's slice (resumed ones
	// included) after each one finishes; calls come from one goroutine.
	Progress func(done, total int)
}

// Manifest is run.json: what a run evaluates. A rerun into the same folder must match it (resume); shards
// merged together must match each other except for Shard.
type Manifest struct {
	Format    int               `json:"format"`
	Planner   string            `json:"planner"`
	Agents    string            `json:"agents"`
	Scenarios string            `json:"scenarios"`
	Options   map[string]string `json:"options,omitempty"`
	Suite     string            `json:"suite"` // fingerprint of the ordered item keys
	Total     int               `json:"total"` // items in the whole suite
	Shard     string            `json:"shard,omitempty"`
}

// mismatch lists how m differs from want, ignoring Scenarios (a folder may be named differently) and,
// if ignoreShard, Shard.
func (m *Manifest) mismatch(want *Manifest, ignoreShard bool) []string {
	var d []string
	add := func(field, have, want string) {
		if have != want {
			d = append(d, fmt.Sprintf("%s %q (want %q)", field, have, want))
		}
	}
	add("format", fmt.Sprint(m.Format), fmt.Sprint(want.Format))
	add("planner", m.Planner, want.Planner)
	add("agents", m.Agents, want.Agents)
	add("suite", m.Suite, want.Suite)
	add("total", fmt.Sprint(m.Total), fmt.Sprint(want.Total))
	if !ignoreShard {
		add("shard", m.Shard, want.Shard)
	}
	if !maps.Equal(m.Options, want.Options) {
		keys := map[string]bool{}
		for k := range m.Options {
			keys[k] = true
		}
		for k := range want.Options {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			add("option "+k, m.Options[k], want.Options[k])
		}
	}
	return d
}

// Output file names inside Config.Out.
const (
	ManifestFile = "run.json"
	ResultsDir   = "results"
	ResultsFile  = "results.jsonl"
	SummaryFile  = "summary.json"
)

func recordPath(out string, index int) string {
	return filepath.Join(out, ResultsDir, fmt.Sprintf("%06d.json", index))
}

// InterruptedError is returned by Run when its context is cancelled: the finished scenarios are kept and a
// rerun with the same settings resumes. It unwraps to the context's error.
type InterruptedError struct {
	Done, Total int
	Err         error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted with %d of %d scenarios finished (kept; run the same command again to resume): %v",
		e.Done, e.Total, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Run evaluates the configured slice of the suite with runner, writing results to cfg.Out as it goes, and
// returns the summary. Scenarios already recorded in cfg.Out by an earlier run with the same manifest are
// not run again. Failed scenarios are recorded and counted, not returned as errors; Run's error is about
// the run itself (bad configuration, a manifest mismatch, an I/O error, or an *InterruptedError).
func Run(ctx context.Context, cfg Config, runner Runner) (*Summary, error) {
	start := time.Now()
	if cfg.Out == "" {
		return nil, errors.New("eval: no output folder")
	}
	if runner == nil {
		return nil, errors.New("eval: no runner")
	}
	if len(cfg.Items) == 0 {
		return nil, errors.New("eval: no scenarios")
	}
	hash, err := suiteHash(cfg.Items)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	man := Manifest{
		Format: FormatVersion, Planner: cfg.Planner, Agents: cfg.Agents, Scenarios: cfg.Scenarios,
		Options: cfg.Options, Suite: hash, Total: len(cfg.Items), Shard: cfg.Shard.String(),
	}
	if len(man.Options) == 0 {
		man.Options = nil
	}
	if err := prepareOut(cfg.Out, &man); err != nil {
		return nil, err
	}

	// The slice of the suite this run owns, and what an earlier run already finished.
	var sel []int
	for k := range cfg.Items {
		if cfg.Shard.Has(k) {
			sel = append(sel, k)
		}
	}
	recs := make([]*Record, len(sel))
	var pending []int // positions in sel
	for p, k := range sel {
		rec, err := readRecord(recordPath(cfg.Out, k))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			pending = append(pending, p)
			continue
		case err != nil:
			// Records are written atomically, so this is damage from outside: run the scenario again.
			pending = append(pending, p)
			continue
		case rec.Index != k || rec.Key != cfg.Items[k].Key:
			return nil, fmt.Errorf("eval: %s holds %q at index %d, but the suite has %q there: use another --out",
				recordPath(cfg.Out, k), rec.Key, rec.Index, cfg.Items[k].Key)
		case cfg.RetryFailed && rec.Failed():
			pending = append(pending, p)
			continue
		}
		recs[p] = rec
	}
	resumed := len(sel) - len(pending)

	if len(pending) == 0 {
		_, rerr := os.Stat(filepath.Join(cfg.Out, ResultsFile))
		if s, err := ReadSummary(filepath.Join(cfg.Out, SummaryFile)); err == nil && rerr == nil && s.Scenarios == len(sel) {
			if cfg.Progress != nil {
				cfg.Progress(len(sel), len(sel))
			}
			return s, nil // nothing to do: the finished run's summary stands
		}
	} else {
		// results.jsonl and summary.json describe a finished run only.
		for _, f := range []string{ResultsFile, SummaryFile} {
			if err := os.Remove(filepath.Join(cfg.Out, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}

	done := resumed
	if cfg.Progress != nil {
		cfg.Progress(done, len(sel))
	}
	if len(pending) > 0 {
		done, err = runPending(ctx, &cfg, runner, sel, pending, recs, done)
		if err != nil {
			return nil, err
		}
		if done < len(sel) {
			cause := context.Cause(ctx)
			if cause == nil {
				cause = errors.New("not every scenario finished")
			}
			return nil, &InterruptedError{Done: done, Total: len(sel), Err: cause}
		}
	}

	s := Summarize(&man, recs)
	s.WallS = time.Since(start).Seconds()
	s.Resumed = resumed
	if ran := len(sel) - resumed; ran > 0 && s.WallS > 0 {
		s.ScenariosPerS = float64(ran) / s.WallS
	}
	if err := writeOutputs(cfg.Out, recs, s); err != nil {
		return nil, err
	}
	return s, nil
}

// runPending runs the pending items on a worker pool, writing each record as it finishes. It returns the
// number of finished scenarios (resumed included).
func runPending(ctx context.Context, cfg *Config, runner Runner, sel, pending []int, recs []*Record, done int) (int, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(pending))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	type result struct {
		pos int
		rec *Record
		err error
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range jobs {
				k := sel[p]
				rec := runOne(ctx, k, cfg.Items[k], runner)
				if rec == nil {
					continue // cancelled before it finished
				}
				err := writeRecord(recordPath(cfg.Out, k), rec)
				results <- result{p, rec, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, p := range pending {
			select {
			case jobs <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var werr error
	for r := range results {
		if r.err != nil {
			if werr == nil {
				werr = fmt.Errorf("eval: writing result: %w", r.err)
				cancel(werr)
			}
			continue
		}
		recs[r.pos] = r.rec
		done++
		if cfg.Progress != nil {
			cfg.Progress(done, len(sel))
		}
	}
	return done, werr
}

// runOne loads and runs one item. It returns nil if ctx was cancelled before the scenario finished.
func runOne(ctx context.Context, k int, it Item, runner Runner) *Record {
	if ctx.Err() != nil {
		return nil
	}
	rec := &Record{Index: k, Key: it.Key, ID: keyID(it.Key), Type: it.Type, Source: it.Source}
	sc, goal, err := load(it)
	if err != nil {
		rec.Error = err.Error()
		if it.peek != nil {
			if id, typ := it.peek(); typ != "" {
				rec.Type = typ
				if id != "" {
					rec.ID = id
				}
			}
		}
		return rec
	}
	if sc.ID != "" {
		rec.ID = sc.ID
	}
	rec.Type = sc.Type
	rec.Flags = slices.Clone(sc.Flags)
	out, err := run(ctx, runner, sc, goal)
	if err == nil {
		err = out.check()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil // the runner may have failed because it was cancelled: run it again on resume
		}
		rec.Error = err.Error()
		return rec
	}
	rec.Score = out.Score
	rec.Metrics = out.Metrics
	if rec.Metrics == nil {
		rec.Metrics = map[string]float64{}
	}
	rec.Planner = newRuntime(out.PlannerMS)
	if g := out.Guide; g != nil {
		rec.Guide = &GuideRecord{Calls: g.Calls, Errors: g.Errors, Infer: newRuntime(g.InferMS)}
	}
	rec.GoalReached = out.GoalReached
	if m := out.GoalMiss; m != nil && out.GoalReached != nil && !*out.GoalReached {
		rec.GoalMiss = &GoalMiss{Reason: m.Reason}
		if !math.IsInf(m.By, 0) && !math.IsNaN(m.By) {
			by := thousandths(m.By) // mm, ms, mrad: the rest is the float noise of a sum of steps
			rec.GoalMiss.By = &by
		}
	}
	if u, ok := goal.(GoalChecker); ok && rec.GoalReached != nil {
		rec.GoalUnreachable = u.Unreachable()
	}
	rec.InstructionFollowed = out.InstructionFollowed
	rec.AtFaultCollisions = out.AtFaultCollisions
	if out.AtFaultCollisions > 0 {
		rec.CollisionUnavoidable = out.CollisionUnavoidable
	}
	for name, v := range out.Uncomfortable {
		if rec.Uncomfortable == nil {
			rec.Uncomfortable = map[string]float64{}
		}
		rec.Uncomfortable[name] = thousandths(v)
	}
	rec.LeftMapS = out.LeftMapS
	return rec
}

// thousandths rounds x to a thousandth, as records keep measured amounts.
func thousandths(x float64) float64 { return math.Round(x*1000) / 1000 }

func load(it Item) (sc *scenarios.Scenario, goal Goal, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError("loading "+it.Key, p)
		}
	}()
	if it.Load == nil {
		return nil, nil, fmt.Errorf("%s: no loader", it.Key)
	}
	sc, goal, err = it.Load()
	if err == nil && sc == nil {
		err = fmt.Errorf("%s: loader returned no scenario", it.Key)
	}
	return sc, goal, err
}

func run(ctx context.Context, runner Runner, sc *scenarios.Scenario, goal Goal) (out Outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError("simulating "+sc.ID, p)
		}
	}()
	return runner(ctx, sc, goal)
}

// panicError turns a recovered panic into an error carrying the first lines of the stack, so that the
// record says where it happened.
func panicError(what string, p any) error {
	stack := string(debug.Stack())
	lines := strings.Split(stack, "\n")
	// Skip the goroutine header and the runtime's panic frames; keep a few frames of the culprit.
	var keep []string
	for i := 1; i+1 < len(lines); i += 2 {
		fn := strings.TrimSpace(lines[i])
		if strings.HasPrefix(fn, "runtime/debug.") || strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "panic(") ||
			strings.Contains(fn, "asyncdrive/eval.panicError") || strings.Contains(fn, "asyncdrive/eval.load.func") ||
			strings.Contains(fn, "asyncdrive/eval.run.func") {
			continue
		}
		// "/path/to/file.go:12 +0x1f" -> "file.go:12"
		loc := strings.TrimSpace(lines[i+1])
		loc, _, _ = strings.Cut(loc, " ")
		keep = append(keep, fn+" "+filepath.Base(loc))
		if len(keep) == 3 {
			break
		}
	}
	return fmt.Errorf("panic while %s: %v [at %s]", what, p, strings.Join(keep, " <- "))
}

// prepareOut creates the output folder, checks or writes run.json, and removes temporary files left by a
// killed run.
func prepareOut(out string, man *Manifest) error {
	if err := os.MkdirAll(filepath.Join(out, ResultsDir), 0o755); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	mpath := filepath.Join(out, ManifestFile)
	data, err := os.ReadFile(mpath)
	switch {
	case err == nil:
		var have Manifest
		if err := json.Unmarshal(data, &have); err != nil {
			return fmt.Errorf("eval: %s: %v (not an asyncdrive eval folder? use another --out)", mpath, err)
		}
		if d := have.mismatch(man, false); len(d) > 0 {
			return fmt.Errorf("eval: %s holds a different run: %s; use another --out, or remove the folder to start afresh",
				out, strings.Join(d, ", "))
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := writeJSON(mpath, man); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	default:
		return fmt.Errorf("eval: %w", err)
	}
	// Temporary files of scenarios.WriteFileAtomic are ".NAME.tmpNNN": a killed run may leave some.
	for _, dir := range []string{out, filepath.Join(out, ResultsDir)} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		for _, e := range ents {
			if n := e.Name(); strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") && e.Type().IsRegular() {
				os.Remove(filepath.Join(dir, n))
			}
		}
	}
	return nil
}

func readRecord(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := DecodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

func writeRecord(path string, rec *Record) error {
	line, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return scenarios.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(line, '\n'))
		return err
	})
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return scenarios.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// writeOutputs writes results.jsonl (records in suite order) and summary.json atomically.
func writeOutputs(out string, recs []*Record, s *Summary) error {
	err := scenarios.WriteFileAtomic(filepath.Join(out, ResultsFile), func(w io.Writer) error {
		for _, r := range recs {
			line, err := encodeRecord(r)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = writeJSON(filepath.Join(out, SummaryFile), s)
	}
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// ReadResults reads a results.jsonl file. Records are checked; errors name the line.
func ReadResults(path string) ([]*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []*Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec, err := DecodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// ReadManifest reads a run.json file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: format %d, this build reads %d", path, m.Format, FormatVersion)
	}
	return &m, nil
}

// ReadSummary reads a summary.json file.
func ReadSummary(path string) (*Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
