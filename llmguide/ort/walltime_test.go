package ort_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/llmguide"
	"asyncdrive/llmguide/model"
	"asyncdrive/llmguide/ort"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// replay stands in for vehicle software on wall time: it feeds the planner runtime the expert's state and the
// logged objects of the frame of each tick, reads the guide's latest result from a mailbox (never waiting
// for it) and, every interval ticks, offers the guide a copy of the input. It records the age of the guidance
// at every tick.
type replay struct {
	sc       *scenarios.Scenario
	box      *llmguide.Mailbox
	runner   *llmguide.Runner      // nil: unguided
	pending  *llmguide.Observation // the tick's observation for the guide, offered after the plan is published
	interval int
	text     string

	mu      sync.Mutex
	ages    []float64 // guidance age at each tick that had guidance, s
	unguide int       // ticks without guidance
	plans   int
	stop    int // cancel after this many published ticks
	cancel  context.CancelFunc
}

func (r *replay) Read(in *planner.Input) error {
	i := min(in.Iteration, len(r.sc.Expert)-1)
	e := r.sc.Expert[i]
	in.Ego = append(in.Ego[:0], dynamics.State{Time: in.Time, Pose: e.Pose, Speed: e.Speed, Accel: e.Accel, Steering: e.Steering})
	if len(in.Objects) == 0 {
		in.Objects = make([][]scenarios.Object, 1)
	}
	objs := in.Objects[0][:0]
	for ti := range r.sc.Tracks {
		tr := &r.sc.Tracks[ti]
		if a, ok := tr.StateAt(i); ok {
			objs = append(objs, scenarios.Object{ID: tr.ID, Track: ti, Type: tr.Type, Box: a.Box(tr.Length, tr.Width),
				Vel: geom.Vec2{X: a.VX, Y: a.VY}, Indicator: a.Indicator})
		}
	}
	in.Objects[0] = objs
	in.Guidance = r.box.Latest()
	r.mu.Lock()
	if in.Guidance != nil {
		r.ages = append(r.ages, in.Guidance.Age(in.Time))
	} else {
		r.unguide++
	}
	r.mu.Unlock()
	if r.runner != nil && in.Iteration%r.interval == 0 {
		// The runtime reuses in: the guide gets its own copy (Offer never blocks).
		cp := planner.Input{Iteration: in.Iteration, Time: in.Time, Ego: append([]dynamics.State(nil), in.Ego...),
			Objects: [][]scenarios.Object{append([]scenarios.Object(nil), objs...)}}
		r.pending = &llmguide.Observation{Input: cp, Instruction: r.text}
	}
	return nil
}

// Publish offers the guide the tick's observation once the plan is out, so that the model runs in the rest
// of the period instead of competing with the planner for the CPU.
func (r *replay) Publish(dynamics.Trajectory, planner.TickInfo) {
	if r.pending != nil {
		r.runner.Offer(r.pending)
		r.pending = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plans++
	if r.plans == r.stop {
		r.cancel()
	}
}

// runWallTime runs PDM in a planner.Runtime on sc for ticks ticks of period, guided by the builtin model
// through a Runner every interval ticks (interval 0: unguided). It returns the replay's record, the runtime's
// stats and the runner (nil when unguided).
func runWallTime(t testing.TB, sc *scenarios.Scenario, period time.Duration, ticks, interval int, text string) (*replay, planner.RuntimeStats, *llmguide.Runner) {
	t.Helper()
	pdm := planner.NewPDM(planner.PDMConfig{})
	if err := pdm.Initialize(planner.Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal, DT: sc.DT}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ticks+50)*period)
	defer cancel()
	r := &replay{sc: sc, box: &llmguide.Mailbox{}, interval: interval, text: text, stop: ticks, cancel: cancel}
	var wg sync.WaitGroup
	if interval > 0 {
		s, err := ort.OpenBytes(model.ONNX, "builtin", ort.Options{})
		if errors.Is(err, ort.ErrNoCGO) {
			t.Skip("built without cgo: ONNX Runtime is not available")
		}
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r.runner = llmguide.NewRunner(s, llmguide.NewEncoder(&sc.Map, sc.Route), llmguide.Adapter{}, r.box)
		wg.Add(1)
		go func() { defer wg.Done(); r.runner.Run(ctx) }()
	}
	rt, err := planner.NewRuntime(pdm, r, r, planner.RuntimeConfig{Period: period})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Run(ctx); !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	cancel()
	wg.Wait() // the runner has stopped before its session closes
	return r, rt.Stats(), r.runner
}

