package scenarios

import (
	"asyncdrive/internal/benchlat"
	"testing"

	"asyncdrive/geom"
)

// benchPoints cycle through the cases the metrics meet: inside a lane, inside overlapping connectors, just
// outside an edge, in the car park, in the walkway.
var benchPoints = []geom.Vec2{{X: 25, Y: 0}, {X: 55, Y: 0}, {X: 25, Y: -2.1}, {X: 10, Y: -10}, {X: 25, Y: 7}}

func BenchmarkDistanceOutsideDrivable(b *testing.B) {
	x := testIndex(b)
	var sink float64
	i := 0
	f := func() {
		sink += x.DistanceOutsideDrivable(benchPoints[i%len(benchPoints)])
		i++
	}
	benchlat.Batched(b, f)
	_ = sink
}

func BenchmarkLanesAt(b *testing.B) {
	x := testIndex(b)
	buf := make([]int, 0, 8)
	i := 0
	f := func() {
		buf = x.LanesAt(benchPoints[i%len(benchPoints)], buf[:0])
		i++
	}
	benchlat.Batched(b, f)
}

func BenchmarkDecode(b *testing.B) {
	data := encode(b, testScenario(), false)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBytes(data, "bench.json"); err != nil {
			b.Fatal(err)
		}
	}
}
