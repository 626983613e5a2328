package ort

import (
	"testing"

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
	texts := []struct {
		text string
		pull bool
	}{
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
	for _, c := range scenes {
		sc := c.sc
		for _, frame := range c.frames {
			if frame >= len(sc.Expert) {
				t.Fatalf("%s: frame %d of %d", sc.ID, frame, len(sc.Expert))
			}
			in := observe(sc, frame)
			for _, tx := range texts {
				out, gd := inferOnce(t, m, sc, in, []scenarios.Instruction{{T: 0, Text: tx.text}})
				t.Logf("%s at %.1f s (%.1f m/s), %q: pull-over %.3f", sc.ID, in.Time, sc.Expert[frame].Speed, tx.text, out.PullOverProb)
				if (out.PullOverProb >= 0.5) != tx.pull {
					t.Errorf("%s at %.1f s, %q: pull-over probability %.3f", sc.ID, in.Time, tx.text, out.PullOverProb)
				}
				if gd.PullOverProb != out.PullOverProb {
					t.Errorf("%s at %.1f s, %q: guidance pull-over %.3f, model %.3f", sc.ID, in.Time, tx.text, gd.PullOverProb, out.PullOverProb)
				}
			}
			if sc.Type != gen.TypePickupStop {
				continue
			}
			own, _ := scenarios.InstructionAt(sc.Instructions, in.Time)
			out, _ := inferOnce(t, m, sc, in, nil) // the scenario's own instruction
			t.Logf("%s at %.1f s, its own %q: pull-over %.3f", sc.ID, in.Time, own, out.PullOverProb)
			if (out.PullOverProb >= 0.5) != (own == gen.TextStopPickup) {
				t.Errorf("%s at %.1f s, its own %q: pull-over probability %.3f", sc.ID, in.Time, own, out.PullOverProb)
			}
		}
	}
}
