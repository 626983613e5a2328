// Package viz will hold the GLFW/OpenGL viewer that replays recorded runs and follows simulations live.
//
// It is empty until the viewer is built (see the project's issues); nothing depends on it yet.
package viz
