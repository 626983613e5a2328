package dataset

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/llmguide"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// trainSeed is a seed of no evaluation suite (those use gen.DefaultSeed).
const trainSeed = 1001

func generate(t *testing.T, typ string, index int, seed uint64) *scenarios.Scenario {
	t.Helper()
	sc, err := gen.Generate(typ, index, seed)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// In a left-turn scenario the turn label is left (and straight before the junction is near).
func TestTurnLabelBuiltin(t *testing.T) {
	sc := generate(t, "starting_left_turn", 0, gen.DefaultSeed)
	samples := FromScenario(sc, Options{Stride: 5}, rand.New(rand.NewPCG(1, 2)))
	if len(samples) < 10 {
		t.Fatalf("%d samples", len(samples))
	}
	var seq []int
	for _, s := range samples {
		if len(seq) == 0 || seq[len(seq)-1] != s.Turn {
			seq = append(seq, s.Turn)
		}
	}
	if !slices.Contains(seq, TurnLeft) || slices.Contains(seq, TurnRight) {
		t.Errorf("turn labels along a left turn: %v, want left and straight only", seq)
	}
}

// Instruction scenarios: the scene is encoded with the planner's route, the instruction is the scenario's in
// force, a movement announced ahead ("turn left in 30 meters") is the turn label, and after the junction ("keep
// going") the label is straight.
func TestInstructionScenarioSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	announced := map[int]int{}
	for i := 0; i < 6; i++ {
		sc := generate(t, gen.TypeRouteBranch, i, trainSeed)
		route, _ := sc.PlannerMission()
		if len(route) >= len(sc.Route) {
			t.Fatalf("%s: the planner's route is not withheld", sc.ID)
		}
		enc := llmguide.NewEncoder(&sc.Map, route)
		samples := FromScenario(sc, Options{Stride: 5, OperatorShare: 1}, rng)
		if len(samples) == 0 {
			t.Fatalf("%s: no samples", sc.ID)
		}
		passed := false // the ego has been told a movement, so "keep going" comes after the junction
		for k, s := range samples {
			frame := k * 5
			tm := float64(frame) * sc.DT
			want, _ := scenarios.InstructionAt(sc.Instructions, tm)
			if s.Instruction != want {
				t.Fatalf("%s at %.1f s: instruction %q, want the scenario's %q (no operator command replaces it)", sc.ID, tm, s.Instruction, want)
			}
			in := input(sc, sc.Map.Index(), frame, dynamics.Pacifica())
			if !slices.Equal(s.Scene, enc.Encode(&in, nil)) {
				t.Fatalf("%s at %.1f s: the scene is not encoded with the planner's route", sc.ID, tm)
			}
			words := strings.Fields(s.Instruction)
			var class int
			switch {
			case len(words) >= 2 && words[0] == "turn" && words[1] == "left":
				class = TurnLeft
			case len(words) >= 2 && words[0] == "turn" && words[1] == "right":
				class = TurnRight
			case len(words) >= 2 && words[0] == "go" && words[1] == "straight":
				class = TurnStraight
			case s.Instruction == gen.TextKeepGoing && passed:
				class = TurnStraight
			default:
				continue
			}
			passed = true
			if class != TurnStraight && !strings.Contains(s.Instruction, " in ") {
				continue // "turn left" in the junction: said every second, the ego may be out of it by now
			}
			announced[class]++
			if s.Turn != class {
				t.Errorf("%s at %.1f s: %q labelled turn %d", sc.ID, tm, s.Instruction, s.Turn)
			}
		}
	}
	if announced[TurnLeft]+announced[TurnRight] == 0 {
		t.Errorf("no announced turns in 6 route-branch scenes: %v", announced)
	}
}

