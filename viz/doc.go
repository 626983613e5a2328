// Package viz is the OpenGL viewer: it replays recorded runs (package runlog) and follows simulations live.
//
// The scene is built in plain Go (batch.go, scene.go, font.go: world geometry to coloured vertices, the
// camera, the glyph atlas, the panels), so that it is testable without a display; the few files that talk
// to GLFW and OpenGL 3.3 core (gl.go, window.go) need cgo and build only with it. Without cgo the viewer's
// entry points return ErrNoCGO. docs/viz.md lists the keys and the measured frame times.
//
// Drawing is batched: the map is one vertex buffer uploaded once; each frame's agents, trajectories,
// perception overlay and panels are rebuilt into one dynamic buffer of triangles, one of lines and one of
// glyph quads, so a frame is a handful of draw calls whatever the number of agents.
//
// GLFW needs the process's main thread: the cgo build locks it in init, and the viewer functions must be
// called from the main goroutine.
package viz
