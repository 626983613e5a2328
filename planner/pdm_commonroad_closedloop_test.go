package planner_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/metrics"
	"asyncdrive/planner"
	"asyncdrive/scenarios/commonroad"
	"asyncdrive/sim"
)

// crData is the CommonRoad data set next to the repository (see scenarios/commonroad).
var crData = filepath.Join("..", "..", "shared", "data", "commonroad")

// importCommonRoad imports a file of the CommonRoad data (a path under crData), skipping the test when the
// data is absent.
func importCommonRoad(t *testing.T, file string) *commonroad.Result {
	t.Helper()
	path := filepath.Join(crData, file)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no CommonRoad data at %s", crData)
	}
	res, err := commonroad.Import(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runCommonRoad imports a CommonRoad file and runs cfg's PDM on it in closed loop (non-reactive, 5 s of goal
// overtime as the eval's default); it reports whether the goal was reached and the at-fault collisions.
func runCommonRoad(t *testing.T, file string, cfg planner.PDMConfig) (reached bool, atFault int) {
	t.Helper()
	reached, m := runCommonRoadMetrics(t, file, cfg)
	for _, n := range m.AtFaultCounts {
		atFault += n
	}
	return reached, atFault
}

// runCommonRoadMetrics is runCommonRoad reporting the run's metrics.
func runCommonRoadMetrics(t *testing.T, file string, cfg planner.PDMConfig) (reached bool, m metrics.Result) {
	t.Helper()
	res := importCommonRoad(t, file)
	g := res.Goal
	out, err := sim.Run(res.Scenario, planner.NewPDM(cfg), sim.Config{
		Overtime: 50, Until: func(e dynamics.State) bool { return g.Reached(e.Time, e.Pose, e.Speed) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range out.Ego {
		if g.Reached(e.Time, e.Pose, e.Speed) {
			reached = true
		}
	}
	return reached, out.Metrics
}

// expectGoal runs PDM (cfg) on a CommonRoad file and fails the test unless the ego reaches the goal without an
// at-fault collision; it skips with -short.
func expectGoal(t *testing.T, file string, cfg planner.PDMConfig) {
	t.Helper()
	if testing.Short() {
		t.Skip("closed-loop run on recorded data")
	}
	if reached, n := runCommonRoad(t, file, cfg); !reached || n != 0 {
		t.Errorf("%s: goal reached %v with %d at-fault collisions, want reached without", file, reached, n)
	}
}

// expectCleanRun runs PDM (cfg) on a CommonRoad file and fails the test unless the ego reaches the goal,
// stays on the drivable area, is comfortable and has no at-fault collision; it skips with -short.
func expectCleanRun(t *testing.T, file string, cfg planner.PDMConfig) {
	t.Helper()
	if testing.Short() {
		t.Skip("closed-loop run on recorded data")
	}
	reached, m := runCommonRoadMetrics(t, file, cfg)
	if !reached || m.DrivableAreaCompliance != 1 || m.Comfortable != 1 || m.NoAtFaultCollisions != 1 {
		t.Errorf("%s: goal reached %v, drivable area %v, comfortable %v, no at-fault collision %v; want all",
			file, reached, m.DrivableAreaCompliance, m.Comfortable, m.NoAtFaultCollisions)
	}
}

// logWithout runs PDM with a feature turned off (cfg) on a CommonRoad file and logs when the run is still
// good by ok, that is when the feature was not what made the difference there.
func logWithout(t *testing.T, file string, cfg planner.PDMConfig, ok func(reached bool, m metrics.Result) bool, what string) {
	t.Helper()
	if reached, m := runCommonRoadMetrics(t, file, cfg); ok(reached, m) {
		t.Logf("%s: %s without it too", file, what)
	}
}

// reachedGoal, noAtFault, comfortable and onMap are logWithout's tests.
func reachedGoal(reached bool, _ metrics.Result) bool { return reached }
func noAtFault(_ bool, m metrics.Result) bool         { return m.NoAtFaultCollisions == 1 }
func comfortable(_ bool, m metrics.Result) bool       { return m.Comfortable == 1 }
func onMap(_ bool, m metrics.Result) bool             { return m.DrivableAreaCompliance == 1 }

// NGSIM US-101 (no recorded ego): the goal must be reached within [7.0, 8.0] s, about 130 m ahead, from
// 16 m/s on a road without a posted speed limit. Keeping the 15 m/s the planner targets there, the ego arrives
// late; told the goal's time window, it paces itself to arrive inside it.
func TestPDMCommonRoadPacesToGoalWindow(t *testing.T) {
	const file = "NGSIM/USA_US101-7_1_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{NoGoalPacing: true}, reachedGoal, "reached")
}

// NGSIM US-101: the goal is where the recorded driver was 7.0 to 8.0 s in, behind slower traffic. Holding
// PDM's 1.5 s headway behind it the ego gets there about 0.1 s after the window closes; late, it follows at
// PDMConfig.LateHeadway (1.1 s), closer as the recorded drivers do, and arrives in time.
func TestPDMCommonRoadLateEgoFollowsCloser(t *testing.T) {
	const file = "NGSIM/USA_US101-20_1_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{LateHeadway: 1.5}, reachedGoal, "reached")
}

// NGSIM US-101: the goal is two lanes to the left, in slower traffic. Changing lanes meant braking at the IDM's
// 3 m/s^2 behind the car in the next lane, so the change always scored as uncomfortable and the ego stayed
// in its lane at 18 m/s, missed the goal and drove off the end of the recorded map (drivable area 0). With
// the braking for the new lane eased in (PDMConfig.LaneChangeJerk) the change wins where it can be made
// comfortably: the ego slows, moves over twice, reaches the goal, and stays on the map and comfortable.
func TestPDMCommonRoadChangesIntoTheGoalLane(t *testing.T) {
	const file = "NGSIM/USA_US101-24_1_T-1.xml.gz"
	expectCleanRun(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{LaneChangeJerk: -1}, reachedGoal, "reached")
}

// NGSIM US-101: the goal is a lane over, 3.0-3.1 s into the run, in dense traffic. Moving over in the 5 s
// other lane changes take, the ego ran its front into a car; in PDMConfig.GoalLaneChangeTime (3 s) it is in
// the goal's lane in time and collides with nothing.
func TestPDMCommonRoadQuickGoalLaneChange(t *testing.T) {
	const file = "NGSIM/USA_US101-6_2_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{GoalLaneChangeTime: 5}, noAtFault, "no at-fault collision")
}

// NGSIM US-101: the ego starts in the rightmost lane, which leaves the road at the end of the segment (an
// auxiliary lane into a roadblock off the route), and the goal lies in the next segment's lane fed by the lane
// two to the left. The centerline never reaches the goal's roadblock, so the goal's lane was not aimed at;
// now the lanes leading into it are, and the ego moves over twice and reaches the goal.
func TestPDMCommonRoadGoalLaneFedFromAnotherLane(t *testing.T) {
	const file = "NGSIM/USA_US101-23_1_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{NoGoalLane: true}, reachedGoal, "reached")
}

// highD: the ego is handed the recorded driver's state, less than the 1.5 s headway behind its leader, which
// drives as fast. The IDM's proposals braked at once to reopen the gap and the run failed comfort; with
// PDMConfig.GapBrake they reopen it gently (41 highD runs comfortable that were not, none the reverse).
func TestPDMCommonRoadReopensAShortGapComfortably(t *testing.T) {
	const file = "highD/DEU_LocationAUpper43-1_43977_T-1052.cr.xml.gz"
	expectCleanRun(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{GapBrake: -1}, comfortable, "comfortable")
}

// highD: the recorded driver follows about half a second behind the car ahead when the planner takes over
// at 32 m/s. Every proposal brakes to reopen the gap; braking at once, the longitudinal jerk broke nuPlan's
// comfort bound in the first second. With eased proposals (PDMConfig.EasedBrakeJerk) the braking builds up
// and the run is comfortable.
func TestPDMCommonRoadEasesIntoBraking(t *testing.T) {
	const file = "highD/DEU_LocationALower43-1_433985_T-4060.cr.xml.gz"
	expectCleanRun(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{EasedBrakeJerk: -1}, comfortable, "comfortable")
}

// NGSIM US-101: the cars ahead brake. Forecast at constant velocity, they let the ego keep its speed too
// long: it braked late and hard and ran on past the end of the recorded map inside the scored horizon
// (drivable area 0). Forecast braking (the default), it slows in time, reaches the goal and stays on the map.
func TestPDMCommonRoadForecastsBrakingTraffic(t *testing.T) {
	const file = "NGSIM/USA_US101-24_2_T-1.xml.gz"
	expectCleanRun(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{NoBrakingForecast: true}, onMap, "on the map")
}

// NGSIM US-101: the leader, about 12 m ahead at the start, brakes from 8.6 m/s to walking pace in 2.5 s.
// Braking at the emergency brake's 4 m/s^2 the ego ran into it; with the collision under a second away it
// now brakes at PDMConfig.EmergencyHardDecel (6 m/s^2) and stops behind it.
func TestPDMCommonRoadBrakesHardWhenImminent(t *testing.T) {
	const file = "NGSIM/USA_US101-8_3_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
	logWithout(t, file, planner.PDMConfig{EmergencyHardDecel: 4}, noAtFault, "no at-fault collision")
}

// The ego of a CommonRoad scenario is the benchmark's vehicle (a Ford Escort, 1.674 m wide, for "KS1:..."),
// not nuPlan's 2.297 m wide Pacifica: on SinD's narrow lanes the recorded human, replayed with the
// Pacifica's footprint, sticks 0.37 m out of its lane from the first frame and fails drivable-area
// compliance; with the recorded vehicle it stays inside, and so does PDM.
func TestCommonRoadEgoIsTheBenchmarkVehicle(t *testing.T) {
	if testing.Short() {
		t.Skip("closed-loop runs on recorded data")
	}
	res := importCommonRoad(t, "SinD/CHN_SIND-8101_1_T-75.cr.xml.gz")
	sc := res.Scenario
	if v := sc.EgoVehicle(); res.Report.VehicleType != 1 || v.Width != 1.674 || math.Abs(v.Length()-4.298) > 1e-9 {
		t.Fatalf("ego vehicle type %d, %.3f x %.3f m; want CommonRoad's vehicle 1 (4.298 x 1.674 m)", res.Report.VehicleType, v.Length(), v.Width)
	}
	drivable := func(name string) (float64, float64) {
		p, err := planner.New(name, sc)
		if err != nil {
			t.Fatal(err)
		}
		out, err := sim.Run(sc, p, sim.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return out.Metrics.DrivableAreaCompliance, out.Metrics.MaxDrivableViolation
	}
	for _, name := range []string{"log_replay", "pdm"} {
		if dac, worst := drivable(name); dac != 1 {
			t.Errorf("%s: drivable_area_compliance %v (a corner %.2f m out), want 1", name, dac, worst)
		}
	}
	// The same replay with the Pacifica's footprint leaves the lane: what the importer's choice fixes.
	sc.Vehicle = nil
	if dac, worst := drivable("log_replay"); dac != 0 || worst < 0.3 {
		t.Errorf("log_replay with the Pacifica: compliance %v, worst corner %.2f m out; want 0 (>= 0.3 m)", dac, worst)
	}
}

// SinD 8111_827: the ego starts where the straight and the left-turn connectors of its arm begin, and the
// human drives straight across. The route follows the lanes the human drove (matched over the whole drive,
// not lane by nearest lane), so PDM goes straight and reaches the goal; with the left-turn connector first
// in the route it turned left and stopped short.
func TestPDMCommonRoadFollowsTheExpertsConnector(t *testing.T) {
	const file = "SinD/CHN_SIND-8111_827_T-902.cr.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
}

// SinD 834_1654: the human turns right through a light that is red all along (right turns may go on red in
// China, scenarios/commonroad.RightTurnOnRed). PDM turns too: it drives into the right-turn connector
// (lanelet 44, from the stop line at x = 33.5 westwards and round to the north) and is well into the turn
// (x < 26) within the run; with the light holding the right turn it stood at the stop line to the end.
// (Slower through the turn than the human, it may meet a crossing bicycle; not asserted.)
func TestPDMCommonRoadTurnsRightOnRed(t *testing.T) {
	if testing.Short() {
		t.Skip("closed-loop run on recorded data")
	}
	res := importCommonRoad(t, "SinD/CHN_SIND-834_1654_T-1729.cr.xml.gz")
	sc := res.Scenario
	out, err := sim.Run(sc, planner.NewPDM(planner.PDMConfig{}), sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mx := sc.Map.Index()
	turn, _ := mx.LaneIndex("44")
	veh := sc.EgoVehicle()
	var buf []int
	for _, e := range out.Ego {
		c := veh.Footprint(e.Pose).Center.Pos()
		if c.X < 26 && slices.Contains(mx.LanesAt(c, buf[:0]), turn) {
			return
		}
	}
	last := out.Ego[len(out.Ego)-1]
	t.Errorf("the ego never got into its right turn; it ended at (%.1f, %.1f), %.2f m/s", last.Pose.X, last.Pose.Y, last.Speed)
}

// NGSIM US-101 15_1: the goal lies 25-40 m before the end of the recorded map, on a motorway without a posted
// speed limit, in traffic at 11-13 m/s. The lanes are a motorway's (their file is tagged highway), so the
// end of the map is no end of the road and PDM does not brake for it; braking for it, the ego reached the
// goal region below the goal's speed interval.
func TestPDMCommonRoadMotorwayMapEdge(t *testing.T) {
	const file = "NGSIM/USA_US101-15_1_T-1.xml.gz"
	expectGoal(t, file, planner.PDMConfig{})
}

// NGSIM US-101: the goal is lanelet 63, the lane to the right, 147 m long, 2.7 s in; the ego starts beside it,
// 19 m past where it begins, at 12.2 m/s behind a slowing car. Paced towards the lanelet's middle, 55 m ahead,
// PDM took itself to be late and braked at up to 2.5 m/s^2 in its first 2 s, failing comfort; aiming into
// the lanelet's stretch (Initialization.GoalSpan) it brakes at under 2 and the run is clean.
func TestPDMCommonRoadAimsIntoALaneletGoal(t *testing.T) {
	const file = "NGSIM/USA_US101-8_2_T-1.xml.gz"
	if testing.Short() {
		t.Skip("closed-loop run on recorded data")
	}
	res := importCommonRoad(t, file)
	if res.Scenario.GoalSpan == nil {
		t.Fatalf("%s: no goal span for a lanelet goal", file)
	}
	expectCleanRun(t, file, planner.PDMConfig{})
	res.Scenario.GoalSpan = nil
	out, err := sim.Run(res.Scenario, planner.NewPDM(planner.PDMConfig{}), sim.Config{Overtime: 50})
	if err != nil {
		t.Fatal(err)
	}
	if out.Metrics.Comfortable == 1 {
		t.Logf("%s: comfortable paced towards the lanelet's middle too", file)
	}
}
