package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/eval"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// traceObserver prints a line for every every-th planner tick of a simulation (sim --trace): the ego's state,
// what a PDM planner decided, the nearest road user in the ego's way, where the ego is against the expert and
// whether the goal is met; and, at whatever tick, a line when the ego first touches a road user. It is the
// first thing to read when a scenario fails.
type traceObserver struct {
	w       io.Writer
	every   int       // ticks between trace lines (0: none)
	at      []float64 // ascending times (s) at which to print the planner's proposals (sim --proposals)
	nextAt  int       // the first of at not printed yet
	vehicle dynamics.VehicleParams
	goal    eval.Goal // nil: no goal column
	expert  expertTrack
	lines   int
	touched map[string]bool // road users the ego has touched
}

// traceCorridor (m) is how far beside the ego's sides a road user's box may reach and still count as in its
// way (the lead column).
const traceCorridor = 0.5

// ObserveStep prints the frame's line when it is due, or when the ego touches a road user it had not.
func (t *traceObserver) ObserveStep(f *sim.Frame) error {
	if len(f.Input.Ego) == 0 {
		return nil
	}
	if t.every > 0 {
		t.traceLine(f)
	}
	due := false
	for t.nextAt < len(t.at) && f.Input.Time >= t.at[t.nextAt]-1e-6 {
		t.nextAt, due = t.nextAt+1, true
	}
	if due {
		t.printProposals(f)
	}
	return nil
}

// traceLine prints the frame's trace line when it is due, or when the ego touches a road user it had not.
func (t *traceObserver) traceLine(f *sim.Frame) {
	contact := t.contacts(f)
	if f.Iteration%t.every != 0 && contact == "" {
		return
	}
	if t.lines%40 == 0 {
		fmt.Fprintf(t.w, "%6s %8s %8s %6s %6s %6s  %-15s %-10s %5s %6s %5s %5s %-5s  %-22s %-16s %s\n",
			"t", "x", "y", "head", "v", "a", "mode", "path", "off", "target", "score", "ttc", "eased", "lead (gap m, v m/s)", "expert (ds m, v)", "goal contact")
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
		goal = fmt.Sprint(t.goal.Reached(e.Time, e.Pose, e.Speed))
	}
	line := fmt.Sprintf("%6.1f %8.2f %8.2f %6.3f %6.2f %6.2f  %-15s %-10s %5s %6s %5s %5s %-5s  %-22s %-16s %-5s %s",
		e.Time, e.Pose.X, e.Pose.Y, e.Pose.Heading, e.Speed, e.Accel, mode, path, off, target, score, ttc, eased,
		leadOf(e, t.vehicle, f.Truth), t.expert.column(e), goal, contact)
	fmt.Fprintln(t.w, strings.TrimRight(line, " "))
}

// printProposals prints the proposals the planner weighed at this frame's tick, each with the terms of its
// score (planner.ProposalTerms), or says that the planner lists none.
func (t *traceObserver) printProposals(f *sim.Frame) {
	e := f.Input.Current()
	lister, ok := f.Planner.(planner.ProposalLister)
	var props []planner.Proposal
	if ok {
		props = lister.Proposals(nil)
	}
	mode := ""
	if d, ok := f.Planner.(interface{ Decision() planner.PDMDecision }); ok {
		mode = ", mode " + d.Decision().Mode.String()
	}
	fmt.Fprintf(t.w, "proposals at %.1f s (ego at %.2f m/s%s): %d\n", e.Time, e.Speed, mode, len(props))
	if len(props) == 0 {
		return
	}
	fmt.Fprintf(t.w, "  %3s %-11s %5s %6s %-5s %5s %5s %5s %-5s %4s %-14s %8s %5s %-14s %4s %4s  %s\n",
		"#", "path", "off", "target", "kind", "score", "mult", "coll", "drive", "dir", "collide", "progress", "ratio", "ttc", "comf", "lane", "lead (gap, v)")
	for i, pr := range props {
		tm := pr.Terms
		if tm == nil {
			fmt.Fprintf(t.w, "  %3d score %.3f%s\n", i, pr.Score, map[bool]string{true: "  chosen"}[pr.Chosen])
			continue
		}
		collide, comfort := "-", "?"
		if !math.IsInf(tm.CollideAt, 1) {
			collide = fmt.Sprintf("%.1f s %s", tm.CollideAt, tm.CollideWith)
		}
		ttc := fmt.Sprintf("%.0f", tm.TTC)
		if !math.IsInf(tm.TTCAt, 1) {
			ttc = fmt.Sprintf("0 %.1f s %s", tm.TTCAt, tm.TTCWith) // failed: when, and with whom
		}
		if tm.Comfort >= 0 {
			comfort = fmt.Sprintf("%.0f", tm.Comfort)
		}
		lead := "-"
		if !math.IsInf(tm.LeadGap, 1) {
			lead = fmt.Sprintf("%.1f, %.1f", tm.LeadGap, tm.LeadSpeed)
		}
		chosen := ""
		if pr.Chosen {
			chosen = "chosen"
		}
		line := fmt.Sprintf("  %3d %-11s %+5.1f %6.1f %-5s %5.3f %5.2f %5.2f %-5v %4.1f %-14s %8.1f %5.2f %-14s %4s %4.2f  %-14s %s",
			i, tm.Path, tm.Offset, tm.TargetSpeed, tm.Kind(), pr.Score, tm.Multiplier, tm.Collision, tm.Drivable, tm.Direction,
			collide, tm.Progress, tm.ProgressRatio, ttc, comfort, tm.LaneWeight, lead, chosen)
		fmt.Fprintln(t.w, strings.TrimRight(line, " "))
	}
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

// expertTrack is the scenario's expert (the recorded driver, or the importer's synthetic one) for the trace's
// expert column: where the ego is along the expert's drive against where the expert was at the same time.
type expertTrack struct {
	line geom.Polyline // the expert's rear-axle positions
	s    []float64     // arc length along line of each expert state (line drops repeated points: a standing expert)
	v    []float64     // the expert's speed at each state
	dt   float64
}

// newExpertTrack indexes a scenario's expert log, states dt seconds apart from the run's start.
func newExpertTrack(expert []scenarios.EgoState, dt float64) expertTrack {
	x := expertTrack{dt: dt}
	if len(expert) < 2 || !(dt > 0) {
		return x
	}
	pts := make([]geom.Vec2, len(expert))
	x.s, x.v = make([]float64, len(expert)), make([]float64, len(expert))
	for i, e := range expert {
		pts[i], x.v[i] = e.Pose.Pos(), e.Speed
		if i > 0 {
			x.s[i] = x.s[i-1] + pts[i].Dist(pts[i-1])
		}
	}
	x.line = geom.NewPolyline(pts)
	return x
}

// column returns "ds, v": how far the ego's rear axle is ahead (+) or behind (-) of where the expert was at
// the ego's time, along the expert's drive, and the expert's speed then; "-" past the end of the log or
// without one.
func (x *expertTrack) column(e dynamics.State) string {
	k := int(math.Round(e.Time / x.dt))
	if len(x.s) < 2 || len(x.line.Pts) < 2 || k < 0 || k >= len(x.s) {
		return "-"
	}
	s, _ := x.line.Project(e.Pose.Pos())
	return fmt.Sprintf("%+.1f, %.1f", s-x.s[k], x.v[k])
}
