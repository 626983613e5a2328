package llmguide

import (
	"slices"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// LaneChange classifies a move from pose a to pose b on the map: planner.SideKeep when b's lane is a's lane
// or one of its successors (up to 64 lanes on), planner.SideLeft or planner.SideRight when b's lane lies
// beside one of them; SideKeep also when either pose is on no lane. The dataset labels the expert's lane
// changes with it, and the guide tells with it when a lane change it asked for is done.
func LaneChange(mx *scenarios.MapIndex, a, b geom.Pose) int {
	la, _, _, ok1 := mx.NearestLane(a, 3)
	lb, _, _, ok2 := mx.NearestLane(b, 3)
	if !ok1 || !ok2 {
		return planner.SideKeep
	}
	chain := []int{la}
	for k := 0; k < len(chain) && len(chain) < 64; k++ {
		for _, s := range mx.Successors(chain[k]) {
			if !slices.Contains(chain, s) {
				chain = append(chain, s)
			}
		}
	}
	if slices.Contains(chain, lb) {
		return planner.SideKeep
	}
	for _, l := range chain {
		if mx.LeftNeighbor(l) == lb {
			return planner.SideLeft
		}
		if mx.RightNeighbor(l) == lb {
			return planner.SideRight
		}
	}
	return planner.SideKeep
}

// changeTracker turns a lane change that is done into "keep". An instruction such as "change to the left
// lane" stays in force, in words, after the car has changed lanes, and a model reading the words goes on
// asking for the change; the planner reads lane intents relative to the lane the ego is in, so it would
// change lanes again, and again. The tracker remembers where the ego was when the instruction in force
// came in; once the ego is in a lane to the side the guidance asks for, relative to that place, the
// guidance says keep until the instruction changes. (The same command given again does not start a new
// change; a different one in between does.)
type changeTracker struct {
	mx   *scenarios.MapIndex
	text string    // the instruction the reference pose belongs to
	from geom.Pose // the ego's pose when it came in
	set  bool
}

// guidance returns the guidance of a model output computed from input in under instruction text: the
// adapter's, with a lane change that is done turned into keep (apply).
func (c *changeTracker) guidance(a Adapter, out *Output, text string, in *planner.Input) *planner.Guidance {
	g := a.Guidance(out, in.Time)
	if len(in.Ego) > 0 {
		c.apply(text, in.Current().Pose, g)
	}
	return g
}

// apply updates the tracker with the instruction in force and the ego's pose at a model run, and turns g's
// lane-change request into keep when that change is done.
func (c *changeTracker) apply(text string, ego geom.Pose, g *planner.Guidance) {
	if c.mx == nil || g == nil {
		return
	}
	if !c.set || text != c.text {
		c.text, c.from, c.set = text, ego, true
		return
	}
	side := asked(g)
	if side == planner.SideKeep || LaneChange(c.mx, c.from, ego) != side {
		return
	}
	g.Lane = planner.LaneKeep
	g.LaneProbs = [3]float64{planner.SideKeep: 1}
}

// asked returns the side a guidance asks to change to: its discrete lane intent, else the side its lane
// probabilities rate above keeping the lane; SideKeep when none.
func asked(g *planner.Guidance) int {
	switch g.Lane {
	case planner.LaneChangeLeft:
		return planner.SideLeft
	case planner.LaneChangeRight:
		return planner.SideRight
	case planner.LaneKeep:
		return planner.SideKeep
	}
	p := g.LaneProbs
	switch {
	case p[planner.SideLeft] > p[planner.SideKeep] && p[planner.SideLeft] >= p[planner.SideRight]:
		return planner.SideLeft
	case p[planner.SideRight] > p[planner.SideKeep]:
		return planner.SideRight
	}
	return planner.SideKeep
}
