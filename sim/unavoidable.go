package sim

import (
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// HardBrakeDecel (m/s^2) is the deceleration UnavoidableCollision brakes at: about a car's full braking on a
// dry road, twice nuPlan's comfort bound.
const HardBrakeDecel = 8.0

// UnavoidableCollision reports whether an at-fault collision with object id is the scenario's rather than
// the planner's. It runs the scenario again with the vehicle, agents and horizon of cfg, but with an ego
// that brakes at up to HardBrakeDecel along its heading from the first frame and plans nothing else
// (planner.Brake). If that ego has an at-fault collision with id too (a road user cuts in so close, or
// drives into the ego's front so soon, that the ego meets it still moving), braking could not have avoided
// it. It returns the time (s after the start) of that collision. A road user that reaches a standing ego
// hits it at the other's fault (nuPlan's classification), so a collision an ego could brake to a stop
// before is never the scenario's.
func UnavoidableCollision(sc *scenarios.Scenario, cfg Config, id string) (float64, bool, error) {
	c := Config{Agents: cfg.Agents, Steps: cfg.Steps, Vehicle: cfg.Vehicle}
	res, err := Run(sc, planner.NewBrake(HardBrakeDecel), c)
	if err != nil {
		return 0, false, err
	}
	for _, col := range res.Metrics.CollisionList() {
		if col.AtFault && col.ObjectID == id {
			return col.Time - res.Ego[0].Time, true, nil
		}
	}
	return 0, false, nil
}
