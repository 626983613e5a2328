package runlog

import (
	"io"
	"syscall"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/planner"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// BenchmarkSim simulates PDM on one generated scenario, with and without a run log being written (to
// io.Discard), so that the difference is the recording overhead per run.
func BenchmarkSim(b *testing.B) {
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	for _, rec := range []bool{false, true} {
		name := "plain"
		if rec {
			name = "record"
		}
		b.Run(name, func(b *testing.B) {
			cw := &countWriter{w: io.Discard}
			cpu0 := cpuTime()
			for b.Loop() {
				p, err := planner.New("pdm", sc)
				if err != nil {
					b.Fatal(err)
				}
				var cfg sim.Config
				var w *Writer
				if rec {
					if w, err = NewWriter(cw, NewHeader(sc, "pdm", "nonreactive", dynamics.Pacifica()), &sc.Map); err != nil {
						b.Fatal(err)
					}
					cfg.Observers = []sim.StepObserver{FrameFunc{Conv: NewConverter(sc, dynamics.Pacifica()), Fn: w.WriteFrame}}
				}
				if _, err := sim.Run(sc, p, cfg); err != nil {
					b.Fatal(err)
				}
				if w != nil {
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/run")
			if rec {
				b.ReportMetric(float64(cw.n)/float64(b.N), "bytes/run")
			}
		})
	}
}

// cpuTime returns the process's user and system CPU time, ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}
