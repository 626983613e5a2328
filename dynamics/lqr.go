package dynamics

import (
	"fmt"
	"math"

	"asyncdrive/geom"
)

// MaxTrackingHorizon is the largest LQRParams.TrackingHorizon accepted.
const MaxTrackingHorizon = 100

// MaxReferencePoses caps how many poses the tracker resamples from one trajectory (nuPlan has no cap): a
// trajectory longer than (MaxReferencePoses-1) discretisation steps is fitted over its first
// MaxReferencePoses poses only, and the profiles are held constant beyond.
const MaxReferencePoses = 1 << 14

// defaultReferencePoses is how many resampled poses a new tracker's workspace holds before it has to grow:
// enough for a 25 s trajectory at 0.1 s, so the usual 8 s plans never allocate.
const defaultReferencePoses = 256

// LQRParams is the tuning of nuPlan's LQR tracker (LQRTracker in
// nuplan/planning/simulation/controller/tracker/lqr.py); field names follow lqr_tracker.yaml.
type LQRParams struct {
	QLongitudinal float64    // weight on the velocity error at the horizon
	RLongitudinal float64    // weight on the acceleration command
	QLateral      [3]float64 // weights on lateral error (m), heading error (rad), steering angle (rad)
	RLateral      float64    // weight on the steering rate command
	// Discretization is the step, in seconds, of the tracker's time-varying linear model and of the resampled
	// reference.
	Discretization float64
	// TrackingHorizon is how many Discretization steps ahead the LQR costs are taken.
	TrackingHorizon      int
	JerkPenalty          float64 // regularisation of the velocity profile fit (acceleration differences)
	CurvatureRatePenalty float64 // regularisation of the curvature profile fit (curvature rate)
	StoppingGain         float64 // proportional gain of the stopping controller, 1/s
	StoppingVelocity     float64 // m/s: below this, for both ego and reference, the stopping controller acts
}

// DefaultLQR returns nuPlan's default tuning (config/simulation/ego_controller/tracker/lqr_tracker.yaml).
func DefaultLQR() LQRParams {
	return LQRParams{
		QLongitudinal:        10,
		RLongitudinal:        1,
		QLateral:             [3]float64{1, 10, 0},
		RLateral:             1,
		Discretization:       0.1,
		TrackingHorizon:      10,
		JerkPenalty:          1e-4,
		CurvatureRatePenalty: 1e-2,
		StoppingGain:         0.5,
		StoppingVelocity:     0.2,
	}
}

// Validate reports the first parameter that nuPlan's LQRTracker constructor would reject (it asserts), or that
// is not a finite number, or a horizon outside [2, MaxTrackingHorizon].
func (p LQRParams) Validate() error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"q_longitudinal", p.QLongitudinal}, {"r_longitudinal", p.RLongitudinal},
		{"q_lateral[0]", p.QLateral[0]}, {"q_lateral[1]", p.QLateral[1]}, {"q_lateral[2]", p.QLateral[2]},
		{"r_lateral", p.RLateral}, {"discretization_time", p.Discretization},
		{"jerk_penalty", p.JerkPenalty}, {"curvature_rate_penalty", p.CurvatureRatePenalty},
		{"stopping_proportional_gain", p.StoppingGain}, {"stopping_velocity", p.StoppingVelocity},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("lqr: %s is %v, want a finite number", f.name, f.v)
		}
	}
	switch {
	case p.QLongitudinal < 0:
		return fmt.Errorf("lqr: q_longitudinal %v must be >= 0", p.QLongitudinal)
	case p.QLateral[0] < 0 || p.QLateral[1] < 0 || p.QLateral[2] < 0:
		return fmt.Errorf("lqr: q_lateral %v must be >= 0", p.QLateral)
	case p.RLongitudinal <= 0:
		return fmt.Errorf("lqr: r_longitudinal %v must be > 0", p.RLongitudinal)
	case p.RLateral <= 0:
		return fmt.Errorf("lqr: r_lateral %v must be > 0", p.RLateral)
	case p.Discretization <= 0:
		return fmt.Errorf("lqr: discretization_time %v must be > 0", p.Discretization)
	case p.TrackingHorizon < 2 || p.TrackingHorizon > MaxTrackingHorizon:
		return fmt.Errorf("lqr: tracking_horizon %d must be in [2, %d]", p.TrackingHorizon, MaxTrackingHorizon)
	case p.JerkPenalty <= 0:
		return fmt.Errorf("lqr: jerk_penalty %v must be > 0", p.JerkPenalty)
	case p.CurvatureRatePenalty <= 0:
		return fmt.Errorf("lqr: curvature_rate_penalty %v must be > 0", p.CurvatureRatePenalty)
	case p.StoppingGain <= 0:
		return fmt.Errorf("lqr: stopping_proportional_gain %v must be > 0", p.StoppingGain)
	case p.StoppingVelocity <= 0:
		return fmt.Errorf("lqr: stopping_velocity %v must be > 0", p.StoppingVelocity)
	}
	return nil
}

// referenceKind says how the tracker's current reference was prepared.
type referenceKind uint8

