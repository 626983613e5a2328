package main

import (
	"os"
	"testing"

	"asyncdrive/viz"
)

// TestMain serves the viewer's OpenGL work on the main thread (the view tests call it from test goroutines).
func TestMain(m *testing.M) { os.Exit(viz.ServeMain(m.Run)) }
