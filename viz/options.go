package viz

import (
	"errors"
	"math"
	"slices"
	"time"
)

// Options set up a viewer window or an offscreen rendering.
type Options struct {
	Width, Height  int     // pixels (1280 x 720)
	Title          string  // window title
	PixelsPerMeter float64 // initial zoom (8)
	Help           bool    // show the help box (screenshots of it)
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 {
		o.Width = 1280
	}
	if o.Height <= 0 {
		o.Height = 720
	}
	if o.Title == "" {
		o.Title = "asyncdrive"
	}
	if !(o.PixelsPerMeter > 0) || math.IsInf(o.PixelsPerMeter, 0) {
		o.PixelsPerMeter = 8
	}
	return o
}

// ErrNoCGO is returned by the viewer when the program was built without cgo (CGO_ENABLED=0).
var ErrNoCGO = errors.New("asyncdrive was built without cgo: the OpenGL viewer is not available; build with CGO_ENABLED=1 (make build does)")

// ErrNoDisplay is returned when no OpenGL 3.3 window can be opened (no display, no GL driver).
var ErrNoDisplay = errors.New("viz: cannot open an OpenGL 3.3 window")

// BenchResult is what Bench measured: frame times in milliseconds.
type BenchResult struct {
	Frames              int
	P50, P99, Mean, Max float64
}

// summarize computes a BenchResult by nearest rank.
func summarize(lat []time.Duration) BenchResult {
	r := BenchResult{Frames: len(lat)}
	if len(lat) == 0 {
		return r
	}
	ms := make([]float64, len(lat))
	sum := 0.0
	for i, d := range lat {
		ms[i] = float64(d.Nanoseconds()) / 1e6
		sum += ms[i]
	}
	slices.Sort(ms)
	rank := func(q float64) float64 { return ms[max(0, int(math.Ceil(q*float64(len(ms))))-1)] }
	r.P50, r.P99, r.Mean, r.Max = rank(0.5), rank(0.99), sum/float64(len(ms)), ms[len(ms)-1]
	return r
}
