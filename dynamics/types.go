package dynamics

import (
	"math"

	"asyncdrive/geom"
)

// VehicleParams describes the ego vehicle's geometry and actuator limits.
type VehicleParams struct {
	Wheelbase         float64 // m, rear axle to front axle
	Width             float64 // m
	FrontLength       float64 // m, rear axle to front bumper
	RearLength        float64 // m, rear axle to rear bumper
	MaxSteering       float64 // rad, front-wheel angle limit
	AccelTimeConst    float64 // s, first-order lag of the acceleration actuator
	SteeringTimeConst float64 // s, first-order lag of the steering actuator
}

// Pacifica returns nuPlan's ego vehicle (Chrysler Pacifica) with its kinematic bicycle model's settings.
func Pacifica() VehicleParams {
	return VehicleParams{
		Wheelbase:         3.089,
		Width:             2.297,
		FrontLength:       4.049,
		RearLength:        1.127,
		MaxSteering:       math.Pi / 3,
		AccelTimeConst:    0.2,
		SteeringTimeConst: 0.05,
	}
}

// Length returns the vehicle's overall length.
func (p VehicleParams) Length() float64 { return p.FrontLength + p.RearLength }

// RearAxleToCenter returns the distance from the rear axle forward to the box centre.
func (p VehicleParams) RearAxleToCenter() float64 { return (p.FrontLength - p.RearLength) / 2 }

// Footprint returns the vehicle's oriented box when its rear axle is at pose rear.
func (p VehicleParams) Footprint(rear geom.Pose) geom.Box {
	return geom.Box{Center: rear.Translate(p.RearAxleToCenter(), 0), Length: p.Length(), Width: p.Width}
}

// State is the ego's state in nuPlan's terms: rear-axle pose, longitudinal speed and acceleration at the rear
// axle, front-wheel steering angle, and the yaw rate they imply. Time is in seconds.
type State struct {
	Time     float64
	Pose     geom.Pose // rear axle
	Speed    float64   // m/s, longitudinal (the kinematic model has no lateral slip at the rear axle)
	Accel    float64   // m/s^2, longitudinal
	Steering float64   // rad, front-wheel angle
	YawRate  float64   // rad/s
}

// IsFinite reports whether every field of s is a finite number.
func (s State) IsFinite() bool {
	for _, v := range [...]float64{s.Time, s.Pose.X, s.Pose.Y, s.Pose.Heading, s.Speed, s.Accel, s.Steering, s.YawRate} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Command is what the tracker asks of the vehicle for one step: a longitudinal acceleration and a steering
// rate, as nuPlan's two-stage controller passes from the LQR tracker to the motion model.
type Command struct {
	Accel        float64 // m/s^2
	SteeringRate float64 // rad/s
}

// TrajectoryPoint is one timed state of a planned trajectory (rear-axle pose).
type TrajectoryPoint struct {
	Time  float64
	Pose  geom.Pose
	Speed float64
	Accel float64
}

// Trajectory is a planned trajectory: points in increasing time, usually 0.1 s apart.
type Trajectory []TrajectoryPoint
