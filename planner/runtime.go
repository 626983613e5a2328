package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"asyncdrive/dynamics"
)

// Source gives the runtime the latest inputs at each tick. Read fills in for a plan at in.Time (set by the
// runtime: seconds since Run started) and in.Iteration (the tick number); it should copy the latest ego
// states, objects, light states and guidance into in, reusing in's slices, and must not block. The runtime
// owns in and reuses it; Read must not keep references into it. An error makes the tick publish a fallback.
type Source interface {
	Read(in *Input) error
}

// SourceFunc adapts a function to Source.
type SourceFunc func(in *Input) error

// Read calls f(in).
func (f SourceFunc) Read(in *Input) error { return f(in) }

// Sink receives the trajectory of every tick. traj is owned by the runtime and valid only during the call:
// copy it to keep it. Publish must not block; it runs on the runtime's tick goroutine.
type Sink interface {
	Publish(traj dynamics.Trajectory, tick TickInfo)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(traj dynamics.Trajectory, tick TickInfo)

// Publish calls f(traj, tick).
func (f SinkFunc) Publish(traj dynamics.Trajectory, tick TickInfo) { f(traj, tick) }

// TickStatus says what a tick published.
type TickStatus uint8

// Tick statuses.
const (
	TickPlanned TickStatus = iota // the planner's trajectory for this tick
	TickShifted                   // fallback: the last valid trajectory from the current time on
	TickStopped                   // fallback: a comfortable stop from the latest ego state
	TickNone                      // nothing: no valid trajectory and no ego state yet (traj is empty)
)

// String returns the status name.
func (s TickStatus) String() string {
	switch s {
	case TickPlanned:
		return "planned"
	case TickShifted:
		return "shifted"
	case TickStopped:
		return "stopped"
	case TickNone:
		return "none"
	}
	return "unknown"
}

// FallbackReason says why a tick published a fallback.
type FallbackReason uint8

// Fallback reasons.
const (
	ReasonNone     FallbackReason = iota // no fallback
	ReasonInput                          // the source returned an error
	ReasonError                          // the planner returned an error (or panicked)
	ReasonInvalid                        // the planner's trajectory was unusable: NaN, too short, times not increasing or in the past
	ReasonDeadline                       // the planner did not finish within the tick's deadline
	ReasonBusy                           // the planner was still busy with an earlier tick's input
)

// String returns the reason's name.
func (r FallbackReason) String() string {
	switch r {
	case ReasonNone:
		return "none"
	case ReasonInput:
		return "input"
	case ReasonError:
		return "error"
	case ReasonInvalid:
		return "invalid"
	case ReasonDeadline:
		return "deadline"
	case ReasonBusy:
		return "busy"
	}
	return "unknown"
}

// TickInfo describes one published tick.
type TickInfo struct {
	Tick    int64          // tick number, from 0; a gap means the loop was too late for some ticks
	Time    float64        // s since Run started: the Input.Time of the tick
	Start   time.Time      // when the tick began
	Latency time.Duration  // from Start to the publish
	Status  TickStatus     // what was published
	Reason  FallbackReason // why a fallback was published (ReasonNone for TickPlanned)
	Err     error          // the source's or planner's error, for ReasonInput and ReasonError
}

// RuntimeConfig sets up a Runtime. Zero fields take the defaults.
type RuntimeConfig struct {
	// Period between ticks (100 ms: 10 Hz).
	Period time.Duration
	// Deadline for planning, from the start of a tick (80 % of Period). A plan that is not ready by then is
	// not published; the tick publishes a fallback.
	Deadline time.Duration
	// StopDecel (m/s^2) is the deceleration of the comfortable-stop fallback (2).
	StopDecel float64
	// Step (s) and Steps are the spacing and number of points after the first of the stop fallback (0.1, 80).
	Step  float64
	Steps int
	// Window is the number of most recent ticks the latency and jitter percentiles are taken over (4096).
	Window int
}

func (c RuntimeConfig) withDefaults() RuntimeConfig {
	if c.Period <= 0 {
		c.Period = 100 * time.Millisecond
	}
	if c.Deadline <= 0 {
		c.Deadline = c.Period * 4 / 5
	}
	if !(c.StopDecel > 0) || math.IsInf(c.StopDecel, 1) {
		c.StopDecel = 2
	}
	if !(c.Step > 0) || math.IsInf(c.Step, 1) {
		c.Step = 0.1
	}
	if c.Steps <= 0 {
		c.Steps = 80
	}
	if c.Window <= 0 {
		c.Window = 4096
	}
	return c
}

// RuntimeStats are a Runtime's counters and latency figures. Latencies and jitter are over the last
// RuntimeConfig.Window ticks; the counters over the runtime's life.
type RuntimeStats struct {
	Ticks   int64 // ticks run
	Skipped int64 // ticks not run because the loop was late by a whole period or more
	// What was published.
	Planned, Shifted, Stopped, None int64
	// Why fallbacks were published.
	InputErrors, Errors, Invalid, DeadlineMisses, Busy int64
	// Overruns counts the plans that took longer than the deadline (each one causes a ReasonDeadline tick
	// and ReasonBusy ticks until it finishes).
	Overruns int64
	// Tick latency, from the tick's start to its publish.
	LatencyP50, LatencyP99, LatencyMax time.Duration
	// Planner compute time of the plans that finished.
	PlanP50, PlanP99, PlanMax time.Duration
	// Jitter: how late ticks started against their schedule.
	JitterMean, JitterP99, JitterMax time.Duration
}

// Runtime runs a planner at a fixed rate on wall time, for embedding in vehicle software: every tick it reads
// the latest inputs from a Source, plans on a worker goroutine within the tick's deadline and publishes the
// trajectory to a Sink. When the source or the planner fails, the trajectory is unusable (not finite, too
// short, in the past) or the deadline passes, it publishes the last valid trajectory from the current time
// on, or a comfortable stop from the latest ego state when there is none, and counts why. The planner never
// runs on two inputs at once: while it is late, ticks publish fallbacks.
//
// In steady state a tick allocates nothing (the planner's own allocations aside). Stats may be called from
// any goroutine at any time.
type Runtime struct {
	p    Planner
	src  Source
	sink Sink
	cfg  RuntimeConfig

	running atomic.Bool

	// Tick goroutine state.
	in      [2]Input // the worker plans on in[busyBuf]; the tick reads into the other
	busyBuf int
	valid   dynamics.Trajectory // last valid trajectory (absolute times)
	pub     dynamics.Trajectory // what is published
	ego     dynamics.State      // latest finite ego state seen
	hasEgo  bool

	// Worker channels.
	req chan int
	res chan planResult

	// Counters and windows, read by Stats from any goroutine.
	c       [numCounters]atomic.Int64
	lat     []atomic.Int64 // tick latency ring (ns)
	plan    []atomic.Int64 // plan time ring (ns)
	jit     []atomic.Int64 // jitter ring (ns)
	nLat    atomic.Int64
	nPlan   atomic.Int64
	nJit    atomic.Int64
	jitSum  atomic.Int64
	jitSeen atomic.Int64
}

const (
	cTicks = iota
	cSkipped
	cPlanned
	cShifted
	cStopped
	cNone
	cInputErrors
	cErrors
	cInvalid
	cDeadline
	cBusy
	cOverruns
	numCounters
)

type planResult struct {
	traj dynamics.Trajectory
	err  error
	dur  time.Duration
	time float64 // the input time it was planned for
}

// NewRuntime returns a runtime for planner p, already initialised by the caller, reading from src and
// publishing to sink.
func NewRuntime(p Planner, src Source, sink Sink, cfg RuntimeConfig) (*Runtime, error) {
	if p == nil || src == nil || sink == nil {
		return nil, errors.New("planner runtime: nil planner, source or sink")
	}
	cfg = cfg.withDefaults()
	if cfg.Deadline > cfg.Period {
		return nil, fmt.Errorf("planner runtime: deadline %v is longer than the period %v", cfg.Deadline, cfg.Period)
	}
	r := &Runtime{p: p, src: src, sink: sink, cfg: cfg}
	r.valid = make(dynamics.Trajectory, 0, 256)
	r.pub = make(dynamics.Trajectory, 0, 256)
	r.lat = make([]atomic.Int64, cfg.Window)
	r.plan = make([]atomic.Int64, cfg.Window)
	r.jit = make([]atomic.Int64, cfg.Window)
	return r, nil
}

// Config returns the runtime's settings, defaults filled in.
func (r *Runtime) Config() RuntimeConfig { return r.cfg }

// Run ticks until ctx is done, then waits for a plan in progress to finish and returns ctx.Err(). It returns
// an error at once when the runtime is already running.
func (r *Runtime) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("planner runtime: already running")
	}
	defer r.running.Store(false)
	r.req = make(chan int)
	r.res = make(chan planResult, 1)
	done := make(chan struct{})
	go r.worker(done)
	defer func() {
		close(r.req)
		<-done
	}()

	start := time.Now()
	ticker := time.NewTicker(r.cfg.Period)
	defer ticker.Stop()
	deadline := time.NewTimer(time.Hour)
	deadline.Stop()
	busy := false
	last := int64(-1)
	now := start
	for {
		// Tick number from the schedule: a late loop skips ticks rather than bunching them.
		n := int64(now.Sub(start) / r.cfg.Period)
		if n <= last {
			n = last + 1
		}
		if skipped := n - last - 1; skipped > 0 {
			r.c[cSkipped].Add(skipped)
		}
		last = n
		sched := start.Add(time.Duration(n) * r.cfg.Period)
		r.recordJitter(max(0, now.Sub(sched)))
		busy = r.tick(ctx, n, now, start, busy, deadline)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
			now = time.Now()
		}
	}
}

