package gen

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

func TestInstructionSuite(t *testing.T) {
	specs := InstructionSuite(3, 7)
	if len(specs) != 3*len(InstructionTypes) {
		t.Fatalf("InstructionSuite(3, 7) has %d specs, want %d", len(specs), 3*len(InstructionTypes))
	}
	for i, s := range specs {
		if want := InstructionTypes[i/3]; s.Type != want || s.Index != i%3 || s.Seed != 7 {
			t.Errorf("spec %d = %+v, want type %s index %d seed 7", i, s, want, i%3)
		}
	}
	for _, typ := range InstructionTypes {
		if slices.Contains(Types, typ) {
			t.Errorf("%s is also a nuPlan type", typ)
		}
	}
	if _, err := GenerateInstruction("changing_lane", 0, 1); err == nil {
		t.Error("GenerateInstruction(changing_lane) did not fail")
	}
	if _, err := GenerateInstruction(TypeSlowDown, -1, 1); err == nil {
		t.Error("GenerateInstruction with a negative index did not fail")
	}
}

// instrScenarios generates a few scenarios of each instruction type (cached across tests).
var instrCache = map[string][]*scenarios.Scenario{}

func instrScenarios(t *testing.T, typ string, n int) []*scenarios.Scenario {
	t.Helper()
	if got := instrCache[typ]; len(got) >= n {
		return got[:n]
	}
	var out []*scenarios.Scenario
	for i := 0; i < n; i++ {
		sc, err := GenerateInstruction(typ, i, DefaultSeed)
		if err != nil {
			t.Fatalf("%s %d: %v", typ, i, err)
		}
		out = append(out, sc)
	}
	instrCache[typ] = out
	return out
}

// Every instruction type generates valid scenarios whose expert is clean and follows its instructions, with
// the instructions at the right times, and files that round-trip.
func TestInstructionTypes(t *testing.T) {
	for _, typ := range InstructionTypes {
		t.Run(typ, func(t *testing.T) {
			for _, sc := range instrScenarios(t, typ, 6) {
				if err := scenarios.Validate(sc); err != nil {
					t.Fatalf("%s: %v", sc.ID, err)
				}
				if sc.Type != typ || len(sc.Expert) != logFrames || sc.RouteShown <= 0 || len(sc.Instructions) < 2 {
					t.Fatalf("%s: type %s, %d expert states, route shown %d, %d instructions", sc.ID, sc.Type, len(sc.Expert),
						sc.RouteShown, len(sc.Instructions))
				}
				if p := expertProblems(sc); len(p) > 0 {
					t.Errorf("%s: expert problems %v", sc.ID, p)
				}
				if out := CheckInstructions(sc, expertStates(sc)); !out.Checked || !out.Followed {
					t.Errorf("%s: expert: %s", sc.ID, out.Detail)
				}
				for i, in := range sc.Instructions {
					if i > 0 && in.T <= sc.Instructions[i-1].T || in.Text == sc.Instructions[max(i-1, 0)].Text && i > 0 {
						t.Errorf("%s: instructions out of order or repeated: %v", sc.ID, sc.Instructions)
					}
				}
				var buf bytes.Buffer
				if err := scenarios.Encode(&buf, sc, false); err != nil {
					t.Fatal(err)
				}
				back, err := scenarios.DecodeBytes(buf.Bytes(), sc.ID)
				if err != nil {
					t.Fatalf("%s: decode: %v", sc.ID, err)
				}
				if back.RouteShown != sc.RouteShown || back.StopZone != sc.StopZone || !slices.Equal(back.Instructions, sc.Instructions) {
					t.Errorf("%s: round trip lost the instruction fields", sc.ID)
				}
				switch typ {
				case TypeRouteBranch:
					checkBranch(t, sc)
				case TypePickupStop:
					checkPickup(t, sc)
				case TypeLaneChange:
					checkLaneCommand(t, sc)
				case TypeSlowDown:
					checkSlowCommand(t, sc)
				}
			}
		})
	}
}

