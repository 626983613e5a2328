package llmguide

import (
	"sync"
	"testing"

	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// A live operator command is the instruction from the next tick the guide takes it in, over the timed and
// the scenario's instructions; the model reads it at its next run; an empty command hands back.
func TestOperatorCommands(t *testing.T) {
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeModel{}
	op := &Operator{}
	g, err := New(m, sc, Config{Interval: 5, LatencyMS: 100, Operator: op,
		Instructions: []scenarios.Instruction{{T: 0, Text: "keep going"}}})
	if err != nil {
		t.Fatal(err)
	}
	g.Guidance(testInput(sc, 0))
	if got := g.Instruction(testInput(sc, 1)); got != "keep going" {
		t.Fatalf("instruction %q before any command, want the timed one", got)
	}
	// Sent from another goroutine, as a viewer's key callback does.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); op.Send("  Change to the LEFT lane ") }()
	wg.Wait()
	for i := 1; i <= 6; i++ { // the run at tick 5 arrives 0.1 s later
		g.Guidance(testInput(sc, i))
	}
	if m.lastWord[0] != wordIDs["change"] || m.lastWord[3] != wordIDs["left"] {
		t.Errorf("the model's run at tick 5 got words %v, want the operator's command", m.lastWord)
	}
	if s, _ := g.GuideState(0.6); s != "change to the left lane" {
		t.Errorf("instruction in force %q, want the operator's command", s)
	}
	if op.Sent() != 1 {
		t.Errorf("Sent() = %d", op.Sent())
	}
	op.Send("")
	if got := g.Instruction(testInput(sc, 7)); got != "keep going" {
		t.Errorf("after an empty command the instruction is %q, want the timed one again", got)
	}
}
