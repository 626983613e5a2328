package idm

import "math"

// Params are the IDM parameters.
type Params struct {
	TargetSpeed float64 // v0, m/s
	MinGap      float64 // s0, m
	Headway     float64 // T, s
	AccelMax    float64 // a, m/s^2
	DecelMax    float64 // b, comfortable deceleration, m/s^2 (positive)
	Exponent    float64 // delta; 4 when zero
	// RawDesiredGap leaves the desired gap s* = s0 + v T + v dv / (2 sqrt(a b)) unclamped, as nuPlan's
	// IDMPolicy does: behind a leader pulling away fast the dynamic term goes negative and s* falls below s0,
	// even below 0, where its square brakes again. false: the standard IDM, which clamps the dynamic term at 0.
	RawDesiredGap bool
}

// Agents returns nuPlan's reactive-agent parameters (idm_agents_observation.yaml) for a target speed.
func Agents(target float64) Params {
	return Params{TargetSpeed: target, MinGap: 1.0, Headway: 1.5, AccelMax: 1.0, DecelMax: 2.0}
}

// Planner returns nuPlan's IDM planner baseline parameters (idm_planner.yaml).
func Planner() Params {
	return Params{TargetSpeed: 10, MinGap: 1.0, Headway: 1.5, AccelMax: 1.0, DecelMax: 3.0}
}

// Accel returns the IDM acceleration for speed v with a leader gap metres ahead (bumper to bumper) moving
// at leadSpeed. Use gap = +Inf for a free road. A non-positive gap gives the maximum braking the formula
// allows for a tiny gap; callers clip the result to their actuator limits.
func (p Params) Accel(v, gap, leadSpeed float64) float64 {
	delta := p.Exponent
	if delta == 0 {
		delta = 4
	}
	v = math.Max(v, 0)
	free := 1.0
	if p.TargetSpeed > 0 {
		free = 1 - math.Pow(v/p.TargetSpeed, delta)
	} else {
		free = -1
	}
	if math.IsInf(gap, 1) {
		return p.AccelMax * free
	}
	gap = math.Max(gap, 0.01)
	dyn := v*p.Headway + v*(v-leadSpeed)/(2*math.Sqrt(p.AccelMax*p.DecelMax))
	if !p.RawDesiredGap {
		dyn = math.Max(0, dyn)
	}
	sStar := p.MinGap + dyn
	return p.AccelMax * (free - (sStar/gap)*(sStar/gap))
}
