//go:build linux

package eval

import (
	"syscall"
	"unsafe"
)

// isTerminal reports whether fd is a terminal (the TCGETS ioctl succeeds), as golang.org/x/term does.
func isTerminal(fd uintptr) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
