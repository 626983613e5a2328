package dynamics

import (
	"errors"
	"fmt"
	"math"

	"asyncdrive/geom"
)

// VehicleParams describes the ego vehicle's geometry and actuator limits.
type VehicleParams struct {
	Wheelbase         float64 `json:"wheelbase"`           // m, rear axle to front axle
	Width             float64 `json:"width"`               // m
	FrontLength       float64 `json:"front_length"`        // m, rear axle to front bumper
	RearLength        float64 `json:"rear_length"`         // m, rear axle to rear bumper
	MaxSteering       float64 `json:"max_steering"`        // rad, front-wheel angle limit
	AccelTimeConst    float64 `json:"accel_time_const"`    // s, first-order lag of the acceleration actuator
	SteeringTimeConst float64 `json:"steering_time_const"` // s, first-order lag of the steering actuator
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

// CommonRoadVehicle returns CommonRoad's vehicle type id (1: Ford Escort, 2: BMW 320i, 3: VW Vanagon; the
// digit after the model in a benchmark id such as "KS1:TR2:...") as a kinematic-bicycle ego: the body's
// length and width, the rear axle b behind the centre of gravity (CommonRoad's shapes are centred on it),
// the wheelbase a + b, the type's steering limit (commonroad-vehicle-models, parameters_vehicleN), and
// nuPlan's actuator lags. ok is false for other ids.
func CommonRoadVehicle(id int) (v VehicleParams, ok bool) {
	const ft = 0.3048
	var l, w, a, b, steer float64
	switch id {
	case 1:
		l, w, a, b, steer = 4.298, 1.674, 2.9*ft, 4.95*ft, 0.910
	case 2:
		l, w, a, b, steer = 4.508, 1.610, 3.793293*ft, 4.667707*ft, 1.066
	case 3:
		l, w, a, b, steer = 4.569, 1.844, 3.775563*ft, 4.334437*ft, 1.023
	default:
		return VehicleParams{}, false
	}
	v = Pacifica()
	v.Wheelbase, v.Width, v.FrontLength, v.RearLength, v.MaxSteering = a+b, w, l/2+b, l/2-b, steer
	return v, true
}

// Validate reports the first field that is not finite or out of range: positive wheelbase, width and front
// length, a non-negative rear length, a steering limit in (0, pi/2) and non-negative lags.
func (p VehicleParams) Validate() error {
	fields := [...]struct {
		name string
		v    float64
		ok   bool
	}{
		{"wheelbase", p.Wheelbase, p.Wheelbase > 0},
		{"width", p.Width, p.Width > 0},
		{"front_length", p.FrontLength, p.FrontLength > 0},
		{"rear_length", p.RearLength, p.RearLength >= 0},
		{"max_steering", p.MaxSteering, p.MaxSteering > 0 && p.MaxSteering < math.Pi/2},
		{"accel_time_const", p.AccelTimeConst, p.AccelTimeConst >= 0},
		{"steering_time_const", p.SteeringTimeConst, p.SteeringTimeConst >= 0},
	}
	for _, f := range fields {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || !f.ok {
			return fmt.Errorf("vehicle %s %v is out of range", f.name, f.v)
		}
	}
	if p.FrontLength < p.Wheelbase {
		return errors.New("vehicle front_length is shorter than the wheelbase (the front axle would stick out)")
	}
	return nil
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