// worker plans on the inputs the tick goroutine hands it until req is closed.
func (r *Runtime) worker(done chan<- struct{}) {
	defer close(done)
	for b := range r.req {
		in := &r.in[b]
		t0 := time.Now()
		traj, err := r.safePlan(in)
		r.res <- planResult{traj: traj, err: err, dur: time.Since(t0), time: in.Time}
	}
}

// safePlan runs the planner, turning a panic into an error.
func (r *Runtime) safePlan(in *Input) (traj dynamics.Trajectory, err error) {
	defer func() {
		if v := recover(); v != nil {
			traj, err = nil, fmt.Errorf("planner panicked: %v", v)
		}
	}()
	return r.p.ComputeTrajectory(in)
}

// tick runs tick n, which began at now; busy says whether the worker is still planning an earlier input. It
// returns whether the worker is busy afterwards.
func (r *Runtime) tick(ctx context.Context, n int64, now, start time.Time, busy bool, deadline *time.Timer) bool {
	r.c[cTicks].Add(1)
	t := now.Sub(start).Seconds()
	info := TickInfo{Tick: n, Time: t, Start: now}
	if busy { // a late result may have arrived since: keep it as the last valid trajectory
		select {
		case res := <-r.res:
			busy = false
			r.recordPlan(res.dur)
			if res.err == nil && r.usable(res.traj, t) {
				r.valid = append(r.valid[:0], res.traj...)
			}
		default:
		}
	}
	free := 1 - r.busyBuf
	if !busy {
		free = r.busyBuf
	}
	in := &r.in[free]
	in.Time, in.Iteration, in.Guidance = t, int(n), nil
	if err := r.src.Read(in); err != nil {
		r.fallback(&info, ReasonInput, err)
		r.c[cInputErrors].Add(1)
		return busy
	}
	in.Time, in.Iteration = t, int(n)
	if len(in.Ego) > 0 {
		if e := in.Current(); e.IsFinite() {
			r.ego, r.hasEgo = e, true
		}
	}
	if busy {
		r.fallback(&info, ReasonBusy, nil)
		r.c[cBusy].Add(1)
		return true
	}
	r.busyBuf = free
	r.req <- free
	deadline.Reset(r.cfg.Deadline - time.Since(now))
	select {
	case res := <-r.res:
		deadline.Stop()
		r.recordPlan(res.dur)
		switch {
		case res.err != nil:
			r.fallback(&info, ReasonError, res.err)
			r.c[cErrors].Add(1)
		case !r.usable(res.traj, t):
			r.fallback(&info, ReasonInvalid, nil)
			r.c[cInvalid].Add(1)
		default:
			r.valid = append(r.valid[:0], res.traj...)
			r.pub = append(r.pub[:0], res.traj...)
			info.Status = TickPlanned
			r.c[cPlanned].Add(1)
			r.publish(&info)
		}
		return false
	case <-deadline.C:
		r.fallback(&info, ReasonDeadline, nil)
		r.c[cDeadline].Add(1)
		r.c[cOverruns].Add(1)
		return true
	case <-ctx.Done():
		deadline.Stop()
		return true
	}
}

