package metrics

import (
	"asyncdrive/internal/benchlat"
	"fmt"
	"slices"
	"testing"
	"time"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// benchRun is a 150-frame run with 50 objects on the test map: ego at 8 m/s along A, through the connector
// into D; 20 cars in lane B, 10 faster cars ahead in ego's lane, 10 pedestrians walking beside the road and
// 10 static objects beyond lane B.
func benchRun(t testing.TB) *Run {
	const frames = 150
	r := newRun(t, straightRun(frames, 5, 0, 8))
	for i := range r.Objects {
		ti := float64(i) * 0.1
		objs := make([]scenarios.Object, 0, 50)
		for k := range 20 {
			v := 7 + float64(k%3)
			objs = append(objs, car(fmt.Sprintf("b%d", k), 6*float64(k)+v*ti, 3.5, 0, v, 0))
		}
		for k := range 10 {
			objs = append(objs, car(fmt.Sprintf("a%d", k), 40+8*float64(k)+10*ti, 0, 0, 10, 0))
		}
		for k := range 10 {
			objs = append(objs, object(fmt.Sprintf("p%d", k), scenarios.Pedestrian, 10*float64(k)+1.2*ti, -4, 0.6, 1.2, 0))
		}
		for k := range 10 {
			objs = append(objs, object(fmt.Sprintf("s%d", k), scenarios.StaticObject, 10*float64(k), 6, 0.5, 0, 0))
		}
		r.Objects[i] = objs
	}
	return r
}

func TestBenchRunScores(t *testing.T) {
	res := Evaluate(benchRun(t))
	if res.Score != 1 || res.NumCollisions != 0 || !(res.MinTTC > 0.95) {
		t.Errorf("bench run: score %v, collisions %v, min TTC %v", res.Score, res.CollisionList(), res.MinTTC)
	}
}

// BenchmarkFrameKernels runs the per-frame kernels a proposal scorer needs for one ego frame against 50
// objects: lane status, drivable area, collision checks and TTC.
func BenchmarkFrameKernels(b *testing.B) {
	r := benchRun(b)
	m := r.Map
	objs := r.Objects[40]
	s := r.Ego[40]
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		box := pacifica.Footprint(s.Pose)
		_, st := EgoLaneStatus(m, box)
		_ = DrivableViolation(m, box)
		eb := NewEgoBox(box)
		for j := range objs {
			if BoxesOverlap(&eb, objs[j].Box) {
				AtFault(ClassifyCollision(s.Pose, box, s.Speed, &objs[j], 0.05), st == InLane)
			}
		}
		FrameTTC(TTCEgo{Rear: s.Pose, Box: box, Speed: s.Speed, Lateral: st != InLane}, objs, nil, 0.1, 3, 5e-3)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	benchlat.Report(b, lat)
}

// BenchmarkComfort runs the comfort kernel over 41 states (a 4 s proposal).
func BenchmarkComfort(b *testing.B) {
	ego := straightRun(41, 0, 0, 8)
	var buf ComfortBuffer
	Comfort(ego, pacifica, 0.1, DefaultComfortBounds, &buf)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Comfort(ego, pacifica, 0.1, DefaultComfortBounds, &buf)
	}
}

func TestKernelsDoNotAllocate(t *testing.T) {
	r := benchRun(t)
	m := r.Map
	objs := r.Objects[40]
	s := r.Ego[40]
	box := pacifica.Footprint(s.Pose)
	skip := make([]bool, len(objs))
	rp := NewRouteProgress(m, DrivenLanes(m, []geom.Vec2{geom.V(10, 0), geom.V(110, 0), geom.V(130, 0)}))
	rp.Reset(geom.V(10, 0))
	var (
		tr  LaneTracker
		dir DirectionTracker
		lc  LaneChangeTracker
		buf ComfortBuffer
	)
	dir.Reset(10)
	states := r.Ego[:41]
	Comfort(states, pacifica, 0.1, DefaultComfortBounds, &buf)
	src, dst := make([]float64, 41), make([]float64, 41)
	x := 10.0
	kernels := map[string]func(){
		"ClassifyCollision": func() { ClassifyCollision(s.Pose, box, s.Speed, &objs[3], 0.05) },
		"EgoLaneStatus":     func() { EgoLaneStatus(m, box) },
		"DrivableViolation": func() { DrivableViolation(m, box) },
		"LaneTracker.Step":  func() { tr.Step(m, geom.V(x, 0)) },
		"DirectionTracker.Step": func() {
			dir.Step(m, 0, geom.V(x, 0))
		},
		"LaneChangeTracker.Step": func() {
			l, st := EgoLaneStatus(m, box)
			lc.Step(m, l, st)
		},
		"RouteProgress.Step": func() { x += 0.5; rp.Step(geom.V(x, 0)) },
		"SpeedLimitOf":       func() { SpeedLimitOf(m, tr.Lanes(), tr.Primary()) },
		"FrameTTC": func() {
			FrameTTC(TTCEgo{Rear: s.Pose, Box: box, Speed: s.Speed, Lateral: true}, objs, skip, 0.1, 3, 5e-3)
		},
		"PairTTC":     func() { PairTTC(box, geom.V(1, 0), objs[0].Box, geom.V(0.5, 0), 0.1, 29) },
		"SavGol":      func() { SavGol(dst, src, 15, 2, 1, 0.1) },
		"Comfort":     func() { Comfort(states, pacifica, 0.1, DefaultComfortBounds, &buf) },
		"Score":       func() { Score([4]float64{1, 1, 1, 1}, [4]float64{1, 0, 1, 1}) },
		"CollisionSc": func() { CollisionScore([NumClasses]int{0, 0, 1}, [NumClasses]int{0, 0, 1}) },
	}
	names := make([]string, 0, len(kernels))
	for k := range kernels {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		if a := testing.AllocsPerRun(100, kernels[name]); a != 0 {
			t.Errorf("%s allocates %v times per call", name, a)
		}
	}
}
