package viz

import (
	"fmt"
	"os"
	"testing"
)

// TestMain starts a virtual display when there is none (Xvfb, when installed) and serves the GL work of the
// tests on the main thread, where GLFW needs it.
func TestMain(m *testing.M) {
	stop := func() {}
	if Available {
		var err error
		if stop, err = Headless(); err != nil {
			fmt.Fprintln(os.Stderr, "viz tests:", err, "- the tests that draw will skip")
			stop = func() {}
		}
	}
	code := ServeMain(m.Run)
	stop()
	os.Exit(code)
}
