package runlog

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// record simulates a planner on a generated scenario (index 0 of the builtin suite's type) with a recorder and
// returns the result, the scenario and the file.
func record(t testing.TB, dir, typ, plannerName string) (*sim.Result, *scenarios.Scenario, string) {
	t.Helper()
	sc, err := gen.Generate(typ, 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	sc.Flags = []string{"short_expert"} // as an importer would set them; the header carries them
	path := filepath.Join(dir, sc.ID+".mcap")
	rec, err := NewRecorder(path, sc, plannerName, "nonreactive", dynamics.Pacifica())
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.New(plannerName, sc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(sc, p, sim.Config{Observers: []sim.StepObserver{rec}})
	if cerr := rec.Close(err); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res, sc, path
}

// recordPDM records PDM following a lead vehicle.
func recordPDM(t testing.TB, dir string) (*sim.Result, *scenarios.Scenario, string) {
	return record(t, dir, "following_lane_with_lead", "pdm")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A recorded run reads back exactly: header, the whole map, every ego state, agent and plan point.
func TestRecordAndReadBack(t *testing.T) {
	res, sc, path := recordPDM(t, t.TempDir())
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Warnings) != 0 {
		t.Errorf("warnings on a clean file: %v", run.Warnings)
	}
	want := NewHeader(sc, "pdm", "nonreactive", dynamics.Pacifica())
	if mustJSON(t, run.Header) != mustJSON(t, want) || run.Header.Vehicle.Length < 4 {
		t.Errorf("header %+v, want %+v", run.Header, want)
	}
	if len(run.Header.Flags) != 1 || run.Header.Flags[0] != "short_expert" {
		t.Errorf("header flags %v, want the scenario's [short_expert]", run.Header.Flags)
	}
	if len(run.Header.Route) != len(sc.Route) || run.Header.Route[0] != sc.Route[0] || run.Header.Goal == nil || *run.Header.Goal != sc.Goal {
		t.Errorf("header route %v goal %v, want the scenario's %v %v", run.Header.Route, run.Header.Goal, sc.Route, sc.Goal)
	}
	// The expert's drive, every state, for a viewer to show where it was at each frame.
	if ex := run.Header.Expert; len(ex) != len(sc.Expert) || ex[10].T != 10*sc.DT || ex[10].X != sc.Expert[10].Pose.X ||
		ex[10].Speed != sc.Expert[10].Speed {
		t.Errorf("header expert: %d points, want %d with the 11th at t %.1f as %+v", len(ex), len(sc.Expert), 10*sc.DT, sc.Expert[10])
	}
	if run.Map == nil || len(run.Map.Lanes) == 0 || mustJSON(t, run.Map) != mustJSON(t, &sc.Map) {
		t.Fatalf("map not read back as written")
	}
	if len(run.Frames) != len(res.Plans) {
		t.Fatalf("%d frames, want one per tick (%d)", len(run.Frames), len(res.Plans))
	}
	for i, f := range run.Frames {
		e := res.Ego[i]
		if f.Iteration != i || math.Abs(f.T-e.Time) > 1e-9 {
			t.Fatalf("frame %d: iteration %d at %v s, want %v s", i, f.Iteration, f.T, e.Time)
		}
		if f.Ego != (Ego{X: e.Pose.X, Y: e.Pose.Y, Heading: e.Pose.Heading, Speed: e.Speed, Accel: e.Accel, Steering: e.Steering}) {
			t.Fatalf("frame %d ego %+v, want %+v", i, f.Ego, e)
		}
		if len(f.Agents) != len(res.Objects[i]) {
			t.Fatalf("frame %d: %d agents, want %d", i, len(f.Agents), len(res.Objects[i]))
		}
		for k, a := range f.Agents {
			o := res.Objects[i][k]
			if a.ID != o.ID || a.Type != string(o.Type) || a.X != o.Box.Center.X || a.Y != o.Box.Center.Y ||
				a.Heading != o.Box.Center.Heading || a.Length != o.Box.Length || a.VX != o.Vel.X {
				t.Fatalf("frame %d agent %d: %+v, want %+v", i, k, a, o)
			}
		}
		if len(f.Plan) != len(res.Plans[i]) {
			t.Fatalf("frame %d: %d plan points, want %d", i, len(f.Plan), len(res.Plans[i]))
		}
		for k, q := range f.Plan {
			p := res.Plans[i][k]
			if q != (Point{T: p.Time, X: p.Pose.X, Y: p.Pose.Y, Heading: p.Pose.Heading, Speed: p.Speed}) {
				t.Fatalf("frame %d plan point %d: %+v, want %+v", i, k, q, p)
			}
		}
		chosen := 0
		for _, p := range f.Proposals {
			// PDM says how each score was made: a multiplier of 0 scores 0; the chosen one's comfort is known.
			if tm := p.Terms; tm == nil || tm.Path == "" || (tm.Multiplier == 0 && p.Score != 0) || (p.Chosen && tm.Comfort < 0) {
				t.Fatalf("frame %d: proposal terms %+v with score %v, chosen %v", i, p.Terms, p.Score, p.Chosen)
			}
			// A time to collision below the bound says with whom (a proposal scored at all, multiplier above
			// 0); one within it names no one.
			if tm := p.Terms; (tm.TTCWith != "" && tm.TTC >= 1) || (tm.TTC < 1 && tm.Multiplier > 0 && tm.TTCWith == "") {
				t.Fatalf("frame %d: proposal terms %+v: ttc %v with %q", i, tm, tm.TTC, tm.TTCWith)
			}
			if p.Chosen {
				chosen++
				// The chosen proposal starts where the plan does (to the millimetre: proposals are rounded).
				if math.Abs(p.Points[0].X-f.Plan[0].X) > 1e-3 || math.Abs(p.Points[0].Y-f.Plan[0].Y) > 1e-3 {
					t.Fatalf("frame %d: chosen proposal starts at %+v, plan at %+v", i, p.Points[0], f.Plan[0])
				}
			}
		}
		wantChosen := 0
		if f.Mode == "proposal" {
			wantChosen = 1 // braking (emergency_brake, hold), the plan is no proposal
		}
		if len(f.Proposals) < 15 || len(f.Proposals[0].Points) != 9 || chosen != wantChosen || f.Mode == "" {
			t.Fatalf("frame %d: %d proposals, %d chosen, mode %q", i, len(f.Proposals), chosen, f.Mode)
		}
		if f.PlannerMS != res.PlannerMS[i] {
			t.Fatalf("frame %d: planner %v ms, want %v", i, f.PlannerMS, res.PlannerMS[i])
		}
	}
	last := run.Frames[len(run.Frames)-1]
	if last.Metrics[MetricProgress] < 20 || last.Metrics[MetricSpeed] != last.Ego.Speed {
		t.Errorf("last frame metrics %v", last.Metrics)
	}
	if k := run.FrameAt(5.0); k < 0 || math.Abs(run.Frames[k].T-5.0) > 1e-9 {
		t.Errorf("FrameAt(5) = %d", k)
	}
	if run.FrameAt(-1) != 0 || run.FrameAt(1e9) != len(run.Frames)-1 {
		t.Error("FrameAt out of range")
	}
	// No temporary file is left beside it.
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// The per-step collision, TTC and drivable-area metrics agree with metrics.Evaluate over the recorded
// frames: on a run with an at-fault collision (IDM turning left across traffic) and on a clean one.
func TestStepMetricsAgreeWithEvaluate(t *testing.T) {
	for _, c := range []struct{ typ, planner string }{{"starting_left_turn", "idm"}, {"following_lane_with_lead", "pdm"}} {
		res, sc, path := record(t, t.TempDir(), c.typ, c.planner)
		run, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		n := len(run.Frames)
		want := metrics.Evaluate(&metrics.Run{DT: sc.DT, Map: sc.Map.Index(), Vehicle: dynamics.Pacifica(), Ego: res.Ego[:n], Objects: res.Objects[:n]})
		atFault := 0
		for _, k := range want.AtFaultCounts {
			atFault += k
		}
		minTTC, maxOut := math.Inf(1), 0.0
		for _, f := range run.Frames {
			if v, ok := f.Metrics[MetricTTC]; ok {
				minTTC = math.Min(minTTC, v)
			}
			maxOut = math.Max(maxOut, f.Metrics[MetricDrivableViolation])
		}
		last := run.Frames[n-1].Metrics
		if int(last[MetricAtFaultSoFar]) != atFault || int(last[MetricCollisionsSoFar]) != want.NumCollisions ||
			minTTC != want.MinTTC || maxOut != want.MaxDrivableViolation {
			t.Errorf("%s/%s: at fault %v collisions %v min TTC %v drivable %v; Evaluate: %d %d %v %v", c.typ, c.planner,
				last[MetricAtFaultSoFar], last[MetricCollisionsSoFar], minTTC, maxOut, atFault, want.NumCollisions, want.MinTTC, want.MaxDrivableViolation)
		}
		t.Logf("%s/%s: %d at fault, %d collisions, min TTC %.3f s, drivable %.3f m", c.typ, c.planner, atFault, want.NumCollisions, want.MinTTC, want.MaxDrivableViolation)
		if c.planner == "idm" && atFault == 0 {
			t.Errorf("%s/%s: expected the at-fault collision the suite records", c.typ, c.planner)
		}
	}
}

// Every schema object has "type": "object" and "properties", as Foxglove requires, and the Foxglove channels
// carry Foxglove's schema names.
func TestSchemasFoxgloveCanRead(t *testing.T) {
	_, _, path := recordPDM(t, t.TempDir())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := mcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	info, err := rd.Info()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range info.Schemas {
		names[s.Name] = true
		if s.Encoding != "jsonschema" {
			t.Errorf("schema %s encoding %q", s.Name, s.Encoding)
		}
		var v any
		if err := json.Unmarshal(s.Data, &v); err != nil {
			t.Fatalf("schema %s: %v", s.Name, err)
		}
		var check func(path string, v any)
		check = func(path string, v any) {
			m, ok := v.(map[string]any)
			if !ok {
				return
			}
			if m["type"] == "object" {
				if _, ok := m["properties"].(map[string]any); !ok {
					t.Errorf("schema %s: object at %s without properties", s.Name, path)
				}
			}
			for k, c := range m {
				check(path+"."+k, c)
			}
		}
		check("", v)
		if m, _ := v.(map[string]any); m["type"] != "object" {
			t.Errorf("schema %s is not an object", s.Name)
		}
	}
	for _, n := range []string{"foxglove.SceneUpdate", "foxglove.FrameTransform", "foxglove.PosesInFrame", "foxglove.Log", "asyncdrive.Frame", "asyncdrive.Map"} {
		if !names[n] {
			t.Errorf("no schema %s", n)
		}
	}
	if info.Statistics == nil || info.Statistics.MessageCount < 4*150 {
		t.Errorf("statistics %+v, want an indexed file with the frames", info.Statistics)
	}
}

func TestTruncatedFileReplaysPartly(t *testing.T) {
	_, _, path := recordPDM(t, t.TempDir())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Decode(bytes.NewReader(data))
	if err != nil || len(full.Frames) != 150 {
		t.Fatalf("clean file: %v", err)
	}
	run, err := Decode(bytes.NewReader(data[:len(data)*2/3]))
	if err != nil {
		t.Fatalf("truncated file: %v, want a partial run", err)
	}
	if len(run.Frames) == 0 || len(run.Frames) >= 150 || !strings.Contains(strings.Join(run.Warnings, "|"), "truncated") {
		t.Errorf("truncated file: %d frames, warnings %v; want some frames and a truncation warning", len(run.Frames), run.Warnings)
	}
	// Frames read before the damage are the file's.
	for i, f := range run.Frames {
		if f.Ego != full.Frames[i].Ego {
			t.Fatalf("frame %d differs from the clean file's", i)
		}
	}
	// A flipped byte inside the second half: the chunk's checksum catches it.
	bad := bytes.Clone(data)
	bad[len(bad)*3/4] ^= 0x5a
	run, err = Decode(bytes.NewReader(bad))
	if err != nil {
		t.Fatalf("corrupt file: %v, want a partial run", err)
	}
	if len(run.Frames) >= 150 || !strings.Contains(strings.Join(run.Warnings, "|"), "corrupt") {
		t.Errorf("corrupt file: %d frames, warnings %v; want fewer frames and a warning", len(run.Frames), run.Warnings)
	}
	for _, bad := range [][]byte{nil, []byte("not an mcap file"), data[:20], []byte(mcap.Magic)} {
		if _, err := Decode(bytes.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestUnknownChannelsAndMissingMap(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{ScenarioID: "x", DT: 0.1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(&Frame{T: 0.1, Ego: Ego{X: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := w.w.WriteSchema(&mcap.Schema{ID: 50, Name: "other", Encoding: "jsonschema", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := w.w.WriteChannel(&mcap.Channel{ID: 50, SchemaID: 50, Topic: "/someone/else", MessageEncoding: "json"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.w.WriteMessage(&mcap.Message{ChannelID: 50, LogTime: 1, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteFrame(&Frame{T: 0.2, Ego: Ego{X: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	run, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(run.Warnings, "|")
	if len(run.Frames) != 2 || run.Map != nil || !strings.Contains(ws, "no map") || !strings.Contains(ws, "3 messages on unknown channel /someone/else") {
		t.Errorf("frames %d, map %v, warnings %v", len(run.Frames), run.Map != nil, run.Warnings)
	}
	// NaN cannot be written.
	if err := w.WriteFrame(&Frame{T: math.NaN()}); err == nil {
		t.Error("write after close accepted")
	}
}

// encode writes a run (its first n frames, without proposals) to a file compressed with c.
func encode(t testing.TB, run *Run, n int, withMap bool, c mcap.CompressionFormat) []byte {
	t.Helper()
	var buf bytes.Buffer
	m := run.Map
	if !withMap {
		m = nil
	}
	w, err := newWriter(&buf, run.Header, m, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Frames[:n] {
		f.Proposals = nil
		if err := w.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every compression the MCAP library writes reads back.
func TestCompressions(t *testing.T) {
	_, _, path := recordPDM(t, t.TempDir())
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []mcap.CompressionFormat{mcap.CompressionNone, mcap.CompressionLZ4, mcap.CompressionZSTD} {
		got, err := Decode(bytes.NewReader(encode(t, run, 20, true, c)))
		if err != nil || len(got.Frames) != 20 || got.Map == nil || len(got.Warnings) != 0 || got.Frames[19].Ego != run.Frames[19].Ego {
			t.Errorf("compression %q: %v, warnings %v", c, err, got.Warnings)
		}
	}
}

// FuzzDecode feeds the reader damaged run logs: it must return a run or an error, never panic, and a run it
// returns has its frames in time order. The seeds are small files from a real run, compressed and not (so
// that mutations reach the records inside the chunks), and damaged copies.
func FuzzDecode(f *testing.F) {
	_, _, path := recordPDM(f, f.TempDir())
	run, err := Read(path)
	if err != nil {
		f.Fatal(err)
	}
	plain := encode(f, run, 3, false, mcap.CompressionNone)
	for _, b := range [][]byte{plain, encode(f, run, 3, false, mcap.CompressionZSTD), encode(f, run, 3, false, mcap.CompressionLZ4),
		plain[:len(plain)/2], []byte(mcap.Magic)} {
		f.Add(b)
	}
	for _, at := range []int{20, 200, len(plain) / 3, len(plain) - 100} {
		b := bytes.Clone(plain)
		b[at] ^= 0xff
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		run, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		if run == nil {
			t.Fatal("nil run without an error")
		}
		for i := 1; i < len(run.Frames); i++ {
			if !(run.Frames[i-1].T <= run.Frames[i].T) {
				t.Fatalf("frames out of order at %d", i)
			}
		}
	})
}

// The header carries a goal's span along its lane (a goal given as lanelets) with the goal, for the viewer.
func TestHeaderGoalSpan(t *testing.T) {
	sc := &scenarios.Scenario{ID: "x", DT: 0.1, Route: []string{"rb"}, Goal: geom.Pose{X: 50}, GoalSpan: &scenarios.Span{Behind: 30, Ahead: 5}}
	if h := NewHeader(sc, "pdm", "nonreactive", dynamics.Pacifica()); h.GoalSpan == nil || *h.GoalSpan != *sc.GoalSpan {
		t.Errorf("header goal span %v, want %v", h.GoalSpan, sc.GoalSpan)
	}
	sc.Goal = geom.Pose{X: math.NaN()}
	if h := NewHeader(sc, "pdm", "nonreactive", dynamics.Pacifica()); h.Goal != nil || h.GoalSpan != nil {
		t.Errorf("no goal: header goal %v span %v, want neither", h.Goal, h.GoalSpan)
	}
}
