// Package dataset exports training samples for the guide's model from scenarios with an expert: the scene
// tokens and an instruction at a moment, and labels from the expert's next 3 seconds (lane change, speed,
// stop). scripts/train_guide.py trains on them.
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

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/llmguide"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Horizon (s) of the labels.
const Horizon = 3.0

// Lane-change label classes, as the model's lane_logits.
const (
	Left  = 0
	Keep  = 1
	Right = 2
)

// Sample is one training example.
type Sample struct {
	Scene       []float32 // SceneTokens x TokenDim
	Words       []int64   // MaxWords
	Instruction string
	Lane        int     // Left, Keep or Right within Horizon
	Speed       float64 // expert speed after Horizon, m/s
	Stop        bool    // the expert, moving now, comes to a stop within Horizon
	Source      string  // scenario id
}

// Options of an export.
type Options struct {
	Stride int    // frames between samples of a scenario (5)
	Seed   uint64 // for the operator commands mixed in
	// OperatorShare is the share of samples whose instruction is an operator command consistent with the
	// expert's future ("change to the left lane", "drive slowly", "stop"), instead of the routing
	// instruction (0.4): the model learns to read instructions, not only the scene.
	OperatorShare float64
}

// FromScenario returns the samples of one scenario (none when it has no expert future of Horizon seconds).
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
	enc := llmguide.NewEncoder(&sc.Map, sc.Route)
	veh := dynamics.Pacifica()
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
		s.Lane = laneChange(mx, cur.Pose, sc.Expert[i+ahead].Pose)
		s.Instruction = llmguide.RouteInstruction(mx, sc.Route, cur.Pose)
		if rng.Float64() < o.OperatorShare {
			switch {
			case s.Lane == Left:
				s.Instruction = "change to the left lane"
			case s.Lane == Right:
				s.Instruction = "change to the right lane"
			case s.Stop && cur.Speed > 1:
				s.Instruction = "stop"
			case s.Speed < 0.7*cur.Speed && cur.Speed > 3:
				s.Instruction = "drive slowly"
			}
		}
		s.Words = llmguide.Tokenize(s.Instruction, nil)
		out = append(out, s)
	}
	return out
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

// laneChange classifies the expert's move from pose a to pose b: Keep when b's lane is a's lane or follows
// it, Left or Right when it is beside a lane that does.
func laneChange(mx *scenarios.MapIndex, a, b geom.Pose) int {
	la, _, _, ok1 := mx.NearestLane(a, 3)
	lb, _, _, ok2 := mx.NearestLane(b, 3)
	if !ok1 || !ok2 {
		return Keep
	}
	chain := []int{la}
	for k := 0; k < len(chain) && len(chain) < 64; k++ {
		for _, s := range mx.Successors(chain[k]) {
			if !slices.Contains(chain, s) {
				chain = append(chain, s)
			}
		}
	}
	if slices.Contains(chain, lb) {
		return Keep
	}
	for _, l := range chain {
		if mx.LeftNeighbor(l) == lb {
			return Left
		}
		if mx.RightNeighbor(l) == lb {
			return Right
		}
	}
	return Keep
}

// Meta describes an exported dataset (meta.json).
type Meta struct {
	Samples           int            `json:"samples"`
	SceneTokens       int            `json:"scene_tokens"`
	TokenDim          int            `json:"token_dim"`
	MaxWords          int            `json:"max_words"`
	Vocabulary        int            `json:"vocabulary_size"`
	VocabularyVersion int            `json:"vocabulary_version"`
	Sources           map[string]int `json:"sources"`
	Lanes             [3]int         `json:"lane_counts"`
	Stops             int            `json:"stops"`
	Files             []string       `json:"files"`
}

// Write writes samples into dir: scene.f32, words.i64, labels.f32 (lane, speed, stop, per sample; all
// little-endian) and meta.json; source counts per dataset name (the prefix before the first '/').
func Write(dir string, samples []Sample, sourceOf func(Sample) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := Meta{Samples: len(samples), SceneTokens: llmguide.SceneTokens, TokenDim: llmguide.TokenDim,
		MaxWords: llmguide.MaxWords, Vocabulary: llmguide.VocabularySize(), VocabularyVersion: llmguide.VocabularyVersion,
		Sources: map[string]int{}, Files: []string{"scene.f32", "words.i64", "labels.f32"}}
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
				stop := float32(0)
				if s.Stop {
					stop = 1
				}
				if err := binary.Write(w, binary.LittleEndian, [3]float32{float32(s.Lane), float32(s.Speed), stop}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	for _, s := range samples {
		meta.Sources[sourceOf(s)]++
		meta.Lanes[s.Lane]++
		if s.Stop {
			meta.Stops++
		}
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	return os.WriteFile(filepath.Join(dir, "meta.json"), append(b, '\n'), 0o644)
}
