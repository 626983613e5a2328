package planner

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

// fakePlanner returns a straight 1 s trajectory at 5 m/s from the ego, or what its hooks say.
type fakePlanner struct {
	mu    sync.Mutex
	calls int
	sleep time.Duration
	fail  func(call int) (err error, nan bool, panics bool)
	out   dynamics.Trajectory
}

func (f *fakePlanner) Name() string                    { return "fake" }
func (f *fakePlanner) Initialize(Initialization) error { return nil }
func (f *fakePlanner) ComputeTrajectory(in *Input) (dynamics.Trajectory, error) {
	f.mu.Lock()
	call := f.calls
	f.calls++
	f.mu.Unlock()
	time.Sleep(f.sleep)
	if f.fail != nil {
		err, nan, panics := f.fail(call)
		if panics {
			panic("boom")
		}
		if err != nil {
			return nil, err
		}
		if nan {
			return dynamics.Trajectory{{Time: in.Time}, {Time: in.Time + 1, Pose: geom.Pose{X: math.NaN()}}}, nil
		}
	}
	e := in.Current()
	f.out = f.out[:0]
	for k := 0; k <= 10; k++ {
		f.out = append(f.out, dynamics.TrajectoryPoint{Time: in.Time + 0.1*float64(k), Pose: geom.Pose{X: e.Pose.X + 0.5*float64(k)}, Speed: 5})
	}
	return f.out, nil
}

// egoSource reports an ego at x=10 moving at 5 m/s, or an error when told to.
type egoSource struct{ fail bool }

func (s *egoSource) Read(in *Input) error {
	if s.fail {
		return errors.New("no data")
	}
	in.Ego = append(in.Ego[:0], dynamics.State{Time: in.Time, Pose: geom.Pose{X: 10}, Speed: 5})
	return nil
}

// recordSink keeps copies of what was published.
type recordSink struct {
	mu    sync.Mutex
	ticks []TickInfo
	trajs []dynamics.Trajectory
}

func (s *recordSink) Publish(tr dynamics.Trajectory, info TickInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ticks = append(s.ticks, info)
	s.trajs = append(s.trajs, append(dynamics.Trajectory(nil), tr...))
}

func runFor(t *testing.T, p Planner, src Source, cfg RuntimeConfig, d time.Duration) (*Runtime, *recordSink) {
	t.Helper()
	sink := &recordSink{}
	r, err := NewRuntime(p, src, sink, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := r.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run returned %v", err)
	}
	return r, sink
}

func TestRuntimePlans(t *testing.T) {
	r, sink := runFor(t, &fakePlanner{}, &egoSource{}, RuntimeConfig{Period: 20 * time.Millisecond}, 300*time.Millisecond)
	st := r.Stats()
	if st.Ticks < 8 || st.Planned < st.Ticks-2 || int64(len(sink.ticks)) < st.Ticks-1 {
		t.Errorf("stats %+v, %d published", st, len(sink.ticks))
	}
	if st.LatencyP50 <= 0 || st.LatencyP99 < st.LatencyP50 || st.LatencyMax < st.LatencyP99 || st.PlanP50 <= 0 {
		t.Errorf("latency figures %+v", st)
	}
	for i, info := range sink.ticks {
		if info.Status == TickPlanned && (len(sink.trajs[i]) != 11 || sink.trajs[i][0].Time != info.Time) {
			t.Fatalf("tick %d: %+v, trajectory %+v", i, info, sink.trajs[i])
		}
		if i > 0 && info.Tick <= sink.ticks[i-1].Tick {
			t.Fatalf("tick numbers not increasing: %d after %d", info.Tick, sink.ticks[i-1].Tick)
		}
	}
}

// After a planner error the last valid trajectory is published from the current time on; once it has run
// out, a comfortable stop.
func TestRuntimeFallbackOnError(t *testing.T) {
	boom := errors.New("boom")
	fp := &fakePlanner{fail: func(call int) (error, bool, bool) {
		if call < 2 {
			return nil, false, false
		}
		return boom, false, false
	}}
	r, sink := runFor(t, fp, &egoSource{}, RuntimeConfig{Period: 20 * time.Millisecond}, 1600*time.Millisecond)
	st := r.Stats()
	if st.Planned != 2 || st.Errors < st.Ticks-3 || st.Shifted == 0 || st.Stopped == 0 {
		t.Fatalf("stats %+v", st)
	}
	var valid dynamics.Trajectory
	for i, info := range sink.ticks {
		tr := sink.trajs[i]
		switch info.Status {
		case TickPlanned:
			valid = tr
		case TickShifted:
			if info.Reason != ReasonError || !errors.Is(info.Err, boom) {
				t.Fatalf("tick %d: %+v", i, info)
			}
			if tr[0].Time != info.Time || tr[len(tr)-1] != valid[len(valid)-1] || math.Abs(tr[0].Pose.X-valid.At(info.Time).Pose.X) > 1e-9 {
				t.Fatalf("tick %d: shifted trajectory %+v from %+v", i, tr, valid)
			}
		case TickStopped:
			if info.Time < valid[len(valid)-1].Time-0.1 {
				t.Fatalf("tick %d at %.2f s stopped while the last valid trajectory lasts until %.2f s", i, info.Time, valid[len(valid)-1].Time)
			}
			if tr[0].Pose.X != 10 || tr[0].Speed != 5 || tr[len(tr)-1].Speed != 0 || tr[1].Speed != 5-0.2 {
				t.Fatalf("tick %d: stop %+v ... %+v", i, tr[0], tr[len(tr)-1])
			}
		default:
			t.Fatalf("tick %d: %+v", i, info)
		}
	}
}

