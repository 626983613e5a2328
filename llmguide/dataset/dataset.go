package dataset

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/llmguide"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Horizon (s) of the labels.
const Horizon = 3.0

// Lane-change label classes, as the model's lane_logits (planner.SideLeft, ...; llmguide.LaneChange).
const (
	Left  = planner.SideLeft
	Keep  = planner.SideKeep
	Right = planner.SideRight
)

// Turn label classes, as the model's turn_logits (planner.TurnIndexLeft, ...).
const (
	TurnLeft     = planner.TurnIndexLeft
	TurnStraight = planner.TurnIndexStraight
	TurnRight    = planner.TurnIndexRight
)

// TurnRange (m): the turn label is the movement of the next junction connector on the route whose start is
// at most this far ahead of the ego's front bumper, else straight. It is the distance from which the
// instruction scenarios announce a movement ("turn left in 50 meters"), measured as they measure it, so
// that an announced turn is never labelled straight.
const TurnRange = 50.0

// SlowCommand is the operator command to drive slowly (gen.TextDriveSlow); the slow label is whether it is
// the sample's instruction.
const SlowCommand = "drive slowly"

// StopCommand is the operator command to stop; CommonRoad samples whose expert comes to a stop get it in
// Options.OperatorShare of them, and the samples of scenarios with instructions of their own whose expert
// stops under a routing instruction all get it.
const StopCommand = "stop"

// PullOverCommand is the operator command to stop at the pickup zone (gen.TextStopPickup); the pullover
// label is whether it is the sample's instruction.
const PullOverCommand = "stop at the pickup zone"

// Sample is one training example.
type Sample struct {
	Scene       []float32 // SceneTokens x TokenDim
	Words       []int64   // MaxWords
	Instruction string
	Lane        int     // Left, Keep or Right within Horizon
	Speed       float64 // expert speed after Horizon, m/s
	Stop        bool    // the expert, moving now, comes to a stop within Horizon
	Turn        int     // TurnLeft, TurnStraight or TurnRight: the next junction movement (TurnRange+veh.FrontLength)
	Slow        bool    // the instruction is the operator command to drive slowly (SlowCommand)
	PullOver    bool    // the instruction is the operator command to stop at the pickup zone (PullOverCommand)
	Headway     float64 // the IDM headway of the expert's following within Horizon (s; NaN when it does not follow; headwayLabel)
	Source      string  // scenario id
}

// Options of an export.
type Options struct {
	Stride int    // frames between samples of a scenario (5)
	Seed   uint64 // for the operator commands mixed in
	// OperatorShare is the share of samples whose instruction is an operator command consistent with the
	// expert's future ("change to the left lane", "drive slowly", "stop"), instead of the routing
	// instruction (0.4): the model learns to read instructions, not only the scene. Scenarios with their own
	// instructions (Scenario.Instructions) keep them.
	OperatorShare float64
}