const (
	refEmpty   referenceKind = iota // no points: hold the ego pose, reference speed 0, straight
	refInvalid                      // a non-finite time: commands are NaN
	refShort                        // shorter than one discretisation step: speed from the points, straight
	refFitted                       // velocity and curvature profiles fitted (nuPlan's case)
)

// LQRTracker is nuPlan's LQR trajectory tracker: a longitudinal LQR on speed and a lateral LQR on
// [lateral error, heading error, steering angle], each solved for one input held over the tracking horizon,
// plus a proportional stopping controller near standstill. Create it with NewLQRTracker (the zero value is not
// usable). It holds a preallocated workspace, so it is not safe for concurrent use.
type LQRTracker struct {
	p         LQRParams
	wheelbase float64

	// The prepared reference (SetReference).
	traj  Trajectory
	kind  referenceKind
	n     int     // resampled poses
	t0    float64 // s, time of the first resampled pose
	step  float64 // s, resampling step (Discretization rounded to whole microseconds, as nuPlan's TimePoint)
	poses []geom.Pose
	prof  profileFit // fitted speed and curvature at the first n-1 resampled times
	at    int        // CommandReference's cursor into traj (its states' times mostly only grow)
}

// NewLQRTracker returns a tracker with tuning p for a vehicle with v's wheelbase. It panics if p.Validate fails
// or v.Wheelbase is not positive: validate configuration read from outside before calling it.
func NewLQRTracker(p LQRParams, v VehicleParams) *LQRTracker {
	t := new(LQRTracker)
	t.init(p, v)
	return t
}

func (t *LQRTracker) init(p LQRParams, v VehicleParams) {
	if err := p.Validate(); err != nil {
		panic("dynamics.NewLQRTracker: " + err.Error())
	}
	if !(v.Wheelbase > 0) || math.IsInf(v.Wheelbase, 0) {
		panic(fmt.Sprintf("dynamics.NewLQRTracker: wheelbase %v must be a positive number", v.Wheelbase))
	}
	t.p = p
	t.wheelbase = v.Wheelbase
	t.grow(defaultReferencePoses)
}

// grow makes the workspace hold n resampled poses.
func (t *LQRTracker) grow(n int) {
	if cap(t.poses) < n {
		t.poses = make([]geom.Pose, n)
	}
	t.prof.grow(n)
}

// Params returns the tracker's tuning.
func (t *LQRTracker) Params() LQRParams { return t.p }

// Command returns the tracker's acceleration and steering-rate command for ego state s following traj, as
// nuPlan's LQRTracker.track_trajectory with the current iteration's time equal to s.Time. It is
// SetReference(traj) followed by CommandReference(s); when one trajectory is tracked for many steps (a
// planner rolling out a proposal), call those two directly and fit the reference once.
func (t *LQRTracker) Command(s State, traj Trajectory) Command {
	t.SetReference(traj)
	return t.CommandReference(s)
}

// SetReference prepares traj for tracking, as the part of nuPlan's track_trajectory that depends on the
// trajectory alone: it resamples the trajectory's poses every Discretization seconds from its first point's
// time to its last (get_interpolated_reference_trajectory_poses) and fits the speed and curvature profiles to
// them by regularised least squares (get_velocity_curvature_profiles_with_derivatives_from_poses). The tracker
// keeps traj (not a copy): do not change its points while tracking it.
//
// Where nuPlan would fail an assertion this degrades instead: an empty trajectory makes the reference the ego's
// own pose at speed 0 (the tracker brakes and straightens the wheels); a trajectory spanning less than one
// Discretization step gives a straight reference at the speed of its points; a non-finite time makes every
// command NaN.
func (t *LQRTracker) SetReference(traj Trajectory) {
	t.traj = traj
	t.n, t.at = 0, 0
	if len(traj) == 0 {
		t.kind = refEmpty
		return
	}
	start, end := traj[0].Time, traj[len(traj)-1].Time
	if !isFinite(start) || !isFinite(end) {
		t.kind = refInvalid
		return
	}
	// nuPlan counts time in whole microseconds: poses at start, start+step, ... up to and including end.
	startUS, endUS := math.Round(start*1e6), math.Round(end*1e6)
	stepUS := math.Max(1, math.Round(t.p.Discretization*1e6))
	n := 1.0
	if endUS > startUS {
		n = math.Floor((endUS-startUS)/stepUS) + 1
	}
	if n > MaxReferencePoses {
		n = MaxReferencePoses
	}
	t.n = int(n)
	t.t0, t.step = startUS/1e6, stepUS/1e6
	if t.n < 2 {
		t.kind = refShort
		return
	}
	t.grow(t.n)
	cursor := 0
	for i := 0; i < t.n; i++ {
		t.poses[i] = traj.cursorPose(&cursor, (startUS+float64(i)*stepUS)/1e6)
	}
	t.prof.fit(t.poses[:t.n], t.p.Discretization, t.p.JerkPenalty, t.p.CurvatureRatePenalty)
	t.kind = refFitted
}

