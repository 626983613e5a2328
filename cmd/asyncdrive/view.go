package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"

	"asyncdrive/runlog"
	"asyncdrive/viz"
)

func viewHelp() string {
	return `usage: asyncdrive view RUN.mcap [--compare OTHER.mcap] [--screenshot out.png --at SECONDS] [--bench-frames N]
                      [--width W --height H]

Replays a run log (eval --record, sim --record) in the OpenGL viewer; press H in the window for the keys.
--compare draws a second run of the same scenario beside it (another planner, or the same one before a
change): its ego as a pink outline at each moment, with its plan, and its planner, mode and speed in the
panel (key C).
--screenshot renders one moment offscreen and exits; --bench-frames renders N frames offscreen and prints
the frame-time percentiles. Both start a virtual display (Xvfb) when there is no DISPLAY.

`
}

type viewFlags struct {
	screenshot  string
	at          float64
	benchFrames int
	width       int
	height      int
	zoom        float64
	help        bool
	compare     string
}

func (v *viewFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&v.screenshot, "screenshot", "", "render offscreen to this PNG `file` and exit")
	fs.Float64Var(&v.at, "at", 0, "time (`s`) of the screenshot, from the run start")
	fs.IntVar(&v.benchFrames, "bench-frames", 0, "render `N` frames offscreen and print frame-time p50 and p99")
	fs.IntVar(&v.width, "width", 1280, "window or image width, pixels")
	fs.IntVar(&v.height, "height", 720, "window or image height, pixels")
	fs.Float64Var(&v.zoom, "zoom", 8, "initial zoom, pixels per metre")
	fs.BoolVar(&v.help, "help-overlay", false, "show the key help in the window or screenshot")
	fs.StringVar(&v.compare, "compare", "", "a second run log (`OTHER.mcap`) of the same scenario, drawn beside the first")
}

func (v *viewFlags) options(title string) (viz.Options, error) {
	switch {
	case v.width < 16 || v.height < 16 || v.width > 8192 || v.height > 8192:
		return viz.Options{}, usagef("view", "--width and --height must be between 16 and 8192")
	case !(v.zoom > 0) || math.IsInf(v.zoom, 0):
		return viz.Options{}, usagef("view", "--zoom must be a positive number")
	}
	return viz.Options{Width: v.width, Height: v.height, PixelsPerMeter: v.zoom, Help: v.help, Title: title}, nil
}

func runView(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	var v viewFlags
	v.define(fs)
	pos, err := parseFlags(fs, viewHelp(), args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("view", "give one run log (.mcap), got %d arguments", len(pos))
	case v.benchFrames < 0:
		return usagef("view", "--bench-frames must be >= 0")
	case v.screenshot != "" && v.benchFrames > 0:
		return usagef("view", "give --screenshot or --bench-frames, not both")
	case isSet(fs, "at") && v.screenshot == "":
		return usagef("view", "--at goes with --screenshot")
	case !(v.at >= 0) || math.IsInf(v.at, 0):
		return usagef("view", "--at must be a time in seconds, >= 0")
	}
	o, err := v.options("asyncdrive view " + pos[0])
	if err != nil {
		return err
	}
	run, err := runlog.Read(pos[0])
	if err != nil {
		return err
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(stderr, "asyncdrive view: warning: %s\n", w)
	}
	if v.compare != "" {
		other, err := runlog.Read(v.compare)
		if err != nil {
			return fmt.Errorf("--compare: %w", err)
		}
		for _, w := range other.Warnings {
			fmt.Fprintf(stderr, "asyncdrive view: warning: %s: %s\n", v.compare, w)
		}
		if id, oid := run.Header.ScenarioID, other.Header.ScenarioID; id != oid {
			fmt.Fprintf(stderr, "asyncdrive view: warning: %s is a run of %q, %s of %q: the two are drawn together all the same\n",
				pos[0], id, v.compare, oid)
		}
		o.Compare = other
	}
	// The route and goal the run log carries (logs from before they were recorded have none).
	o.Route = viz.Route{Roadblocks: run.Header.Route, Goal: run.Header.Goal, GoalSpan: run.Header.GoalSpan}
	if (v.screenshot != "" || v.benchFrames > 0) && viz.Available {
		// Offscreen work needs a display all the same: without one, start a virtual one (Xvfb).
		stop, err := viz.Headless()
		if err != nil {
			return err
		}
		defer stop()
	}
	switch {
	case v.screenshot != "":
		if err := viz.Screenshot(run, v.at, v.screenshot, o); err != nil {
			return err
		}
		what := "no frames: the map only"
		if k := run.FrameAt(v.at); k >= 0 {
			what = fmt.Sprintf("t = %.1f s of %.1f", run.Frames[k].T, run.Duration())
		}
		fmt.Fprintf(stdout, "wrote %s (%dx%d, %s)\n", v.screenshot, o.Width, o.Height, what)
		return nil
	case v.benchFrames > 0:
		r, err := viz.Bench(run, v.benchFrames, o)
		if err != nil {
			return err
		}
		agents := 0
		for _, f := range run.Frames {
			agents = max(agents, len(f.Agents))
		}
		fmt.Fprintf(stdout, "%d frames at %dx%d, up to %d agents: frame time p50 %.2f ms, p99 %.2f ms, mean %.2f ms, max %.2f ms (%.0f fps at p99); CPU %.2f ms per frame\n",
			r.Frames, o.Width, o.Height, agents, r.P50, r.P99, r.Mean, r.Max, 1000/r.P99, r.CPUPerFrame)
		return nil
	}
	return viz.Replay(run, o)
}