// usable reports whether traj can be followed from time t: at least two points, finite, times increasing and
// ending after t.
func (r *Runtime) usable(traj dynamics.Trajectory, t float64) bool {
	if len(traj) < 2 {
		return false
	}
	for k := range traj {
		q := &traj[k]
		if !q.Pose.IsFinite() || math.IsNaN(q.Speed) || math.IsInf(q.Speed, 0) || math.IsNaN(q.Accel) ||
			math.IsNaN(q.Time) || math.IsInf(q.Time, 0) {
			return false
		}
		if k > 0 && !(q.Time > traj[k-1].Time) {
			return false
		}
	}
	return traj[len(traj)-1].Time > t
}

// fallback publishes the last valid trajectory from the tick's time on, or a comfortable stop.
func (r *Runtime) fallback(info *TickInfo, why FallbackReason, err error) {
	info.Reason, info.Err = why, err
	t := info.Time
	r.pub = r.pub[:0]
	if n := len(r.valid); n >= 2 && r.valid[n-1].Time > t+r.cfg.Step {
		r.pub = append(r.pub, r.valid.At(t))
		for _, q := range r.valid {
			if q.Time > t+1e-9 {
				r.pub = append(r.pub, q)
			}
		}
		info.Status = TickShifted
		r.c[cShifted].Add(1)
	} else if r.hasEgo {
		r.pub = appendStop(r.pub, r.ego, t, r.cfg.StopDecel, r.cfg.Steps, r.cfg.Step)
		info.Status = TickStopped
		r.c[cStopped].Add(1)
	} else {
		info.Status = TickNone
		r.c[cNone].Add(1)
	}
	r.publish(info)
}

