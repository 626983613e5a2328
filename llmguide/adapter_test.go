package llmguide

import (
	"math"
	"testing"

	"asyncdrive/planner"
)

func TestDecodeTurn(t *testing.T) {
	feat := make([]float32, FeatureDim)
	// Without a turn output (an older model) the turn probabilities stay zero.
	out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, StopLogit: 0})
	if err != nil {
		t.Fatal(err)
	}
	if out.TurnProbs != [3]float64{} {
		t.Errorf("no turn logits, TurnProbs %v, want zeros", out.TurnProbs)
	}
	out, err = Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, StopLogit: 0, TurnLogits: &[3]float32{2, 0, -1}})
	if err != nil {
		t.Fatal(err)
	}
	p := out.TurnProbs
	if s := p[0] + p[1] + p[2]; math.Abs(s-1) > 1e-12 || !(p[0] > p[1] && p[1] > p[2]) {
		t.Errorf("TurnProbs %v: want a softmax ordered left > straight > right", p)
	}
	if want := 1 / (1 + math.Exp(-2) + math.Exp(-3)); math.Abs(p[0]-want) > 1e-9 {
		t.Errorf("P(left) = %v, want %v", p[0], want)
	}
	// Large logits do not overflow.
	if out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 0, 0}, TargetSpeed: 5, StopLogit: 0, TurnLogits: &[3]float32{1e4, 0, -1e4}}); err != nil || math.Abs(out.TurnProbs[0]-1) > 1e-12 {
		t.Errorf("large logits: %v %v", out.TurnProbs, err)
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		if _, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{}, TargetSpeed: 5, StopLogit: 0, TurnLogits: &[3]float32{0, bad, 0}}); err == nil {
			t.Errorf("turn logit %v accepted", bad)
		}
		if _, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{bad, 0, 0}, TargetSpeed: 5, StopLogit: 0}); err == nil {
			t.Errorf("lane logit %v accepted", bad)
		}
	}
}

func TestAdapterTurn(t *testing.T) {
	cases := []struct {
		probs [3]float64
		conf  float64
		want  planner.TurnIntent
	}{
		{[3]float64{}, 0, planner.TurnAny}, // a model without a turn head
		{[3]float64{0.8, 0.15, 0.05}, 0, planner.TurnLeft},
		{[3]float64{0.1, 0.85, 0.05}, 0, planner.TurnStraight},
		{[3]float64{0.05, 0.35, 0.6}, 0, planner.TurnRight}, // at the default threshold 0.6
		{[3]float64{0.5, 0.4, 0.1}, 0, planner.TurnAny},     // not confident enough
		{[3]float64{0.5, 0.4, 0.1}, 0.45, planner.TurnLeft}, // a lower threshold
		{[3]float64{0.05, 0.1, 0.85}, 0.9, planner.TurnAny}, // a higher one
	}
	for _, c := range cases {
		out := Output{LaneProbs: [3]float64{0, 1, 0}, TurnProbs: c.probs, TargetSpeed: 10}
		g := Adapter{TurnConfidence: c.conf}.Guidance(&out, 2)
		if g.Turn != c.want {
			t.Errorf("TurnProbs %v, confidence %v: Turn %v, want %v", c.probs, c.conf, g.Turn, c.want)
		}
		if g.TurnProbs != c.probs {
			t.Errorf("TurnProbs %v passed on as %v", c.probs, g.TurnProbs)
		}
		if g.Lane != planner.LaneKeep || g.Time != 2 {
			t.Errorf("the turn changed the rest of the guidance: %+v", g)
		}
	}
}

func TestDecodeSlow(t *testing.T) {
	feat := make([]float32, FeatureDim)
	// Without a slow output (an older model) the slow probability stays zero.
	out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, StopLogit: 0, TurnLogits: &[3]float32{0, 1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if out.SlowProb != 0 {
		t.Errorf("no slow logit, SlowProb %v, want 0", out.SlowProb)
	}
	for _, c := range []struct {
		logit float32
		want  float64
	}{{0, 0.5}, {2, 1 / (1 + math.Exp(-2))}, {-3, 1 / (1 + math.Exp(3))}, {1e4, 1}, {-1e4, 0}} {
		l := c.logit
		out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, StopLogit: 0, SlowLogit: &l})
		if err != nil || math.Abs(out.SlowProb-c.want) > 1e-12 {
			t.Errorf("slow logit %v: SlowProb %v (%v), want %v", c.logit, out.SlowProb, err, c.want)
		}
		if out.TurnProbs != [3]float64{} {
			t.Errorf("slow logit %v without turn logits: TurnProbs %v", c.logit, out.TurnProbs)
		}
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		if _, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{}, TargetSpeed: 5, StopLogit: 0, TurnLogits: &[3]float32{0, 1, 0}, SlowLogit: &bad}); err == nil {
			t.Errorf("slow logit %v accepted", bad)
		}
	}
}

