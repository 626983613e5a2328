package main

// The closed-loop side of collaborative perception: eval's --perception and --delay-ms flags, the stack they
// build for each scenario, and the adapter that puts the stack's state into run logs.

import (
	"flag"
	"strconv"

	"asyncdrive/dynamics"
	"asyncdrive/perception"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// perceptionModes are the values of --perception: ground truth, or one of the perception methods.
var perceptionModes = []string{"gt", string(perception.MethodEgo), string(perception.MethodFused), string(perception.MethodLate)}

// perceptionFlags are eval's --perception and --delay-ms.
type perceptionFlags struct {
	mode    string
	delayMS float64
}

func (p *perceptionFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&p.mode, "perception", "gt", "what the planner sees: gt (ground truth), ego (its own sensor, tracked), fused (trust-weighted fusion of the ego, connected vehicles and roadside units) or late (naive late fusion); metrics always use the ground truth")
	fs.Float64Var(&p.delayMS, "delay-ms", 0, "expected message delay of the other senders, `ms` (Binomial(10,p) x 100 ms), with --perception fused or late")
}

// check validates the flags and records a non-default choice in the run's options (so resume and merge
// check it).
func (p *perceptionFlags) check(cmd string, options map[string]string) error {
	if err := checkChoice(cmd, "perception", p.mode, perceptionModes); err != nil {
		return err
	}
	if !(p.delayMS >= 0 && p.delayMS <= 1000) {
		return usagef(cmd, "--delay-ms must be between 0 and 1000, got %v", p.delayMS)
	}
	if p.mode == "gt" {
		if p.delayMS != 0 {
			return usagef(cmd, "--delay-ms needs --perception ego, fused or late")
		}
		return nil
	}
	options["perception"] = p.mode
	options["perception_delay_ms"] = strconv.FormatFloat(p.delayMS, 'g', -1, 64)
	return nil
}

// enabled reports whether the planner sees perceived objects rather than the ground truth.
func (p *perceptionFlags) enabled() bool { return p != nil && p.mode != "" && p.mode != "gt" }

// stack builds the perception stack of one scenario.
func (p *perceptionFlags) stack(sc *scenarios.Scenario, vehicle dynamics.VehicleParams) (*perception.Stack, error) {
	cfg := perception.DefaultConfig(perception.Method(p.mode), p.delayMS/1000)
	cfg.EgoVehicle = vehicle
	return perception.New(sc, cfg)
}

// perceptionSource puts a perception stack's tracks and received detections into run-log frames.
type perceptionSource struct{ st *perception.Stack }

// PerceptionState implements runlog.PerceptionSource.
func (p perceptionSource) PerceptionState(t float64) *runlog.Perception {
	snap := p.st.Snapshot()
	out := &runlog.Perception{Tracks: make([]runlog.Track, 0, len(snap.Tracks)), Detections: make([]runlog.Detection, 0, len(snap.Detections))}
	for _, tr := range snap.Tracks {
		b := tr.Box
		out.Tracks = append(out.Tracks, runlog.Track{
			ID: "p" + strconv.Itoa(tr.ID), X: b.Center.X, Y: b.Center.Y, Heading: b.Center.Heading,
			Length: b.Length, Width: b.Width, VX: tr.Vel.X, VY: tr.Vel.Y,
			Cov: [3]float64{tr.Cov.XX, tr.Cov.XY, tr.Cov.YY}, Existence: tr.Existence,
		})
	}
	for _, d := range snap.Detections {
		name := "?"
		if d.Sender >= 0 && d.Sender < len(snap.Senders) {
			name = snap.Senders[d.Sender].Name
		}
		b := d.Box
		out.Detections = append(out.Detections, runlog.Detection{
			Sender: name, CaptureT: d.Capture, AgeS: t - d.Capture, X: b.Center.X, Y: b.Center.Y,
			Heading: b.Center.Heading, Length: b.Length, Width: b.Width,
		})
	}
	return out
}
