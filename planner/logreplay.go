package planner

import (
	"errors"

	"asyncdrive/dynamics"
	"asyncdrive/scenarios"
)

// LogReplay is the expert baseline (nuPlan's log future planner): at every iteration it returns the expert's
// logged state now and its next 16 states 0.5 s apart (log_future_planner.yaml: num_poses 16 over 8 s), which
// the simulator's tracker then follows between those points. Its score is the reference the other planners
// are compared with.
type LogReplay struct {
	expert []scenarios.EgoState
	dt     float64
	stride int // frames between the returned states
	buf    dynamics.Trajectory
}

// Log replay's trajectory: logReplayPoses states after the current one, logReplayHorizon seconds ahead.
const (
	logReplayPoses   = 16
	logReplayHorizon = 8.0
)

// NewLogReplay returns a log-replay planner for sc.
func NewLogReplay(sc *scenarios.Scenario) *LogReplay {
	stride := max(1, int(logReplayHorizon/logReplayPoses/sc.DT+0.5))
	return &LogReplay{expert: sc.Expert, dt: sc.DT, stride: stride, buf: make(dynamics.Trajectory, 0, logReplayPoses+1)}
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
	for k := 0; k <= logReplayPoses; k++ {
		i := in.Iteration + k*p.stride
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
