package fuzzbytes

import (
	"encoding/binary"
	"math"
)

// Reader hands out values decoded from fuzz bytes; once they run out it returns zeros (and lo from Float).
type Reader struct{ b []byte }

// New returns a Reader over data.
func New(data []byte) *Reader { return &Reader{b: data} }

// Byte returns the next byte, 0 when none is left.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Len returns the number of bytes left.
func (r *Reader) Len() int { return len(r.b) }

// Float returns a value in [lo, hi] from two bytes or, when the first byte is 0xfa to 0xff, one of the
// values a bad sensor or a corrupt message carries: NaN, +Inf, -Inf, 1e300, -1e300 or the smallest positive
// float.
func (r *Reader) Float(lo, hi float64) float64 {
	sel := r.Byte()
	switch sel {
	case 0xff:
		return math.NaN()
	case 0xfe:
		return math.Inf(1)
	case 0xfd:
		return math.Inf(-1)
	case 0xfc:
		return 1e300
	case 0xfb:
		return -1e300
	case 0xfa:
		return math.SmallestNonzeroFloat64
	}
	two := [2]byte{sel, r.Byte()}
	return lo + float64(binary.LittleEndian.Uint16(two[:]))/65535*(hi-lo)
}

// Intn returns a value in [0, n).
func (r *Reader) Intn(n int) int { return int(r.Byte()) % n }

// Bool returns the low bit of the next byte.
func (r *Reader) Bool() bool { return r.Byte()&1 == 1 }
