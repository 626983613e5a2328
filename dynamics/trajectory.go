package dynamics

import (
	"math"

	"asyncdrive/geom"
)

// At returns the trajectory's state at time t, interpolated linearly in time between the two points around t,
// as nuPlan's InterpolatedTrajectory does: position, speed and acceleration linearly, the heading along the
// shorter way round, wrapped to [-pi, pi). The returned point's Time is t.
//
// Outside [tr[0].Time, tr[len-1].Time] the nearest end point is returned unchanged (nuPlan asserts instead).
// An empty trajectory gives the zero point. Points must be in non-decreasing time; where two share a time, the
// later one wins.
func (tr Trajectory) At(t float64) TrajectoryPoint {
	n := len(tr)
	if n == 0 {
		return TrajectoryPoint{}
	}
	if t <= tr[0].Time {
		return tr[0]
	}
	if t >= tr[n-1].Time {
		return tr[n-1]
	}
	// Binary search for the last point with Time <= t. tr[0].Time < t < tr[n-1].Time here (or t is NaN).
	lo, hi := 0, n-1
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if tr[mid].Time <= t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return interpolatePoints(tr[lo], tr[hi], t)
}

// cursorPose is At(t).Pose for a sequence of non-decreasing times: it starts its search at *i and leaves *i at
// the point it used, so that sampling n times costs O(n + len(tr)).
func (tr Trajectory) cursorPose(i *int, t float64) geom.Pose {
	n := len(tr)
	if n == 0 {
		return geom.Pose{}
	}
	if t <= tr[0].Time {
		return tr[0].Pose
	}
	if t >= tr[n-1].Time {
		return tr[n-1].Pose
	}
	k := *i
	if k < 0 || k >= n-1 || tr[k].Time > t {
		k = 0
	}
	for k < n-2 && tr[k+1].Time <= t {
		k++
	}
	*i = k
	a, b := &tr[k], &tr[k+1]
	span := b.Time - a.Time
	if !(span > 0) {
		return b.Pose
	}
	u := (t - a.Time) / span
	return geom.Pose{
		X:       a.Pose.X + u*(b.Pose.X-a.Pose.X),
		Y:       a.Pose.Y + u*(b.Pose.Y-a.Pose.Y),
		Heading: principalValue(a.Pose.Heading + u*principalValue(b.Pose.Heading-a.Pose.Heading)),
	}
}

// interpolatePoints interpolates between a and b (a.Time <= t <= b.Time).
func interpolatePoints(a, b TrajectoryPoint, t float64) TrajectoryPoint {
	span := b.Time - a.Time
	if !(span > 0) {
		return b
	}
	u := (t - a.Time) / span
	var p TrajectoryPoint
	p.Time = t
	p.Pose.X = a.Pose.X + u*(b.Pose.X-a.Pose.X)
	p.Pose.Y = a.Pose.Y + u*(b.Pose.Y-a.Pose.Y)
	p.Pose.Heading = principalValue(a.Pose.Heading + u*principalValue(b.Pose.Heading-a.Pose.Heading))
	p.Speed = a.Speed + u*(b.Speed-a.Speed)
	p.Accel = a.Accel + u*(b.Accel-a.Accel)
	return p
}

// pyMod is Python's float modulo: the result has the sign of m.
func pyMod(a, m float64) float64 {
	r := math.Mod(a, m)
	if r != 0 && (r < 0) != (m < 0) {
		r += m
	}
	return r
}

// principalValue wraps an angle to [-pi, pi), as nuPlan's principal_value (and as its angle_diff with a 2 pi
// period, which is the same map). Angles already in range are returned unchanged (nuPlan's (a+pi)%2pi-pi may
// round them by an ulp), which also skips math.Mod's cost on the common path.
func principalValue(a float64) float64 {
	if a >= -math.Pi && a < math.Pi {
		return a
	}
	return pyMod(a+math.Pi, 2*math.Pi) - math.Pi
}
