package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

func TestValidateDefects(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name          string
		mutate        func(sc *Scenario)
		elem, problem string // substrings of the FileError's Element and Problem
	}{
		// Scenario header.
		{"unknown version", func(sc *Scenario) { sc.Version = 2 }, "version", "unknown format version 2"},
		{"version 0", func(sc *Scenario) { sc.Version = 0 }, "version", "unknown format version 0"},
		{"missing id", func(sc *Scenario) { sc.ID = "" }, "id", "missing"},
		{"missing type", func(sc *Scenario) { sc.Type = "" }, "type", "missing"},
		{"zero dt", func(sc *Scenario) { sc.DT = 0 }, "dt", "must be in (0, 1]"},
		{"NaN dt", func(sc *Scenario) { sc.DT = nan }, "dt", "must be in (0, 1]"},
		{"dt too long", func(sc *Scenario) { sc.DT = 2 }, "dt", "must be in (0, 1]"},
		{"negative horizon", func(sc *Scenario) { sc.Horizon = -1 }, "horizon", "must be a duration >= 0"},
		{"NaN horizon", func(sc *Scenario) { sc.Horizon = nan }, "horizon", "must be a duration >= 0"},
		{"infinite horizon", func(sc *Scenario) { sc.Horizon = math.Inf(1) }, "horizon", "must be a duration >= 0"},
		// Mission.
		{"empty route", func(sc *Scenario) { sc.Route = nil }, "route", "empty"},
		{"unknown roadblock in route", func(sc *Scenario) { sc.Route[1] = "rbX" }, "route[1]", `unknown roadblock "rbX"`},
		{"lane id as route roadblock", func(sc *Scenario) { sc.Route = []string{"l1"} }, "route[0]", `unknown roadblock "l1"`},
		{"NaN goal", func(sc *Scenario) { sc.Goal.Heading = nan }, "goal", "not finite"},
		{"goal window ends first", func(sc *Scenario) { sc.GoalWindow = &TimeWindow{Start: 3, End: 2} }, "goal_window", "start <= end"},
		{"NaN goal window", func(sc *Scenario) { sc.GoalWindow = &TimeWindow{Start: nan, End: 2} }, "goal_window", "finite"},
		{"negative goal span", func(sc *Scenario) { sc.GoalSpan = &Span{Behind: -1, Ahead: 2} }, "goal_span", ">= 0"},
		{"infinite goal span", func(sc *Scenario) { sc.GoalSpan = &Span{Behind: 1, Ahead: math.Inf(1)} }, "goal_span", "finite"},
		{"NaN ego width", func(sc *Scenario) { v := dynamics.Pacifica(); v.Width = nan; sc.Vehicle = &v }, "ego_vehicle", "width"},
		{"ego axle ahead of its bumper", func(sc *Scenario) { v := dynamics.Pacifica(); v.FrontLength = 1; sc.Vehicle = &v }, "ego_vehicle", "shorter than the wheelbase"},
		// Expert.
		{"no expert", func(sc *Scenario) { sc.Expert = nil }, "expert", "needs at least 2 states, has 0"},
		{"one expert state", func(sc *Scenario) { sc.Expert = sc.Expert[:1] }, "expert", "needs at least 2 states, has 1"},
		{"NaN in expert x", func(sc *Scenario) { sc.Expert[3].Pose.X = nan }, "expert[3]", "not finite"},
		{"Inf in expert steering", func(sc *Scenario) { sc.Expert[30].Steering = math.Inf(-1) }, "expert[30]", "not finite"},
		{"NaN in expert speed", func(sc *Scenario) { sc.Expert[0].Speed = nan }, "expert[0]", "not finite"},
		// Tracks.
		{"duplicate track id", func(sc *Scenario) { sc.Tracks[1].ID = "veh1" }, "tracks[1] (id veh1)", "duplicate id"},
		{"missing track id", func(sc *Scenario) { sc.Tracks[2].ID = "" }, "tracks[2]", "missing id"},
		{"bad object type", func(sc *Scenario) { sc.Tracks[1].Type = "alien" }, "tracks[1] (id ped1).type", `unknown object type "alien"`},
		{"empty object type", func(sc *Scenario) { sc.Tracks[0].Type = "" }, "tracks[0] (id veh1).type", `unknown object type ""`},
		{"zero track width", func(sc *Scenario) { sc.Tracks[0].Width = 0 }, "tracks[0] (id veh1)", "box size must be positive"},
		{"NaN track length", func(sc *Scenario) { sc.Tracks[0].Length = nan }, "tracks[0] (id veh1)", "box size must be positive"},
		{"negative track start", func(sc *Scenario) { sc.Tracks[3].Start = -1 }, "tracks[3] (id cone1).start", "negative frame -1"},
		{"empty track", func(sc *Scenario) { sc.Tracks[2].States = nil }, "tracks[2] (id bike1).states", "empty"},
		{"NaN in track state", func(sc *Scenario) { sc.Tracks[0].States[2].VY = nan }, "tracks[0] (id veh1).states[2]", "not finite"},
		{"Inf in track pose", func(sc *Scenario) { sc.Tracks[1].States[9].Pose.Heading = math.Inf(1) }, "tracks[1] (id ped1).states[9]", "not finite"},
		// Lanes.
		{"no lanes", func(sc *Scenario) { sc.Map.Lanes = nil }, "map.lanes", "empty"},
		{"missing lane id", func(sc *Scenario) { sc.Map.Lanes[5].ID = "" }, "map.lanes[5]", "missing id"},
		{"duplicate lane id", func(sc *Scenario) { sc.Map.Lanes[1].ID = "l1" }, "map.lanes[1] (id l1)", "duplicate lane id"},
		{"missing successor lane", func(sc *Scenario) { sc.Map.Lanes[iL1].Successors = append(sc.Map.Lanes[iL1].Successors, "nope") },
			"map.lanes[0] (id l1)", `refers to unknown lane "nope"`},
		{"missing predecessor lane", func(sc *Scenario) { sc.Map.Lanes[iL3].Predecessors = []string{"gone"} },
			"map.lanes[4] (id l3)", `refers to unknown lane "gone"`},
		{"missing neighbour lane", func(sc *Scenario) { sc.Map.Lanes[iL1].LeftNeighbor = "l9" },
			"map.lanes[0] (id l1)", `refers to unknown lane "l9"`},
		{"lane in unknown roadblock", func(sc *Scenario) { sc.Map.Lanes[iL4].Roadblock = "rb9" },
			"map.lanes[5] (id l4).roadblock", `unknown roadblock "rb9"`},
		{"NaN in centerline", func(sc *Scenario) { sc.Map.Lanes[iL1].Centerline[1].X = nan },
			"map.lanes[0] (id l1).centerline[1]", "not finite"},
		{"Inf in left boundary", func(sc *Scenario) { sc.Map.Lanes[iC2].Left[2].Y = math.Inf(1) },
			"map.lanes[3] (id c2).left[2]", "not finite"},
		{"one-point right boundary", func(sc *Scenario) { sc.Map.Lanes[iL2].Right = sc.Map.Lanes[iL2].Right[:1] },
			"map.lanes[1] (id l2).right", "needs at least 2 points, has 1"},
		{"zero-length centerline", func(sc *Scenario) { sc.Map.Lanes[iL2].Centerline = pts(3, 3, 3, 3) },
			"map.lanes[1] (id l2).centerline", "zero length"},
		{"negative speed limit", func(sc *Scenario) { sc.Map.Lanes[iL3].SpeedLimit = -1 },
			"map.lanes[4] (id l3).speed_limit", "must be >= 0"},
		// Roadblocks.
		{"roadblock with a missing lane", func(sc *Scenario) { sc.Map.Roadblocks[0].Lanes = append(sc.Map.Roadblocks[0].Lanes, "ghost") },
			"map.roadblocks[0] (id rb1).lanes", `unknown lane "ghost"`},
		{"duplicate roadblock id", func(sc *Scenario) { sc.Map.Roadblocks[4].ID = "rb3" },
			"map.roadblocks[4] (id rb3)", "missing or duplicate roadblock id"},
		{"empty roadblock", func(sc *Scenario) { sc.Map.Roadblocks[2].Lanes = nil }, "map.roadblocks[2] (id rbc2).lanes", "empty"},
		// Other map elements.
		{"stop line for a missing lane", func(sc *Scenario) { sc.Map.StopLines[0].Lane = "c9" },
			"map.stop_lines[0] (id sl1).lane", `unknown lane "c9"`},
		{"bad stop line kind", func(sc *Scenario) { sc.Map.StopLines[0].Kind = "yield" },
			"map.stop_lines[0] (id sl1).kind", `unknown stop line kind "yield"`},
		{"two-point crosswalk", func(sc *Scenario) { sc.Map.Crosswalks[0].Polygon = pts(0, 0, 1, 1) },
			"map.crosswalks[0] (id cw1).polygon", "needs at least 3 points"},
		{"NaN in an area", func(sc *Scenario) { sc.Map.Areas[1].Polygon[2].X = nan },
			"map.areas[1] (id walk1).polygon[2]", "not finite"},
		{"bad area kind", func(sc *Scenario) { sc.Map.Areas[0].Kind = "lake" }, "map.areas[0] (id park1).kind", `unknown area kind "lake"`},
		{"light on a missing connector", func(sc *Scenario) { sc.Map.TrafficLights[0].Connectors = []string{"c7"} },
			"map.traffic_lights[0] (id tl1).connectors", `unknown lane connector "c7"`},
		{"bad light state", func(sc *Scenario) { sc.Map.TrafficLights[0].Phases[1].State = "blue" },
			"map.traffic_lights[0] (id tl1).phases[1].state", `unknown light state "blue"`},
		{"phases out of order", func(sc *Scenario) { sc.Map.TrafficLights[0].Phases[2].Start = 4 },
			"map.traffic_lights[0] (id tl1).phases[2].start", "time order"},
		{"NaN phase start", func(sc *Scenario) { sc.Map.TrafficLights[0].Phases[0].Start = nan },
			"map.traffic_lights[0] (id tl1).phases[0].start", "finite"},
		// Instructions.
		{"instruction without text", func(sc *Scenario) { sc.Instructions[0].Text = "" }, "instructions[0]", "needs a time >= 0 and a text"},
		{"instruction at negative time", func(sc *Scenario) { sc.Instructions[0].T = -1 }, "instructions[0]", "needs a time >= 0"},
		// Flags.
		{"empty flag", func(sc *Scenario) { sc.Flags = []string{"short_expert", ""} }, "flags[1]", "a flag is a name without spaces"},
		{"flag with a space", func(sc *Scenario) { sc.Flags = []string{"short expert"} }, "flags[0]", "a flag is a name without spaces"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := testScenario()
			c.mutate(sc)
			err := Validate(sc)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v (%T), want a *FileError", err, err)
			}
			if !strings.Contains(fe.Element, c.elem) || !strings.Contains(fe.Problem, c.problem) {
				t.Errorf("Validate = element %q, problem %q; want %q and %q", fe.Element, fe.Problem, c.elem, c.problem)
			}
			if fe.File != "" {
				t.Errorf("in-memory scenario: File = %q", fe.File)
			}
			if got := err.Error(); !strings.HasPrefix(got, fe.Element+": ") || !strings.HasSuffix(got, fe.Problem) {
				t.Errorf("Error() = %q", got)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(sc *Scenario)
	}{
		{"as built", func(*Scenario) {}},
		{"horizon 0 (the whole log)", func(sc *Scenario) { sc.Horizon = 0 }},
		{"horizon longer than the log", func(sc *Scenario) { sc.Horizon = 60 }},
		{"no tracks", func(sc *Scenario) { sc.Tracks = nil }},
		{"no optional map layers", func(sc *Scenario) {
			sc.Map.StopLines, sc.Map.Crosswalks, sc.Map.Areas, sc.Map.TrafficLights = nil, nil, nil, nil
		}},
		{"light without phases", func(sc *Scenario) { sc.Map.TrafficLights[0].Phases = nil }},
		{"phases starting together", func(sc *Scenario) { sc.Map.TrafficLights[0].Phases[1].Start = 0 }},
		{"stop line for no lane", func(sc *Scenario) { sc.Map.StopLines[0].Lane = "" }},
		{"speed limit 0 (none)", func(sc *Scenario) { sc.Map.Lanes[0].SpeedLimit = 0 }},
		{"route visiting a roadblock twice", func(sc *Scenario) { sc.Route = []string{"rb1", "rbc1", "rb3", "rb1"} }},
		{"track starting late", func(sc *Scenario) { sc.Tracks[0].Start = 1000 }},
		{"coordinates in UTM", func(sc *Scenario) {
			for i := range sc.Map.Lanes {
				for _, line := range [][]geom.Vec2{sc.Map.Lanes[i].Centerline, sc.Map.Lanes[i].Left, sc.Map.Lanes[i].Right} {
					for j := range line {
						line[j] = line[j].Add(geom.V(664000, 3997000))
					}
				}
			}
		}},
	}
	for _, c := range cases {
		sc := testScenario()
		c.mutate(sc)
		if err := Validate(sc); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestFileErrorString(t *testing.T) {
	cases := []struct {
		e    FileError
		want string
	}{
		{FileError{"a.json", "map.lanes[0]", "bad"}, "a.json: map.lanes[0]: bad"},
		{FileError{"", "route", "empty"}, "route: empty"},
		{FileError{"a.json", "", "truncated"}, "a.json: truncated"},
		{FileError{"", "", "x"}, "x"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%#v.Error() = %q, want %q", c.e, got, c.want)
		}
	}
}
