package commonroad

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

var update = flag.Bool("update", false, "rewrite testdata/golden_summary.txt")

func mustImport(t *testing.T, path string) *Result {
	t.Helper()
	res, err := Import(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := scenarios.Validate(res.Scenario); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func TestFormat2020a(t *testing.T) {
	files := dataFiles(t, "format-2020a")
	if len(files) != 6 {
		t.Fatalf("want the 6 format-2020a files, found %d", len(files))
	}
	versions := map[string]int{}
	for _, f := range files {
		versions[mustImport(t, f).Report.Version]++
	}
	// Two of the six (USA_Lanker-1_1_T-1, USA_US101-3_3_T-1) are in fact 2018b files.
	if versions["2020a"] != 4 || versions["2018b"] != 2 {
		t.Errorf("versions %v, want 4 x 2020a and 2 x 2018b", versions)
	}
	// The complex traffic-light file: lights with cycles and offsets control successor lanelets.
	res := mustImport(t, filepath.Join(dataDir, "format-2020a", "test_reading_complex_tl.xml.gz"))
	controlled := 0
	for _, tl := range res.Scenario.Map.TrafficLights {
		controlled += len(tl.Connectors)
		if len(tl.Phases) == 0 {
			t.Errorf("light %s has no phases", tl.ID)
		}
	}
	if len(res.Scenario.Map.TrafficLights) == 0 || controlled == 0 {
		t.Errorf("complex_tl: %d lights controlling %d connectors", len(res.Scenario.Map.TrafficLights), controlled)
	}
	// Directional lights control the movements the intersection declares: incoming 11121 lists 3665 and
	// 3667 as its left turns, so left-turn light 11115 holds them and straightRight light 11114 does not,
	// though their heading change alone reads as straight on or right.
	for _, tl := range res.Scenario.Map.TrafficLights {
		switch tl.ID {
		case "11115":
			if !slices.Equal(tl.Connectors, []string{"3667", "3665"}) {
				t.Errorf("left-turn light 11115 controls %v, want [3667 3665]", tl.Connectors)
			}
		case "11114":
			if slices.Contains(tl.Connectors, "3667") || slices.Contains(tl.Connectors, "3665") || len(tl.Connectors) != 4 {
				t.Errorf("straightRight light 11114 controls %v, want the four straight and right successors", tl.Connectors)
			}
		}
	}
	// test_reading_all: speed-limit sign 274 with 10 m/s on lanelet 100; a static circle obstacle.
	res = mustImport(t, filepath.Join(dataDir, "format-2020a", "test_reading_all.xml.gz"))
	for _, l := range res.Scenario.Map.Lanes {
		if l.ID == "100" && l.SpeedLimit != 10 {
			t.Errorf("lanelet 100 speed limit %v, want 10", l.SpeedLimit)
		}
	}
	if len(res.Goal.States) != 2 || res.Goal.States[1].Regions[0].Radius != 2 {
		t.Errorf("test_reading_all goal: %+v", res.Goal)
	}
}

func TestDatasetsValidate(t *testing.T) {
	for _, f := range []string{
		"highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz",
		"SinD/CHN_SIND-7281_150_T-225.cr.xml.gz",
		"NGSIM/USA_US101-3_3_T-1.xml.gz",
	} {
		path := filepath.Join(needData(t), f)
		res := mustImport(t, path)
		sc := res.Scenario
		if sc.DT != 0.1 || len(sc.Route) == 0 || len(sc.Expert) < 2 {
			t.Errorf("%s: dt %v, route %v, %d expert states", f, sc.DT, sc.Route, len(sc.Expert))
		}
		if !strings.HasPrefix(f, "NGSIM") {
			reached := false
			for i, e := range sc.Expert {
				reached = reached || res.Goal.Reached(float64(i)*sc.DT, e.Pose, e.Speed)
			}
			if !reached {
				t.Errorf("%s: the recorded expert never reaches its goal", f)
			}
		}
	}
	// highD and SinD steps are 0.2 s and 0.5 s apart although the files say 0.1 s.
	for f, want := range map[string]float64{
		"highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz": 0.2,
		"SinD/CHN_SIND-7281_150_T-225.cr.xml.gz":          0.5,
		"NGSIM/USA_US101-3_3_T-1.xml.gz":                  0.1,
	} {
		res := mustImport(t, filepath.Join(dataDir, f))
		if d := res.Report.StepPeriod - want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: step period %v, want %v", f, res.Report.StepPeriod, want)
		}
	}
}

// TestCrossVersion checks that the 2018b (NGSIM/) and 2020a (format-2020a/) versions of the same NGSIM
// scenarios import alike.
func TestCrossVersion(t *testing.T) {
	// format-2020a/USA_US101-3_3_T-1 is a 2018b file too: only these two pairs cross versions.
	for _, name := range []string{"USA_US101-4_1_T-1", "USA_Peach-4_8_T-1"} {
		a := mustImport(t, filepath.Join(needData(t), "NGSIM", name+".xml.gz"))
		b := mustImport(t, filepath.Join(dataDir, "format-2020a", name+".xml.gz"))
		if a.Report.Version != "2018b" || b.Report.Version != "2020a" {
			t.Fatalf("%s: versions %s and %s", name, a.Report.Version, b.Report.Version)
		}
		sa, sb := a.Scenario, b.Scenario
		if len(sa.Map.Lanes) != len(sb.Map.Lanes) || len(sa.Map.Roadblocks) != len(sb.Map.Roadblocks) {
			t.Errorf("%s: lanes %d vs %d, roadblocks %d vs %d", name, len(sa.Map.Lanes), len(sb.Map.Lanes), len(sa.Map.Roadblocks), len(sb.Map.Roadblocks))
		}
		// The 2020a conversions extend some lanelets by one point (10 m) at their start and drop an obstacle:
		// compare topology and limits exactly, geometry where both have it, and the tracks both have.
		for i := range min(len(sa.Map.Lanes), len(sb.Map.Lanes)) {
			la, lb := sa.Map.Lanes[i], sb.Map.Lanes[i]
			if la.ID != lb.ID || la.SpeedLimit != lb.SpeedLimit || la.LeftNeighbor != lb.LeftNeighbor ||
				la.RightNeighbor != lb.RightNeighbor || la.Roadblock != lb.Roadblock || !slices.Equal(la.Successors, lb.Successors) {
				t.Errorf("%s: lane %d differs: %s/%s speed %v/%v", name, i, la.ID, lb.ID, la.SpeedLimit, lb.SpeedLimit)
				break
			}
			pl := geom.NewPolyline(lb.Left)
			for _, p := range la.Left {
				if _, _, d := pl.ProjectDist(p); d > 0.05 {
					t.Errorf("%s: lane %s: 2018b left bound point %v is %.3f m off the 2020a bound", name, la.ID, p, d)
					break
				}
			}
		}
		byID := map[string]scenarios.Track{}
		for _, tr := range sb.Tracks {
			byID[tr.ID] = tr
		}
		common := 0
		for _, ta := range sa.Tracks {
			tb, ok := byID[ta.ID]
			if !ok {
				continue
			}
			common++
			if ta.Start != tb.Start || len(ta.States) != len(tb.States) || ta.States[0].Pose.Pos().Dist(tb.States[0].Pose.Pos()) > 0.01 || ta.Length != tb.Length {
				t.Errorf("%s: track %s differs", name, ta.ID)
			}
		}
		if common < len(sa.Tracks)-1 || common < len(sb.Tracks)-1 {
			t.Errorf("%s: %d tracks in common of %d and %d", name, common, len(sa.Tracks), len(sb.Tracks))
		}
		if d := sa.Expert[0].Pose.Pos().Dist(sb.Expert[0].Pose.Pos()); d > 0.01 {
			t.Errorf("%s: initial states %.3f m apart", name, d)
		}
		if d := sa.Goal.Pos().Dist(sb.Goal.Pos()); d > 0.01 {
			t.Errorf("%s: goals %.3f m apart", name, d)
		}
		if len(sa.Expert) != len(sb.Expert) {
			t.Errorf("%s: expert %d vs %d states", name, len(sa.Expert), len(sb.Expert))
		}
	}
}

// TestGoldenSummary keeps a summary of a few real files stable (go test -run TestGoldenSummary -update).
func TestGoldenSummary(t *testing.T) {
	files := []string{
		"highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz",
		"SinD/CHN_SIND-7281_150_T-225.cr.xml.gz",
		"NGSIM/USA_US101-3_3_T-1.xml.gz",
	}
	var b strings.Builder
	for _, f := range files {
		res := mustImport(t, filepath.Join(needData(t), f))
		sc := res.Scenario
		e := sc.Expert[0].Pose
		fmt.Fprintf(&b, "%s type=%s lanes=%d roadblocks=%d lights=%d tracks=%d expert=%d dt=%g route=%s start=(%.3f,%.3f,%.4f) goal=(%.3f,%.3f,%.4f) shift=%d short=%v overlaps=%d vehicle=%d (%.3fx%.3f m)\n",
			f, sc.Type, len(sc.Map.Lanes), len(sc.Map.Roadblocks), len(sc.Map.TrafficLights), len(sc.Tracks), len(sc.Expert), sc.DT,
			strings.Join(sc.Route, ","), e.X, e.Y, e.Heading, sc.Goal.X, sc.Goal.Y, sc.Goal.Heading,
			res.Report.StartShift, res.Report.ShortExpert, len(res.Report.StartOverlaps),
			res.Report.VehicleType, sc.EgoVehicle().Length(), sc.EgoVehicle().Width)
	}
	golden := filepath.Join("testdata", "golden_summary.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("summary differs from %s:\ngot:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

// TestClosedLoopHighD replays the recorded expert in closed loop on a highD scenario: it must finish with no
// at-fault collision, inside the drivable area, and reach its goal.
func TestClosedLoopHighD(t *testing.T) {
	res := mustImport(t, filepath.Join(needData(t), "highD", "DEU_LocationALower26-1_260_T-75.cr.xml.gz"))
	sc := res.Scenario
	out := replay(t, sc)
	if v := out.Metrics.NoAtFaultCollisions; v != 1 {
		t.Errorf("no_ego_at_fault_collisions = %v, want 1", v)
	}
	if v := out.Metrics.DrivableAreaCompliance; v != 1 {
		t.Errorf("drivable_area_compliance = %v, want 1", v)
	}
	reached := false
	for i, e := range out.Ego {
		reached = reached || res.Goal.Reached(float64(i)*sc.DT, e.Pose, e.Speed)
	}
	if !reached {
		t.Errorf("log replay did not reach the goal")
	}
}

// TestClosedLoopSyntheticExpert replays NGSIM US101-10_2's synthetic expert (the file has no solution): its
// leader brakes from 8.6 to 2.6 m/s in the first two seconds, and the expert, which used to drive into it on
// the goal's schedule, stays behind it.
func TestClosedLoopSyntheticExpert(t *testing.T) {
	res := mustImport(t, filepath.Join(needData(t), "NGSIM", "USA_US101-10_2_T-1.xml.gz"))
	sc := res.Scenario
	if !res.Report.SyntheticExpert {
		t.Fatal("want a synthetic expert")
	}
	if n := replay(t, sc).Metrics.NumCollisions; n != 0 {
		t.Errorf("the synthetic expert collided %d times, want none", n)
	}
}

// replay simulates sc's expert with the log-replay planner, non-reactive.
func replay(t *testing.T, sc *scenarios.Scenario) *sim.Result {
	t.Helper()
	p, err := planner.New("log_replay", sc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sim.Run(sc, p, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const minimal = `<commonRoad timeStepSize="0.1" commonRoadVersion="2020a" benchmarkID="ZAM_Test-1_1_T-1" source="test">
 <lanelet id="1">
  <leftBound><point><x>0</x><y>2</y></point><point><x>100</x><y>2</y></point></leftBound>
  <rightBound><point><x>0</x><y>-2</y></point><point><x>100</x><y>-2</y></point></rightBound>
  <trafficSignRef ref="9"/>
 </lanelet>
 <trafficSign id="9"><trafficSignElement><trafficSignID>274</trafficSignID><additionalValue>20</additionalValue></trafficSignElement></trafficSign>
 <dynamicObstacle id="5"><type>car</type><shape><rectangle><length>4</length><width>2</width></rectangle></shape>
  <initialState><time><exact>0</exact></time><position><point><x>40</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></initialState>
  <trajectory><state><time><exact>1</exact></time><position><point><x>41</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></state></trajectory>
 </dynamicObstacle>
 <planningProblem id="7">
  <initialState><time><exact>0</exact></time><position><point><x>10</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>5</exact></velocity></initialState>
  <goalState><time><intervalStart>20</intervalStart><intervalEnd>40</intervalEnd></time>
   <position><rectangle><length>10</length><width>4</width><orientation>0</orientation><center><x>30</x><y>0</y></center></rectangle></position></goalState>
 </planningProblem>
</commonRoad>`

func TestMinimal(t *testing.T) {
	res, err := Decode(strings.NewReader(minimal), "min.xml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Scenario
	if len(sc.Map.Lanes) != 1 || sc.Map.Lanes[0].SpeedLimit != 20 || len(sc.Tracks) != 1 || !res.Report.SyntheticExpert {
		t.Fatalf("unexpected import: %+v %+v", sc.Map.Lanes, res.Report)
	}
	if c := sc.Map.Lanes[0].Centerline; c[0] != (geom.Vec2{X: 0, Y: 0}) || c[len(c)-1] != (geom.Vec2{X: 100, Y: 0}) {
		t.Errorf("centerline %v", c)
	}
	if tr := sc.Tracks[0]; tr.States[0].VX != 10 || tr.Length != 4 {
		t.Errorf("track %+v", tr)
	}
	if sc.Goal.X != 30 || sc.Goal.Y != 0 {
		t.Errorf("goal pose %+v", sc.Goal)
	}
	g := &res.Goal.States[0]
	if g.TimeStart != 2 || g.TimeEnd != 4 {
		t.Errorf("goal time [%v, %v], want [2, 4]", g.TimeStart, g.TimeEnd)
	}
	if w := sc.GoalWindow; w == nil || w.Start != 2 || w.End != 4 {
		t.Errorf("scenario goal window %+v, want [2, 4] (the planner is told it)", w)
	}
	at := geom.Pose{X: 30 - res.Goal.CentreOffset}
	if !res.Goal.Reached(3, at, 5) || res.Goal.Reached(5, at, 5) || res.Goal.Reached(3, geom.Pose{X: 60}, 5) {
		t.Errorf("Reached is wrong")
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not xml", "hello", "no XML element"},
		{"truncated", minimal[:400], "truncated XML"},
		{"bad number", strings.Replace(minimal, "<x>100</x><y>2</y>", "<x>abc</x><y>2</y>", 1), "lanelet 1.leftBound.point[1].x"},
		{"wrong root", "<scenario/>", "not a CommonRoad scenario"},
		{"no lanelets", `<commonRoad timeStepSize="0.1" benchmarkID="x"></commonRoad>`, "no lanelets"},
		{"bad dt", strings.Replace(minimal, `timeStepSize="0.1"`, `timeStepSize="-1"`, 1), "timeStepSize"},
		{"one point", strings.Replace(minimal, "<point><x>100</x><y>2</y></point>", "", 1), "at least 2 points"},
		{"no problem", minimal[:strings.Index(minimal, "<planningProblem")] + "</commonRoad>", "planningProblem"},
		{"off road", strings.Replace(minimal, "<x>10</x><y>0</y>", "<x>10</x><y>500</y>", 1), "starts on no lanelet"},
	}
	for _, tc := range cases {
		_, err := Decode(strings.NewReader(tc.doc), "bad.xml", nil, "")
		var fe *scenarios.FileError
		if !errors.As(err, &fe) || fe.File != "bad.xml" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a FileError naming bad.xml and %q", tc.name, err, tc.want)
		}
	}
}

func TestIsFile(t *testing.T) {
	for name, want := range map[string]bool{"a.xml": true, "a.cr.xml.gz": true, "a.solution.xml.gz": false, "a.solution.xml": false, "a.json": false} {
		if IsFile(name) != want {
			t.Errorf("IsFile(%q) = %v", name, !want)
		}
	}
	if got := SolutionPaths("d/x.cr.xml.gz")[0]; got != "d/x.solution.xml.gz" {
		t.Errorf("SolutionPaths = %q", got)
	}
}

func FuzzImport(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimal[:len(minimal)/2]))
	f.Add([]byte(laneletGoalDoc()))
	for _, name := range []string{"format-2020a/test_reading_all.xml.gz", "NGSIM/USA_US101-3_3_T-1.xml.gz"} {
		if data, err := readMaybeGz(filepath.Join(dataDir, name)); err == nil {
			f.Add(data[:min(len(data), 4000)])
			f.Add(data[:min(len(data), 20000)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(bytes.NewReader(data), "fuzz.xml", nil, "")
		if err != nil {
			var fe *scenarios.FileError
			if !errors.As(err, &fe) || fe.File != "fuzz.xml" {
				t.Fatalf("error is no FileError naming the file: %v", err)
			}
			return
		}
		if err := scenarios.Validate(res.Scenario); err != nil {
			t.Fatalf("imported scenario does not validate: %v", err)
		}
	})
}

// FuzzImportSolution fuzzes the solution file next to a valid scenario: its benchmark id (the ego's vehicle
// type) and the recorded trajectory the route is matched to.
func FuzzImportSolution(f *testing.F) {
	sol := `<CommonRoadSolution benchmark_id="KS1:TR2:ZAM_Test-1_1_T-1:2020a"><ksTrajectory planningProblem="7">` +
		`<ksState><x>10</x><y>0</y><orientation>0</orientation><velocity>5</velocity><steeringAngle>0</steeringAngle><time>0</time></ksState>` +
		`<ksState><x>10.5</x><y>0.5</y><orientation>0.1</orientation><velocity>5</velocity><steeringAngle>0</steeringAngle><time>1</time></ksState>` +
		`<ksState><x>30</x><y>1</y><orientation>0</orientation><velocity>5</velocity><steeringAngle>0</steeringAngle><time>5</time></ksState>` +
		`</ksTrajectory></CommonRoadSolution>`
	f.Add([]byte(sol))
	f.Add([]byte(strings.Replace(sol, "KS1", "KS9", 1)))
	f.Add([]byte(strings.Replace(sol, "<y>0.5</y>", "<y>NaN</y>", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(strings.NewReader(minimal), "min.xml", bytes.NewReader(data), "min.solution.xml")
		if err != nil {
			var fe *scenarios.FileError
			if !errors.As(err, &fe) || (fe.File != "min.xml" && fe.File != "min.solution.xml") {
				t.Fatalf("error is no FileError naming a file: %v", err)
			}
			return
		}
		if err := scenarios.Validate(res.Scenario); err != nil {
			t.Fatalf("imported scenario does not validate: %v", err)
		}
	})
}

// The ego is the vehicle type the solution's benchmark id names; without a solution, or with a type that is
// not simulated, DefaultVehicleType (with a note for the latter).
func TestEgoVehicleType(t *testing.T) {
	for id, want := range map[string]int{"KS1:TR2:DEU_A-1_1_T-1:2020a": 1, "MB3:SM1:X:2020a": 3, "KS:SM1:X": 0, "": 0, "PM12:x": 12} {
		if got := benchmarkVehicle(id); got != want {
			t.Errorf("benchmarkVehicle(%q) = %d, want %d", id, got, want)
		}
	}
	sol := func(id string) string {
		return `<CommonRoadSolution benchmark_id="` + id + `"><ksTrajectory planningProblem="7">` +
			`<ksState><x>10</x><y>0</y><orientation>0</orientation><velocity>5</velocity><steeringAngle>0</steeringAngle><time>0</time></ksState>` +
			`<ksState><x>10.5</x><y>0</y><orientation>0</orientation><velocity>5</velocity><steeringAngle>0</steeringAngle><time>1</time></ksState>` +
			`</ksTrajectory></CommonRoadSolution>`
	}
	cases := []struct {
		name     string
		sol      string
		wantType int
		wantNote bool
	}{
		{"no solution", "", DefaultVehicleType, false},
		{"BMW 320i", sol("KS2:SM1:ZAM_Test-1_1_T-1:2020a"), 2, false},
		{"unknown type", sol("KS7:SM1:ZAM_Test-1_1_T-1:2020a"), DefaultVehicleType, true},
	}
	for _, tc := range cases {
		var sr io.Reader
		if tc.sol != "" {
			sr = strings.NewReader(tc.sol)
		}
		res, err := Decode(strings.NewReader(minimal), "min.xml", sr, "min.solution.xml")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, _ := dynamics.CommonRoadVehicle(tc.wantType)
		if res.Report.VehicleType != tc.wantType || res.Scenario.EgoVehicle() != want {
			t.Errorf("%s: vehicle type %d (%+v), want %d", tc.name, res.Report.VehicleType, res.Scenario.EgoVehicle(), tc.wantType)
		}
		noted := slices.ContainsFunc(res.Report.Notes, func(n string) bool { return strings.Contains(n, "vehicle type 7") })
		if noted != tc.wantNote {
			t.Errorf("%s: note about the vehicle type %v, want %v (notes %q)", tc.name, noted, tc.wantNote, res.Report.Notes)
		}
		// The file's positions are footprint centres: the rear axle lies the vehicle's centre offset behind.
		if e := res.Scenario.Expert[0].Pose; math.Abs(e.X-(10-want.RearAxleToCenter())) > 1e-9 || res.Goal.CentreOffset != want.RearAxleToCenter() {
			t.Errorf("%s: start rear axle x %.4f, goal centre offset %.4f; want %.4f and %.4f", tc.name, e.X, res.Goal.CentreOffset, 10-want.RearAxleToCenter(), want.RearAxleToCenter())
		}
	}
}

// TestSyntheticExpertFollowsTheRoadUserAhead: without a solution, the synthetic expert heads for the goal on
// the goal's schedule, but a slower car ahead in its lane holds it back: it keeps a gap behind it, and starts
// with the schedule's acceleration.
func TestSyntheticExpertFollowsTheRoadUserAhead(t *testing.T) {
	// A car at x=35 driving at 3 m/s for 8 s; the ego at x=10 at 10 m/s; the goal at x=90 between 4 and 6 s.
	var traj strings.Builder
	for k := 1; k <= 80; k++ {
		fmt.Fprintf(&traj, `<state><time><exact>%d</exact></time><position><point><x>%g</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>3</exact></velocity></state>`, k, 35+0.3*float64(k))
	}
	doc := strings.Replace(minimal, `<x>40</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact>`,
		`<x>35</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>3</exact>`, 1)
	doc = regexp.MustCompile(`<trajectory>.*</trajectory>`).ReplaceAllString(doc, "<trajectory>"+traj.String()+"</trajectory>")
	doc = strings.Replace(doc, `<velocity><exact>5</exact></velocity></initialState>`, `<velocity><exact>10</exact></velocity></initialState>`, 1)
	doc = strings.Replace(doc, `<intervalStart>20</intervalStart><intervalEnd>40</intervalEnd>`, `<intervalStart>40</intervalStart><intervalEnd>60</intervalEnd>`, 1)
	doc = strings.Replace(doc, `<center><x>30</x><y>0</y></center>`, `<center><x>90</x><y>0</y></center>`, 1)
	res, err := Decode(strings.NewReader(doc), "follow.xml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Scenario
	if !res.Report.SyntheticExpert || len(sc.Tracks) != 1 || len(sc.Tracks[0].States) < 60 {
		t.Fatalf("unexpected import: %+v, %d tracks", res.Report, len(sc.Tracks))
	}
	// The schedule: from 10 m/s, 80 m (centre to centre) in 5 s asks for more than the 1.5 m/s^2 cap.
	if a := sc.Expert[0].Accel; a != 1.5 {
		t.Errorf("first state's acceleration %v, want the schedule's 1.5", a)
	}
	veh := sc.EgoVehicle()
	minGap, slowest := math.Inf(1), math.Inf(1)
	for k, e := range sc.Expert {
		st, ok := sc.Tracks[0].StateAt(k)
		if !ok {
			break
		}
		minGap = min(minGap, st.Pose.X-sc.Tracks[0].Length/2-(e.Pose.X+veh.FrontLength))
		slowest = min(slowest, e.Speed)
	}
	if minGap < 1.5 {
		t.Errorf("the synthetic expert came within %.2f m of the car ahead, want at least about the 2 m minimum gap", minGap)
	}
	if slowest > 4 {
		t.Errorf("the synthetic expert never slowed below %.1f m/s behind a car at 3 m/s", slowest)
	}
}

// laneletGoalDoc is minimal with three lanelets in a row, 0-100, 100-200 and 200-300 m, no other road user,
// the ego at x 90 at 10 m/s and the goal lanelets 2 and 3 between 2 and 3 s.
func laneletGoalDoc() string {
	lanelet := func(id, x0, x1 int, pred, succ string) string {
		return fmt.Sprintf(`<lanelet id="%d"><leftBound><point><x>%d</x><y>2</y></point><point><x>%d</x><y>2</y></point></leftBound>`+
			`<rightBound><point><x>%d</x><y>-2</y></point><point><x>%d</x><y>-2</y></point></rightBound>%s%s</lanelet>`, id, x0, x1, x0, x1, pred, succ)
	}
	lanes := lanelet(1, 0, 100, "", `<successor ref="2"/>`) + lanelet(2, 100, 200, `<predecessor ref="1"/>`, `<successor ref="3"/>`) +
		lanelet(3, 200, 300, `<predecessor ref="2"/>`, "")
	doc := minimal[:strings.Index(minimal, " <lanelet")] + lanes + minimal[strings.Index(minimal, " <trafficSign "):]
	doc = strings.Replace(doc, `<position><point><x>10</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>5</exact></velocity></initialState>`,
		`<position><point><x>90</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></initialState>`, 1)
	doc = regexp.MustCompile(`(?s)<goalState>.*</goalState>`).ReplaceAllString(doc,
		`<goalState><time><intervalStart>20</intervalStart><intervalEnd>30</intervalEnd></time><position><lanelet ref="2"/><lanelet ref="3"/></position></goalState>`)
	doc = regexp.MustCompile(`(?s)<dynamicObstacle.*</dynamicObstacle>`).ReplaceAllString(doc, "")
	return doc
}

// A goal given as lanelets is met anywhere in them: the scenario says how far they reach along the lane
// around the goal pose (the middle of the first), and the synthetic expert, whose cruise already ends inside
// them at the goal's time, holds its speed instead of speeding towards that middle.
func TestLaneletGoalSpan(t *testing.T) {
	doc := laneletGoalDoc()
	res, err := Decode(strings.NewReader(doc), "lanes.xml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Scenario
	if sc.Goal.X != 150 {
		t.Errorf("goal pose %+v, want the middle of lanelet 2 (x 150)", sc.Goal)
	}
	if sp := sc.GoalSpan; sp == nil || math.Abs(sp.Behind-50) > 1e-9 || math.Abs(sp.Ahead-150) > 1e-9 {
		t.Errorf("goal span %+v, want 50 m behind and 150 ahead (lanelets 2 and 3)", sp)
	}
	// Cruising at 10 m/s the ego is 25 m on, past x 100, at the window's middle: no acceleration is asked
	// for (towards x 150 it was the schedule's cap, 1.5 m/s^2).
	if a := sc.Expert[0].Accel; a != 0 {
		t.Errorf("first state's acceleration %v, want 0 (cruising meets the goal)", a)
	}
	// A goal region gives none.
	plain, err := Decode(strings.NewReader(minimal), "min.xml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Scenario.GoalSpan != nil {
		t.Errorf("a rectangle goal has a span %+v", plain.Scenario.GoalSpan)
	}
}

// A missing step of a trajectory is filled in between its neighbours. A standing road user whose recorded
// heading flips by half a turn from one sample to the next (a heading read off a velocity of a few cm/s, as in
// some highD tracks) keeps its axis there: interpolated through a quarter turn, its box stood across the lane
// for a step. (A bicycle: a car's flips are steadied before, TestStandingCarsKeepTheirHeading.)
func TestGapInterpolationKeepsAFlippedAxis(t *testing.T) {
	doc := strings.Replace(minimal,
		`<trajectory><state><time><exact>1</exact></time><position><point><x>41</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></state></trajectory>`,
		`<trajectory><state><time><exact>2</exact></time><position><point><x>40</x><y>0</y></point></position><orientation><exact>-3.1</exact></orientation><velocity><exact>0.01</exact></velocity></state>`+
			`<state><time><exact>4</exact></time><position><point><x>40</x><y>0</y></point></position><orientation><exact>0.1</exact></orientation><velocity><exact>0.01</exact></velocity></state></trajectory>`, 1)
	doc = strings.Replace(doc, `<orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></initialState>`,
		`<orientation><exact>0</exact></orientation><velocity><exact>0.01</exact></velocity></initialState>`, 1)
	doc = strings.Replace(doc, "<type>car</type>", "<type>bicycle</type>", 1)
	res, err := Decode(strings.NewReader(doc), "flip.xml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Scenario.Tracks[0]
	if len(tr.States) < 5 {
		t.Fatalf("%d states, want 5 (steps 0-4)", len(tr.States))
	}
	for k, want := range map[int]float64{1: -3.12, 3: -3.09} {
		h := tr.States[k].Pose.Heading
		// The axis: the heading or its opposite, within 0.05 rad of the neighbours' axis.
		if d := math.Abs(geom.AngleDiff(h, want)); d > 0.05 && math.Abs(d-math.Pi) > 0.05 {
			t.Errorf("step %d: heading %.3f, want the axis of %.2f (not a quarter turn across it)", k, h, want)
		}
	}
}

// trajectoryXML returns a dynamic obstacle's trajectory element: one state per heading from step 1 on, at
// x = 40 + step k (m), with the given speeds.
func trajectoryXML(headings, speeds []float64, step float64) string {
	var b strings.Builder
	b.WriteString("<trajectory>")
	for k, h := range headings {
		fmt.Fprintf(&b, `<state><time><exact>%d</exact></time><position><point><x>%g</x><y>0</y></point></position><orientation><exact>%g</exact></orientation><velocity><exact>%g</exact></velocity></state>`,
			k+1, 40+step*float64(k+1), h, speeds[k])
	}
	b.WriteString("</trajectory>")
	return b.String()
}

// A car standing in a jam whose recorded heading flips by quarter and half turns (read off a velocity of a
// few cm/s, as in highD) keeps the heading it drives off with; a car turning as it drives keeps its turn, and
// so do a cyclist edging round and a pedestrian.
func TestStandingCarsKeepTheirHeading(t *testing.T) {
	const moving = `<trajectory><state><time><exact>1</exact></time><position><point><x>41</x><y>0</y></point></position><orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></state></trajectory>`
	const initial = `<orientation><exact>0</exact></orientation><velocity><exact>10</exact></velocity></initialState>`
	flips := []float64{3.1415, -1.5707, -1.5707, 0.7854, -3.1415, 0, 0.3217, 0.02, 0.03}
	slow := []float64{0.01, 0.02, 0.01, 0.03, 0.0, 0.01, 0.02, 2, 3}
	turn := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	cases := []struct {
		name, typ        string
		headings, speeds []float64
		step             float64   // metres per sample
		want             []float64 // the imported headings from step 1 on, within tol
		tol              float64
	}{
		{"standing car", "car", flips, slow, 0.01, []float64{0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03}, 0.01},
		{"turning car", "car", turn, slices.Repeat([]float64{5}, 9), 0.5, turn, 1e-9},
		{"cyclist", "bicycle", turn, slow, 0.01, turn, 1e-9},
		{"pedestrian", "pedestrian", flips, slow, 0.01, flips, 1e-9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(minimal, moving, trajectoryXML(c.headings, c.speeds, c.step), 1)
			doc = strings.Replace(doc, initial, fmt.Sprintf(`<orientation><exact>%g</exact></orientation><velocity><exact>%g</exact></velocity></initialState>`, c.headings[0], c.speeds[0]), 1)
			doc = strings.Replace(doc, "<type>car</type>", "<type>"+c.typ+"</type>", 1)
			res, err := Decode(strings.NewReader(doc), "standing.xml", nil, "")
			if err != nil {
				t.Fatal(err)
			}
			st := res.Scenario.Tracks[0].States
			if len(st) != len(c.want)+1 {
				t.Fatalf("%d states, want %d", len(st), len(c.want)+1)
			}
			for k, want := range c.want {
				if h := st[k+1].Pose.Heading; math.Abs(geom.AngleDiff(h, want)) > c.tol {
					t.Errorf("step %d: heading %.4f, want %.4f", k+1, h, want)
				}
			}
		})
	}
}

// Headings that are not finite numbers (an orientation interval whose ends overflow) neither panic nor spread:
// the finite ones are steadied as usual.
func TestSteadyHeadingsNotFinite(t *testing.T) {
	pos := make([]geom.Vec2, 5)
	for _, h := range [][]float64{
		{math.NaN(), 0.1, 1.6, 0.1, math.Inf(1)},
		{math.NaN(), math.NaN(), math.Inf(-1), math.NaN(), math.NaN()},
	} {
		h := slices.Clone(h)
		steadyHeadings(h, pos, make([]float64, len(h)))
		if finite(h[1]) && h[2] != h[1] {
			t.Errorf("%v: the quarter turn of a standing car was kept", h)
		}
	}
}
