package viz

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// HasDisplay reports whether the environment names a display (X11's DISPLAY or Wayland's WAYLAND_DISPLAY).
func HasDisplay() bool { return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" }

// Headless makes sure offscreen rendering has an X display: when the environment names none, it starts a
// virtual one (Xvfb, from Debian's xvfb package, on a free display number), points DISPLAY at it and
// returns a function that stops it and restores DISPLAY. With a display already set it does nothing. It
// fails when there is no display and Xvfb is not installed or does not start within 10 s. Call it from the
// main goroutine (where the viewer runs anyway): on Linux the display dies with the thread that started it.
func Headless() (stop func(), err error) {
	if HasDisplay() {
		return func() {}, nil
	}
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("%w: no DISPLAY and no Xvfb to start one (apt-get install xvfb, or run under xvfb-run)", ErrNoDisplay)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// -displayfd: Xvfb picks a free display number and writes it to file descriptor 3 when ready.
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	dieWithParent(cmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("%w: starting Xvfb: %v", ErrNoDisplay, err)
	}
	w.Close()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	kill := func() {
		// Asked to stop, Xvfb removes its socket and lock file; killed if it does not within 2 s.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	var display string
	select {
	case display = <-got:
	case <-time.After(10 * time.Second):
	}
	if display == "" {
		kill()
		return nil, fmt.Errorf("%w: Xvfb did not start: %s", ErrNoDisplay, strings.TrimSpace(stderr.String()))
	}
	if err := os.Setenv("DISPLAY", ":"+display); err != nil {
		kill()
		return nil, err
	}
	return func() {
		os.Unsetenv("DISPLAY")
		kill()
	}, nil
}

// errNoDisplayEnv is why no window can be opened without a display.
var errNoDisplayEnv = errors.New("no DISPLAY: a window needs a desktop; offscreen rendering works under xvfb-run")
