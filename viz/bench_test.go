//go:build cgo

package viz

import (
	"errors"
	"testing"

	"asyncdrive/internal/benchlat"
	"asyncdrive/runlog"
)

// BenchmarkRender renders 1280x720 frames offscreen, each finished (glFinish) before the next, and reports
// the frame-time p50 and p99 in ms (and ns, as benchlat reports them) and the process's CPU time per frame
// (all threads). Under xvfb-run (or the virtual display TestMain starts) this is Mesa's llvmpipe.
//
//   - agents300: the test road with 300 agents, the map, route, lights, plan and panels.
//   - agents300-perception: the same with a fused track (box and 2-sigma ellipse) and a raw detection for
//     every agent, 150 of the detections labelled.
func BenchmarkRender(b *testing.B) {
	for _, perception := range []bool{false, true} {
		name := "agents300"
		if perception {
			name += "-perception"
		}
		b.Run(name, func(b *testing.B) {
			run, route := testRun(300)
			if perception {
				for i := range run.Frames {
					f := &run.Frames[i]
					for k, a := range f.Agents {
						f.Perception.Tracks = append(f.Perception.Tracks, runlog.Track{X: a.X, Y: a.Y, Heading: a.Heading,
							Length: a.Length, Width: a.Width, Cov: [3]float64{0.4, 0.1, 0.2}})
						f.Perception.Detections = append(f.Perception.Detections, runlog.Detection{Sender: []string{"rsu", "car"}[k%2],
							X: a.X + 0.5, Y: a.Y, Heading: a.Heading, Length: a.Length, Width: a.Width, AgeS: 0.1 * float64(k%5)})
					}
				}
			}
			r, err := Bench(run, max(b.N, 300), Options{Width: 1280, Height: 720, Route: route})
			if errors.Is(err, ErrNoDisplay) {
				b.Skipf("no OpenGL display: %v", err)
			}
			if err != nil {
				b.Fatal(err)
			}
			benchlat.Report(b, r.Latencies)
			b.ReportMetric(r.P50, "p50-ms")
			b.ReportMetric(r.P99, "p99-ms")
			b.ReportMetric(r.CPUPerFrame, "cpu-ms/frame")
		})
	}
}
