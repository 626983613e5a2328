package llmguide

import "asyncdrive/planner"

// Adapter turns model outputs into planner guidance.
type Adapter struct {
	// LaneConfidence is the lane probability at which a lane change becomes a discrete instruction (0.6);
	// below it the probabilities go to the planner as soft lane weights.
	LaneConfidence float64
	// TurnConfidence is the turn probability at which a junction movement becomes a discrete turn
	// instruction (Guidance.Turn) (0.6); below it only the probabilities (Guidance.TurnProbs) go to the
	// planner, which has its own threshold for them (PDMConfig.TurnProbability).
	TurnConfidence float64
	// SpeedMargin (m/s) is added to the target speed of a model without a slow output (Output.HasSlow)
	// before it caps the planner, so that such a guide slows the car only when it means it (3: a speed error
	// of about 2 m/s).
	SpeedMargin float64
	// MinCap (m/s): target speeds at or below this are not a cap (the stop head handles stopping) (2).
	MinCap float64
	// SlowConfidence is the slow probability (Output.SlowProb: the instruction asks to drive slowly) at
	// which the target speed caps the planner (0.5). A model with a slow output caps the planner only then,
	// without SpeedMargin: its speed target otherwise follows the car's own speed, and a cap from it could
	// only ratchet the car down.
	SlowConfidence float64
}

func (a Adapter) withDefaults() Adapter {
	if a.LaneConfidence <= 0 {
		a.LaneConfidence = 0.6
	}
	if a.TurnConfidence <= 0 {
		a.TurnConfidence = 0.6
	}
	if a.SpeedMargin <= 0 {
		a.SpeedMargin = 3
	}
	if a.MinCap <= 0 {
		a.MinCap = 2
	}
	if a.SlowConfidence <= 0 {
		a.SlowConfidence = 0.5
	}
	return a
}

// Guidance returns the planner guidance of an output computed from the observation at time t.
func (a Adapter) Guidance(out *Output, t float64) *planner.Guidance {
	a = a.withDefaults()
	g := &planner.Guidance{Time: t, LaneProbs: out.LaneProbs, TurnProbs: out.TurnProbs, StopProb: out.StopProb,
		PullOverProb: out.PullOverProb, Headway: out.Headway, Features: out.Features}
	switch {
	case out.LaneProbs[planner.SideLeft] >= a.LaneConfidence:
		g.Lane = planner.LaneChangeLeft
	case out.LaneProbs[planner.SideRight] >= a.LaneConfidence:
		g.Lane = planner.LaneChangeRight
	case out.LaneProbs[planner.SideKeep] >= a.LaneConfidence:
		g.Lane = planner.LaneKeep
	}
	switch {
	case out.TurnProbs[planner.TurnIndexLeft] >= a.TurnConfidence:
		g.Turn = planner.TurnLeft
	case out.TurnProbs[planner.TurnIndexStraight] >= a.TurnConfidence:
		g.Turn = planner.TurnStraight
	case out.TurnProbs[planner.TurnIndexRight] >= a.TurnConfidence:
		g.Turn = planner.TurnRight
	}
	switch {
	case out.TargetSpeed <= a.MinCap:
	case !out.HasSlow:
		g.TargetSpeed = out.TargetSpeed + a.SpeedMargin
	case out.SlowProb >= a.SlowConfidence:
		g.TargetSpeed = out.TargetSpeed
	}
	return g
}
