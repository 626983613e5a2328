package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"asyncdrive/scenarios"
)

// BenchmarkRunOverhead measures what eval adds per scenario (loading an in-memory scenario, the record,
// its atomic write with fsync, the summary) around a runner that does nothing.
func BenchmarkRunOverhead(b *testing.B) {
	const n = 200
	items := genItems(n)
	runner := func(context.Context, *scenarios.Scenario, Goal) (Outcome, error) {
		return Outcome{Score: 1, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1, 2, 3}}, nil
	}
	dir := b.TempDir()
	b.ResetTimer()
	for i := range b.N {
		if _, err := Run(context.Background(), testConfig(filepath.Join(dir, fmt.Sprint(i)), items, 2), runner); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*n), "ms/scenario")
}

func BenchmarkHistogramAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	vals := make([]float64, 1024)
	for i := range vals {
		vals[i] = rng.ExpFloat64() * 5
	}
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Add(vals[i&1023])
	}
}