func TestAdapterSlow(t *testing.T) {
	cases := []struct {
		name   string
		head   bool    // Output.HasSlow
		slow   float64 // Output.SlowProb
		target float64 // Output.TargetSpeed
		conf   float64 // Adapter.SlowConfidence (0: the default 0.5)
		want   float64 // Guidance.TargetSpeed
	}{
		{"a model without a slow head: target + SpeedMargin", false, 0, 10, 0, 13},
		{"not asked to slow: no cap", true, 0.2, 10, 0, 0},
		{"just below the threshold: no cap", true, 0.49, 5, 0, 0},
		{"asked to slow: the target, no margin", true, 0.5, 5, 0, 5},
		{"sure", true, 0.97, 6.5, 0, 6.5},
		{"a higher threshold", true, 0.7, 5, 0.8, 0},
		{"a lower threshold", true, 0.35, 5, 0.3, 5},
		{"a target at MinCap is no cap", true, 0.9, 2, 0, 0},
		{"a standing target is no cap either", true, 0.9, 0, 0, 0},
		{"no slow head, target at MinCap", false, 0, 1.5, 0, 0},
	}
	for _, c := range cases {
		out := Output{LaneProbs: [3]float64{0, 1, 0}, TargetSpeed: c.target, SlowProb: c.slow, HasSlow: c.head, StopProb: 0.1}
		g := Adapter{SlowConfidence: c.conf}.Guidance(&out, 2)
		if math.Abs(g.TargetSpeed-c.want) > 1e-12 {
			t.Errorf("%s (SlowProb %v, target %v, confidence %v): TargetSpeed %v, want %v", c.name, c.slow, c.target, c.conf, g.TargetSpeed, c.want)
		}
		if g.Lane != planner.LaneKeep || g.Time != 2 || g.StopProb != 0.1 || g.SpeedCap != 0 {
			t.Errorf("%s: the slow probability changed the rest of the guidance: %+v", c.name, g)
		}
	}
	// A custom margin applies to models without a slow head only.
	out := Output{LaneProbs: [3]float64{0, 1, 0}, TargetSpeed: 6}
	if g := (Adapter{SpeedMargin: 1}).Guidance(&out, 0); g.TargetSpeed != 7 {
		t.Errorf("margin 1, no slow head: TargetSpeed %v, want 7", g.TargetSpeed)
	}
	out.HasSlow, out.SlowProb = true, 0.9
	if g := (Adapter{SpeedMargin: 1}).Guidance(&out, 0); g.TargetSpeed != 6 {
		t.Errorf("margin 1, slow: TargetSpeed %v, want 6", g.TargetSpeed)
	}
	// Decode marks a model with a slow output, whatever its value.
	feat := make([]float32, FeatureDim)
	low := float32(-9)
	if o, err := Decode(Heads{Features: feat, TargetSpeed: 5, SlowLogit: &low}); err != nil || !o.HasSlow || o.SlowProb > 1e-3 {
		t.Errorf("slow logit -9: HasSlow %v, SlowProb %v (%v)", o.HasSlow, o.SlowProb, err)
	}
	if o, _ := Decode(Heads{Features: feat, TargetSpeed: 5}); o.HasSlow {
		t.Error("no slow logit, HasSlow true")
	}
}

func TestPullOverHead(t *testing.T) {
	feat := make([]float32, FeatureDim)
	// Without the output the probability stays zero, and the guidance asks for no pull-over.
	out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5})
	if err != nil || out.PullOverProb != 0 {
		t.Fatalf("no pull-over logit: PullOverProb %v (%v)", out.PullOverProb, err)
	}
	for _, c := range []struct {
		logit float32
		want  float64
	}{{0, 0.5}, {2, 1 / (1 + math.Exp(-2))}, {-3, 1 / (1 + math.Exp(3))}} {
		l := c.logit
		out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, PullOverLogit: &l})
		if err != nil || math.Abs(out.PullOverProb-c.want) > 1e-12 {
			t.Errorf("pull-over logit %v: PullOverProb %v (%v), want %v", c.logit, out.PullOverProb, err, c.want)
		}
		// The adapter passes the probability on; the planner's threshold decides (PDMConfig.StopProbability).
		g := Adapter{}.Guidance(&out, 1)
		if g.PullOverProb != out.PullOverProb || g.PullOver || g.StopProb != out.StopProb {
			t.Errorf("pull-over logit %v: guidance %+v", c.logit, g)
		}
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		if _, err := Decode(Heads{Features: feat, TargetSpeed: 5, PullOverLogit: &bad}); err == nil {
			t.Errorf("pull-over logit %v accepted", bad)
		}
	}
}

// The headway output is decoded in seconds, clamped to [0, 5], and handed to the planner as is (the planner
// bounds it); without it the guidance sets none; a headway that is not finite is an error.
func TestHeadwayHead(t *testing.T) {
	feat := make([]float32, FeatureDim)
	for _, c := range []struct {
		raw  *float32
		want float64
	}{
		{nil, 0}, {ptr(float32(1.1)), 1.1}, {ptr(float32(-0.3)), 0}, {ptr(float32(9)), 5},
	} {
		out, err := Decode(Heads{Features: feat, LaneLogits: [3]float32{0, 1, 0}, TargetSpeed: 5, Headway: c.raw})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(out.Headway-c.want) > 1e-6 {
			t.Errorf("raw %v: headway %v s, want %v s", c.raw, out.Headway, c.want)
		}
		if g := (Adapter{}).Guidance(&out, 1); math.Abs(g.Headway-c.want) > 1e-6 {
			t.Errorf("raw %v: guidance headway %v s, want %v s", c.raw, g.Headway, c.want)
		}
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		if _, err := Decode(Heads{Features: feat, TargetSpeed: 5, Headway: &bad}); err == nil {
			t.Errorf("headway %v decoded without an error", bad)
		}
	}
}

func ptr[T any](v T) *T { return &v }
