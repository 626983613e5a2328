package llmguide

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

func TestTokenize(t *testing.T) {
	ids := Tokenize("Turn LEFT in 37 meters, please!", nil)
	want := []int64{wordIDs["turn"], wordIDs["left"], wordIDs["in"], wordIDs["40"], wordIDs["meters"], UnknownID}
	for i, w := range want {
		if ids[i] != w {
			t.Fatalf("ids %v, want prefix %v", ids, want)
		}
	}
	if len(ids) != MaxWords || ids[len(want)] != PadID {
		t.Errorf("not padded to %d: %v", MaxWords, ids)
	}
	long := Tokenize(strings.Repeat("go ", 40), nil)
	if len(long) != MaxWords || long[MaxWords-1] != wordIDs["go"] {
		t.Errorf("long instruction: %v", long)
	}
	if got := Tokenize("drive 500", nil); got[1] != wordIDs["100"] {
		t.Errorf("500 m rounds to %d, want the id of 100", got[1])
	}
}

func TestRouteInstruction(t *testing.T) {
	sc, err := gen.Generate("starting_left_turn", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	mx := sc.Map.Index()
	turn, d, ok := NextTurn(mx, sc.Route, sc.Expert[0].Pose, 200)
	if !ok || turn != TurnLeft {
		t.Fatalf("next turn of a left-turn scenario: %q at %.1f m (ok %v), want left", turn, d, ok)
	}
	// Walking the expert up to the junction, the instruction goes from "keep going" (or the turn when the
	// junction is already near) to "turn left in N meters" as it gets within 40 m.
	seen := map[string]bool{}
	for i := 0; i < len(sc.Expert); i += 5 {
		seen[strings.Fields(RouteInstruction(mx, sc.Route, sc.Expert[i].Pose) + " x")[0]] = true
	}
	if !seen["turn"] {
		t.Errorf("no turn instruction along a left-turn scenario: %v", seen)
	}
	if s := RouteInstruction(nil, nil, geom.Pose{}); s != "keep going" {
		t.Errorf("no map: %q", s)
	}
}

func testInput(sc *scenarios.Scenario, i int) *planner.Input {
	e := sc.Expert[i]
	var objs []scenarios.Object
	for ti := range sc.Tracks {
		tr := &sc.Tracks[ti]
		if a, ok := tr.StateAt(i); ok {
			objs = append(objs, scenarios.Object{ID: tr.ID, Type: tr.Type, Box: a.Box(tr.Length, tr.Width), Vel: geom.Vec2{X: a.VX, Y: a.VY}})
		}
	}
	return &planner.Input{Iteration: i, Time: float64(i) * sc.DT,
		Ego: []dynamics.State{{Time: float64(i) * sc.DT, Pose: e.Pose, Speed: e.Speed}}, Objects: [][]scenarios.Object{objs}}
}

func TestEncode(t *testing.T) {
	sc, err := gen.Generate("near_multiple_vehicles", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	enc := NewEncoder(&sc.Map, sc.Route)
	in := testInput(sc, 20)
	near := in.Current().Pose
	in.Objects[0] = append(in.Objects[0],
		scenarios.Object{ID: "nan", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: math.NaN()}}},
		scenarios.Object{ID: "nan-heading", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: near.X + 1, Y: near.Y, Heading: math.NaN()}, Length: 4, Width: 2}},
		scenarios.Object{ID: "huge", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: near.X + 2, Y: near.Y}, Length: 1e300, Width: 2}})
	x := enc.Encode(in, nil)
	if len(x) != SceneTokens*TokenDim {
		t.Fatalf("%d numbers", len(x))
	}
	tok := func(k int) []float32 { return x[k*TokenDim : (k+1)*TokenDim] }
	if e := tok(0); e[kindEgo] != 1 || e[nKinds] != 0 || e[nKinds+1] != 0 || e[nKinds+2] != 1 {
		t.Errorf("ego token %v, want kind ego at the origin heading 0", e)
	}
	agents, lanes := 0, 0
	prev := -1.0
	for k := 1; k <= maxAgents; k++ {
		a := tok(k)
		if a[kindVehicle]+a[kindPedestrian]+a[kindBicycle]+a[kindStatic] == 0 {
			continue
		}
		agents++
		d := math.Hypot(float64(a[nKinds]), float64(a[nKinds+1]))
		if d < prev-1e-6 {
			t.Errorf("agents not by distance: %v after %v", d, prev)
		}
		prev = d
	}
	for k := 1 + maxAgents; k < 1+maxAgents+maxRoutePts; k++ {
		if tok(k)[kindLane] == 1 {
			lanes++
		}
	}
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("a scene number is not finite")
		}
	}
	if agents < 3 || lanes < 8 {
		t.Errorf("%d agent tokens, %d route tokens; want several of each", agents, lanes)
	}
	if y := enc.Encode(&planner.Input{}, x); len(y) != len(x) || y[0] != 0 {
		t.Error("an empty input is not all zeros")
	}
}

// fakeModel returns a fixed output (lane left, 5 m/s, stop 0.1) or an error every errEvery calls.
type fakeModel struct {
	calls    int
	errEvery int
	lastWord []int64
}

