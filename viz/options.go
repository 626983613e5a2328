package viz

import (
	"errors"

	"asyncdrive/runlog"
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
	// CloseAfter, when positive, closes an interactive window after that many frames (smoke tests, demos).
	CloseAfter int
	// Route, when known, is tinted on the map with the goal marked (from a run log's header, or a live
	// simulation's scenario).
	Route Route
	// Compare, when set, is a second run of the same scenario (another planner, or the same one before a
	// change): its ego is drawn as an outline at each frame's time, with its plan, and the panel gives its
	// planner, mode and speed (layer C).
	Compare *runlog.Run
	// Commands are operator commands offered on keys 1 to 9 in a live view (llmguide.OperatorCommands; ""
	// hands back to the route's instructions); OnCommand gets each one sent, on the viewer's goroutine.
	Commands  []string
	OnCommand func(text string)
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

// BenchResult is what Bench measured: frame times in milliseconds, and each frame's time.
type BenchResult struct {
	Frames              int
	P50, P99, Mean, Max float64
	// CPUPerFrame is the process's CPU time per frame (ms), all threads: what a frame costs however busy
	// the machine is (0 where not measured).
	CPUPerFrame float64
	Latencies   []time.Duration // in the order rendered
}

// summarize computes a BenchResult, with the percentiles taken as asyncdrive/internal/benchlat takes them
// (the sorted sample at n/2 and at n*99/100).
func summarize(lat []time.Duration) BenchResult {
	r := BenchResult{Frames: len(lat), Latencies: lat}
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
	n := len(ms)
	r.P50, r.P99, r.Mean, r.Max = ms[n/2], ms[min(n-1, n*99/100)], sum/float64(n), ms[n-1]
	return r
}