// The route shown ends before a junction whose lane offers two or three movements; the instruction names the
// one the expert takes, within 50 m of it and not before.
func checkBranch(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	if sc.RouteShown+1 >= len(sc.Route) {
		t.Fatalf("%s: route shown %d of %d roadblocks: no branch beyond it", sc.ID, sc.RouteShown, len(sc.Route))
	}
	mx := sc.Map.Index()
	shown, _ := sc.PlannerMission()
	last := shown[len(shown)-1]
	// The expert's lane in the last roadblock shown and the roadblocks its successors belong to.
	var lane = -1
	for _, e := range sc.Expert {
		if l, _, _, ok := mx.NearestLane(e.Pose, 2); ok && mx.Lane(l).Roadblock == last {
			lane = l
		}
	}
	if lane < 0 {
		t.Fatalf("%s: the expert never drives in the last roadblock shown %s", sc.ID, last)
	}
	rbs := map[string]bool{}
	for _, s := range mx.Successors(lane) {
		rbs[mx.Lane(s).Roadblock] = true
	}
	if len(rbs) < 2 || !rbs[sc.Route[sc.RouteShown]] {
		t.Errorf("%s: lane %s leads to roadblocks %v: want two or more, among them the route's %s", sc.ID,
			mx.Lane(lane).ID, rbs, sc.Route[sc.RouteShown])
	}
	// The instructed movement matches the expert's heading change.
	word := ""
	for _, in := range sc.Instructions {
		if isMovement(in.Text) {
			word = in.Text
			if !strings.Contains(in.Text, " in ") {
				continue
			}
			d := strings.TrimSuffix(strings.Split(in.Text, " in ")[1], " meters")
			if d == "" || len(d) > 2 {
				t.Errorf("%s: bad distance in %q", sc.ID, in.Text)
			}
		}
	}
	turn := 0.0
	for i := 1; i <= sc.Steps(); i++ {
		turn += geom.AngleDiff(sc.Expert[i].Pose.Heading, sc.Expert[i-1].Pose.Heading)
	}
	switch {
	case strings.HasPrefix(word, "turn left"):
		if turn < 1 {
			t.Errorf("%s: %q but the expert turns %.2f rad", sc.ID, word, turn)
		}
	case strings.HasPrefix(word, "turn right"):
		if turn > -1 {
			t.Errorf("%s: %q but the expert turns %.2f rad", sc.ID, word, turn)
		}
	case strings.HasPrefix(word, "go straight"):
		if math.Abs(turn) > 0.5 {
			t.Errorf("%s: %q but the expert turns %.2f rad", sc.ID, word, turn)
		}
	default:
		t.Errorf("%s: no movement among %v", sc.ID, sc.Instructions)
	}
}

func checkPickup(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	if sc.StopZone == "" || !slices.ContainsFunc(sc.Instructions, func(in scenarios.Instruction) bool { return in.Text == TextStopPickup }) {
		t.Errorf("%s: stop zone %q, instructions %v", sc.ID, sc.StopZone, sc.Instructions)
	}
	// The ego stops comfortably: it never brakes harder than 3 m/s^2.
	for i, e := range sc.Expert[:sc.Steps()+1] {
		if e.Accel < -3 {
			t.Errorf("%s: frame %d: brakes at %.2f m/s^2", sc.ID, i, e.Accel)
			break
		}
	}
}

func checkLaneCommand(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	var cmd float64 = -1
	for _, in := range sc.Instructions {
		if in.Text == TextLaneLeft || in.Text == TextLaneRight {
			cmd = in.T
		}
	}
	if cmd < 0 {
		t.Fatalf("%s: no lane command in %v", sc.ID, sc.Instructions)
	}
	// The ego keeps its lane until told.
	mx := sc.Map.Index()
	l0, _, _, _ := mx.NearestLane(sc.Expert[0].Pose, 3)
	lc, _, _, _ := mx.NearestLane(sc.Expert[int(cmd/sc.DT)].Pose, 3)
	if ok, _ := changedLane(mx, sc.Expert[0].Pose, sc.Expert[int(cmd/sc.DT)].Pose, true); ok || l0 < 0 || lc < 0 {
		t.Errorf("%s: changed lane before the command", sc.ID)
	}
	if ok, _ := changedLane(mx, sc.Expert[0].Pose, sc.Expert[int(cmd/sc.DT)].Pose, false); ok {
		t.Errorf("%s: changed lane before the command", sc.ID)
	}
}

func checkSlowCommand(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	mx := sc.Map.Index()
	cmd := sc.Instructions[len(sc.Instructions)-1]
	if cmd.Text != TextDriveSlow {
		t.Fatalf("%s: last instruction %q", sc.ID, cmd.Text)
	}
	for i := 0; float64(i)*sc.DT < cmd.T; i++ {
		lim, _ := mx.SpeedLimitAt(sc.Expert[i].Pose.Pos())
		if sc.Expert[i].Speed < 0.6*lim {
			t.Errorf("%s: frame %d: %.1f m/s before the command (limit %.1f)", sc.ID, i, sc.Expert[i].Speed, lim)
			break
		}
	}
}

