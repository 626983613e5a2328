package llmguide

import (
	"context"
	"sync/atomic"
	"time"

	"asyncdrive/planner"
)

// Mailbox holds the latest guidance for a planner loop on wall time: the guide's goroutine Puts, the planner
// reads Latest without blocking or locking.
type Mailbox struct {
	p atomic.Pointer[planner.Guidance]
}

// Put publishes g (the planner sees it from its next read).
func (m *Mailbox) Put(g *planner.Guidance) { m.p.Store(g) }

// Latest returns the latest guidance, or nil. The guidance must not be modified.
func (m *Mailbox) Latest() *planner.Guidance { return m.p.Load() }

// Observation is what a Runner needs from the planner loop: a copy of the planner input (its slices owned by
// the observation) and the instruction in force.
type Observation struct {
	Input       planner.Input
	Instruction string
}

// Runner runs a guide's model on wall time, on its own goroutine: Offer hands it the latest observation
// (never blocking: an observation not yet taken is replaced), and each result goes to the Mailbox with the
// time of the observation it came from, so the planner reads its age.
type Runner struct {
	model   Model
	enc     *Encoder
	adapter Adapter
	box     *Mailbox
	next    chan *Observation
	calls   atomic.Int64
	errs    atomic.Int64
	lastNS  atomic.Int64
}

// NewRunner returns a runner publishing to box.
func NewRunner(model Model, enc *Encoder, adapter Adapter, box *Mailbox) *Runner {
	return &Runner{model: model, enc: enc, adapter: adapter, box: box, next: make(chan *Observation, 1)}
}

// Offer hands the runner an observation without blocking; an older one still waiting is dropped.
func (r *Runner) Offer(o *Observation) {
	for {
		select {
		case r.next <- o:
			return
		default:
		}
		select {
		case <-r.next: // drop the stale one
		default:
		}
	}
}

// Run serves observations until ctx is done. The model runs on a goroutine of its own whose OS thread has
// a lower scheduling priority (nice 10 on Linux), so that it yields the CPU to the planner's hot loop; that
// thread ends with Run, and the caller's goroutine is left as it was.
func (r *Runner) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		lowerPriority()
		r.serve(ctx)
	}()
	<-done
}

// serve runs the model on each observation offered until ctx is done.
func (r *Runner) serve(ctx context.Context) {
	var scene []float32
	var words []int64
	changes := changeTracker{mx: r.enc.Map()}
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-r.next:
			scene = r.enc.Encode(&o.Input, scene)
			words = Tokenize(o.Instruction, words)
			start := time.Now()
			out, err := r.model.Infer(scene, words)
			r.lastNS.Store(time.Since(start).Nanoseconds())
			r.calls.Add(1)
			if err != nil {
				r.errs.Add(1)
				continue
			}
			out.Features = append([]float32(nil), out.Features...)
			r.box.Put(changes.guidance(r.adapter, &out, o.Instruction, &o.Input))
		}
	}
}

// Counts returns the model runs and the failed ones so far, and the last inference time.
func (r *Runner) Counts() (calls, errors int64, last time.Duration) {
	return r.calls.Load(), r.errs.Load(), time.Duration(r.lastNS.Load())
}
