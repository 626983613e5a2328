package planner

import (
	"errors"
	"math"

	"asyncdrive/dynamics"
)

// Braking through nuPlan's tracker. Its LQR fits the reference speed to the trajectory's poses and commands
// about -0.9 m/s^2 per m/s of speed above it (trackerGain), so a plan that stops in place brakes a 1 m/s ego
// at only 0.9 m/s^2. A straight line along the heading at a lower, "correcting", speed brakes it as hard as
// wanted (tuplan_garage's PDMEmergencyBrake). Here the line's speed is the one at which the tracker (its LQR,
// or its stopping controller below 0.2 m/s) commands -min(decel, u / emergencyStopTime), u the speed the ego
// settles at once the actuator's lag has passed: the ego stops without backing up.

// trackerGain returns how many m/s^2 the longitudinal LQR of a tracker tuned with lp commands per m/s of
// speed above the reference: b Q / (b^2 Q + R) with b the tracking horizon in seconds (0.91 for nuPlan's).
func trackerGain(lp dynamics.LQRParams) float64 {
	b := float64(lp.TrackingHorizon) * lp.Discretization
	return b * lp.QLongitudinal / (b*b*lp.QLongitudinal + lp.RLongitudinal)
}

// stopCommand returns the acceleration a brake of at most decel (m/s^2) asks for at ego's state, for a
// vehicle whose actuator lags by accelTimeConst (s): -min(decel, u / emergencyStopTime), u the speed at which
// the ego would settle if the command went to zero now.
func stopCommand(ego dynamics.State, decel, accelTimeConst float64) float64 {
	settle := ego.Speed + ego.Accel*accelTimeConst
	return -min(decel, settle/emergencyStopTime)
}

// appendCommandLine appends to dst a straight line along ego's heading, steps+1 points dt apart, at the
// speed at which a tracker tuned with lp commands the acceleration want.
func appendCommandLine(dst dynamics.Trajectory, ego dynamics.State, want float64, lp dynamics.LQRParams, steps int, dt float64) dynamics.Trajectory {
	v := ego.Speed
	cv := v + want/trackerGain(lp)
	if v <= lp.StoppingVelocity && cv <= lp.StoppingVelocity && lp.StoppingGain > 0 {
		cv = v + want/lp.StoppingGain // the tracker's stopping controller takes over
	}
	for k := 0; k <= steps; k++ {
		t := float64(k) * dt
		dst = append(dst, dynamics.TrajectoryPoint{Time: ego.Time + t, Pose: ego.Pose.Translate(cv*t, 0), Speed: cv})
	}
	return dst
}

// Brake is a planner that only brakes: from its first tick it stops along the ego's heading, at up to the
// deceleration NewBrake was given, through nuPlan's tracker, and stays stopped. It drives nowhere; it is the reference that tells a
// collision braking could have avoided from one it could not (sim.UnavoidableCollision).
type Brake struct {
	decel   float64
	vehicle dynamics.VehicleParams
	lp      dynamics.LQRParams
	out     dynamics.Trajectory
}

// NewBrake returns a Brake planner braking at up to decel (m/s^2).
func NewBrake(decel float64) *Brake { return &Brake{decel: decel} }

// Name returns "brake".
func (b *Brake) Name() string { return "brake" }

// Initialize takes the vehicle (nuPlan's Pacifica when unset); it needs no map.
func (b *Brake) Initialize(init Initialization) error {
	if !(b.decel > 0) || math.IsInf(b.decel, 1) {
		return errors.New("brake: the deceleration must be a positive number")
	}
	b.vehicle = init.vehicle()
	b.lp = dynamics.DefaultLQR()
	return nil
}

// ComputeTrajectory returns 8 s of the correcting line that brakes the ego now.
func (b *Brake) ComputeTrajectory(in *Input) (dynamics.Trajectory, error) {
	ego, err := currentEgo(in, "brake")
	if err != nil {
		return nil, err
	}
	want := stopCommand(ego, b.decel, b.vehicle.AccelTimeConst)
	b.out = appendCommandLine(b.out[:0], ego, want, b.lp, brakeSteps, brakeStep)
	return b.out, nil
}

// The Brake planner's trajectory: 8 s at 0.1 s.
const (
	brakeSteps = 80
	brakeStep  = 0.1
)
