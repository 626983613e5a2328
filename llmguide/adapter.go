package llmguide

import "asyncdrive/planner"

// Adapter turns model outputs into planner guidance.
type Adapter struct {
	// LaneConfidence is the lane probability at which a lane change becomes a discrete instruction (0.6);
	// below it the probabilities go to the planner as soft lane weights.
	LaneConfidence float64
	// SpeedMargin (m/s) is added to the target speed before it caps the planner, so that the guide slows the
	// car only when it means it (3: the builtin model's speed error is about 2 m/s).
	SpeedMargin float64
	// MinCap (m/s): target speeds at or below this are not a cap (the stop head handles stopping) (2).
	MinCap float64
}

func (a Adapter) withDefaults() Adapter {
	if a.LaneConfidence <= 0 {
		a.LaneConfidence = 0.6
	}
	if a.SpeedMargin <= 0 {
		a.SpeedMargin = 3
	}
	if a.MinCap <= 0 {
		a.MinCap = 2
	}
	return a
}

// Guidance returns the planner guidance of an output computed from the observation at time t.
func (a Adapter) Guidance(out *Output, t float64) *planner.Guidance {
	a = a.withDefaults()
	g := &planner.Guidance{Time: t, LaneProbs: out.LaneProbs, StopProb: out.StopProb, Features: out.Features}
	switch {
	case out.LaneProbs[planner.SideLeft] >= a.LaneConfidence:
		g.Lane = planner.LaneChangeLeft
	case out.LaneProbs[planner.SideRight] >= a.LaneConfidence:
		g.Lane = planner.LaneChangeRight
	case out.LaneProbs[planner.SideKeep] >= a.LaneConfidence:
		g.Lane = planner.LaneKeep
	}
	if out.TargetSpeed > a.MinCap {
		g.TargetSpeed = out.TargetSpeed + a.SpeedMargin
	}
	return g
}
