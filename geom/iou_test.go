package geom

import (
	"math"
	"testing"
)

func TestBoxIoU(t *testing.T) {
	unit := Box{Pose{0, 0, 0}, 2, 2}
	cases := []struct {
		name string
		a, b Box
		want float64
	}{
		{"identical", unit, unit, 1},
		{"apart", unit, Box{Pose{5, 0, 0}, 2, 2}, 0},
		{"touching", unit, Box{Pose{2, 0, 0}, 2, 2}, 0},
		// Shifted by half a length: overlap 1x2 = 2, union 4+4-2 = 6.
		{"half shift", unit, Box{Pose{1, 0, 0}, 2, 2}, 2.0 / 6},
		// A car shifted 1.5 m along its 4.5 m length: overlap 3x1.8, union 2*4.5*1.8 - overlap.
		{"car 1.5 m", Box{Pose{0, 0, 0}, 4.5, 1.8}, Box{Pose{1.5, 0, 0}, 4.5, 1.8}, (3 * 1.8) / (2*4.5*1.8 - 3*1.8)},
		// Rotated by 90 degrees, a square is the same square.
		{"square rotated 90", unit, Box{Pose{0, 0, math.Pi / 2}, 2, 2}, 1},
		// A square rotated 45 degrees inside a larger one's footprint: the 2x2 square and the diamond of
		// half-diagonal sqrt2 share an octagon of area 8(sqrt2-1).
		{"square rotated 45", unit, Box{Pose{0, 0, math.Pi / 4}, 2, 2}, 8 * (math.Sqrt2 - 1) / (8 - 8*(math.Sqrt2-1))},
		// Contained: small box fully inside, IoU is the area ratio.
		{"contained", Box{Pose{0, 0, 0.3}, 4, 4}, Box{Pose{0.2, 0.1, 0.3}, 2, 1}, 2.0 / 16},
		// Heading reversed is the same box.
		{"reversed", Box{Pose{3, 4, 0.2}, 4.5, 1.8}, Box{Pose{3, 4, 0.2 + math.Pi}, 4.5, 1.8}, 1},
		{"degenerate", unit, Box{Pose{0, 0, 0}, 0, 2}, 0},
		{"nan", unit, Box{Pose{math.NaN(), 0, 0}, 2, 2}, 0},
	}
	for _, c := range cases {
		got := BoxIoU(c.a, c.b)
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: IoU %.9f, want %.9f", c.name, got, c.want)
		}
		if back := BoxIoU(c.b, c.a); math.Abs(back-got) > 1e-9 {
			t.Errorf("%s: IoU not symmetric: %v vs %v", c.name, got, back)
		}
	}
}

func TestBoxIoUAllocs(t *testing.T) {
	a, b := benchBoxes[0], benchBoxes[1]
	if n := testing.AllocsPerRun(100, func() { _ = BoxIoU(a, b) }); n != 0 {
		t.Errorf("BoxIoU allocates %v times per call", n)
	}
}

func TestConvexArea(t *testing.T) {
	sq := []Vec2{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	if a := ConvexArea(sq); a != 4 {
		t.Errorf("ccw square area %v, want 4", a)
	}
	if a := ConvexArea([]Vec2{{0, 0}, {0, 2}, {2, 2}, {2, 0}}); a != -4 {
		t.Errorf("cw square area %v, want -4", a)
	}
	if a := ConvexArea(sq[:2]); a != 0 {
		t.Errorf("two points area %v, want 0", a)
	}
}

func BenchmarkBoxIoU(b *testing.B) {
	x, y := benchBoxes[0], benchBoxes[1]
	s := 0.0
	for b.Loop() {
		s += BoxIoU(x, y)
	}
	_ = s
}
