package ort

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNoCGO is returned when the program was built without cgo.
var ErrNoCGO = errors.New("ort: built without cgo: ONNX Runtime is not available; build with CGO_ENABLED=1")

// Device selects where the model runs.
type Device string

// Devices.
const (
	CPU  Device = "cpu"
	CUDA Device = "cuda"
)

// Options set up a session.
type Options struct {
	Device  Device // CPU (default) or CUDA
	Threads int    // intra-op threads (1)
	// Library is the ONNX Runtime shared library; "" means LibraryPath().
	Library string
}

// LibraryPath returns the ONNX Runtime library to load: $ONNXRUNTIME_LIB, else
// third_party/onnxruntime/libonnxruntime.so.1 in the repository (found from the working directory
// upwards, or beside this source file).
func LibraryPath() string {
	if p := os.Getenv("ONNXRUNTIME_LIB"); p != "" {
		return p
	}
	const rel = "third_party/onnxruntime/libonnxruntime.so.1"
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if p := filepath.Join(d, rel); fileExists(p) {
				return p
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if p := filepath.Join(filepath.Dir(file), "..", "..", rel); fileExists(p) {
			return p
		}
	}
	return rel
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
