// Package viz is the OpenGL viewer: it replays recorded runs (package runlog), renders screenshots of them
// offscreen, and follows simulations live.
//
// The scene is built in plain Go, testable without a display: batch.go (coloured vertex batches, polygon
// triangulation, the palette), scene.go (map, route, traffic lights, agents, ego, plan, proposals and the
// perception overlay to vertices), overlay.go (side panel, detection labels, timeline, help), camera.go
// (world to pixels), font.go (a glyph atlas of the Go Mono font) and state.go (replay state, keys, live
// frames). Only gl.go and window.go talk to OpenGL 3.3 core and GLFW; they need cgo and build only with it.
// Without cgo the viewer's entry points return ErrNoCGO. docs/viz.md lists what is drawn, the keys and the
// measured frame times.
//
// Drawing is batched: the map is one vertex buffer uploaded once; each frame's world, screen overlay and
// text are rebuilt into one dynamic buffer each, so a frame is a handful of draw calls whatever the number
// of agents.
//
// GLFW needs the process's main thread: the cgo build locks it in init, and the viewer functions must be
// called from the main goroutine, or from others while the main goroutine runs ServeMain.
package viz
