package llmguide

import (
	"math"
	"testing"

	"asyncdrive/planner"
)

func TestDecodeTurn(t *testing.T) {
	feat := make([]float32, FeatureDim)
	// Without a turn output (an older model) the turn probabilities stay zero.
	out, err := Decode(feat, [3]float32{0, 1, 0}, 5, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.TurnProbs != [3]float64{} {
		t.Errorf("no turn logits, TurnProbs %v, want zeros", out.TurnProbs)
	}
	out, err = Decode(feat, [3]float32{0, 1, 0}, 5, 0, &[3]float32{2, 0, -1})
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
	if out, err := Decode(feat, [3]float32{0, 0, 0}, 5, 0, &[3]float32{1e4, 0, -1e4}); err != nil || math.Abs(out.TurnProbs[0]-1) > 1e-12 {
		t.Errorf("large logits: %v %v", out.TurnProbs, err)
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		if _, err := Decode(feat, [3]float32{}, 5, 0, &[3]float32{0, bad, 0}); err == nil {
			t.Errorf("turn logit %v accepted", bad)
		}
		if _, err := Decode(feat, [3]float32{bad, 0, 0}, 5, 0, nil); err == nil {
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
