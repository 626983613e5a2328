package fuzzbytes

import (
	"math"
	"testing"
)

func TestReader(t *testing.T) {
	r := New([]byte{0x00, 0x00, 0xff, 0x10, 0x7f, 0xfe, 0xfc, 7, 3})
	if v := r.Float(-1, 1); v != -1 {
		t.Errorf("float of 00 00: %v, want -1 (lo)", v)
	}
	if v := r.Float(-1, 1); !math.IsNaN(v) {
		t.Errorf("float of ff: %v, want NaN", v)
	}
	if v := r.Float(0, 1); math.Abs(v-float64(0x7f10)/65535) > 1e-12 {
		t.Errorf("float of 10 7f: %v, want 0x7f10/65535", v)
	}
	if v := r.Float(0, 1); !math.IsInf(v, 1) {
		t.Errorf("float of fe: %v, want +Inf", v)
	}
	if v := r.Float(0, 1); v != 1e300 {
		t.Errorf("float of fc: %v, want 1e300", v)
	}
	if n := r.Intn(5); n != 2 {
		t.Errorf("Intn(5) of 7 = %d, want 2", n)
	}
	if !r.Bool() || r.Len() != 0 {
		t.Errorf("Bool of 3 false, or %d bytes left", r.Len())
	}
	if r.Byte() != 0 || r.Float(2, 3) != 2 || r.Bool() {
		t.Error("an empty reader does not return zeros")
	}
}
