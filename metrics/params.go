package metrics

// Metric names, in the order of Names, Result.Values and the weighted average.
const (
	NameNoAtFaultCollisions        = "no_ego_at_fault_collisions"
	NameDrivableAreaCompliance     = "drivable_area_compliance"
	NameDrivingDirectionCompliance = "driving_direction_compliance"
	NameMakingProgress             = "ego_is_making_progress"
	NameProgressAlongExpertRoute   = "ego_progress_along_expert_route"
	NameTimeToCollisionWithinBound = "time_to_collision_within_bound"
	NameSpeedLimitCompliance       = "speed_limit_compliance"
	NameComfortable                = "ego_is_comfortable"
	// NameLaneChange is nuPlan's ego_lane_change metric. It is computed (Result.LaneChange) but takes no part
	// in the score unless Weights.LaneChange is set: see Weights.
	NameLaneChange = "ego_lane_change"
)

// NumMetrics is the number of metrics of the closed-loop score.
const NumMetrics = 8

// Names lists the eight closed-loop score metrics: the four multipliers, then the four weighted metrics.
var Names = []string{
	NameNoAtFaultCollisions,
	NameDrivableAreaCompliance,
	NameDrivingDirectionCompliance,
	NameMakingProgress,
	NameProgressAlongExpertRoute,
	NameTimeToCollisionWithinBound,
	NameSpeedLimitCompliance,
	NameComfortable,
}

// Weights are the weights of the weighted metrics in the closed-loop score.
type Weights struct {
	Progress   float64 // ego_progress_along_expert_route
	TTC        float64 // time_to_collision_within_bound
	SpeedLimit float64 // speed_limit_compliance
	Comfort    float64 // ego_is_comfortable
	// LaneChange weights ego_lane_change (1 when its lane changes fail at most MaxLaneChangeFailRate of the
	// time). nuPlan's aggregator gives any scored metric missing from its weight table the default weight 1,
	// but its ego_lane_change metric returns no score, so the aggregator skips it and the challenge CLS
	// leaves it out: the default here is 0. Set 1 to score as if the metric had a score.
	LaneChange float64
}

// DefaultWeights are the weights of nuPlan's closed_loop_*_weighted_average aggregators: progress 5, TTC 5,
// speed limit 4, comfort 2 (and lane change 0).
var DefaultWeights = Weights{Progress: 5, TTC: 5, SpeedLimit: 4, Comfort: 2}

// ComfortBounds are the bounds of ego_is_comfortable. A quantity is within bounds when strictly inside them.
type ComfortBounds struct {
	MinLonAccel, MaxLonAccel float64 // m/s^2, at the box centre
	MaxAbsLatAccel           float64 // m/s^2, at the box centre
	MaxAbsJerk               float64 // m/s^3, of the rear-axle acceleration magnitude
	MaxAbsLonJerk            float64 // m/s^3
	MaxAbsYawRate            float64 // rad/s
	MaxAbsYawAccel           float64 // rad/s^2
}

// DefaultComfortBounds are nuPlan's comfort bounds (simulation_metric/low_level/ego_*_statistics.yaml).
var DefaultComfortBounds = ComfortBounds{
	MinLonAccel:    -4.05,
	MaxLonAccel:    2.40,
	MaxAbsLatAccel: 4.89,
	MaxAbsJerk:     8.37,
	MaxAbsLonJerk:  4.13,
	MaxAbsYawRate:  0.95,
	MaxAbsYawAccel: 1.93,
}

// Params holds every threshold of the metrics. DefaultParams returns nuPlan's closed-loop configuration.
type Params struct {
	// StoppedSpeed (m/s): ego or an object at most this fast is stopped for the collision classification.
	StoppedSpeed float64
	// CollisionThresholds are the numbers of at-fault collisions tolerated per ObjectClass (VRU, vehicle,
	// object) before the class score reaches 0.
	CollisionThresholds [NumClasses]int
	// MaxDrivableViolation (m): a corner this far or farther outside the drivable area fails
	// drivable_area_compliance.
	MaxDrivableViolation float64
	// DirectionCompliance and DirectionViolation (m): progress against the lane direction within
	// DirectionHorizon (s) below the first scores 1, below the second 0.5, else 0.
	DirectionCompliance, DirectionViolation, DirectionHorizon float64
	// MinProgressRatio: ego_is_making_progress needs ego/expert progress at least this.
	MinProgressRatio float64
	// ProgressThreshold (m): the floor of both progresses in the progress ratio, and the most negative ego
	// progress tolerated.
	ProgressThreshold float64
	// TTCStep and TTCHorizon (s): the constant-velocity projection's step and horizon; TTCLeastMin (s): a TTC
	// at or below it fails; TTCStoppedSpeed (m/s): no TTC is computed while ego is at most this fast.
	TTCStep, TTCHorizon, TTCLeastMin, TTCStoppedSpeed float64
	// MaxOverspeed (m/s): the overspeed that, held for the whole scenario, scores 0.
	MaxOverspeed float64
	// Comfort bounds.
	Comfort ComfortBounds
	// MaxLaneChangeFailRate: the highest share of failed lane changes for which ego_lane_change is 1.
	MaxLaneChangeFailRate float64
	// Weights of the weighted metrics.
	Weights Weights
}

// DefaultParams returns nuPlan's closed-loop metric configuration (simulation_metric/high_level/*.yaml and
// the closed-loop weighted-average aggregator).
func DefaultParams() Params {
	return Params{
		StoppedSpeed:          5e-2,
		CollisionThresholds:   [NumClasses]int{0, 0, 1},
		MaxDrivableViolation:  0.3,
		DirectionCompliance:   2,
		DirectionViolation:    6,
		DirectionHorizon:      1,
		MinProgressRatio:      0.2,
		ProgressThreshold:     2,
		TTCStep:               0.1,
		TTCHorizon:            3,
		TTCLeastMin:           0.95,
		TTCStoppedSpeed:       5e-3,
		MaxOverspeed:          2.23,
		Comfort:               DefaultComfortBounds,
		MaxLaneChangeFailRate: 0.3,
		Weights:               DefaultWeights,
	}
}