func (m *fakeModel) Infer(scene []float32, words []int64) (Output, error) {
	m.calls++
	m.lastWord = append(m.lastWord[:0], words...)
	if m.errEvery > 0 && m.calls%m.errEvery == 0 {
		return Output{}, errors.New("boom")
	}
	return Decode(Heads{Features: make([]float32, FeatureDim), LaneLogits: [3]float32{3, 0, -3}, TargetSpeed: 5, StopLogit: -2.2})
}
func (m *fakeModel) Close() error { return nil }

func TestGuideVirtualTime(t *testing.T) {
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeModel{}
	g, err := New(m, sc, Config{Interval: 5, LatencyMS: 300})
	if err != nil {
		t.Fatal(err)
	}
	var ages []float64
	for i := 0; i < 50; i++ {
		in := testInput(sc, i)
		gd := g.Guidance(in)
		switch {
		case i < 3 && gd != nil:
			t.Fatalf("guidance at t=%.1f before the first result could arrive (0.3 s)", in.Time)
		case i >= 3 && gd == nil:
			t.Fatalf("no guidance at t=%.1f", in.Time)
		case gd != nil:
			ages = append(ages, gd.Age(in.Time))
			if gd.Lane != planner.LaneChangeLeft || gd.TargetSpeed != 8 || math.Abs(gd.StopProb-0.1) > 0.01 {
				t.Fatalf("guidance %+v, want left, target 5+3, stop 0.1", gd)
			}
		}
	}
	if m.calls != 10 || g.Stats().Calls != 10 {
		t.Errorf("%d model calls over 50 ticks at interval 5, want 10", m.calls)
	}
	// The age cycles from 0.3 s (a result just arrived) to 0.7 s (the next one is due).
	lo, hi := math.Inf(1), 0.0
	for _, a := range ages {
		lo, hi = math.Min(lo, a), math.Max(hi, a)
	}
	if math.Abs(lo-0.3) > 1e-9 || math.Abs(hi-0.7) > 1e-9 {
		t.Errorf("guidance ages %.2f..%.2f, want 0.3..0.7", lo, hi)
	}
	// Operator commands override the routing instruction from their time on.
	g2, _ := New(m, sc, Config{Interval: 1, Instructions: []scenarios.Instruction{{T: 1, Text: "drive slowly"}}})
	g2.Guidance(testInput(sc, 5))
	if got := g2.Instruction(testInput(sc, 5)); got == "drive slowly" {
		t.Error("the operator command applies before its time")
	}
	g2.Guidance(testInput(sc, 12))
	if m.lastWord[0] != wordIDs["drive"] || m.lastWord[1] != wordIDs["slowly"] {
		t.Errorf("model got words %v, want the operator's command", m.lastWord)
	}
	if s, _ := g2.GuideState(1.2); s != "drive slowly" {
		t.Errorf("GuideState %q", s)
	}
}

func TestGuideErrorsAreCounted(t *testing.T) {
	sc, _ := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	m := &fakeModel{errEvery: 2}
	g, _ := New(m, sc, Config{Interval: 1})
	for i := 0; i < 10; i++ {
		g.Guidance(testInput(sc, i))
	}
	if st := g.Stats(); st.Calls != 10 || st.Errors != 5 || st.Delivered != 5 {
		t.Errorf("stats %+v, want 10 calls, 5 errors, 5 delivered", st)
	}
	if _, err := New(m, sc, Config{LatencyMS: math.NaN()}); err == nil {
		t.Error("NaN latency accepted")
	}
}

func TestJitterIsSeeded(t *testing.T) {
	sc, _ := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	run := func(seed uint64) []float64 {
		g, _ := New(&fakeModel{}, sc, Config{Interval: 3, LatencyMS: 200, LatencyJitterMS: 150, Seed: seed})
		var ages []float64
		for i := 0; i < 60; i++ {
			in := testInput(sc, i)
			if gd := g.Guidance(in); gd != nil {
				ages = append(ages, gd.Age(in.Time))
			}
		}
		return ages
	}
	a, b, c := run(1), run(1), run(2)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatal("no guidance")
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave different latencies")
		}
	}
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = a[i] == c[i]
	}
	if same {
		t.Error("different seeds gave the same latencies")
	}
}

func TestMailboxRunner(t *testing.T) {
	sc, _ := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	box := &Mailbox{}
	r := NewRunner(&fakeModel{}, NewEncoder(&sc.Map, sc.Route), Adapter{}, box)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	for i := 0; i < 30; i++ {
		r.Offer(&Observation{Input: *testInput(sc, i), Instruction: "keep going"})
	}
	deadline := time.Now().Add(5 * time.Second)
	for box.Latest() == nil || box.Latest().Time < 2.9-1e-9 {
		if time.Now().After(deadline) {
			t.Fatalf("the last observation's guidance never arrived (latest %+v)", box.Latest())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if calls, errs, _ := r.Counts(); calls < 1 || calls > 30 || errs != 0 {
		t.Errorf("calls %d errors %d", calls, errs)
	}
}
