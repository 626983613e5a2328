//go:build !linux

package llmguide

// lowerPriority does nothing where thread priorities are not set: the guide runs at normal priority.
func lowerPriority() {}
