package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/eval"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// traceObserver prints a line for every every-th planner tick of a simulation (sim --trace): the ego's state,
// what a PDM planner decided, the nearest road user in the ego's way and whether the goal is met; and, at
// whatever tick, a line when the ego first touches a road user. It is the first thing to read when a
// scenario fails.
type traceObserver struct {
	w       io.Writer
	every   int
	vehicle dynamics.VehicleParams
	goal    eval.Goal // nil: no goal column
	lines   int
	touched map[string]bool // road users the ego has touched
}

// traceCorridor (m) is how far beside the ego's sides a road user's box may reach and still count as in its
// way (the lead column).
const traceCorridor = 0.5

// ObserveStep prints the frame's line when it is due, or when the ego touches a road user it had not.
func (t *traceObserver) ObserveStep(f *sim.Frame) error {
	if t.every <= 0 || len(f.Input.Ego) == 0 {
		return nil
	}
	contact := t.contacts(f)
	if f.Iteration%t.every != 0 && contact == "" {
		return nil
	}
	if t.lines%40 == 0 {
		fmt.Fprintf(t.w, "%6s %8s %8s %6s %6s %6s  %-15s %-10s %5s %6s %5s %5s %-5s  %-22s %s\n",
			"t", "x", "y", "head", "v", "a", "mode", "path", "off", "target", "score", "ttc", "eased", "lead (gap m, v m/s)", "goal contact")
	}
	t.lines++
	e := f.Input.Current()
	mode, path, off, target, score, ttc, eased := "-", "-", "-", "-", "-", "-", "-"
	if d, ok := f.Planner.(interface{ Decision() planner.PDMDecision }); ok {
		dec := d.Decision()
		mode = dec.Mode.String()
		if dec.Best >= 0 {
			path, off = dec.Path.String(), fmt.Sprintf("%+.1f", dec.Offset)
			target, score, ttc = fmt.Sprintf("%.1f", dec.TargetSpeed), fmt.Sprintf("%.2f", dec.Score), fmt.Sprintf("%.1f", dec.TimeToCollide)
			eased = fmt.Sprint(dec.Eased)
		}
	}
	goal := ""
	if t.goal != nil {
		goal = fmt.Sprint(t.goal(e.Time, e.Pose, e.Speed))
	}
	line := fmt.Sprintf("%6.1f %8.2f %8.2f %6.3f %6.2f %6.2f  %-15s %-10s %5s %6s %5s %5s %-5s  %-22s %-5s %s",
		e.Time, e.Pose.X, e.Pose.Y, e.Pose.Heading, e.Speed, e.Accel, mode, path, off, target, score, ttc, eased,
		leadOf(e, t.vehicle, f.Truth), goal, contact)
	fmt.Fprintln(t.w, strings.TrimRight(line, " "))
	return nil
}

// contacts returns the ids of the road users the ego's footprint touches at this frame for the first time,
// space-separated ("" for none).
func (t *traceObserver) contacts(f *sim.Frame) string {
	box := t.vehicle.Footprint(f.Input.Current().Pose)
	out := ""
	for i := range f.Truth {
		o := &f.Truth[i]
		if t.touched[o.ID] || !box.Overlaps(o.Box) {
			continue
		}
		if t.touched == nil {
			t.touched = map[string]bool{}
		}
		t.touched[o.ID] = true
		if out != "" {
			out += " "
		}
		out += o.ID
	}
	return out
}

// leadOf describes the nearest road user ahead of the ego whose box reaches within traceCorridor of the ego's
// sides: its id, the gap from the ego's front to its centre less half its length, and its speed; "-" when none.
func leadOf(e dynamics.State, v dynamics.VehicleParams, objs []scenarios.Object) string {
	best, bestGap, bestV := "", math.Inf(1), 0.0
	sn, cs := math.Sincos(e.Pose.Heading)
	for i := range objs {
		o := &objs[i]
		rel := o.Box.Center.Pos().Sub(e.Pose.Pos())
		lon, lat := rel.X*cs+rel.Y*sn, -rel.X*sn+rel.Y*cs
		if math.Abs(lat) > v.Width/2+o.Box.Width/2+traceCorridor || lon <= 0 {
			continue
		}
		if gap := lon - v.FrontLength - o.Box.Length/2; gap < bestGap {
			best, bestGap, bestV = o.ID, gap, o.Vel.Norm()
		}
	}
	if best == "" {
		return "-"
	}
	return fmt.Sprintf("%s (%.1f, %.1f)", best, bestGap, bestV)
}
