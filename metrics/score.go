package metrics

import (
	"math"
	"sort"
)

// WeightedScore is nuPlan's WeightedAverageMetricAggregator for one scenario: the product of the multiplier
// scores times the weighted average sum(w_i*s_i)/sum(w_i) of the others, 0 when the weights sum to 0. scores
// and weights pair up by index; extra entries of either are ignored. It does not allocate.
func WeightedScore(multipliers, scores, weights []float64) float64 {
	prod := 1.0
	for _, m := range multipliers {
		prod *= m
	}
	sum, wsum := 0.0, 0.0
	for i := range min(len(scores), len(weights)) {
		sum += weights[i] * scores[i]
		wsum += weights[i]
	}
	if wsum == 0 {
		return 0
	}
	return prod * sum / wsum
}

// Score returns the closed-loop score (CLS) of one scenario with nuPlan's weights: multipliers are
// no_ego_at_fault_collisions, drivable_area_compliance, driving_direction_compliance and
// ego_is_making_progress; weighted are ego_progress_along_expert_route (5), time_to_collision_within_bound
// (5), speed_limit_compliance (4) and ego_is_comfortable (2).
func Score(multipliers, weighted [4]float64) float64 {
	return DefaultWeights.Score(multipliers, weighted, 1)
}

// Score returns the closed-loop score with weights w; laneChange is the ego_lane_change score, which counts
// only when w.LaneChange is not 0.
func (w Weights) Score(multipliers, weighted [4]float64, laneChange float64) float64 {
	s := [5]float64{weighted[0], weighted[1], weighted[2], weighted[3], laneChange}
	ws := [5]float64{w.Progress, w.TTC, w.SpeedLimit, w.Comfort, w.LaneChange}
	return WeightedScore(multipliers[:], s[:], ws[:])
}

// TypeScore is the mean score of the scenarios of one type.
type TypeScore struct {
	Type  string  // scenario type
	N     int     // number of scenarios of the type
	Score float64 // mean score
}

// Aggregate averages scenario scores as nuPlan's aggregator does: the mean per scenario type (sorted by
// type) and the overall score, the mean over all scenarios (equivalently the type means weighted by their
// counts). types and scores pair up by index. NaN scores count as 0.
func Aggregate(types []string, scores []float64) (perType []TypeScore, overall float64) {
	idx := map[string]int{}
	total := 0.0
	n := min(len(types), len(scores))
	for i := range n {
		s := scores[i]
		if math.IsNaN(s) {
			s = 0
		}
		j, ok := idx[types[i]]
		if !ok {
			j = len(perType)
			idx[types[i]] = j
			perType = append(perType, TypeScore{Type: types[i]})
		}
		perType[j].N++
		perType[j].Score += s
		total += s
	}
	for i := range perType {
		perType[i].Score /= float64(perType[i].N)
	}
	sort.Slice(perType, func(a, b int) bool { return perType[a].Type < perType[b].Type })
	if n > 0 {
		overall = total / float64(n)
	}
	return perType, overall
}