// FromScenario returns the samples of one scenario (none when it has no expert future of Horizon seconds).
//
// The guide sees what it sees in a run (Guide): the scene is encoded with the route the planner is given
// (Scenario.PlannerMission: for instruction scenarios only up to the branch), and the instruction is the
// scenario's instruction in force at the sample's time (scenarios.InstructionAt), else the routing instruction from
// that route, which OperatorShare of the samples replace with an operator command. The labels come from the
// expert, the turn label from the whole route (Scenario.Route) that the expert followed; the slow label says
// whether the sample's instruction, the scenario's or an operator command, is SlowCommand.
func FromScenario(sc *scenarios.Scenario, o Options, rng *rand.Rand) []Sample {
	if o.Stride <= 0 {
		o.Stride = 5
	}
	if o.OperatorShare == 0 {
		o.OperatorShare = 0.4
	}
	ahead := int(math.Round(Horizon / sc.DT))
	steps := sc.Steps()
	if steps <= 0 || len(sc.Expert) < ahead+2 {
		return nil
	}
	mx := sc.Map.Index()
	drive, station := expertDrive(sc)
	route, _ := sc.PlannerMission()
	enc := llmguide.NewEncoder(&sc.Map, route)
	veh := sc.EgoVehicle()
	var out []Sample
	for i := 0; i <= steps && i+ahead < len(sc.Expert); i += o.Stride {
		in := input(sc, mx, i, veh)
		s := Sample{Source: sc.ID}
		s.Scene = enc.Encode(&in, nil)
		cur := sc.Expert[i]
		s.Speed = sc.Expert[i+ahead].Speed
		minV := math.Inf(1)
		for k := i; k <= i+ahead; k++ {
			minV = math.Min(minV, sc.Expert[k].Speed)
		}
		// Only a moving expert decides to stop: labelling a standing car "stop" would teach the guide to keep
		// a stopped car stopped for good (its own past is in the scene).
		s.Stop = minV < 0.3 && cur.Speed > 1
		s.Lane = llmguide.LaneChange(mx, cur.Pose, sc.Expert[i+ahead].Pose)
		s.Turn = turnLabel(mx, sc.Route, cur.Pose, veh)
		s.Headway = headwayLabel(sc, &drive, station, i, ahead, veh.FrontLength)
		if text, ok := scenarios.InstructionAt(sc.Instructions, in.Time); ok {
			s.Instruction = text
		} else {
			s.Instruction = llmguide.RouteInstruction(mx, route, cur.Pose)
		}
		if len(sc.Instructions) > 0 {
			// A scenario with instructions of its own keeps them, but where its expert comes to a stop under
			// a routing instruction, the samples are told "stop" instead: without them the word "stop" comes
			// almost only in "stop at the pickup zone" (2 of 16383 samples said "stop" alone), and a model
			// learns to read the operator's "stop" as a pull-over.
			if s.Stop && cur.Speed > 1 && !operatorCommand(s.Instruction) {
				s.Instruction = StopCommand
			}
		} else if rng.Float64() < o.OperatorShare {
			switch {
			case s.Lane == Left:
				s.Instruction = "change to the left lane"
			case s.Lane == Right:
				s.Instruction = "change to the right lane"
			case s.Stop && cur.Speed > 1:
				s.Instruction = StopCommand
			case s.Speed < 0.7*cur.Speed && cur.Speed > 3:
				s.Instruction = SlowCommand
			}
		}
		s.Slow = isCommand(s.Instruction, SlowCommand)
		s.PullOver = isCommand(s.Instruction, PullOverCommand)
		s.Words = llmguide.Tokenize(s.Instruction, nil)
		out = append(out, s)
	}
	return out
}

// Following, as the headway label reads it: the expert at followMinSpeed (m/s) or faster, a road user ahead
// in its lane (within followLaneHalf of its drive) at most followMaxGap (s) away and within followSpeedDiff
// (m/s) of its speed; at least half of the label's instants (every followStep frames) must be following.
const (
	followMinSpeed  = 5.0
	followMaxGap    = 3.0
	followSpeedDiff = 2.0
	followLaneHalf  = 1.6
	followStep      = 5
	followMinGap    = 1.0 // the IDM's minimum gap (planner.PDMConfig.MinGap), taken off the gap
)

// expertDrive returns the expert's drive as a polyline through its rear-axle positions and the arc length of
// each of its frames along it.
func expertDrive(sc *scenarios.Scenario) (geom.Polyline, []float64) {
	pts := make([]geom.Vec2, len(sc.Expert))
	station := make([]float64, len(sc.Expert))
	for i, e := range sc.Expert {
		pts[i] = e.Pose.Pos()
		if i > 0 {
			station[i] = station[i-1] + pts[i].Dist(pts[i-1])
		}
	}
	return geom.NewPolyline(pts), station
}

// headwayLabel returns the headway an IDM would need to keep the expert's gaps to the road user ahead over
// frames i..i+ahead, (gap - followMinGap) / speed, the median over the instants it follows (see
// followMinSpeed), NaN when it follows at fewer than half of them. The gap runs along the expert's own drive
// from its front bumper (front m ahead of the rear axle).
func headwayLabel(sc *scenarios.Scenario, drive *geom.Polyline, station []float64, i, ahead int, front float64) float64 {
	var gaps []float64
	n := 0
	for k := i; k <= i+ahead && k < len(sc.Expert); k += followStep {
		n++
		v := sc.Expert[k].Speed
		if v < followMinSpeed {
			continue
		}
		gap, lv, ok := sc.LeaderOnPath(drive, k, station[k]+front, 0, followLaneHalf)
		if !ok || gap > followMaxGap*v || math.Abs(lv-v) > followSpeedDiff {
			continue
		}
		gaps = append(gaps, max(0, gap-followMinGap)/v)
	}
	if len(gaps) == 0 || 2*len(gaps) < n {
		return math.NaN()
	}
	return median(gaps)
}

