package benchlat

import (
	"slices"
	"testing"
	"time"
)

// Run calls f b.N times with the iteration number, times one call in every (every call when every <= 1),
// and reports the p50 and p99 of the timed calls as "p50-ns" and "p99-ns". Use it for calls of a
// microsecond or more; Batched suits shorter ones.
func Run(b *testing.B, every int, f func(i int)) {
	b.Helper()
	every = max(every, 1)
	b.ReportAllocs()
	lat := make([]time.Duration, 0, min(b.N/every+1, 1<<16))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%every == 0 && len(lat) < cap(lat) {
			t0 := time.Now()
			f(i)
			lat = append(lat, time.Since(t0))
			continue
		}
		f(i)
	}
	b.StopTimer()
	Report(b, lat)
}

// Batched runs f in the benchmark loop (reporting allocations), then times 2048 batches of 64 further calls
// and reports the per-call p50 and p99 of the batches as "p50-ns/op" and "p99-ns/op": for calls too short
// to time one by one.
func Batched(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		f()
	}
	b.StopTimer()
	const batch = 64
	samples := make([]float64, 0, 2048)
	for range 2048 {
		t0 := time.Now()
		for range batch {
			f()
		}
		samples = append(samples, float64(time.Since(t0).Nanoseconds())/batch)
	}
	slices.Sort(samples)
	b.ReportMetric(samples[len(samples)/2], "p50-ns/op")
	b.ReportMetric(samples[len(samples)*99/100], "p99-ns/op")
}

// Report sorts lat and reports its p50 and p99 as "p50-ns" and "p99-ns"; it does nothing for no samples.
func Report(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds()), "p99-ns")
}
