package dynamics

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/geom"
)

func TestPropagate(t *testing.T) {
	v := Pacifica()
	tests := []struct {
		name string
		s    State
		cmd  Command
		dt   float64
		want State
	}{
		{
			// accel' = 0 + 0.1/(0.1+0.2)*(1-0) = 1/3; x += 10*0.1; speed += (1/3)*0.1.
			name: "straight",
			s:    State{Time: 2, Speed: 10},
			cmd:  Command{Accel: 1},
			dt:   0.1,
			want: State{Time: 2.1, Pose: geom.Pose{X: 1}, Speed: 10 + 0.1/3, Accel: 1.0 / 3},
		},
		{
			// accel' = 0.5 + (1/3)*(-1-0.5) = 0
			// steer* = 0.1 + 0.1*0.2 = 0.12; steer' = 0.1 + 0.1/0.15*0.02 = 0.11333..; rate' = 0.13333..
			// x += 5*cos(pi/2)*0.1 = 0; y += 5*0.1 = 0.5
			// heading += 5*tan(0.1)/3.089*0.1 = 0.016240639703051238 (old steering angle)
			// yaw rate = 5*tan(0.113333..)/3.089 = 0.1842361184162084 (new speed and steering)
			name: "steering",
			s:    State{Pose: geom.Pose{X: 1, Y: 2, Heading: math.Pi / 2}, Speed: 5, Accel: 0.5, Steering: 0.1, YawRate: 0.16},
			cmd:  Command{Accel: -1, SteeringRate: 0.2},
			dt:   0.1,
			want: State{Time: 0.1, Pose: geom.Pose{X: 1, Y: 2.5, Heading: 1.5870369664979478}, Speed: 5, Accel: 0,
				Steering: 0.11333333333333334, YawRate: 0.1842361184162084},
		},
		{
			// steer* = 1 + 0.1*10 = 2; steer' = 1 + (2/3)*1 = 1.667 -> clipped to pi/3.
			// yaw rate = 4*tan(pi/3)/3.089 = 4*sqrt(3)/3.089; heading += 4*tan(1)/3.089*0.1.
			name: "steering clipped",
			s:    State{Speed: 4, Steering: 1},
			cmd:  Command{SteeringRate: 10},
			dt:   0.1,
			want: State{Time: 0.1, Pose: geom.Pose{X: 0.4, Heading: 4 * math.Tan(1) / 3.089 * 0.1}, Speed: 4,
				Steering: math.Pi / 3, YawRate: 4 * math.Sqrt(3) / 3.089},
		},
		{
			// heading 3.1 + 10*tan(0.3)/3.089*0.1 = 3.2002.. wraps to 3.2002 - 2 pi. A zero steering rate
			// command holds the steering angle (the lag acts on the commanded angle, steering + rate*dt).
			name: "heading wraps",
			s:    State{Pose: geom.Pose{Heading: 3.1}, Speed: 10, Steering: 0.3},
			cmd:  Command{},
			dt:   0.1,
			want: State{Time: 0.1, Pose: geom.Pose{X: math.Cos(3.1), Y: math.Sin(3.1), Heading: 3.1 + 10*math.Tan(0.3)/3.089*0.1 - 2*math.Pi},
				Speed: 10, Steering: 0.3, YawRate: 10 * math.Tan(0.3) / 3.089},
		},
		{
			// As in nuPlan, braking through zero is not clamped: accel' = (1/3)*(-3) = -1, speed = 0.05 - 0.1.
			name: "speed goes negative",
			s:    State{Speed: 0.05},
			cmd:  Command{Accel: -3},
			dt:   0.1,
			want: State{Time: 0.1, Pose: geom.Pose{X: 0.005}, Speed: -0.05, Accel: -1},
		},
		{
			// dt 0.5: accel' = 0.5/0.7*2, steer' = 0.5/0.55*(0.5*0.1), speed 1 + accel'*0.5.
			name: "long step",
			s:    State{Speed: 1},
			cmd:  Command{Accel: 2, SteeringRate: 0.1},
			dt:   0.5,
			want: State{Time: 0.5, Pose: geom.Pose{X: 0.5}, Speed: 1 + 0.5/0.7*2*0.5, Accel: 0.5 / 0.7 * 2,
				Steering: 0.5 / 0.55 * 0.05, YawRate: (1 + 0.5/0.7) * math.Tan(0.5/0.55*0.05) / 3.089},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := v.Propagate(tc.s, tc.cmd, tc.dt)
			const tol = 1e-12
			g, w := got, tc.want
			if !near(g.Time, w.Time, tol) || !near(g.Pose.X, w.Pose.X, tol) || !near(g.Pose.Y, w.Pose.Y, tol) ||
				!near(g.Pose.Heading, w.Pose.Heading, tol) || !near(g.Speed, w.Speed, tol) ||
				!near(g.Accel, w.Accel, tol) || !near(g.Steering, w.Steering, tol) || !near(g.YawRate, w.YawRate, tol) {
				t.Errorf("Propagate =\n %+v\nwant\n %+v", g, w)
			}
		})
	}
}

