package llmguide

import (
	"fmt"
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Turn directions of a junction movement (scenarios.Movement's names).
const (
	TurnStraight = "straight"
	TurnLeft     = "left"
	TurnRight    = "right"
)

// instructionRange (m): a turn farther ahead than this is not announced yet ("keep going"), as in
// AsyncDriver, which truncates its instructions at a few tens of metres.
const instructionRange = 40.0

// NextTurn follows the route from the ego's pose and returns the next junction movement (a lane connector)
// ahead: its direction and the distance (m) along the route to where it starts; ok is false when the route
// has none within maxDist.
func NextTurn(mx *scenarios.MapIndex, route []string, ego geom.Pose, maxDist float64) (turn string, dist float64, ok bool) {
	if mx == nil || len(route) == 0 || !ego.IsFinite() {
		return "", 0, false
	}
	lanes := mx.RouteLanes(route, ego, 32)
	if len(lanes) == 0 {
		return "", 0, false
	}
	// Arc length from the ego to the start of each lane of the sequence.
	first := mx.Path(lanes[0])
	s0, _ := first.Project(ego.Pos())
	d := -s0
	for _, l := range lanes {
		if d > maxDist {
			break
		}
		if mx.Lane(l).Connector {
			if d < -1 {
				d = 0 // already in the junction
			}
			return mx.Movement(l).String(), math.Max(0, d), true
		}
		d += mx.Path(l).Length()
	}
	return "", 0, false
}

// RouteInstruction returns an AsyncDriver-style routing instruction for the ego at pose ego on the route:
// "turn left in 30 meters" or "turn right in 10 meters" when a turn starts within 40 m, "go straight" for a
// straight junction movement within 40 m, "keep going" otherwise.
func RouteInstruction(mx *scenarios.MapIndex, route []string, ego geom.Pose) string {
	turn, d, ok := NextTurn(mx, route, ego, instructionRange)
	switch {
	case !ok:
		return "keep going"
	case turn == TurnStraight:
		return "go straight"
	}
	return fmt.Sprintf("turn %s in %d meters", turn, int(math.Round(d/10)*10))
}
