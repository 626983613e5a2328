package llmguide

import (
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Config sets up a Guide.
type Config struct {
	// Interval: the model runs every Interval planner ticks and skips the others (5). RateHz, when set,
	// runs it at that rate of simulated time instead (every round(1 / (RateHz * dt)) ticks).
	Interval int
	RateHz   float64
	// LatencyMS is the time (ms of simulated time) from the observation to the result's arrival;
	// LatencyJitterMS, when set, draws each latency uniformly from LatencyMS +- LatencyJitterMS (at least
	// 0), from Seed, so runs stay reproducible.
	LatencyMS, LatencyJitterMS float64
	Seed                       uint64
	// Instructions are timed operator commands that override the scenario's own instructions and the
	// routing instruction from their time on; an empty Text hands back to them.
	Instructions []scenarios.Instruction
	// Operator, when set, brings commands given during the run (a live viewer's keys); each is in force
	// from the tick the guide takes it in, over Instructions.
	Operator *Operator
	// Adapter turns outputs into guidance.
	Adapter Adapter
}

// Interval returns the tick interval a config asks for at planner period dt.
func (c Config) interval(dt float64) int {
	if c.RateHz > 0 && dt > 0 {
		return max(1, int(math.Round(1/(c.RateHz*dt))))
	}
	if c.Interval > 0 {
		return c.Interval
	}
	return 5
}

// Stats are a guide's counters.
type Stats struct {
	Calls     int       // model runs
	Errors    int       // runs that failed (no result: the planner keeps the last guidance, which ages out)
	Delivered int       // results that arrived before the run ended
	InferMS   []float64 // wall-clock inference time of each run, ms
}

// pending is a result on its way to the planner.
type pending struct {
	arrive      float64
	g           *planner.Guidance
	instruction string
	latencyMS   float64
}

// Guide is the language-model guide in the simulator's virtual time: it implements sim.Guide (and
// runlog.GuideSource). One Guide serves one run.
type Guide struct {
	cfg      Config
	model    Model
	enc      *Encoder
	sc       *scenarios.Scenario
	interval int
	rng      *rand.Rand
	queue    []pending
	latest   *pending
	stats    Stats
	scene    []float32
	words    []int64
	live     []scenarios.Instruction // commands taken in from cfg.Operator, timed
	changes  changeTracker
}

// New returns a guide for a run of sc with model.
func New(model Model, sc *scenarios.Scenario, cfg Config) (*Guide, error) {
	if model == nil || sc == nil {
		return nil, errors.New("llmguide: nil model or scenario")
	}
	if cfg.LatencyMS < 0 || math.IsNaN(cfg.LatencyMS) || math.IsInf(cfg.LatencyMS, 0) || cfg.LatencyJitterMS < 0 {
		return nil, errors.New("llmguide: latency must be a finite number >= 0 ms")
	}
	// The guide knows what the planner knows: the route the scenario shows (up to a branch only the
	// instructions resolve, for instruction scenarios).
	route, _ := sc.PlannerMission()
	enc := NewEncoder(&sc.Map, route)
	return &Guide{
		cfg: cfg, model: model, enc: enc, sc: sc, interval: cfg.interval(sc.DT),
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)),
		changes: changeTracker{mx: enc.Map()},
	}, nil
}

// Stats returns the guide's counters.
func (g *Guide) Stats() Stats { return g.stats }

// Interval returns the number of ticks between model runs.
func (g *Guide) Interval() int { return g.interval }

// Instruction returns the instruction in force for the ego at input in: the latest live operator command
// (Config.Operator; an empty one hands back), else the latest timed operator command (Config.Instructions),
// else the scenario's latest instruction, else the routing instruction from the route.
func (g *Guide) Instruction(in *planner.Input) string {
	if g.cfg.Operator != nil {
		g.live = g.cfg.Operator.take(g.live, in.Time)
		if s, ok := scenarios.InstructionAt(g.live, in.Time); ok && s != "" {
			return s
		}
	}
	if s, ok := scenarios.InstructionAt(g.cfg.Instructions, in.Time); ok && s != "" {
		return s
	}
	if s, ok := scenarios.InstructionAt(g.sc.Instructions, in.Time); ok && s != "" {
		return s
	}
	return RouteInstruction(g.enc.Map(), g.enc.Route(), in.Current().Pose)
}

// Guidance runs the model on the ticks it is due, schedules the result to arrive after the latency, and
// returns the latest guidance that has arrived by in.Time (nil before the first).
func (g *Guide) Guidance(in *planner.Input) *planner.Guidance {
	if in == nil || len(in.Ego) == 0 {
		return nil
	}
	if in.Iteration%g.interval == 0 {
		g.run(in)
	}
	for len(g.queue) > 0 && g.queue[0].arrive <= in.Time+1e-9 {
		p := g.queue[0]
		g.latest = &p
		g.queue = g.queue[1:]
		g.stats.Delivered++
	}
	if g.latest == nil {
		return nil
	}
	return g.latest.g
}

func (g *Guide) run(in *planner.Input) {
	instr := g.Instruction(in)
	g.scene = g.enc.Encode(in, g.scene)
	g.words = Tokenize(instr, g.words)
	start := time.Now()
	out, err := g.model.Infer(g.scene, g.words)
	g.stats.Calls++
	g.stats.InferMS = append(g.stats.InferMS, float64(time.Since(start).Nanoseconds())/1e6)
	if err != nil {
		g.stats.Errors++
		return
	}
	out.Features = append([]float32(nil), out.Features...)
	lat := g.cfg.LatencyMS
	if j := g.cfg.LatencyJitterMS; j > 0 {
		lat = max(0, lat+(2*g.rng.Float64()-1)*j)
	}
	p := pending{arrive: in.Time + lat/1000, g: g.changes.guidance(g.cfg.Adapter, &out, instr, in), instruction: instr, latencyMS: lat}
	// Keep arrival order (a jittered result may overtake an earlier one: the later observation wins then).
	i := len(g.queue)
	for i > 0 && g.queue[i-1].arrive > p.arrive {
		i--
	}
	g.queue = append(g.queue, pending{})
	copy(g.queue[i+1:], g.queue[i:])
	g.queue[i] = p
}

// GuideState reports the instruction and latency of the guidance in force (runlog.GuideSource).
func (g *Guide) GuideState(float64) (string, float64) {
	if g.latest == nil {
		return "", 0
	}
	return g.latest.instruction, g.latest.latencyMS
}