func TestRuntimeFallbackReasons(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fail   func(int) (error, bool, bool)
		reason FallbackReason
		count  func(RuntimeStats) int64
	}{
		{"NaN", func(int) (error, bool, bool) { return nil, true, false }, ReasonInvalid, func(s RuntimeStats) int64 { return s.Invalid }},
		{"panic", func(int) (error, bool, bool) { return nil, false, true }, ReasonError, func(s RuntimeStats) int64 { return s.Errors }},
	} {
		r, sink := runFor(t, &fakePlanner{fail: tc.fail}, &egoSource{}, RuntimeConfig{Period: 20 * time.Millisecond}, 200*time.Millisecond)
		st := r.Stats()
		// The last tick may be cut short by the end of the run.
		if st.Planned != 0 || tc.count(st) < st.Ticks-1 || st.Stopped != tc.count(st) || st.Ticks < 5 {
			t.Errorf("%s: stats %+v", tc.name, st)
		}
		for _, info := range sink.ticks {
			if info.Reason != tc.reason || info.Status != TickStopped {
				t.Fatalf("%s: %+v", tc.name, info)
			}
		}
	}
	// A failing source and no ego state ever: nothing to publish but the status.
	r, sink := runFor(t, &fakePlanner{}, &egoSource{fail: true}, RuntimeConfig{Period: 20 * time.Millisecond}, 200*time.Millisecond)
	if st := r.Stats(); st.InputErrors != st.Ticks || st.None != st.Ticks || st.Ticks < 5 {
		t.Errorf("failing source: %+v", st)
	}
	for i, info := range sink.ticks {
		if info.Status != TickNone || info.Reason != ReasonInput || len(sink.trajs[i]) != 0 {
			t.Fatalf("failing source: %+v", info)
		}
	}
}

// A planner slower than the deadline: the tick publishes a fallback at the deadline, later ticks publish
// fallbacks while it is busy, and its late result becomes the last valid trajectory.
func TestRuntimeDeadline(t *testing.T) {
	fp := &fakePlanner{sleep: 70 * time.Millisecond}
	r, sink := runFor(t, fp, &egoSource{}, RuntimeConfig{Period: 20 * time.Millisecond, Deadline: 10 * time.Millisecond}, 500*time.Millisecond)
	st := r.Stats()
	if st.Planned != 0 || st.DeadlineMisses == 0 || st.Busy == 0 || st.Overruns != st.DeadlineMisses {
		t.Fatalf("stats %+v", st)
	}
	if st.Shifted == 0 {
		t.Errorf("late results never used as the last valid trajectory: %+v", st)
	}
	for _, info := range sink.ticks {
		if info.Reason == ReasonDeadline && (info.Latency < 10*time.Millisecond || info.Latency > 60*time.Millisecond) {
			t.Errorf("deadline miss published after %v, want about 10 ms", info.Latency)
		}
	}
}

func TestRuntimeStopsOnCancel(t *testing.T) {
	sink := &recordSink{}
	r, err := NewRuntime(&fakePlanner{sleep: 30 * time.Millisecond}, &egoSource{}, sink, RuntimeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	time.Sleep(150 * time.Millisecond)
	if err := r.Run(context.Background()); err == nil {
		t.Error("second concurrent Run: no error")
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := NewRuntime(nil, &egoSource{}, sink, RuntimeConfig{}); err == nil {
		t.Error("nil planner: no error")
	}
	if _, err := NewRuntime(&fakePlanner{}, &egoSource{}, sink, RuntimeConfig{Period: time.Millisecond, Deadline: time.Second}); err == nil {
		t.Error("deadline longer than the period: no error")
	}
}

// A tick allocates nothing in steady state (with a planner that does not allocate either).
func TestRuntimeTickAllocs(t *testing.T) {
	sink := SinkFunc(func(dynamics.Trajectory, TickInfo) {})
	r, err := NewRuntime(&fakePlanner{}, &egoSource{}, sink, RuntimeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r.req = make(chan int)
	r.res = make(chan planResult, 1)
	done := make(chan struct{})
	go r.worker(done)
	defer func() { close(r.req); <-done }()
	deadline := time.NewTimer(time.Hour)
	deadline.Stop()
	start := time.Now()
	n := int64(0)
	tick := func() {
		if busy := r.tick(context.Background(), n, time.Now(), start, false, deadline); busy {
			t.Fatal("tick missed its deadline")
		}
		n++
	}
	for i := 0; i < 5; i++ {
		tick()
	}
	if a := testing.AllocsPerRun(100, tick); a != 0 {
		t.Errorf("a tick allocates %v times", a)
	}
}
