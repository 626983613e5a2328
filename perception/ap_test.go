package perception

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

func TestAPHandComputed(t *testing.T) {
	acc := NewAPAccumulator(DefaultAP())
	ego := geom.Pose{}
	truth := []scenarios.Object{car("a", 10, 0, 0), car("b", 30, 3, 0), car("far", 150, 0, 0),
		{ID: "ped", Type: scenarios.Pedestrian, Box: geom.Box{Center: geom.Pose{X: 5, Y: 5}, Length: 0.6, Width: 0.6}}}
	box := func(x, y float64) geom.Box { return geom.Box{Center: geom.Pose{X: x, Y: y}, Length: 4.5, Width: 1.9} }
	tracks := []Track{
		{Type: scenarios.Vehicle, Box: box(10.1, 0), Score: 0.9, Existence: 0.9},  // TP at 0.5 and 0.7 (IoU 0.956)
		{Type: scenarios.Vehicle, Box: box(50, 0), Score: 0.8, Existence: 0.8},    // FP
		{Type: scenarios.Vehicle, Box: box(31.0, 3), Score: 0.7, Existence: 0.7},  // IoU 3.5/5.5=0.636: TP at 0.5 only
		{Type: scenarios.Vehicle, Box: box(150, 0), Score: 0.95, Existence: 0.95}, // out of range: ignored
	}
	acc.AddFrame(ego, tracks, truth)
	if acc.NGT != 2 || acc.NDet != 3 {
		t.Fatalf("%d ground-truth boxes and %d detections in range, want 2 and 3", acc.NGT, acc.NDet)
	}
	// IoU 0.5: TP, FP, TP -> (recall, precision) (0.5, 1), (0.5, 0.5), (1, 2/3): AP = 0.5*1 + 0.5*2/3.
	if got, want := acc.AP(0), 100*(0.5+0.5*2.0/3); math.Abs(got-want) > 1e-9 {
		t.Errorf("AP@0.5 %.4f, want %.4f", got, want)
	}
	// IoU 0.7: TP, FP, FP -> (0.5, 1): AP = 0.5.
	if got := acc.AP(1); math.Abs(got-50) > 1e-9 {
		t.Errorf("AP@0.7 %.4f, want 50", got)
	}
	// RMSE over the existence >= 0.5 objects within 3 m: errors 0.1 and 1.0.
	if got, want := acc.RMSE(), math.Sqrt((0.01+1)/2); math.Abs(got-want) > 1e-9 {
		t.Errorf("RMSE %.4f, want %.4f", got, want)
	}
	// Sorting is global: a second frame with a high-scoring FP lowers the first frame's precision too.
	acc.AddFrame(ego, []Track{{Type: scenarios.Vehicle, Box: box(60, 0), Score: 0.99}}, nil)
	if got, want := acc.AP(1), 100*0.5*0.5; math.Abs(got-want) > 1e-9 {
		t.Errorf("AP@0.7 after a global FP %.4f, want %.4f", got, want)
	}
}

func TestBenchScenarioDelayTargetsAndDeterminism(t *testing.T) {
	sc, err := gen.Generate("starting_left_turn", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultBench([]float64{0, 0.5})
	a, err := BenchScenario(sc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep := a.Report()
	ap := map[Method][2]float64{}
	for _, r := range rep.Rows {
		v := ap[r.Method]
		v[int(r.DelayMS/500)] = r.AP70
		ap[r.Method] = v
	}
	t.Logf("AP@0.7 %v", ap)
	if ap[MethodEgo][0] != ap[MethodEgo][1] {
		t.Errorf("ego-only depends on the delay: %v", ap[MethodEgo])
	}
	lateLoss := ap[MethodLate][0] - ap[MethodLate][1]
	fusedLoss := ap[MethodFused][0] - ap[MethodFused][1]
	if lateLoss < 10 || fusedLoss > lateLoss/2 {
		t.Errorf("AP@0.7 lost from 0 to 500 ms: late %.2f, fused %.2f; want late to lose much more", lateLoss, fusedLoss)
	}
	for d := 0; d < 2; d++ {
		if ap[MethodFused][d] <= ap[MethodEgo][d] {
			t.Errorf("delay %d: fused %.2f not above ego-only %.2f", d, ap[MethodFused][d], ap[MethodEgo][d])
		}
	}
	b, err := BenchScenario(sc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep2 := b.Report()
	for i := range rep.Rows {
		if rep.Rows[i].AP70 != rep2.Rows[i].AP70 || rep.Rows[i].Detections != rep2.Rows[i].Detections {
			t.Fatalf("second run differs: %+v vs %+v", rep.Rows[i], rep2.Rows[i])
		}
	}
}

// Perceive reports the confident tracks as planner objects, near the ground truth, with inflated boxes.
func TestPerceive(t *testing.T) {
	sc, err := gen.Generate("following_lane_with_lead", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := New(sc, DefaultConfig(MethodFused, 0.3))
	if err != nil {
		t.Fatal(err)
	}
	veh := dynamics.Pacifica()
	var objs []scenarios.Object
	var truth []scenarios.Object
	for i := 0; i <= 30; i++ {
		truth = GroundTruth(sc, i, truth)
		e := sc.Expert[i]
		objs, err = st.Perceive(float64(i)*sc.DT, dynamics.State{Time: float64(i) * sc.DT, Pose: e.Pose, Speed: e.Speed}, truth)
		if err != nil {
			t.Fatal(err)
		}
	}
	ego := veh.Footprint(sc.Expert[30].Pose).Center.Pos()
	near := 0
	for _, o := range truth {
		if o.Box.Center.Pos().Dist(ego) > 40 || o.Type != scenarios.Vehicle {
			continue
		}
		near++
		found := false
		for _, p := range objs {
			if p.Box.Center.Pos().Dist(o.Box.Center.Pos()) < 0.7 && p.Vel.Dist(o.Vel) < 1.5 {
				found = true
				if p.Box.Length < o.Box.Length-0.3 || p.Track != -1 || p.ID == "" {
					t.Errorf("object %+v for %s", p, o.ID)
				}
			}
		}
		if !found {
			t.Errorf("vehicle %s at %.1f m from the ego not perceived", o.ID, o.Box.Center.Pos().Dist(ego))
		}
	}
	if near == 0 {
		t.Fatal("no vehicle near the ego to check")
	}
	snap := st.Snapshot()
	if len(snap.Tracks) == 0 || len(snap.Senders) < 2 || len(snap.Reputation) != len(snap.Senders) {
		t.Errorf("snapshot %d tracks, senders %v", len(snap.Tracks), snap.Senders)
	}
	for _, d := range snap.Detections {
		if d.Age < -0.05 || d.Age > 1.05 || d.Sender < 0 || d.Sender >= len(snap.Senders) {
			t.Errorf("received detection %+v", d)
		}
	}
}