func (r *Runtime) publish(info *TickInfo) {
	info.Latency = time.Since(info.Start)
	r.record(r.lat, &r.nLat, info.Latency)
	r.sink.Publish(r.pub, *info)
}

func (r *Runtime) record(ring []atomic.Int64, n *atomic.Int64, d time.Duration) {
	k := n.Add(1) - 1
	ring[k%int64(len(ring))].Store(int64(d))
}

func (r *Runtime) recordPlan(d time.Duration) { r.record(r.plan, &r.nPlan, d) }

func (r *Runtime) recordJitter(d time.Duration) {
	r.record(r.jit, &r.nJit, d)
	r.jitSum.Add(int64(d))
	r.jitSeen.Add(1)
}

// Stats returns the runtime's counters and latency figures. It allocates (it sorts copies of the windows):
// call it from monitoring code, not from a hot loop.
func (r *Runtime) Stats() RuntimeStats {
	s := RuntimeStats{
		Ticks: r.c[cTicks].Load(), Skipped: r.c[cSkipped].Load(),
		Planned: r.c[cPlanned].Load(), Shifted: r.c[cShifted].Load(), Stopped: r.c[cStopped].Load(), None: r.c[cNone].Load(),
		InputErrors: r.c[cInputErrors].Load(), Errors: r.c[cErrors].Load(), Invalid: r.c[cInvalid].Load(),
		DeadlineMisses: r.c[cDeadline].Load(), Busy: r.c[cBusy].Load(), Overruns: r.c[cOverruns].Load(),
	}
	s.LatencyP50, s.LatencyP99, s.LatencyMax = percentiles(r.lat, r.nLat.Load())
	s.PlanP50, s.PlanP99, s.PlanMax = percentiles(r.plan, r.nPlan.Load())
	_, s.JitterP99, s.JitterMax = percentiles(r.jit, r.nJit.Load())
	if n := r.jitSeen.Load(); n > 0 {
		s.JitterMean = time.Duration(r.jitSum.Load() / n)
	}
	return s
}

// percentiles returns the nearest-rank p50 and p99 and the maximum of the first min(n, len(ring)) entries.
func percentiles(ring []atomic.Int64, n int64) (p50, p99, maxv time.Duration) {
	m := int(min(n, int64(len(ring))))
	if m == 0 {
		return 0, 0, 0
	}
	v := make([]int64, m)
	for i := range v {
		v[i] = ring[i].Load()
	}
	slices.Sort(v)
	rank := func(q float64) time.Duration { return time.Duration(v[max(0, int(math.Ceil(q*float64(m)))-1)]) }
	return rank(0.5), rank(0.99), time.Duration(v[m-1])
}
