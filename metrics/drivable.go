package metrics

import (
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// DrivableViolation returns how far (m) the corner of box farthest outside the drivable area (lanes, lane
// connectors and drivable areas) lies from it, 0 when all four corners are inside. A corner past the end
// of a lane where the map was cut, in the corridor continuing it (scenarios.MapIndex.InOpenEnd), is on the
// road and counts as inside. Distances beyond the map index's search neighbourhood are +Inf. It does not
// allocate.
func DrivableViolation(m *scenarios.MapIndex, box geom.Box) float64 {
	worst := 0.0
	for _, c := range box.Corners() {
		if d := m.DistanceOutsideDrivable(c); d > worst && !m.InOpenEnd(c) {
			worst = d
		}
	}
	return worst
}

// DrivableScore returns drivable_area_compliance for the largest corner violation of a run: 1 when it is
// below maxViolation, else 0 (nuPlan: a corner at or beyond the threshold fails).
func DrivableScore(maxViolation, threshold float64) float64 {
	if maxViolation < threshold {
		return 1
	}
	return 0
}
