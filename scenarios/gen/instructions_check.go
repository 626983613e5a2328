package gen

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// InstructionOutcome says whether a drive followed a scenario's instructions.
type InstructionOutcome struct {
	// Checked is true when the scenario has an instruction CheckInstructions can check: a junction
	// movement beyond the route shown, "stop at the pickup zone", a lane change or "drive slowly".
	Checked bool
	// Followed is true when every checked instruction was followed (false when nothing was checked).
	Followed bool
	// Detail says what was checked and, when not followed, what happened.
	Detail string
}

// CheckInstructions checks a drive of the scenario (ego rear-axle states from frame 0, one per DT; only the
// first sc.Steps()+1 frames count) against its instructions:
//   - "turn left in 40 meters", "go straight", ... with Scenario.RouteShown > 0: the ego reaches a lane of the
//     roadblock after the junction on the route (Route[RouteShown+1]);
//   - "stop at the pickup zone": the ego stands (below 0.3 m/s) for at least 2 s within 1 m of the
//     Scenario.StopZone area with two corners of its footprint (alongside it);
//   - "change to the left lane" (right): at the end the ego is in a lane to the left (right) of the lanes
//     ahead of it on the lane it drove in when told;
//   - "drive slowly": from SlowGrace seconds after the instruction on, the ego's speed stays at most
//     SlowFraction of the speed limit (+0.3 m/s).
//
// The vehicle is nuPlan's Pacifica (the simulator's default).
func CheckInstructions(sc *scenarios.Scenario, ego []dynamics.State) InstructionOutcome {
	n := min(len(ego), sc.Steps()+1)
	if n == 0 || len(sc.Instructions) == 0 {
		return InstructionOutcome{Detail: "no drive or no instructions"}
	}
	ego = ego[:n]
	mx := sc.Map.Index()
	var checks []string
	fail := ""
	note := func(ok bool, what, why string) {
		checks = append(checks, what)
		if !ok && fail == "" {
			fail = what + ": " + why
		}
	}
	frameAt := func(t float64) int { return min(max(int(math.Round(t/sc.DT)), 0), n-1) }
	branchDone, stopDone, slowDone := false, false, false
	for _, in := range sc.Instructions {
		text := in.Text
		switch {
		case isMovement(text) && !branchDone:
			branchDone = true
			if sc.RouteShown <= 0 || sc.RouteShown+1 >= len(sc.Route) {
				continue // the route tells the way
			}
			rb := sc.Route[sc.RouteShown+1]
			ok := false
			for _, e := range ego {
				if l, _, _, found := mx.NearestLane(e.Pose, 2); found && mx.Lane(l).Roadblock == rb {
					ok = true
					break
				}
			}
			note(ok, text, "never reached roadblock "+rb)
		case text == TextStopPickup && !stopDone:
			stopDone = true
			ok, why := stoppedAtZone(sc, ego[frameAt(in.T):])
			note(ok, text, why)
		case text == TextLaneLeft || text == TextLaneRight:
			ok, why := changedLane(mx, ego[frameAt(in.T)].Pose, ego[n-1].Pose, text == TextLaneLeft)
			note(ok, text, why)
		case text == TextDriveSlow && !slowDone:
			slowDone = true
			ok, why := true, ""
			for i := frameAt(in.T + SlowGrace); i < n; i++ {
				e := ego[i]
				lim, has := mx.SpeedLimitAt(e.Pose.Pos())
				if has && e.Speed > SlowFraction*lim+0.3 {
					ok, why = false, fmt.Sprintf("%.1f m/s at %.1f s (limit %.1f)", e.Speed, float64(i)*sc.DT, lim)
					break
				}
			}
			note(ok, text, why)
		}
	}
	if len(checks) == 0 {
		return InstructionOutcome{Detail: "nothing to check"}
	}
	out := InstructionOutcome{Checked: true, Followed: fail == "", Detail: "followed: " + strings.Join(checks, "; ")}
	if fail != "" {
		out.Detail = "not followed: " + fail
	}
	return out
}

// isMovement reports whether an instruction names a junction movement ("turn left in 40 meters", "go
// straight").
func isMovement(t string) bool {
	return strings.HasPrefix(t, "turn left") || strings.HasPrefix(t, "turn right") || strings.HasPrefix(t, "go straight")
}

// stoppedAtZone reports whether the ego stands for 2 s beside (within 1 m of) the scenario's stop zone.
func stoppedAtZone(sc *scenarios.Scenario, ego []dynamics.State) (bool, string) {
	i := slices.IndexFunc(sc.Map.Areas, func(a scenarios.Area) bool { return a.ID == sc.StopZone })
	if i < 0 {
		return false, "the scenario has no stop zone"
	}
	zone := sc.Map.Areas[i].Polygon
	veh := dynamics.Pacifica()
	need := int(math.Round(2 / sc.DT))
	run, best := 0, 0
	for _, e := range ego {
		if e.Speed < 0.3 && besideZone(veh.Footprint(e.Pose), zone) {
			run++
			best = max(best, run)
			if run >= need {
				return true, ""
			}
		} else {
			run = 0
		}
	}
	return false, fmt.Sprintf("stood beside the zone for %.1f s at most", float64(best)*sc.DT)
}

// besideZone reports whether two corners of the box lie within 1 m of the polygon.
func besideZone(b geom.Box, zone []geom.Vec2) bool {
	near := 0
	for _, c := range b.Corners() {
		if geom.PointInPolygon(c, zone) || geom.DistToPolygon(c, zone) <= 1 {
			near++
		}
	}
	return near >= 2
}

// changedLane reports whether the ego, in lane L at pose from, ends (pose to) in a lane beside (to the left
// or right of) L or of the lanes that follow L.
func changedLane(mx *scenarios.MapIndex, from, to geom.Pose, left bool) (bool, string) {
	l0, _, _, ok := mx.NearestLane(from, 3)
	if !ok {
		return false, "the ego was on no lane when told"
	}
	l1, _, _, ok := mx.NearestLane(to, 3)
	if !ok {
		return false, "the ego ends on no lane"
	}
	side := mx.RightNeighbor
	if left {
		side = mx.LeftNeighbor
	}
	// The lanes ahead on the lane the ego was in (through junctions too), and the lanes beside them.
	seen := map[int]bool{}
	queue := []int{l0}
	for len(queue) > 0 && len(seen) < 200 {
		l := queue[0]
		queue = queue[1:]
		if seen[l] {
			continue
		}
		seen[l] = true
		if l == l1 {
			return false, "still in the lane it was in"
		}
		for nb, k := side(l), 0; nb >= 0 && k < 8; nb, k = side(nb), k+1 {
			if nb == l1 {
				return true, ""
			}
		}
		queue = append(queue, mx.Successors(l)...)
	}
	return false, "ends in lane " + mx.Lane(l1).ID + ", not beside its lane"
}

// expertStates returns the expert log as ego states (Time from frame 0).
func expertStates(sc *scenarios.Scenario) []dynamics.State {
	out := make([]dynamics.State, len(sc.Expert))
	for i, e := range sc.Expert {
		out[i] = dynamics.State{Time: float64(i) * sc.DT, Pose: e.Pose, Speed: e.Speed, Accel: e.Accel, Steering: e.Steering}
	}
	return out
}
