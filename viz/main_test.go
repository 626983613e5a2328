package viz

import (
	"os"
	"testing"
)

// TestMain serves the GL work of the tests on the main thread, where GLFW needs it.
func TestMain(m *testing.M) { os.Exit(ServeMain(m.Run)) }
