package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"asyncdrive/llmguide"
	"asyncdrive/llmguide/model"
	"asyncdrive/llmguide/ort"
	"asyncdrive/scenarios"
)

// guideFlags are the language-model guide's flags, shared by eval and sim.
type guideFlags struct {
	guide        string // "", "builtin" or an .onnx path
	interval     int
	rateHz       float64
	latencyMS    float64
	jitterMS     float64
	device       string
	instructions []scenarios.Instruction
}

func (g *guideFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&g.guide, "guide", "", "language-model guide: builtin (the trained model) or a `model.onnx` meeting llmguide's contract; empty: unguided")
	fs.IntVar(&g.interval, "guide-interval", 5, "run the guide every `K` planner ticks")
	fs.Float64Var(&g.rateHz, "guide-rate", 0, "run the guide at this rate in `Hz` of simulated time instead of --guide-interval")
	fs.Float64Var(&g.latencyMS, "guide-latency-ms", 0, "simulated `ms` from the observation to the guide's result")
	fs.Float64Var(&g.jitterMS, "guide-jitter-ms", 0, "draw each latency uniformly within +-`ms` of --guide-latency-ms (seeded)")
	fs.StringVar(&g.device, "guide-device", "cpu", "where the guide's model runs: cpu or cuda")
	fs.Func("instruction", "operator command for the guide, `[T:]TEXT` (from T seconds, default 0; repeatable), e.g. \"change to the left lane\"", func(s string) error {
		t, text := 0.0, s
		if before, after, ok := strings.Cut(s, ":"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(before), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) {
				return fmt.Errorf("want [T:]TEXT with T >= 0 seconds, got %q", s)
			}
			t, text = v, after
		}
		g.instructions = append(g.instructions, scenarios.Instruction{T: t, Text: strings.TrimSpace(text)})
		return nil
	})
}

// check validates the flags and records them in options (when guided).
func (g *guideFlags) check(cmd string, options map[string]string) error {
	if g.guide == "" {
		if len(g.instructions) > 0 {
			return usagef(cmd, "--instruction needs --guide")
		}
		return nil
	}
	switch {
	case g.interval < 1:
		return usagef(cmd, "--guide-interval must be at least 1")
	case !(g.rateHz >= 0) || math.IsInf(g.rateHz, 0):
		return usagef(cmd, "--guide-rate must be >= 0")
	case !(g.latencyMS >= 0) || math.IsInf(g.latencyMS, 0) || !(g.jitterMS >= 0) || math.IsInf(g.jitterMS, 0):
		return usagef(cmd, "--guide-latency-ms and --guide-jitter-ms must be >= 0")
	case g.device != string(ort.CPU) && g.device != string(ort.CUDA):
		return usagef(cmd, "--guide-device must be cpu or cuda, got %q", g.device)
	}
	if options != nil {
		options["guide"] = g.guide
		options["guide_interval"] = strconv.Itoa(g.interval)
		if g.rateHz > 0 {
			options["guide_interval"] = "rate " + strconv.FormatFloat(g.rateHz, 'g', -1, 64) + " Hz"
		}
		options["guide_latency_ms"] = strconv.FormatFloat(g.latencyMS, 'g', -1, 64)
		if g.jitterMS > 0 {
			options["guide_jitter_ms"] = strconv.FormatFloat(g.jitterMS, 'g', -1, 64)
		}
		if len(g.instructions) > 0 {
			var parts []string
			for _, in := range g.instructions {
				parts = append(parts, strconv.FormatFloat(in.T, 'g', -1, 64)+":"+in.Text)
			}
			options["instructions"] = strings.Join(parts, "; ")
		}
	}
	return nil
}

// config returns the guide's configuration.
func (g *guideFlags) config() llmguide.Config {
	return llmguide.Config{Interval: g.interval, RateHz: g.rateHz, LatencyMS: g.latencyMS, LatencyJitterMS: g.jitterMS,
		Seed: 1, Instructions: g.instructions}
}

// open loads the guide's model (a fresh session; sessions are not shared between goroutines).
func (g *guideFlags) open() (llmguide.Model, error) {
	o := ort.Options{Device: ort.Device(g.device)}
	if g.guide == model.Name {
		return ort.OpenBytes(model.ONNX, "the builtin guide model", o)
	}
	return ort.Open(g.guide, o)
}

// modelPool hands out guide sessions to the evaluation's workers and takes them back.
type modelPool struct {
	open func() (llmguide.Model, error)
	free chan llmguide.Model
}

func newModelPool(open func() (llmguide.Model, error), size int) *modelPool {
	return &modelPool{open: open, free: make(chan llmguide.Model, max(1, size))}
}

func (p *modelPool) get() (llmguide.Model, error) {
	select {
	case m := <-p.free:
		return m, nil
	default:
		return p.open()
	}
}

func (p *modelPool) put(m llmguide.Model) {
	select {
	case p.free <- m:
	default:
		m.Close()
	}
}
