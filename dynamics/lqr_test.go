package dynamics

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/geom"
)

// sampled returns ref sampled every dt from t0 to t1 (inclusive).
func sampled(ref refFunc, t0, t1, dt float64) Trajectory {
	var tr Trajectory
	n := int(math.Round((t1 - t0) / dt))
	for i := 0; i <= n; i++ {
		tr = append(tr, ref(t0+float64(i)*dt))
	}
	return tr
}

func TestDefaultLQRMatchesNuPlanYAML(t *testing.T) {
	want := LQRParams{QLongitudinal: 10, RLongitudinal: 1, QLateral: [3]float64{1, 10, 0}, RLateral: 1,
		Discretization: 0.1, TrackingHorizon: 10, JerkPenalty: 1e-4, CurvatureRatePenalty: 1e-2,
		StoppingGain: 0.5, StoppingVelocity: 0.2}
	if got := DefaultLQR(); got != want {
		t.Errorf("DefaultLQR() = %+v, want %+v", got, want)
	}
	if err := DefaultLQR().Validate(); err != nil {
		t.Errorf("default tuning invalid: %v", err)
	}
}

func TestLQRParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *LQRParams)
		want   string // substring of the error
	}{
		{"q_longitudinal zero ok", func(p *LQRParams) { p.QLongitudinal = 0 }, ""},
		{"q_longitudinal negative", func(p *LQRParams) { p.QLongitudinal = -1 }, "q_longitudinal"},
		{"r_longitudinal zero", func(p *LQRParams) { p.RLongitudinal = 0 }, "r_longitudinal"},
		{"q_lateral negative", func(p *LQRParams) { p.QLateral[2] = -0.1 }, "q_lateral"},
		{"r_lateral zero", func(p *LQRParams) { p.RLateral = 0 }, "r_lateral"},
		{"discretization zero", func(p *LQRParams) { p.Discretization = 0 }, "discretization_time"},
		{"horizon 1", func(p *LQRParams) { p.TrackingHorizon = 1 }, "tracking_horizon"},
		{"horizon too long", func(p *LQRParams) { p.TrackingHorizon = MaxTrackingHorizon + 1 }, "tracking_horizon"},
		{"jerk zero", func(p *LQRParams) { p.JerkPenalty = 0 }, "jerk_penalty"},
		{"curvature rate zero", func(p *LQRParams) { p.CurvatureRatePenalty = 0 }, "curvature_rate_penalty"},
		{"stopping gain zero", func(p *LQRParams) { p.StoppingGain = 0 }, "stopping_proportional_gain"},
		{"stopping velocity zero", func(p *LQRParams) { p.StoppingVelocity = 0 }, "stopping_velocity"},
		{"NaN weight", func(p *LQRParams) { p.QLateral[1] = math.NaN() }, "q_lateral[1]"},
		{"infinite penalty", func(p *LQRParams) { p.JerkPenalty = math.Inf(1) }, "jerk_penalty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultLQR()
			tc.mutate(&p)
			err := p.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestNewLQRTrackerPanicsOnBadConfig(t *testing.T) {
	for name, f := range map[string]func(){
		"bad params":     func() { p := DefaultLQR(); p.RLateral = -1; NewLQRTracker(p, Pacifica()) },
		"zero wheelbase": func() { NewLQRTracker(DefaultLQR(), VehicleParams{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestLQRCommandHandComputed(t *testing.T) {
	// Straight reference along +X at 10 m/s over 8 s: the fitted speed is exactly 10 and the curvature 0.
	// With v = 10 held, dt = 0.1, L = 3.089, each step's lateral map is M = I + N, N = [[0,1,0],[0,0,c],[0,0,0]],
	// c = 1/L, so after 10 steps A = I + 10N + 45N^2 and B = sum_j M^j [0,0,dt] = [12c, 4.5c, 1]; the steering
	// rate is -(B'Q e)/(B'Q B + 1) with Q = diag(1, 10, 0) and den = 144c^2 + 202.5c^2 + 1.
	straight := sampled(straightRef(10, 0), 0, 8, 0.1)
	stand := sampled(func(t float64) TrajectoryPoint { return TrajectoryPoint{Time: t} }, 0, 8, 0.1)
	tests := []struct {
		name string
		s    State
		traj Trajectory
		want Command
	}{
		{"on track", State{Speed: 10}, straight, Command{}},
		// Longitudinal: B = N*dt = 1, accel = -(B q/(B^2 q + r))*(v0 - vref) = 10/11.
		{"1 m/s slow", State{Speed: 9}, straight, Command{Accel: 10.0 / 11}},
		// e = A x0 = [1, 0, 0]: rate = -12c/den.
		{"1 m left", State{Pose: geom.Pose{Y: 1}, Speed: 10}, straight, Command{SteeringRate: -0.1041113358109311}},
		// e = [10 psi, psi, 0]: rate = -(120c + 45c) psi/den.
		{"heading 0.1", State{Pose: geom.Pose{Heading: 0.1}, Speed: 10}, straight, Command{SteeringRate: -0.14315308674003027}},
		// e = [45 c delta, 10 c delta, delta]: rate = -(540 + 450) c^2 delta/den.
		{"steering 0.05", State{Speed: 10, Steering: 0.05}, straight, Command{SteeringRate: -0.13902857242476233}},
		// Stopping controller: both speeds <= 0.2: accel = -0.5*(0.15 - 0), no steering rate.
		{"stopping", State{Speed: 0.15, Steering: 0.3}, stand, Command{Accel: -0.075}},
		// Above the stopping velocity the LQR brakes: -(10/11)*0.25.
		{"braking to a stand", State{Speed: 0.25}, stand, Command{Accel: -0.25 * 10 / 11}},
	}
	tr := NewLQRTracker(DefaultLQR(), Pacifica())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tr.Command(tc.s, tc.traj)
			if !near(got.Accel, tc.want.Accel, 1e-9) || !near(got.SteeringRate, tc.want.SteeringRate, 1e-9) {
				t.Errorf("Command = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// lateralReference is an independent dense transcription of nuPlan's lateral LQR step: the batch matrices are
// built with generic 3x3 products.
func lateralReference(x0 [3]float64, v0, accel float64, curv func(k int) float64, p LQRParams, wheelbase float64) float64 {
	type mat [3][3]float64
	mul := func(a, b mat) (c mat) {
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 3; k++ {
					c[i][j] += a[i][k] * b[k][j]
				}
			}
		}
		return c
	}
	mulv := func(a mat, x [3]float64) (y [3]float64) {
		for i := 0; i < 3; i++ {
			for k := 0; k < 3; k++ {
				y[i] += a[i][k] * x[k]
			}
		}
		return y
	}
	dt := p.Discretization
	a := mat{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	var b, g [3]float64
	for k := 0; k < p.TrackingHorizon; k++ {
		v := v0 + float64(k)*dt*accel
		m := mat{{1, v * dt, 0}, {0, 1, v * dt / wheelbase}, {0, 0, 1}}
		a = mul(m, a)
		b = mulv(m, b)
		b[2] += dt
		g = mulv(m, g)
		g[1] -= v * curv(k) * dt
	}
	e := mulv(a, x0)
	for i := range e {
		e[i] += g[i]
	}
	e[1], e[2] = principalValue(e[1]), principalValue(e[2])
	var num, den float64
	for i := 0; i < 3; i++ {
		num += b[i] * p.QLateral[i] * e[i]
		den += b[i] * p.QLateral[i] * b[i]
	}
	return -num / (den + p.RLateral)
}

func TestLQRLateralMatchesDenseTranscription(t *testing.T) {
	p := DefaultLQR()
	veh := Pacifica()
	tr := NewLQRTracker(p, veh)
	ref := circleRef(7, -25) // clockwise
	traj := sampled(func(t float64) TrajectoryPoint {
		q := ref(t)
		q.Speed = 7 + 0.3*t
		return q
	}, 0, 8, 0.1)
	s := State{Time: 1.23, Pose: traj.At(1.23).Pose, Speed: 6.2, Steering: -0.08}
	s.Pose = s.Pose.Translate(0.4, -0.7)
	s.Pose.Heading += 0.05
	got := tr.Command(s, traj)

	// Rebuild the inputs the tracker used and run the dense transcription.
	at := traj.At(s.Time).Pose
	sin, cos := math.Sincos(at.Heading)
	ex, ey := s.Pose.X-at.X, s.Pose.Y-at.Y
	x0 := [3]float64{-ex*sin + ey*cos, principalValue(s.Pose.Heading - at.Heading), s.Steering}
	vRef := tr.interpProfile(tr.prof.vel, s.Time+1)
	accel := -(10.0 / 11) * (s.Speed - vRef)
	rate := lateralReference(x0, s.Speed, accel, func(k int) float64 {
		return tr.interpProfile(tr.prof.curv, s.Time+float64(k)*p.Discretization)
	}, p, veh.Wheelbase)
	if !near(got.Accel, accel, 1e-12) || !near(got.SteeringRate, rate, 1e-12) {
		t.Errorf("Command = %+v, want accel %v rate %v", got, accel, rate)
	}
	// The curvature the tracker feeds forward is the arc's, -1/25.
	if k := tr.interpProfile(tr.prof.curv, s.Time); !near(k, -1.0/25, 1e-3) {
		t.Errorf("fitted curvature %v, want about %v", k, -1.0/25)
	}
}

func TestLQRReferenceResampling(t *testing.T) {
	p := DefaultLQR()
	tr := NewLQRTracker(p, Pacifica())
	tests := []struct {
		name     string
		t0, t1   float64
		wantN    int
		wantKind referenceKind
	}{
		{"8 s from 0", 0, 8, 81, refFitted},
		// nuPlan samples start, start+dt, ... while <= end: 0.05..7.95 and not 8.0.
		{"offset start", 0.05, 8, 80, refFitted},
		{"just over a step", 0, 0.1, 2, refFitted},
		{"under a step", 0, 0.09, 1, refShort},
		{"single point", 3, 3, 1, refShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			traj := Trajectory{{Time: tc.t0, Speed: 3}, {Time: tc.t1, Pose: geom.Pose{X: 3 * (tc.t1 - tc.t0)}, Speed: 3}}
			if tc.t0 == tc.t1 {
				traj = traj[:1]
			}
			tr.SetReference(traj)
			if tr.n != tc.wantN || tr.kind != tc.wantKind {
				t.Errorf("n %d kind %d, want %d, %d", tr.n, tr.kind, tc.wantN, tc.wantKind)
			}
			// Either way the reference speed is 3 m/s: a car at 3 m/s gets no acceleration.
			if c := tr.CommandReference(State{Time: tc.t0, Speed: 3}); !near(c.Accel, 0, 1e-9) || !near(c.SteeringRate, 0, 1e-9) {
				t.Errorf("command %+v, want zero", c)
			}
		})
	}
	// A long trajectory grows the workspace and is capped at MaxReferencePoses.
	long := Trajectory{{Time: 0, Speed: 1}, {Time: 3000, Pose: geom.Pose{X: 3000}, Speed: 1}}
	tr.SetReference(long)
	if tr.n != MaxReferencePoses || tr.kind != refFitted {
		t.Errorf("long trajectory: n %d kind %d, want %d fitted", tr.n, tr.kind, MaxReferencePoses)
	}
	if c := tr.CommandReference(State{Time: 2900, Pose: geom.Pose{X: 2900}, Speed: 1}); !near(c.Accel, 0, 1e-6) {
		t.Errorf("beyond the cap: %+v, want the held profile (speed 1, no accel)", c)
	}
}

func TestLQRDegenerateInputs(t *testing.T) {
	tr := NewLQRTracker(DefaultLQR(), Pacifica())
	straight := sampled(straightRef(10, 0), 0, 8, 0.1)

	// Empty trajectory: brake towards 0 and straighten the wheels.
	c := tr.Command(State{Speed: 5, Steering: 0.1}, nil)
	if !near(c.Accel, -5*10.0/11, 1e-12) || !(c.SteeringRate < 0) {
		t.Errorf("empty trajectory: %+v, want accel %v and a negative steering rate", c, -5*10.0/11)
	}
	// Empty trajectory at a stand: the stopping controller holds.
	if c := tr.Command(State{Speed: 0}, nil); c != (Command{}) {
		t.Errorf("empty trajectory at rest: %+v", c)
	}
	// Non-finite times give NaN commands.
	for _, tc := range []struct {
		s    State
		traj Trajectory
	}{
		{State{Time: math.NaN(), Speed: 10}, straight},
		{State{Time: math.Inf(1), Speed: 10}, straight},
		{State{Speed: 10}, Trajectory{{Time: 0}, {Time: math.NaN()}}},
		{State{Speed: 10}, Trajectory{{Time: math.Inf(-1)}, {Time: 1}}},
	} {
		if c := tr.Command(tc.s, tc.traj); !math.IsNaN(c.Accel) || !math.IsNaN(c.SteeringRate) {
			t.Errorf("non-finite time: %+v, want NaN", c)
		}
	}
	// NaN state fields and NaN trajectory values must not panic; the result is not finite.
	bad := append(Trajectory(nil), straight...)
	bad[40].Pose.X = math.NaN()
	for _, tc := range []struct {
		s    State
		traj Trajectory
	}{
		{State{Pose: geom.Pose{X: math.NaN()}, Speed: 10}, straight},
		{State{Speed: math.NaN()}, straight},
		{State{Speed: 10, Steering: math.Inf(1)}, straight},
		{State{Speed: 10}, bad},
	} {
		c := tr.Command(tc.s, tc.traj)
		if isFinite(c.Accel) && isFinite(c.SteeringRate) {
			t.Errorf("state %+v: finite command %+v from non-finite input", tc.s, c)
		}
	}
	// Unsorted times do not panic.
	_ = tr.Command(State{Time: 1, Speed: 3}, Trajectory{{Time: 2}, {Time: 0}, {Time: 5}, {Time: 1}})
	_ = tr.Command(State{Time: 1, Speed: 3}, Trajectory{{Time: 0}, {Time: math.NaN()}, {Time: 5}})
}

func TestLQRSetReferenceMatchesCommand(t *testing.T) {
	traj := sampled(circleRef(9, 40), 0, 8, 0.1)
	a := NewLQRTracker(DefaultLQR(), Pacifica())
	b := NewLQRTracker(DefaultLQR(), Pacifica())
	b.SetReference(traj)
	for i := 0; i < 40; i++ {
		ti := 0.1 * float64(i)
		s := State{Time: ti, Pose: traj.At(ti).Pose.Translate(0.1, 0.3), Speed: 8.5, Steering: 0.2}
		if ca, cb := a.Command(s, traj), b.CommandReference(s); ca != cb {
			t.Fatalf("t=%v: Command %+v, CommandReference %+v", ti, ca, cb)
		}
	}
}

func TestLQRCommandNoAllocs(t *testing.T) {
	tr := NewLQRTracker(DefaultLQR(), Pacifica())
	for _, seconds := range []float64{8, 20} {
		traj := sampled(circleRef(8, 30), 0, seconds, 0.1)
		s := State{Time: 0.3, Pose: traj.At(0.3).Pose.Translate(0, 0.5), Speed: 7, Steering: 0.1}
		if n := testing.AllocsPerRun(200, func() { _ = tr.Command(s, traj) }); n != 0 {
			t.Errorf("%v s trajectory: Command allocates %v times per call", seconds, n)
		}
	}
	// A fresh tracker's workspace already fits a 20 s trajectory: its first Command allocates nothing beyond
	// what NewLQRTracker does.
	traj := sampled(straightRef(5, 0), 0, 20, 0.1)
	newOnly := testing.AllocsPerRun(20, func() { _ = NewLQRTracker(DefaultLQR(), Pacifica()) })
	newAndCommand := testing.AllocsPerRun(20, func() { _ = NewLQRTracker(DefaultLQR(), Pacifica()).Command(State{Speed: 5}, traj) })
	if newAndCommand != newOnly {
		t.Errorf("fresh tracker: first Command allocates %v times", newAndCommand-newOnly)
	}
}
