package planner

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// benchInputs returns a sequence of planner inputs 0.1 s apart: the ego driving along lane a at 9 m/s, n
// vehicles around it moving at constant velocity.
func benchInputs(n, frames int) []*Input {
	base := fixtureTraffic(n, 20, 160)
	ins := make([]*Input, frames)
	for f := range ins {
		t := 0.1 * float64(f)
		objs := make([]scenarios.Object, len(base))
		for i, o := range base {
			o.Box.Center.X += o.Vel.X * t
			o.Box.Center.Y += o.Vel.Y * t
			objs[i] = o
		}
		ins[f] = fixtureInput(t, geom.Pose{X: 10 + 9*t, Y: 0.05}, 9, objs)
	}
	return ins
}

// BenchmarkPlan measures one PDM tick (15 proposals, 4 s at 0.1 s, 8 s output) with 10, 50 and 200 vehicles
// on a two-lane road, and reports the p50 and p99 tick latency besides ns/op and allocs/op. Run it on one
// core: go test ./planner -run '^$' -bench BenchmarkPlan -benchmem -cpu 1
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			p, _ := newFixturePDM(b, 300, PDMConfig{})
			ins := benchInputs(n, 64)
			for _, in := range ins { // warm up: paths, raster, buffers
				if _, err := p.ComputeTrajectory(in); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in := ins[i%len(ins)]
				start := time.Now()
				if _, err := p.ComputeTrajectory(in); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(f float64) float64 {
				k := int(float64(len(lat))*f+0.999999) - 1
				return float64(lat[max(0, min(k, len(lat)-1))].Nanoseconds()) / 1e3
			}
			b.ReportMetric(q(0.50), "p50-us")
			b.ReportMetric(q(0.99), "p99-us")
		})
	}
}
