package dynamics

import "math"

// Propagate advances s by dt seconds under cmd with nuPlan's kinematic bicycle model (KinematicBicycleModel in
// nuplan/planning/simulation/controller/motion_model/kinematic_bicycle.py) and returns the state at s.Time+dt.
//
// First the commands pass through first-order lags, discretised as nuPlan's _update_commands does:
//
//	accel'    = accel + dt/(dt+AccelTimeConst) * (cmd.Accel - accel)
//	steer*    = steering + dt*cmd.SteeringRate
//	steer'    = steering + dt/(dt+SteeringTimeConst) * (steer* - steering)
//	rate'     = (steer' - steering) / dt
//
// Then one forward Euler step from the rear axle, with the derivatives taken at the start of the step (the old
// speed, heading and steering angle):
//
//	x += speed*cos(heading)*dt, y += speed*sin(heading)*dt, heading += speed*tan(steering)/Wheelbase*dt
//	speed += accel'*dt, steering = clip(steering + rate'*dt, -MaxSteering, MaxSteering)
//
// The new heading is wrapped to [-pi, pi), the new Accel is accel', and the new YawRate is
// speed*tan(steering)/Wheelbase from the new speed and steering angle. As in nuPlan, speed is not clamped at
// zero: a braking command can drive it negative (the LQR tracker's stopping controller is what keeps it near
// zero). Non-finite commands give non-finite states, never a panic; check State.IsFinite. For dt <= 0 (or
// NaN) s is returned unchanged.
func (p VehicleParams) Propagate(s State, cmd Command, dt float64) State {
	if !(dt > 0) {
		return s
	}
	// Actuator lags.
	accel := dt/(dt+p.AccelTimeConst)*(cmd.Accel-s.Accel) + s.Accel
	idealSteer := dt*cmd.SteeringRate + s.Steering
	steer := dt/(dt+p.SteeringTimeConst)*(idealSteer-s.Steering) + s.Steering
	steerRate := (steer - s.Steering) / dt

	// Derivatives at the start of the step.
	sin, cos := math.Sincos(s.Pose.Heading)
	xDot := s.Speed * cos
	yDot := s.Speed * sin
	yawDot := s.Speed * math.Tan(s.Steering) / p.Wheelbase

	var n State
	n.Time = s.Time + dt
	n.Pose.X = s.Pose.X + xDot*dt
	n.Pose.Y = s.Pose.Y + yDot*dt
	n.Pose.Heading = principalValue(s.Pose.Heading + yawDot*dt)
	n.Speed = s.Speed + accel*dt
	n.Accel = accel
	n.Steering = math.Max(-p.MaxSteering, math.Min(p.MaxSteering, s.Steering+steerRate*dt))
	n.YawRate = n.Speed * math.Tan(n.Steering) / p.Wheelbase
	return n
}
