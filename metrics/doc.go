// Package metrics scores closed-loop runs with nuPlan's closed-loop metrics and their aggregate, the
// closed-loop score (CLS), re-implemented from nuplan-devkit's evaluation_metrics/common and its
// closed_loop_*_weighted_average aggregator.
//
// The score of one run is
//
//	CLS = no_ego_at_fault_collisions x drivable_area_compliance x driving_direction_compliance x
//	      ego_is_making_progress x (5 progress + 5 TTC + 4 speed limit + 2 comfort) / 16
//
// Evaluate composes the metrics over a whole Run and returns a Result with the eight metric values, the
// score and details (collisions, violations, progress, minimum TTC, comfort extremes).
//
// The metrics are built from kernels that take plain values and do not allocate, so that a planner can
// score its own proposals with the same code every tick:
//
//   - collisions: BoxesOverlap, ClassifyCollision, AtFault, CollisionScore, EgoDeltaV;
//   - lanes: EgoLaneStatus (is ego in one lane or connected lanes?), LaneTracker, RouteObjectsAt;
//   - drivable area: DrivableViolation, DrivableScore;
//   - driving direction: DirectionTracker, DirectionScore;
//   - progress: RouteProgress, ProgressRatio, MakingProgressScore;
//   - time to collision: FrameTTC, PairTTC, TTCScore;
//   - speed limit: SpeedLimitOf, Overspeed, SpeedLimitScore;
//   - comfort: Comfort, ComfortSeries (with a reusable ComfortBuffer), SavGol;
//   - aggregation: Score, WeightedScore, Weights.Score, Aggregate.
//
// Where nuPlan's code and documentation disagree, the code wins; where nuPlan relies on map layers the
// scenario map does not have, or on data the simulator does not record, the approximation is documented on
// the function. docs/metrics.md describes every metric, its nuPlan source and every such decision.
package metrics
