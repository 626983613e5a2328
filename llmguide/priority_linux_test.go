//go:build linux

package llmguide

import (
	"context"
	"syscall"
	"testing"
	"time"

	"asyncdrive/scenarios/gen"
)

// niceModel records the nice value of the thread each inference runs on.
type niceModel struct {
	fakeModel
	nice chan int
}

func (m *niceModel) Infer(scene []float32, words []int64) (Output, error) {
	// The raw getpriority returns 20 - nice.
	if p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid()); err == nil {
		select {
		case m.nice <- 20 - p:
		default:
		}
	}
	return m.fakeModel.Infer(scene, words)
}

// On Linux the runner's model runs on a thread at nice 10, below the planner's, and that thread does not
// outlive Run: the goroutine that called Run keeps its priority.
func TestRunnerRunsAtLowerPriority(t *testing.T) {
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	m := &niceModel{nice: make(chan int, 1)}
	r := NewRunner(m, NewEncoder(&sc.Map, sc.Route), Adapter{}, &Mailbox{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	before, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	go func() { r.Run(ctx); close(done) }()
	r.Offer(&Observation{Input: *testInput(sc, 0), Instruction: "keep going"})
	select {
	case nice := <-m.nice:
		if want := 20 - before + 10; nice != want && nice != 19 {
			t.Errorf("the model ran at nice %d, want %d", nice, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the model never ran")
	}
	cancel()
	<-done
	// The process (and so the threads it makes from now on) keeps its priority.
	if after, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0); after != before {
		t.Errorf("process priority %d after Run, was %d", after, before)
	}
}
