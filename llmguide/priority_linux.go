//go:build linux

package llmguide

import (
	"runtime"
	"syscall"
)

// lowerPriority pins the calling goroutine to its OS thread for good and lowers that thread's scheduling
// priority (nice 10), so that the model's work yields the CPU to the planner's hot loop. The goroutine must
// not unlock: when it returns, the Go runtime ends the thread instead of reusing it at the lower priority.
// A failure is ignored: the guide then runs at normal priority.
func lowerPriority() {
	runtime.LockOSThread()
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
}
