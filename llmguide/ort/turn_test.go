package ort

import (
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/llmguide"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// observe builds the planner input at expert frame i of sc: the expert's state, the logged objects and the
// traffic lights.
func observe(sc *scenarios.Scenario, i int) *planner.Input {
	mx := sc.Map.Index()
	e := sc.Expert[i]
	t := float64(i) * sc.DT
	var objs []scenarios.Object
	for ti := range sc.Tracks {
		tr := &sc.Tracks[ti]
		if a, ok := tr.StateAt(i); ok {
			objs = append(objs, scenarios.Object{ID: tr.ID, Track: ti, Type: tr.Type, Box: a.Box(tr.Length, tr.Width),
				Vel: geom.Vec2{X: a.VX, Y: a.VY}, Indicator: a.Indicator})
		}
	}
	var lights []planner.LightStatus
	for li := range sc.Map.TrafficLights {
		tl := &sc.Map.TrafficLights[li]
		for _, id := range tl.Connectors {
			if l, ok := mx.LaneIndex(id); ok {
				lights = append(lights, planner.LightStatus{Lane: l, State: tl.StateAt(t)})
			}
		}
	}
	return &planner.Input{Iteration: i, Time: t, Ego: []dynamics.State{{Time: t, Pose: e.Pose, Speed: e.Speed, Accel: e.Accel}},
		Objects: [][]scenarios.Object{objs}, Lights: lights}
}

// The builtin model turns where the instruction says, on evaluation scenes of the route-branch type (seed
// 1, which it was not trained on) whose route the guide, like the planner, knows only up to the junction:
// the same scene with "turn left in 40 meters", "turn right in 20 meters", "go straight in 30 meters" or
// "keep going" gives the movement the words name (straight for "keep going") as the most likely one and as
// the guidance's discrete Turn, and the scene's own instruction gives the movement the expert took.
func TestBuiltinModelFollowsTurnInstructions(t *testing.T) {
	s := open(t, Options{})
	defer s.Close()
	if !s.HasTurn() {
		t.Fatal("the builtin model has no turn head")
	}
	texts := []struct {
		text string
		want planner.TurnIntent
	}{
		{"turn left in 40 meters", planner.TurnLeft},
		{"turn right in 20 meters", planner.TurnRight},
		{"go straight in 30 meters", planner.TurnStraight},
		{"keep going", planner.TurnStraight},
	}
	argmax := func(p [3]float64) planner.TurnIntent {
		best := planner.TurnIndexLeft
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		return [3]planner.TurnIntent{planner.TurnLeft, planner.TurnStraight, planner.TurnRight}[best]
	}
	const scenes = 6
	for idx := 0; idx < scenes; idx++ {
		sc, err := gen.GenerateInstruction(gen.TypeRouteBranch, idx, gen.DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		// The first frame with the junction (on the expert's whole route) 25-40 m ahead.
		mx := sc.Map.Index()
		frame, move := -1, ""
		for i := 0; i < len(sc.Expert); i++ {
			if m, d, ok := llmguide.NextTurn(mx, sc.Route, sc.Expert[i].Pose, 40); ok && d >= 25 {
				frame, move = i, m
				break
			}
		}
		if frame < 0 {
			t.Fatalf("%s: no frame 25-40 m before the junction", sc.ID)
		}
		in := observe(sc, frame)
		guidance := func(instr []scenarios.Instruction) *planner.Guidance {
			g, err := llmguide.New(s, sc, llmguide.Config{Interval: 1, Instructions: instr})
			if err != nil {
				t.Fatal(err)
			}
			gd := g.Guidance(in)
			if gd == nil || g.Stats().Errors > 0 {
				t.Fatalf("%s: no guidance (%+v)", sc.ID, g.Stats())
			}
			return gd
		}
		for _, c := range texts {
			gd := guidance([]scenarios.Instruction{{T: 0, Text: c.text}})
			p := gd.TurnProbs
			t.Logf("%s at %.1f s, %q: left %.2f straight %.2f right %.2f", sc.ID, in.Time, c.text, p[0], p[1], p[2])
			if got := argmax(p); got != c.want {
				t.Errorf("%s at %.1f s, %q: the model says %v (%.2f %.2f %.2f), want %v", sc.ID, in.Time, c.text, got, p[0], p[1], p[2], c.want)
			} else if gd.Turn != c.want {
				t.Errorf("%s at %.1f s, %q: guidance Turn %v, want %v (the adapter's threshold 0.6)", sc.ID, in.Time, c.text, gd.Turn, c.want)
			}
		}
		own, _ := scenarios.InstructionAt(sc.Instructions, in.Time)
		p := guidance(nil).TurnProbs // the scenario's own instruction
		t.Logf("%s at %.1f s, its own %q (the expert went %s): left %.2f straight %.2f right %.2f", sc.ID, in.Time, own, move, p[0], p[1], p[2])
		if got := argmax(p); got.String() != move {
			t.Errorf("%s at %.1f s, its own %q: the model says %v (%.2f %.2f %.2f), the expert went %s", sc.ID, in.Time, own, got, p[0], p[1], p[2], move)
		}
	}
}