// An operator lane change of an instruction scenario reaches the samples with the expert's lane change.
func TestInstructionLaneChange(t *testing.T) {
	sc := generate(t, gen.TypeLaneChange, 0, trainSeed)
	samples := FromScenario(sc, Options{}, rand.New(rand.NewPCG(1, 2)))
	var cmd string
	for _, in := range sc.Instructions {
		if strings.HasPrefix(in.Text, "change to the") {
			cmd = in.Text
		}
	}
	want := Left
	if strings.Contains(cmd, "right") {
		want = Right
	}
	n := 0
	for _, s := range samples {
		if s.Instruction == cmd && s.Lane == want {
			n++
		}
	}
	if cmd == "" || n == 0 {
		t.Errorf("command %q: no sample with it and the expert's lane change %d", cmd, want)
	}
}

func TestWrite(t *testing.T) {
	sc := generate(t, "starting_left_turn", 0, gen.DefaultSeed)
	samples := FromScenario(sc, Options{}, rand.New(rand.NewPCG(1, 2)))
	dir := t.TempDir()
	if err := Write(dir, samples, func(Sample) string { return "builtin" }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "labels.f32"))
	if err != nil {
		t.Fatal(err)
	}
	const cols = 6
	if len(b) != cols*4*len(samples) {
		t.Fatalf("labels.f32 has %d bytes, want %d columns of float32 for %d samples", len(b), cols, len(samples))
	}
	labels := make([]float32, len(b)/4)
	if err := binary.Read(strings.NewReader(string(b)), binary.LittleEndian, labels); err != nil {
		t.Fatal(err)
	}
	var meta Meta
	mb, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(mb, &meta); err != nil {
		t.Fatal(err)
	}
	var turns [3]int
	slows := 0
	for i, s := range samples {
		row := labels[cols*i : cols*i+cols]
		slow := float32(0)
		if s.Slow {
			slow = 1
			slows++
		}
		if int(row[0]) != s.Lane || float64(row[1]) != float64(float32(s.Speed)) || int(row[3]) != s.Turn || row[4] != slow || row[5] != flag(s.PullOver) {
			t.Fatalf("sample %d: row %v, sample lane %d speed %v turn %d slow %v pullover %v", i, row, s.Lane, s.Speed, s.Turn, s.Slow, s.PullOver)
		}
		turns[s.Turn]++
	}
	if meta.Samples != len(samples) || meta.Turns != turns || meta.TurnsBySource["builtin"] != turns || turns[TurnLeft] == 0 {
		t.Errorf("meta: %d samples, turns %v (builtin %v); counted %v", meta.Samples, meta.Turns, meta.TurnsBySource["builtin"], turns)
	}
	if meta.Slows != slows || meta.SlowsBySource["builtin"] != slows {
		t.Errorf("meta: slows %d (builtin %d), counted %d", meta.Slows, meta.SlowsBySource["builtin"], slows)
	}
	if !slices.Equal(meta.Labels, []string{"lane", "speed", "stop", "turn", "slow", "pullover"}) {
		t.Errorf("label columns %v", meta.Labels)
	}
	bad := append([]Sample(nil), samples[0])
	bad[0].Turn = 3
	if err := Write(t.TempDir(), bad, func(Sample) string { return "x" }); err == nil {
		t.Error("a turn class of 3 was written")
	}
}

