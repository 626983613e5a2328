package metrics

import (
	"math"

	"asyncdrive/scenarios"
)

// SpeedLimitOf returns the speed limit that applies to ego in the lanes lanes (LaneTracker.Lanes) with primary
// lane primary, and whether there is one, as nuPlan's speed_limit_compliance: in a lane, that lane's limit;
// in lane connectors, the highest limit of the lanes entering and leaving them. A missing (zero) limit
// anywhere among those means no limit. Connectors with no neighbouring lanes use their own limits (nuPlan
// fails there). It does not allocate.
func SpeedLimitOf(m *scenarios.MapIndex, lanes *LaneSet, primary int) (float64, bool) {
	if lanes.Len() == 0 || primary < 0 {
		return 0, false
	}
	if !m.Lane(primary).Connector {
		v := m.Lane(primary).SpeedLimit
		return v, v > 0
	}
	best, n := 0.0, 0
	for i := 0; i < lanes.Len(); i++ {
		c := lanes.At(i)
		for _, nb := range [2][]int{m.Successors(c), m.Predecessors(c)} {
			for _, l := range nb {
				v := m.Lane(l).SpeedLimit
				if v <= 0 {
					return 0, false
				}
				best = math.Max(best, v)
				n++
			}
		}
	}
	if n == 0 {
		for i := 0; i < lanes.Len(); i++ {
			v := m.Lane(lanes.At(i)).SpeedLimit
			if v <= 0 {
				return 0, false
			}
			best = math.Max(best, v)
		}
	}
	return best, best > 0
}

// Overspeed returns how much faster than limit speed (its magnitude) is, 0 when not.
func Overspeed(speed, limit float64) float64 { return math.Max(0, math.Abs(speed)-limit) }

// SpeedLimitScore returns speed_limit_compliance from the sum of the per-frame overspeeds of a run of frames
// frames at equal spacing: max(0, 1 - sum*dt / (maxOverspeed * duration)) with duration = (frames-1)*dt, as
// nuPlan normalises it; 1 without overspeed or when the run has no duration.
func SpeedLimitScore(overspeedSum float64, frames int, maxOverspeed float64) float64 {
	if overspeedSum <= 0 || frames < 2 {
		return 1
	}
	thr := math.Max(maxOverspeed, 1e-3)
	return math.Max(0, 1-overspeedSum/(thr*float64(frames-1)))
}
