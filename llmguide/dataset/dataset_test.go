package dataset

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
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
	const cols = 7
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
	slows, headways := 0, 0
	for i, s := range samples {
		row := labels[cols*i : cols*i+cols]
		slow := float32(0)
		if s.Slow {
			slow = 1
			slows++
		}
		if int(row[0]) != s.Lane || float64(row[1]) != float64(float32(s.Speed)) || int(row[3]) != s.Turn || row[4] != slow || row[5] != flag(s.PullOver) ||
			!sameFloat(row[6], float32(s.Headway)) {
			t.Fatalf("sample %d: row %v, sample lane %d speed %v turn %d slow %v pullover %v headway %v", i, row, s.Lane, s.Speed, s.Turn, s.Slow, s.PullOver, s.Headway)
		}
		if !math.IsNaN(s.Headway) {
			headways++
		}
		turns[s.Turn]++
	}
	if meta.Samples != len(samples) || meta.Turns != turns || meta.TurnsBySource["builtin"] != turns || turns[TurnLeft] == 0 {
		t.Errorf("meta: %d samples, turns %v (builtin %v); counted %v", meta.Samples, meta.Turns, meta.TurnsBySource["builtin"], turns)
	}
	if meta.Slows != slows || meta.SlowsBySource["builtin"] != slows {
		t.Errorf("meta: slows %d (builtin %d), counted %d", meta.Slows, meta.SlowsBySource["builtin"], slows)
	}
	if len(meta.SampleSources) != len(samples) || !slices.Equal(meta.SourceNames, []string{"builtin"}) {
		t.Errorf("meta: %d sample sources for %d samples, source names %v", len(meta.SampleSources), len(samples), meta.SourceNames)
	}
	if meta.Headways != headways || meta.HeadwaysBySource["builtin"] != headways {
		t.Errorf("meta: headways %d (builtin %d), counted %d", meta.Headways, meta.HeadwaysBySource["builtin"], headways)
	}
	if !slices.Equal(meta.Labels, []string{"lane", "speed", "stop", "turn", "slow", "pullover", "headway"}) {
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

// sameFloat says whether a and b are equal or both NaN.
func sameFloat(a, b float32) bool { return a == b || a != a && b != b }

// The headway label is the IDM headway that keeps the expert's gap to the road user ahead in its lane,
// (gap - 1 m) / speed, while it follows one at its pace; none on a free road, behind a much slower road
// user, far behind one, below 5 m/s, or behind a car in the next lane.
func TestHeadwayLabel(t *testing.T) {
	const dt, v, front = 0.1, 20.0, 3.9
	expert := make([]scenarios.EgoState, 40)
	for i := range expert {
		expert[i] = scenarios.EgoState{Pose: geom.Pose{X: v * dt * float64(i)}, Speed: v}
	}
	// lead is a car of 4 m whose rear is gap ahead of the expert's front at speed lv, y metres aside.
	lead := func(gap, lv, y float64) scenarios.Track {
		st := make([]scenarios.AgentState, len(expert))
		for i := range st {
			x := expert[0].Pose.X + front + gap + 2 + (lv*dt)*float64(i)
			st[i] = scenarios.AgentState{Pose: geom.Pose{X: x, Y: y}, VX: lv}
		}
		return scenarios.Track{ID: "lead", Type: scenarios.Vehicle, Length: 4, Width: 2, States: st}
	}
	for _, c := range []struct {
		name  string
		track *scenarios.Track
		speed float64 // the expert's speed, when not v
		want  float64 // NaN: no label
	}{
		{"following at 1 s", ptr(lead(21, v, 0)), 0, 1.0},
		{"following at 1.5 s", ptr(lead(31, v, 0.8)), 0, 1.5},
		{"free road", nil, 0, math.NaN()},
		{"a much slower car ahead", ptr(lead(21, 10, 0)), 0, math.NaN()},
		{"far behind", ptr(lead(80, v, 0)), 0, math.NaN()},
		{"a car in the next lane", ptr(lead(21, v, 3.5)), 0, math.NaN()},
	} {
		sc := &scenarios.Scenario{DT: dt, Expert: expert}
		if c.track != nil {
			sc.Tracks = []scenarios.Track{*c.track}
		}
		drive, station := expertDrive(sc)
		got := headwayLabel(sc, &drive, station, 0, 30, front)
		if math.IsNaN(c.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-c.want) > 0.02 {
			t.Errorf("%s: label %.3f, want %.3f", c.name, got, c.want)
		}
	}
	// Below 5 m/s the expert is not following, whatever is ahead.
	slow := make([]scenarios.EgoState, len(expert))
	for i := range slow {
		slow[i] = scenarios.EgoState{Pose: geom.Pose{X: 4 * dt * float64(i)}, Speed: 4}
	}
	sc := &scenarios.Scenario{DT: dt, Expert: slow, Tracks: []scenarios.Track{lead(5, 4, 0)}}
	drive, station := expertDrive(sc)
	if got := headwayLabel(sc, &drive, station, 0, 30, front); !math.IsNaN(got) {
		t.Errorf("at 4 m/s: label %.3f, want none", got)
	}
}

func ptr[T any](v T) *T { return &v }

// In scenarios with instructions of their own (the builtin suite's routing instructions), samples whose
// expert comes to a stop are told "stop", so that the model sees the operator's "stop" apart from "stop at
// the pickup zone"; no other sample is, and none of them is labelled a pull-over.
func TestStopCommandWhereTheExpertStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stops, told := 0, 0
	for idx := range 5 {
		sc := generate(t, "stopping_with_lead", idx, trainSeed)
		if len(sc.Instructions) == 0 {
			t.Fatalf("%s has no instructions of its own", sc.ID)
		}
		for _, s := range FromScenario(sc, Options{}, rng) {
			if s.Instruction != StopCommand {
				stops += int(flag(s.Stop))
				continue
			}
			told++
			if !s.Stop || s.PullOver {
				t.Errorf("%s: told %q with stop label %v, pull-over %v", s.Source, s.Instruction, s.Stop, s.PullOver)
			}
		}
	}
	if told == 0 || stops != 0 {
		t.Errorf("%d samples told %q, %d stopping samples kept their routing instruction: want all told", told, StopCommand, stops)
	}
}