// The slow label is whether the sample's instruction is "drive slowly": in a slow-down instruction scenario
// from its command on (and "keep going" before it), and in scenarios without instructions of their own (as
// the CommonRoad files) where the operator share gives a sample "drive slowly" (and no other command or
// routing instruction).
func TestSlowLabel(t *testing.T) {
	if SlowCommand != gen.TextDriveSlow {
		t.Fatalf("SlowCommand %q, the generator's %q", SlowCommand, gen.TextDriveSlow)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3; i++ {
		sc := generate(t, gen.TypeSlowDown, i, trainSeed)
		samples := FromScenario(sc, Options{Stride: 5, OperatorShare: 1}, rng)
		before, after := 0, 0
		for k, s := range samples {
			tm := float64(k*5) * sc.DT
			want, _ := scenarios.InstructionAt(sc.Instructions, tm)
			if s.Instruction != want {
				t.Fatalf("%s at %.1f s: instruction %q, want the scenario's %q", sc.ID, tm, s.Instruction, want)
			}
			if s.Slow != (want == gen.TextDriveSlow) {
				t.Errorf("%s at %.1f s: %q labelled slow %v", sc.ID, tm, s.Instruction, s.Slow)
			}
			if s.Slow {
				after++
			} else {
				before++
			}
		}
		if before == 0 || after == 0 {
			t.Errorf("%s: %d samples before the command, %d with it", sc.ID, before, after)
		}
	}
	texts := map[string]int{}
	for _, typ := range []string{"starting_left_turn", "stopping_with_lead", "following_lane_with_lead"} {
		for i := 0; i < 3; i++ {
			sc := generate(t, typ, i, gen.DefaultSeed)
			sc.Instructions = nil // as a CommonRoad file: the routing instruction, or an operator command
			for _, s := range FromScenario(sc, Options{OperatorShare: 1}, rng) {
				texts[s.Instruction]++
				if s.Slow != (s.Instruction == SlowCommand) {
					t.Errorf("%s: %q labelled slow %v", s.Source, s.Instruction, s.Slow)
				}
			}
		}
	}
	if texts[SlowCommand] == 0 || len(texts) < 2 {
		t.Errorf("instructions of the samples: %v; want some %q and others", texts, SlowCommand)
	}
	for _, c := range []struct {
		text string
		want bool
	}{{"drive slowly", true}, {" Drive  slowly ", true}, {"keep going", false}, {"drive", false}, {"stop", false}} {
		if got := isCommand(c.text, SlowCommand); got != c.want {
			t.Errorf("isCommand(%q, %q) = %v", c.text, SlowCommand, got)
		}
	}
}

// The pull-over label is whether the sample's instruction is "stop at the pickup zone": in a pickup-stop
// instruction scenario from its command on, and nowhere else ("stop" alone is not it). The samples are
// written with the label and counted per source.
func TestPullOverLabel(t *testing.T) {
	if PullOverCommand != gen.TextStopPickup {
		t.Fatalf("PullOverCommand %q, the generator's %q", PullOverCommand, gen.TextStopPickup)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var all []Sample
	for i := 0; i < 3; i++ {
		sc := generate(t, gen.TypePickupStop, i, trainSeed)
		samples := FromScenario(sc, Options{Stride: 5, OperatorShare: 1}, rng)
		with := 0
		for k, s := range samples {
			tm := float64(k*5) * sc.DT
			want, _ := scenarios.InstructionAt(sc.Instructions, tm)
			if s.PullOver != (want == gen.TextStopPickup) || s.Slow {
				t.Errorf("%s at %.1f s: %q labelled pullover %v, slow %v", sc.ID, tm, s.Instruction, s.PullOver, s.Slow)
			}
			if s.PullOver {
				with++
			}
		}
		if with == 0 {
			t.Errorf("%s: no sample with the pickup command (%v)", sc.ID, sc.Instructions)
		}
		all = append(all, samples...)
	}
	sc := generate(t, "stopping_with_lead", 0, gen.DefaultSeed)
	sc.Instructions = nil
	for _, s := range FromScenario(sc, Options{OperatorShare: 1}, rng) {
		if s.PullOver {
			t.Errorf("%s: %q labelled pullover", s.Source, s.Instruction)
		}
		all = append(all, s)
	}
	for _, c := range []struct {
		text string
		want bool
	}{{"stop at the pickup zone", true}, {"Stop at the  pickup zone", true}, {"stop", false}, {"stop at the pickup", false}} {
		if got := isCommand(c.text, PullOverCommand); got != c.want {
			t.Errorf("isCommand(%q, %q) = %v", c.text, PullOverCommand, got)
		}
	}
	dir := t.TempDir()
	if err := Write(dir, all, func(s Sample) string { return strings.SplitN(s.Source, "_0", 2)[0] }); err != nil {
		t.Fatal(err)
	}
	var meta Meta
	mb, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(mb, &meta); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range all {
		if s.PullOver {
			n++
		}
	}
	if meta.PullOvers != n || n == 0 || len(meta.PullOversBySource) != 1 {
		t.Errorf("meta: %d pull-overs %v, counted %d", meta.PullOvers, meta.PullOversBySource, n)
	}
}