// median returns the median of x (not empty), sorting it.
func median(x []float64) float64 {
	slices.Sort(x)
	if m := len(x); m%2 == 0 {
		return (x[m/2-1] + x[m/2]) / 2
	}
	return x[len(x)/2]
}

// operatorCommand says whether an instruction is an operator command rather than a routing instruction
// (llmguide.OperatorCommands; "keep going" is both, and counts as routing).
func operatorCommand(text string) bool {
	for _, c := range llmguide.OperatorCommands {
		if c != "" && c != "keep going" && isCommand(text, c) {
			return true
		}
	}
	return false
}

// isCommand says whether an instruction is the operator command cmd (case and spacing aside, as Tokenize
// reads it).
func isCommand(text, cmd string) bool {
	return strings.Join(strings.Fields(strings.ToLower(text)), " ") == cmd
}

// turnLabel returns the class of the next junction movement on route within TurnRange of the front bumper of
// a vehicle at pose, TurnStraight when there is none.
func turnLabel(mx *scenarios.MapIndex, route []string, pose geom.Pose, veh dynamics.VehicleParams) int {
	turn, _, ok := llmguide.NextTurn(mx, route, pose, TurnRange+veh.FrontLength)
	switch {
	case !ok:
		return TurnStraight
	case turn == llmguide.TurnLeft:
		return TurnLeft
	case turn == llmguide.TurnRight:
		return TurnRight
	}
	return TurnStraight
}

// input builds the planner input at expert frame i: the expert state, the logged objects, the lights.
func input(sc *scenarios.Scenario, mx *scenarios.MapIndex, i int, veh dynamics.VehicleParams) planner.Input {
	e := sc.Expert[i]
	st := dynamics.State{Time: float64(i) * sc.DT, Pose: e.Pose, Speed: e.Speed, Accel: e.Accel, Steering: e.Steering}
	var objs []scenarios.Object
	for ti := range sc.Tracks {
		t := &sc.Tracks[ti]
		a, ok := t.StateAt(i)
		if !ok {
			continue
		}
		objs = append(objs, scenarios.Object{ID: t.ID, Track: ti, Type: t.Type, Box: a.Box(t.Length, t.Width),
			Vel: geom.Vec2{X: a.VX, Y: a.VY}, Indicator: a.Indicator})
	}
	var lights []planner.LightStatus
	for li := range sc.Map.TrafficLights {
		tl := &sc.Map.TrafficLights[li]
		state := tl.StateAt(st.Time)
		for _, id := range tl.Connectors {
			if l, ok := mx.LaneIndex(id); ok {
				lights = append(lights, planner.LightStatus{Lane: l, State: state})
			}
		}
	}
	return planner.Input{Iteration: i, Time: st.Time, Ego: []dynamics.State{st}, Objects: [][]scenarios.Object{objs}, Lights: lights}
}

// Meta describes an exported dataset (meta.json).
type Meta struct {
	Samples           int `json:"samples"`
	SceneTokens       int `json:"scene_tokens"`
	TokenDim          int `json:"token_dim"`
	MaxWords          int `json:"max_words"`
	Vocabulary        int `json:"vocabulary_size"`
	VocabularyVersion int `json:"vocabulary_version"`
	// Words is the vocabulary: the word of id k+2 (llmguide.Vocabulary).
	Words   []string       `json:"vocabulary"`
	Sources map[string]int `json:"sources"`
	Lanes   [3]int         `json:"lane_counts"`
	Stops   int            `json:"stops"`
	Turns   [3]int         `json:"turn_counts"` // left, straight, right
	// TurnsBySource counts the turn labels per source (left, straight, right).
	TurnsBySource map[string][3]int `json:"turn_counts_by_source"`
	// Slows counts the samples whose instruction asks to drive slowly, SlowsBySource per source.
	Slows         int            `json:"slows"`
	SlowsBySource map[string]int `json:"slows_by_source"`
	// PullOvers counts the samples whose instruction asks to stop at the pickup zone, PullOversBySource per
	// source.
	PullOvers         int            `json:"pullovers"`
	PullOversBySource map[string]int `json:"pullovers_by_source"`
	// Headways counts the samples with a headway label (the expert follows a road user), HeadwaysBySource
	// per source, and HeadwayMedianBySource is the median label per source (s).
	Headways              int                `json:"headways"`
	HeadwaysBySource      map[string]int     `json:"headways_by_source"`
	HeadwayMedianBySource map[string]float64 `json:"headway_median_by_source"`
	// SourceNames are the sources in order, SampleSources each sample's source as an index into them.
	SourceNames   []string `json:"source_names"`
	SampleSources []int    `json:"sample_sources"`
	// Labels names the columns of labels.f32.
	Labels []string `json:"labels"`
	Files  []string `json:"files"`
}