// On wall time the guide runs on its own goroutine with the real ONNX session: the planner runtime reads its
// latest result from the mailbox every tick without waiting, the results keep coming (ages stay within the
// guide's interval plus its inference time) and the runtime keeps planning on time.
func TestRunnerWithPlannerRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-time run of 3 s")
	}
	sc, err := gen.Generate("changing_lane", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	const period, ticks, interval = 100 * time.Millisecond, 30, 3
	r, st, runner := runWallTime(t, sc, period, ticks, interval, "change to the left lane")
	calls, errs, last := runner.Counts()
	t.Logf("runtime: %d ticks, %d planned, tick latency p50 %v p99 %v; guide: %d calls, %d errors, last inference %v",
		st.Ticks, st.Planned, st.LatencyP50, st.LatencyP99, calls, errs, last)
	if errs != 0 || calls < ticks/interval-2 || calls > ticks/interval+1 {
		t.Errorf("guide ran %d times (%d errors) over %d ticks at interval %d", calls, errs, ticks, interval)
	}
	if st.Planned < int64(ticks)*2/3 {
		t.Errorf("only %d of %d ticks planned on time with the guide running alongside: %+v", st.Planned, st.Ticks, st)
	}
	if len(r.ages) < ticks-interval-2 || r.unguide > interval+2 {
		t.Fatalf("%d ticks with guidance, %d without: the guide's results did not reach the planner", len(r.ages), r.unguide)
	}
	// A result is computed from the observation offered at most interval ticks before; allow for the inference
	// time and a busy machine.
	limit := (float64(interval)*period.Seconds() + 0.5)
	for _, a := range r.ages {
		if !(a >= 0) || a > limit {
			t.Fatalf("guidance age %.3f s at a tick, want 0..%.1f s (ages %v)", a, limit, r.ages)
		}
	}
	g := r.box.Latest()
	if len(g.Features) != llmguide.FeatureDim || math.Abs(g.LaneProbs[0]+g.LaneProbs[1]+g.LaneProbs[2]-1) > 1e-6 {
		t.Errorf("latest guidance: %d features, lane probabilities %v", len(g.Features), g.LaneProbs)
	}
}

// BenchmarkRuntimeWithGuide is the planner runtime's tick latency (p50, p99; ms) on wall time with PDM on a
// generated scenario, unguided and with the builtin guide running concurrently on its own goroutine every
// K ticks (one ONNX Runtime thread), offered each observation once the tick has published its plan. Each
// iteration is one 20 ms tick, so -benchtime=1000x runs 20 s.
//
//	go test -run '^$' -bench RuntimeWithGuide -benchtime 1000x ./llmguide/ort
func BenchmarkRuntimeWithGuide(b *testing.B) {
	sc, err := gen.Generate("near_multiple_vehicles", 0, gen.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		interval int
	}{{"unguided", 0}, {"guided-K1", 1}, {"guided-K5", 5}} {
		b.Run(c.name, func(b *testing.B) {
			_, st, runner := runWallTime(b, sc, 20*time.Millisecond, max(b.N, 20), c.interval, "keep going")
			b.ReportMetric(float64(st.LatencyP50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(st.LatencyP99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(st.PlanP99.Microseconds())/1000, "plan-p99-ms")
			b.ReportMetric(float64(st.Planned)/float64(max(1, st.Ticks)), "planned/tick")
			if runner != nil {
				calls, _, _ := runner.Counts()
				b.ReportMetric(float64(calls)/float64(max(1, st.Ticks)), "guide-calls/tick")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}
