//go:build !cgo

package viz

import (
	"image"

	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// Available reports whether this build has the OpenGL viewer (it does not: built without cgo).
const Available = false

// RenderImage needs cgo; see ErrNoCGO.
func RenderImage(*runlog.Run, float64, Options) (*image.RGBA, *Camera, error) {
	return nil, nil, ErrNoCGO
}

// Screenshot needs cgo; see ErrNoCGO.
func Screenshot(*runlog.Run, float64, string, Options) error { return ErrNoCGO }

// Bench needs cgo; see ErrNoCGO.
func Bench(*runlog.Run, int, Options) (BenchResult, error) { return BenchResult{}, ErrNoCGO }

// Replay needs cgo; see ErrNoCGO.
func Replay(*runlog.Run, Options) error { return ErrNoCGO }

// Live needs cgo; see ErrNoCGO.
func Live(runlog.Header, *scenarios.Map, <-chan runlog.Frame, Options) error { return ErrNoCGO }

// ServeMain runs run (without cgo there is no OpenGL work to serve).
func ServeMain(run func() int) int { return run() }
