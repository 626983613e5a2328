package viz

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the thread that started it ends, so that a virtual display does
// not outlive a program that crashes. Headless is called from the main goroutine, which the package keeps
// on the main thread, so that thread lives as long as the program.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
