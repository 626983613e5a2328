package perception

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// runStack runs a stack over sc on its logs and returns AP@0.7 of the frames after 4 s and the stack.
func runStack(t *testing.T, sc *scenarios.Scenario, cfg Config) (float64, *Stack) {
	t.Helper()
	st, err := New(sc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	acc := NewAPAccumulator(DefaultAP())
	veh := dynamics.Pacifica()
	var truth []scenarios.Object
	for i := 0; i <= sc.Steps(); i++ {
		truth = GroundTruth(sc, i, truth)
		tracks := st.Step(float64(i)*sc.DT, sc.Expert[i].Pose, truth)
		for _, tr := range tracks {
			if !tr.Box.Center.IsFinite() || !tr.Cov.Valid() || math.IsNaN(tr.Existence) {
				t.Fatalf("frame %d: track %+v is not finite", i, tr)
			}
		}
		if float64(i)*sc.DT >= 4 {
			acc.AddFrame(veh.Footprint(sc.Expert[i].Pose).Center, tracks, truth)
		}
	}
	return acc.AP(1), st
}

func faultScenario(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, err := gen.Generate("near_multiple_vehicles", 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Every fault of a connected vehicle, from t = 2 s on: the run goes on, the fused AP@0.7 stays above the
// ego's own and close to the clean fusion's, and the faulty sender's reputation falls below the clean
// run's.
func TestSenderFaults(t *testing.T) {
	sc := faultScenario(t)
	base := DefaultConfig(MethodFused, 0.3)
	cleanAP, clean := runStack(t, sc, base)
	egoCfg := base
	egoCfg.Method = MethodEgo
	egoAP, _ := runStack(t, sc, egoCfg)
	victim := -1
	for i, s := range clean.Senders() {
		if s.Name == "vehicle0" {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("no vehicle0 among %v", clean.Senders())
	}
	cleanRep := clean.Reputation(victim)
	t.Logf("clean fused AP@0.7 %.2f, ego-only %.2f, vehicle0 reputation %.3f", cleanAP, egoAP, cleanRep)
	if cleanAP <= egoAP {
		t.Fatalf("clean fusion %.2f not above ego-only %.2f", cleanAP, egoAP)
	}
	faults := []Fault{
		{Kind: FaultDropout, Start: 2},
		{Kind: FaultFlood, Start: 2, FloodDetections: 400},
		{Kind: FaultBiasedPose, Start: 2, PoseBias: geom.Pose{X: 2.5, Y: 1.5, Heading: 3 * math.Pi / 180}},
		{Kind: FaultNaNCov, Start: 2},
		{Kind: FaultClockJump, Start: 2, ClockJump: -2.5},
		{Kind: FaultClockJump, Start: 2, ClockJump: 1.5},
	}
	for _, f := range faults {
		cfg := base
		cfg.Faults = []SenderFault{{Sender: "vehicle0", Fault: f}}
		ap, st := runStack(t, sc, cfg)
		rep := st.Reputation(victim)
		t.Logf("%s %+v: AP@0.7 %.2f, reputation %.3f, stats %+v", f.Kind, f.ClockJump, ap, rep, st.Stats())
		if ap < egoAP || ap < cleanAP-8 {
			t.Errorf("%s: AP@0.7 %.2f, want at least ego-only %.2f and within 8 of clean %.2f", f.Kind, ap, egoAP, cleanAP)
		}
		if rep > cleanRep-0.1 {
			t.Errorf("%s: reputation %.3f, want well under the clean run's %.3f", f.Kind, rep, cleanRep)
		}
		for i := range st.Senders() {
			if i != victim && st.Senders()[i].Kind != KindEgo && st.Reputation(i) < 0.6 {
				t.Errorf("%s: honest sender %s's reputation fell to %.3f", f.Kind, st.Senders()[i].Name, st.Reputation(i))
			}
		}
	}
}

func TestUnknownFaultSender(t *testing.T) {
	cfg := DefaultConfig(MethodFused, 0)
	cfg.Faults = []SenderFault{{Sender: "vehicle9", Fault: Fault{Kind: FaultDropout}}}
	if _, err := New(faultScenario(t), cfg); err == nil {
		t.Error("a fault for a sender that does not exist was accepted")
	}
}
