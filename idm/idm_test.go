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