// Write writes samples into dir: scene.f32, words.i64, labels.f32 (lane, speed, stop, turn, slow, pullover,
// headway per sample, the headway NaN where there is none; all little-endian) and meta.json, with sample,
// turn, slow, pull-over and headway counts per source (sourceOf, such as a dataset name).
func Write(dir string, samples []Sample, sourceOf func(Sample) string) error {
	for i, s := range samples {
		if s.Lane < 0 || s.Lane > 2 || s.Turn < 0 || s.Turn > 2 {
			return fmt.Errorf("dataset: sample %d (%s): lane class %d, turn class %d (want 0..2)", i, s.Source, s.Lane, s.Turn)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := Meta{Samples: len(samples), SceneTokens: llmguide.SceneTokens, TokenDim: llmguide.TokenDim,
		MaxWords: llmguide.MaxWords, Vocabulary: llmguide.VocabularySize(), VocabularyVersion: llmguide.VocabularyVersion,
		Words:   llmguide.Vocabulary,
		Sources: map[string]int{}, TurnsBySource: map[string][3]int{}, SlowsBySource: map[string]int{},
		PullOversBySource: map[string]int{}, HeadwaysBySource: map[string]int{}, HeadwayMedianBySource: map[string]float64{},
		Files:  []string{"scene.f32", "words.i64", "labels.f32"},
		Labels: []string{"lane", "speed", "stop", "turn", "slow", "pullover", "headway"}}
	write := func(name string, f func(w io.Writer) error) error {
		fh, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := f(fh); err != nil {
			fh.Close()
			return err
		}
		return fh.Close()
	}
	err := write("scene.f32", func(w io.Writer) error {
		for _, s := range samples {
			if err := binary.Write(w, binary.LittleEndian, s.Scene); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = write("words.i64", func(w io.Writer) error {
			for _, s := range samples {
				if err := binary.Write(w, binary.LittleEndian, s.Words); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = write("labels.f32", func(w io.Writer) error {
			for _, s := range samples {
				row := [7]float32{float32(s.Lane), float32(s.Speed), flag(s.Stop), float32(s.Turn), flag(s.Slow), flag(s.PullOver),
					float32(s.Headway)}
				if err := binary.Write(w, binary.LittleEndian, row); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	headways := map[string][]float64{}
	index := map[string]int{}
	for _, s := range samples {
		src := sourceOf(s)
		k, ok := index[src]
		if !ok {
			k = len(meta.SourceNames)
			index[src] = k
			meta.SourceNames = append(meta.SourceNames, src)
		}
		meta.SampleSources = append(meta.SampleSources, k)
		if !math.IsNaN(s.Headway) {
			meta.Headways++
			meta.HeadwaysBySource[src]++
			headways[src] = append(headways[src], s.Headway)
		}
		meta.Sources[src]++
		meta.Lanes[s.Lane]++
		if s.Stop {
			meta.Stops++
		}
		meta.Turns[s.Turn]++
		t := meta.TurnsBySource[src]
		t[s.Turn]++
		meta.TurnsBySource[src] = t
		if s.Slow {
			meta.Slows++
			meta.SlowsBySource[src]++
		}
		if s.PullOver {
			meta.PullOvers++
			meta.PullOversBySource[src]++
		}
	}
	for src, h := range headways {
		meta.HeadwayMedianBySource[src] = math.Round(1000*median(h)) / 1000
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	return os.WriteFile(filepath.Join(dir, "meta.json"), append(b, '\n'), 0o644)
}

// flag is 1 for true, 0 for false.
func flag(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
