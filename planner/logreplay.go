package planner

import (
	"errors"

	"asyncdrive/dynamics"
	"asyncdrive/scenarios"
)

// LogReplay is the expert baseline (nuPlan's log future planner): at every iteration it returns the expert's
// logged trajectory from the current time on, which the simulator's tracker then follows. Its score is the
// reference the other planners are compared with.
type LogReplay struct {
	expert  []scenarios.EgoState
	dt      float64
	horizon int // points after the current one
	buf     dynamics.Trajectory
}

// NewLogReplay returns a log-replay planner for sc with an 8 s horizon.
func NewLogReplay(sc *scenarios.Scenario) *LogReplay {
	h := int(8/sc.DT + 0.5)
	return &LogReplay{expert: sc.Expert, dt: sc.DT, horizon: h, buf: make(dynamics.Trajectory, 0, h+1)}
}

// Name returns "log_replay".
func (p *LogReplay) Name() string { return "log_replay" }

// Initialize checks that there is an expert log to replay.
func (p *LogReplay) Initialize(Initialization) error {
	if len(p.expert) < 2 {
		return errors.New("log_replay: the scenario has no expert log")
	}
	return nil
}

// ComputeTrajectory returns the expert's states from the current iteration on. Past the end of the log the
// last state is held.
func (p *LogReplay) ComputeTrajectory(in *Input) (dynamics.Trajectory, error) {
	p.buf = p.buf[:0]
	last := len(p.expert) - 1
	for k := 0; k <= p.horizon; k++ {
		i := in.Iteration + k
		e := p.expert[min(i, last)]
		speed, acc := e.Speed, e.Accel
		if i > last {
			speed, acc = 0, 0
		}
		p.buf = append(p.buf, dynamics.TrajectoryPoint{
			Time: float64(i) * p.dt, Pose: e.Pose, Speed: speed, Accel: acc,
		})
	}
	return p.buf, nil
}
