package eval

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// ShowProgress reports whether a progress bar belongs on f: f is a terminal and the CI variable is unset
// (CI logs get no bar).
func ShowProgress(f *os.File) bool {
	return os.Getenv("CI") == "" && os.Getenv("TERM") != "dumb" && isTerminal(f.Fd())
}

// Bar is a one-line progress bar for a terminal, redrawn in place at most ten times a second.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	start   time.Time
	last    time.Time
	first   int // done when the bar started (resumed scenarios)
	done    int
	total   int
	drawn   bool
	now     func() time.Time
	minStep time.Duration
}

// NewBar returns a bar that draws on w (a terminal).
func NewBar(w io.Writer, label string) *Bar {
	return &Bar{w: w, label: label, first: -1, now: time.Now, minStep: 100 * time.Millisecond}
}

// Set updates the bar; it has the signature of Config.Progress.
func (b *Bar) Set(done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	if b.first < 0 {
		b.first, b.start = done, t
	}
	b.done, b.total = done, total
	if done < total && b.drawn && t.Sub(b.last) < b.minStep {
		return
	}
	b.last = t
	b.draw(t)
}

// Finish ends the bar's line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

func (b *Bar) draw(t time.Time) {
	const width = 30
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	line := fmt.Sprintf("\r%s [%s] %d/%d %3.0f%%", b.label, bar, b.done, b.total, 100*frac)
	if el := t.Sub(b.start).Seconds(); el > 0 && b.done > b.first {
		rate := float64(b.done-b.first) / el
		line += fmt.Sprintf("  %.1f/s", rate)
		if b.done < b.total {
			eta := time.Duration(float64(b.total-b.done) / rate * float64(time.Second))
			line += fmt.Sprintf("  eta %s", eta.Round(time.Second))
		}
	}
	fmt.Fprintf(b.w, "%s\x1b[K", line)
	b.drawn = true
}
