package ort

import (
	"testing"

	"asyncdrive/llmguide"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// The builtin model reads "stop at the pickup zone" as a pull-over, and nothing else: on generated evaluation
// scenes (seed 1, not trained on) of the pickup-stop instruction type, before its command and after it, and
// of three builtin types, "stop at the pickup zone" gives a pull-over probability of at least 0.5 that the
// adapter passes on, and "stop", "keep going" and "drive slowly" less; the pickup scenes' own instruction in
// force does the same.
func TestBuiltinModelReadsPullOverInstructions(t *testing.T) {
	s := open(t, Options{})
	defer s.Close()
	if !s.HasPullOver() {
		t.Fatal("the builtin model has no pull-over head")
	}
	m := &recorder{Session: s}
	texts := []headCase{
		{gen.TextStopPickup, true},
		{"stop", false},
		{gen.TextKeepGoing, false},
		{gen.TextDriveSlow, false},
	}
	var scenes []scene
	for idx := 0; idx < 4; idx++ {
		sc, cmd := commandScene(t, gen.TypePickupStop, idx, gen.TextStopPickup)
		frames := []int{int(cmd/sc.DT) + 1, int((cmd + 2) / sc.DT)}
		if cmd >= 1 {
			frames = append(frames, 0)
		}
		scenes = append(scenes, scene{sc, frames})
	}
	for _, typ := range []string{"following_lane_with_lead", "starting_left_turn", "stopping_with_lead"} {
		sc, err := gen.Generate(typ, 0, gen.DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		scenes = append(scenes, scene{sc, []int{20, 80}})
	}
	checkHead(t, m, "pull-over", func(o llmguide.Output) float64 { return o.PullOverProb }, scenes, texts, gen.TypePickupStop, gen.TextStopPickup,
		func(sc *scenarios.Scenario, in *planner.Input, text string, out llmguide.Output, gd *planner.Guidance) {
			if gd.PullOverProb != out.PullOverProb {
				t.Errorf("%s at %.1f s, %q: guidance pull-over %.3f, model %.3f", sc.ID, in.Time, text, gd.PullOverProb, out.PullOverProb)
			}
		})
}