func TestInstructionDeterministic(t *testing.T) {
	enc := func(sc *scenarios.Scenario) []byte {
		var b bytes.Buffer
		if err := scenarios.Encode(&b, sc, false); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, typ := range InstructionTypes {
		a, err := GenerateInstruction(typ, 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := GenerateInstruction(typ, 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		c, err := GenerateInstruction(typ, 3, 6)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc(a), enc(b)) {
			t.Errorf("%s: two generations differ", typ)
		}
		if bytes.Equal(enc(a), enc(c)) || a.ID != typ+"_003_s5" {
			t.Errorf("%s: seeds 5 and 6 give the same scenario, or id %s", typ, a.ID)
		}
	}
}

// CheckInstructions tells a drive that ignores the instruction from the expert's.
func TestCheckInstructionsDetects(t *testing.T) {
	stand := func(sc *scenarios.Scenario, from int) []dynamics.State {
		ego := expertStates(sc)
		for i := from; i < len(ego); i++ {
			ego[i].Pose, ego[i].Speed = ego[from].Pose, 0
		}
		return ego
	}
	for _, typ := range InstructionTypes {
		sc := instrScenarios(t, typ, 1)[0]
		var ego []dynamics.State
		switch typ {
		case TypeRouteBranch:
			ego = stand(sc, 5) // stops before the junction
		case TypePickupStop:
			ego = expertStates(sc) // drives past the zone without stopping
			for i := range ego {
				ego[i].Speed = 5
			}
		case TypeLaneChange:
			ego = stand(sc, 0) // stays in its lane
		case TypeSlowDown:
			ego = expertStates(sc)
			for i := range ego {
				ego[i].Speed = 12
			}
		}
		out := CheckInstructions(sc, ego)
		if !out.Checked || out.Followed || !strings.HasPrefix(out.Detail, "not followed") {
			t.Errorf("%s: a drive ignoring the instruction: %+v", sc.ID, out)
		}
	}
	if out := CheckInstructions(instrScenarios(t, TypeSlowDown, 1)[0], nil); out.Checked || out.Followed {
		t.Errorf("no drive: %+v", out)
	}
}

// The instruction fields are validated and PlannerMission withholds the route beyond RouteShown and the goal.
func TestInstructionFieldsValidated(t *testing.T) {
	sc := instrScenarios(t, TypePickupStop, 1)[0]
	clone := func() *scenarios.Scenario {
		c := *sc
		c.Map.Areas = slices.Clone(sc.Map.Areas)
		return &c
	}
	route, goal := sc.PlannerMission()
	if !slices.Equal(route, sc.Route[:sc.RouteShown]) || goal != (geom.Pose{}) {
		t.Errorf("PlannerMission = %v, %v", route, goal)
	}
	cases := []struct {
		name    string
		mutate  func(*scenarios.Scenario)
		element string
	}{
		{"route shown beyond the route", func(c *scenarios.Scenario) { c.RouteShown = len(c.Route) + 1 }, "route_shown"},
		{"negative route shown", func(c *scenarios.Scenario) { c.RouteShown = -1 }, "route_shown"},
		{"unknown stop zone", func(c *scenarios.Scenario) { c.StopZone = "nowhere" }, "stop_zone"},
		{"stop zone on a walkway", func(c *scenarios.Scenario) {
			i := slices.IndexFunc(c.Map.Areas, func(a scenarios.Area) bool { return a.ID == c.StopZone })
			c.Map.Areas[i].Kind = scenarios.AreaWalkway
		}, "stop_zone"},
	}
	for _, c := range cases {
		x := clone()
		c.mutate(x)
		var fe *scenarios.FileError
		if err := scenarios.Validate(x); !errors.As(err, &fe) || fe.Element != c.element {
			t.Errorf("%s: Validate = %v, want an error about %s", c.name, err, c.element)
		}
	}
	// Without RouteShown a planner is told everything.
	x := clone()
	x.RouteShown = 0
	if route, goal := x.PlannerMission(); !slices.Equal(route, x.Route) || goal != x.Goal {
		t.Errorf("RouteShown 0: PlannerMission = %v, %v", route, goal)
	}
}

// The instruction types leave the nuPlan suite alone.
func TestInstructionTypesNotInSuite(t *testing.T) {
	for _, s := range Suite(1, DefaultSeed) {
		if strings.HasPrefix(s.Type, "instruction_") {
			t.Errorf("Suite lists %s", s.Type)
		}
	}
	sc, err := Generate("changing_lane", 0, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if sc.RouteShown != 0 || sc.StopZone != "" {
		t.Errorf("a nuPlan-type scenario has route_shown %d, stop_zone %q", sc.RouteShown, sc.StopZone)
	}
}
