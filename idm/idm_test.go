package idm

import (
	"math"
	"testing"
)

func TestAccel(t *testing.T) {
	p := Agents(10)
	cases := []struct {
		name         string
		v, gap, lead float64
		want         float64
	}{
		// Free road from rest: full acceleration.
		{"free from rest", 0, math.Inf(1), 0, 1.0},
		// Free road at target speed: zero.
		{"free at target", 10, math.Inf(1), 0, 0},
		// v=5, free term 1-(0.5)^4 = 0.9375; s* = 1 + 7.5 + 5*5/(2*sqrt(2)) = 12.9194; gap 20 -> (0.64597)^2 = 0.41727.
		{"closing on stopped leader", 5, 20, 0, 0.9375 - math.Pow((1+7.5+25/(2*math.Sqrt2))/20, 2)},
		// Same speed as leader: s* = 1 + 7.5 = 8.5, gap 8.5 -> 0.9375 - 1.
		{"equilibrium-ish", 5, 8.5, 5, 0.9375 - 1},
	}
	for _, c := range cases {
		got := p.Accel(c.v, c.gap, c.lead)
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: Accel(%v, %v, %v) = %v, want %v", c.name, c.v, c.gap, c.lead, got, c.want)
		}
	}
}

// nuPlan's IDMPolicy leaves the desired gap unclamped (RawDesiredGap): behind a leader pulling away 8 m/s
// faster, the dynamic term of s* is negative and s* falls below the minimum gap (here to -0.62 m), where the
// standard IDM keeps s* = s0.
func TestRawDesiredGap(t *testing.T) {
	p := Planner() // a 1, b 3, T 1.5, s0 1, v0 10
	v, lead, gap := 2.0, 10.0, 5.0
	dyn := v*1.5 + v*(v-lead)/(2*math.Sqrt(3))
	free := 1 - math.Pow(v/10, 4)
	if got, want := p.Accel(v, gap, lead), free-math.Pow(1/gap, 2); math.Abs(got-want) > 1e-12 {
		t.Errorf("clamped: %v, want %v", got, want)
	}
	p.RawDesiredGap = true
	if got, want := p.Accel(v, gap, lead), free-math.Pow((1+dyn)/gap, 2); math.Abs(got-want) > 1e-12 || dyn > -1.5 {
		t.Errorf("raw: %v, want %v (dynamic term %v)", got, want, dyn)
	}
}