// CommandReference returns the command for ego state s following the reference last given to SetReference,
// as nuPlan's LQRTracker.track_trajectory:
//
//   - the tracking error is taken against the trajectory interpolated at s.Time: lateral error
//     -dx*sin(h_ref) + dy*cos(h_ref), heading error wrapped to [-pi, pi), and the current steering angle;
//   - the reference speed is the fitted speed at s.Time + TrackingHorizon*Discretization and the curvature
//     profile the fitted curvature at s.Time + k*Discretization, k < TrackingHorizon (linear interpolation,
//     held constant outside the fitted range, as numpy's interp);
//   - if both the reference speed and the ego speed are <= StoppingVelocity, the stopping controller commands
//     -StoppingGain*(speed - reference speed) and zero steering rate;
//   - otherwise the longitudinal LQR picks the acceleration that, held over the horizon, minimises
//     QLongitudinal*(speed error at the horizon)^2 + RLongitudinal*accel^2, and the lateral LQR picks the
//     steering rate that, held over the horizon on the Euler-discretised linearised bicycle model
//     (e' = v*psi, psi' = v*(delta/L - kappa), delta' = rate) with the speed ramping at that acceleration,
//     minimises the QLateral-weighted final state (heading and steering entries wrapped) plus RLateral*rate^2.
//
// It allocates nothing.
func (t *LQRTracker) CommandReference(s State) Command {
	if t.kind == refInvalid || !isFinite(s.Time) {
		return Command{Accel: math.NaN(), SteeringRate: math.NaN()}
	}
	p := &t.p
	dt := p.Discretization
	horizon := p.TrackingHorizon

	// Initial tracking error in the reference's frame.
	var lateral, heading float64
	if t.kind != refEmpty {
		ref := t.traj.cursorPose(&t.at, s.Time)
		sin, cos := math.Sincos(ref.Heading)
		ex, ey := s.Pose.X-ref.X, s.Pose.Y-ref.Y
		lateral = -ex*sin + ey*cos
		heading = principalValue(s.Pose.Heading - ref.Heading)
	}
	v0 := s.Speed

	vRef := t.referenceSpeed(s.Time + float64(horizon)*dt)
	if vRef <= p.StoppingVelocity && v0 <= p.StoppingVelocity {
		return Command{Accel: -p.StoppingGain * (v0 - vRef), SteeringRate: 0}
	}

	// Longitudinal: v_N = v_0 + (N*dt)*accel.
	b := float64(horizon) * dt
	accel := -(b * p.QLongitudinal / (b*b*p.QLongitudinal + p.RLongitudinal)) * (v0 - vRef)

	// Lateral: compose the per-step affine maps x <- M_k x + B_k u + g_k over the horizon, with
	// M_k = [[1, v dt, 0], [0, 1, v dt/L], [0, 0, 1]], B_k = [0, 0, dt], g_k = [0, -v kappa dt, 0]. The
	// product of the M_k stays unit upper triangular: only its entries m01, m02 and m12 change.
	var m01, m02, m12 float64
	var bv, g [3]float64
	v := v0
	for k := 0; k < horizon; k++ {
		if k > 0 {
			v += accel * dt
		}
		kappa := t.referenceCurvature(s.Time + float64(k)*dt)
		a01 := v * dt
		a12 := v * dt / t.wheelbase
		m01 += a01
		m02 += a01 * m12
		m12 += a12
		bv[0] += a01 * bv[1]
		bv[1] += a12 * bv[2]
		bv[2] += dt
		g[0] += a01 * g[1]
		g[1] += a12*g[2] - v*kappa*dt
	}
	e := [3]float64{
		lateral + m01*heading + m02*s.Steering + g[0],
		heading + m12*s.Steering + g[1],
		s.Steering + g[2],
	}
	e[1] = principalValue(e[1])
	e[2] = principalValue(e[2])
	q := &p.QLateral
	num := q[0]*bv[0]*e[0] + q[1]*bv[1]*e[1] + q[2]*bv[2]*e[2]
	den := q[0]*bv[0]*bv[0] + q[1]*bv[1]*bv[1] + q[2]*bv[2]*bv[2] + p.RLateral
	return Command{Accel: accel, SteeringRate: -num / den}
}

// referenceSpeed is the fitted speed at time x.
func (t *LQRTracker) referenceSpeed(x float64) float64 {
	switch t.kind {
	case refFitted:
		return t.interpProfile(t.prof.vel, x)
	case refShort:
		return t.traj.At(x).Speed
	}
	return 0
}

// referenceCurvature is the fitted curvature at time x.
func (t *LQRTracker) referenceCurvature(x float64) float64 {
	if t.kind != refFitted {
		return 0
	}
	return t.interpProfile(t.prof.curv, x)
}

// interpProfile interpolates a fitted profile (values at the first n-1 resampled times) at time x, holding the
// end values outside, as numpy's interp.
func (t *LQRTracker) interpProfile(prof []float64, x float64) float64 {
	m := t.n - 1
	pos := (x - t.t0) / t.step
	if !(pos > 0) {
		return prof[0]
	}
	if pos >= float64(m-1) {
		return prof[m-1]
	}
	j := int(pos)
	u := pos - float64(j)
	return prof[j] + u*(prof[j+1]-prof[j])
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