func TestPropagateNonFinite(t *testing.T) {
	v := Pacifica()
	s := State{Speed: 5, Steering: 0.1}
	for _, cmd := range []Command{
		{Accel: math.NaN()}, {SteeringRate: math.NaN()}, {Accel: math.Inf(1)},
	} {
		if got := v.Propagate(s, cmd, 0.1); got.IsFinite() {
			t.Errorf("command %+v gave a finite state %+v", cmd, got)
		}
	}
	// An infinite steering rate is clipped at the steering limit, as numpy's clip does in nuPlan.
	if got := v.Propagate(s, Command{SteeringRate: math.Inf(-1)}, 0.1); got.Steering != -v.MaxSteering {
		t.Errorf("steering rate -Inf: steering %v, want %v", got.Steering, -v.MaxSteering)
	}
	for _, dt := range []float64{0, -0.1, math.NaN()} {
		if got := v.Propagate(s, Command{Accel: 1}, dt); got != s {
			t.Errorf("dt %v changed the state: %+v", dt, got)
		}
	}
}

func TestPropagateNoAllocs(t *testing.T) {
	v := Pacifica()
	s := State{Speed: 5, Steering: 0.1}
	if n := testing.AllocsPerRun(100, func() { s = v.Propagate(s, Command{Accel: 0.1, SteeringRate: 0.01}, 0.1) }); n != 0 {
		t.Errorf("Propagate allocates %v times per call", n)
	}
}

func TestCommonRoadVehicle(t *testing.T) {
	// Ford Escort (CommonRoad vehicle 1): 4.298 x 1.674 m, a = 2.9 ft, b = 4.95 ft.
	v, ok := CommonRoadVehicle(1)
	if !ok {
		t.Fatal("vehicle 1 unknown")
	}
	if math.Abs(v.Length()-4.298) > 1e-9 || v.Width != 1.674 || math.Abs(v.Wheelbase-2.39268) > 1e-5 {
		t.Errorf("vehicle 1: length %.4f width %.3f wheelbase %.5f", v.Length(), v.Width, v.Wheelbase)
	}
	// The box centre is the centre of gravity, b = 1.50876 m ahead of the rear axle.
	if math.Abs(v.RearAxleToCenter()-1.50876) > 1e-5 {
		t.Errorf("vehicle 1: rear axle to centre %.5f", v.RearAxleToCenter())
	}
	for id := 1; id <= 3; id++ {
		v, _ := CommonRoadVehicle(id)
		if err := v.Validate(); err != nil {
			t.Errorf("vehicle %d: %v", id, err)
		}
	}
	if _, ok := CommonRoadVehicle(4); ok {
		t.Error("vehicle 4 (a truck with a trailer) should be unknown")
	}
	if err := Pacifica().Validate(); err != nil {
		t.Error(err)
	}
	bad := Pacifica()
	bad.Width = math.NaN()
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "width") {
		t.Errorf("NaN width: %v", err)
	}
}
