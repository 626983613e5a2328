package commonroad

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"asyncdrive/scenarios"
)

// dataDir is the shared CommonRoad data, relative to this package's folder.
const dataDir = "../../../shared/data/commonroad"

// needData skips the test when the data folder is absent and returns its path otherwise.
func needData(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("no CommonRoad data at %s", dataDir)
	}
	return dataDir
}

// dataFiles lists the scenario files of one data subfolder, sorted.
func dataFiles(t testing.TB, sub string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(needData(t), sub), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsFile(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestImportAll imports every file of the shared data and reports counts, flags and failure reasons
// (go test ./scenarios/commonroad -run TestImportAll -v). It fails on any import error.
func TestImportAll(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the whole data set")
	}
	files := dataFiles(t, "")
	type stat struct {
		n, ok, synth, reach, short, shifted, overlap, overlapCentre, noRoute, offRoute, unreachable int
		expertSec                                                                                   []float64
		ratio                                                                                       []float64
	}
	stats := map[string]*stat{}
	reasons := map[string]int{}
	start := time.Now()
	for _, f := range files {
		set := strings.Split(strings.TrimPrefix(f, dataDir+"/"), "/")[0]
		st := stats[set]
		if st == nil {
			st = &stat{}
			stats[set] = st
		}
		st.n++
		res, err := Import(f)
		if err != nil {
			reasons[err.Error()]++
			t.Errorf("%v", err)
			continue
		}
		st.ok++
		r := &res.Report
		if r.SyntheticExpert {
			st.synth++
		}
		if r.ShortExpert {
			st.short++
		}
		if r.StartShift != 0 {
			st.shifted++
		}
		if len(r.StartOverlaps) > 0 {
			st.overlap++
		}
		if r.NoRouteToGoal {
			st.noRoute++
		}
		if r.StartOffRoute {
			st.offRoute++
		}
		expertReaches := false
		for i, e := range res.Scenario.Expert {
			if res.Goal.Reached(float64(i)*res.Scenario.DT, e.Pose, e.Speed) {
				st.reach++
				expertReaches = true
				break
			}
		}
		if u := res.Goal.Unreachable(); u != "" {
			st.unreachable++
			if expertReaches {
				t.Errorf("%s: the expert meets the goal, yet it is called unreachable: %s", f, u)
			}
		}
		st.expertSec = append(st.expertSec, r.ExpertSeconds)
		sc := res.Scenario
		// Would the ego overlap anyone if the solution's positions were rear axles (CommonRoad's KS reference)?
		veh := sc.EgoVehicle()
		cb := veh.Footprint(sc.Expert[0].Pose.Translate(res.Goal.CentreOffset, 0))
		for i := range sc.Tracks {
			if s, ok := sc.Tracks[i].StateAt(0); ok && cb.Overlaps(s.Box(sc.Tracks[i].Length, sc.Tracks[i].Width)) {
				st.overlapCentre++
				break
			}
		}
		st.ratio = append(st.ratio, motionRatio(sc)...)
		if a, b, ok := routeConnected(sc); !ok {
			t.Errorf("%s: route %v: no lane of %s leads into %s", f, sc.Route, a, b)
		}
	}
	el := time.Since(start)
	names := make([]string, 0, len(stats))
	for k := range stats {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := stats[k]
		t.Logf("%-13s files %4d imported %4d synthetic-expert %3d expert-reaches-goal %3d short(<3s) %3d start-shifted %3d start-overlap %3d (if rear-axle: %3d) no-route-to-goal %d, start-off-route %d, goal-unreachable %d; expert median %.1f s; track displacement/(v*dt) median %.2f",
			k, s.n, s.ok, s.synth, s.reach, s.short, s.shifted, s.overlap, s.overlapCentre, s.noRoute, s.offRoute, s.unreachable, median(s.expertSec), median(s.ratio))
	}
	for r, n := range reasons {
		t.Logf("failure x%d: %s", n, r)
	}
	t.Logf("%d files in %v", len(files), el)
}

// routeConnected reports whether each roadblock of the scenario's route has a lane leading into the next
// one; otherwise it returns the first pair that is not connected.
func routeConnected(sc *scenarios.Scenario) (from, to string, ok bool) {
	mx := sc.Map.Index()
	for k := 1; k < len(sc.Route); k++ {
		a, _ := mx.RoadblockIndex(sc.Route[k-1])
		linked := false
		for _, id := range sc.Map.Roadblocks[a].Lanes {
			l, _ := mx.LaneIndex(id)
			for _, s := range mx.Successors(l) {
				linked = linked || mx.Lane(s).Roadblock == sc.Route[k]
			}
		}
		if !linked {
			return sc.Route[k-1], sc.Route[k], false
		}
	}
	return "", "", true
}

// motionRatio returns, for moving track steps, the displacement divided by speed x DT (1 when positions and
// speeds agree).
func motionRatio(sc *scenarios.Scenario) []float64 {
	var out []float64
	for i := range sc.Tracks {
		t := &sc.Tracks[i]
		for j := 1; j < len(t.States) && j < 20; j++ {
			a, b := t.States[j-1], t.States[j]
			if v := a.Speed(); v > 3 {
				out = append(out, a.Pose.Pos().Dist(b.Pose.Pos())/(v*sc.DT))
			}
		}
	}
	return out
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	y := slices.Clone(x)
	slices.Sort(y)
	return y[len(y)/2]
}

// The route is the lanes the human drove, matched over the whole drive: in SinD 8111_827 the human starts
// where the straight (lanelet 35, roadblock rb_34) and the left-turn (36, rb_36) connectors begin and drives
// straight across, and lanes picked one by one as the nearest took the left turn first and a connector of
// another arm (rb_26) later.
//
// In SinD 7281_376 the human turns left wide of the left-turn connector (lanelet 31, rb_30), up to 4.4 m
// outside it, through the polygons of two right-turn connectors (rb_26) and the far arm's straight lane
// (rb_20): matched by the lanes holding each sample, the route jumped between them and was not a path of
// the lane graph, and PDM turned right. Lanes within a few metres of a sample now count too.
func TestRouteFollowsTheExpertsLanes(t *testing.T) {
	for _, c := range []struct{ file, want, why string }{
		{"CHN_SIND-8111_827_T-902.cr.xml.gz", "rb_34,rb_2", "straight across"},
		{"CHN_SIND-7281_376_T-451.cr.xml.gz", "rb_15,rb_30,rb_3", "the left turn"},
	} {
		res, err := Import(filepath.Join(needData(t), "SinD", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(res.Scenario.Route, ","); got != c.want {
			t.Errorf("%s: route %s, want %s (%s)", c.file, got, c.want, c.why)
		}
		if _, _, ok := routeConnected(res.Scenario); !ok {
			t.Errorf("%s: route %v is not a lane-graph path", c.file, res.Scenario.Route)
		}
		if res.Report.NoRouteToGoal {
			t.Errorf("%s: no lane-graph path to the goal lanes", c.file)
		}
	}
}

// The synthetic expert of a file without a solution does not stop dead at the end of its lanes: where the
// recorded map was cut it drives on (US-101 24_2), where its lane ends it brakes for the end as for a
// standing car (22_1, 23_1). It used to drop to 0 m/s in one step there (-160 to -210 m/s^2).
func TestSyntheticExpertAtTheEndOfItsLanes(t *testing.T) {
	for _, f := range []string{"USA_US101-22_1_T-1", "USA_US101-23_1_T-1", "USA_US101-24_2_T-1"} {
		res, err := Import(filepath.Join(needData(t), "NGSIM", f+".xml.gz"))
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for _, e := range res.Scenario.Expert {
			worst = min(worst, e.Accel)
		}
		if worst < -4 {
			t.Errorf("%s: the synthetic expert brakes at %.1f m/s^2, want at most 4", f, -worst)
		}
	}
}

// Every lanelet that follows an intersection's incoming lanelet is a lane connector, whether or not the
// intersection lists it: SinD's left turn 31 (from incoming 16) is in no successor list (incoming 47 names 29
// twice), and was an ordinary lane sharing roadblock rb_30 with connector 30, so that the metrics took an
// expert passing over it as in that lane alone.
func TestConnectorsFollowIncomings(t *testing.T) {
	res, err := Import(filepath.Join(needData(t), "SinD", "CHN_SIND-7281_376_T-451.cr.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	mx := res.Scenario.Map.Index()
	l31, ok := mx.LaneIndex("31")
	if !ok {
		t.Fatal("no lanelet 31")
	}
	if !mx.Lane(l31).Connector {
		t.Error("lanelet 31, the left turn from incoming 16, is not a lane connector")
	}
	for _, rb := range res.Scenario.Map.Roadblocks {
		if slices.Contains(rb.Lanes, "31") && !rb.Connector {
			t.Errorf("roadblock %s %v holds lanelet 31 but is not a connector roadblock", rb.ID, rb.Lanes)
		}
	}
}

// In China right turns may go on red: SinD 834_1654's arm has a light that is red all along, and the human
// turns right through it without slowing. The right-turn connector (lanelet 44) is not under the light, the
// straight one (43) stays red.
func TestRightTurnOnRed(t *testing.T) {
	if !RightTurnOnRed("CHN_SIND-834_1654_T-1729") || RightTurnOnRed("USA_US101-3_3_T-1") || RightTurnOnRed("DEU_LocationALower26-1_260_T-75") {
		t.Fatal("RightTurnOnRed: only Chinese benchmark ids")
	}
	res, err := Import(filepath.Join(needData(t), "SinD", "CHN_SIND-834_1654_T-1729.cr.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	mx := res.Scenario.Map.Index()
	right, _ := mx.LaneIndex("44")
	straight, _ := mx.LaneIndex("43")
	if _, ok := mx.LightState(right, 1); ok {
		t.Error("the right-turn connector is held by a light")
	}
	if st, ok := mx.LightState(straight, 1); !ok || st != scenarios.Red {
		t.Errorf("the straight connector: light %v %v, want red", st, ok)
	}
	if !slices.ContainsFunc(res.Report.Notes, func(n string) bool { return strings.Contains(n, "right turns may go on red") }) {
		t.Errorf("no note about right turns on red: %q", res.Report.Notes)
	}
}

// Motorway lanes: highD's lanelets are typed interstate, NGSIM US-101's 2018b file is tagged highway (2018b
// has no lanelet types), SinD's lanes are urban and Peachtree Street's file is tagged urban.
func TestHighwayLanes(t *testing.T) {
	for file, want := range map[string]bool{
		"highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz": true,
		"NGSIM/USA_US101-3_3_T-1.xml.gz":                  true,
		"SinD/CHN_SIND-7281_150_T-225.cr.xml.gz":          false,
		"NGSIM/USA_Peach-4_1_T-1.xml.gz":                  false,
	} {
		res, err := Import(filepath.Join(needData(t), file))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Scenario.Map.Lanes {
			if l.Highway != want && !l.Connector {
				t.Errorf("%s: lane %s highway %v, want %v", file, l.ID, l.Highway, want)
				break
			}
		}
	}
}

// The import flags name what bears on reading a file's scores: the seven SinD drivers that stand facing
// against their lane start off their route, NGSIM files have a synthetic expert, and some US-101 goals only
// ask the ego to be anywhere at a time.
func TestImportFlags(t *testing.T) {
	dir := needData(t)
	for _, c := range []struct {
		file string
		want []string
	}{
		{"SinD/CHN_SIND-8101_827_T-902.cr.xml.gz", []string{"start_off_route"}},
		{"SinD/CHN_SIND-7281_150_T-225.cr.xml.gz", []string{"start_shifted"}},
		{"SinD/CHN_SIND-8021_1654_T-1729.cr.xml.gz", []string{"short_expert", "start_shifted"}},
		{"NGSIM/USA_US101-3_3_T-1.xml.gz", []string{"synthetic_expert"}},
		{"NGSIM/USA_US101-10_3_T-1.xml.gz", []string{"synthetic_expert", "no_goal_position"}},
		{"format-2020a/test_reading_all.xml.gz", []string{"synthetic_expert", "start_overlap"}},
		{"highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz", nil},
	} {
		res := mustImport(t, filepath.Join(dir, c.file))
		if got := res.Scenario.Flags; !slices.Equal(got, c.want) {
			t.Errorf("%s: flags %v, want %v", c.file, got, c.want)
		}
		if !slices.Equal(res.Report.Flags(), res.Scenario.Flags) {
			t.Errorf("%s: scenario flags %v, report flags %v", c.file, res.Scenario.Flags, res.Report.Flags())
		}
	}
	// The standing driver's route starts at the nearest lanelet running its way, 10.6 m across the road.
	res := mustImport(t, filepath.Join(dir, "SinD/CHN_SIND-8101_827_T-902.cr.xml.gz"))
	if res.Scenario.Route[0] != "rb_11" || !slices.ContainsFunc(res.Report.Notes, func(n string) bool {
		return strings.Contains(n, "starts 10.6 m beside its route's first lanelet 11")
	}) {
		t.Errorf("route %v, notes %q", res.Scenario.Route, res.Report.Notes)
	}
}

// Without a declared intersection (2018b), the lanelets that cross each other and the turns that fork off
// beside them are the lane connectors: Peachtree's junction, not its approaches and exits; a motorway's
// forks and merges stay lanes.
func TestConnectorsInferredWithoutIntersections(t *testing.T) {
	dir := needData(t)
	res := mustImport(t, filepath.Join(dir, "NGSIM/USA_Peach-4_8_T-1.xml.gz"))
	conn := map[string]bool{}
	for _, l := range res.Scenario.Map.Lanes {
		conn[l.ID] = l.Connector
	}
	for id, want := range map[string]bool{
		"43620": true, "43636": true, // straight on through the crossing
		"43648": true, "43654": true, // left turns
		"43640": true, "43646": true, // right turns, which cross nothing and fork off before the junction
		"43594": false, "43343": false, "43476": false, "43205": false, // approaches and exits
	} {
		if conn[id] != want {
			t.Errorf("Peachtree lanelet %s: connector %v, want %v", id, conn[id], want)
		}
	}
	n := 0
	for _, rb := range res.Scenario.Map.Roadblocks {
		if rb.Connector {
			n += len(rb.Lanes)
		}
	}
	if n != 18 {
		t.Errorf("%d lanes in connector roadblocks, want the 18 connectors", n)
	}
	// A map too large to search gives up with a note rather than a slow import.
	budget := maxCrossingTests
	maxCrossingTests = 100
	res = mustImport(t, filepath.Join(dir, "NGSIM/USA_Peach-4_8_T-1.xml.gz"))
	if slices.ContainsFunc(res.Scenario.Map.Lanes, func(l scenarios.Lane) bool { return l.Connector }) ||
		!slices.ContainsFunc(res.Report.Notes, func(n string) bool { return strings.Contains(n, "too many or too finely drawn") }) {
		t.Errorf("over the search budget: connectors found anyway, or no note (%q)", res.Report.Notes)
	}
	maxCrossingTests = budget
	for _, f := range []string{"NGSIM/USA_US101-3_3_T-1.xml.gz", "highD/DEU_LocationALower26-1_260_T-75.cr.xml.gz"} {
		for _, l := range mustImport(t, filepath.Join(dir, f)).Scenario.Map.Lanes {
			if l.Connector {
				t.Errorf("%s: lanelet %s taken as a connector on a motorway", f, l.ID)
			}
		}
	}
}

// In highD's AUpper26-1_26902 a jam stands in front of the ego, and its cars' recorded headings flip by
// quarter turns while they stand (read off velocities of a few cm/s): car 10427's box stood across the
// ego's lane, 1.2 m nearer than the car, and PDM drove into it. Imported, every vehicle lies along the
// motorway's lanes, and the report counts the headings it replaced.
func TestStandingHighDCarsLieAlongTheirLanes(t *testing.T) {
	res := mustImport(t, filepath.Join(needData(t), "highD", "DEU_LocationAUpper26-1_26902_T-977.cr.xml.gz"))
	if res.Report.SteadiedHeadings == 0 {
		t.Errorf("no heading steadied")
	}
	for _, tr := range res.Scenario.Tracks {
		for k, s := range tr.States {
			if math.Abs(math.Sin(s.Pose.Heading)) > 0.2 {
				t.Errorf("track %s step %d: heading %.3f, across the lanes", tr.ID, k+tr.Start, s.Pose.Heading)
				break
			}
		}
	}
	for k, e := range res.Scenario.Expert {
		if math.Abs(math.Sin(e.Pose.Heading)) > 0.2 {
			t.Errorf("expert step %d: heading %.3f, across the lanes", k, e.Pose.Heading)
			break
		}
	}
}
