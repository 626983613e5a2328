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
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// record simulates PDM on a generated scenario with a recorder and returns the result and the file.
func record(t testing.TB, dir string) (*sim.Result, *scenarios.Scenario, string) {
	t.Helper()
	sc, err := gen.Generate("following_lane_with_lead", 0, gen.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, sc.ID+".mcap")
	rec, err := NewRecorder(path, sc, "pdm", "nonreactive", dynamics.Pacifica())
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.New("pdm", sc)
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

func TestRecordAndReadBack(t *testing.T) {
	res, sc, path := record(t, t.TempDir())
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Warnings) != 0 {
		t.Errorf("warnings on a clean file: %v", run.Warnings)
	}
	if run.Header.ScenarioID != sc.ID || run.Header.Planner != "pdm" || run.Header.DT != sc.DT || run.Header.Format != Format {
		t.Errorf("header %+v", run.Header)
	}
	if run.Map == nil || len(run.Map.Lanes) != len(sc.Map.Lanes) || run.Map.Lanes[3].ID != sc.Map.Lanes[3].ID ||
		run.Map.Lanes[3].Centerline[2] != sc.Map.Lanes[3].Centerline[2] {
		t.Fatalf("map not read back as written")
	}
	if len(run.Frames) != len(res.Plans) {
		t.Fatalf("%d frames, want one per tick (%d)", len(run.Frames), len(res.Plans))
	}
	for i, f := range run.Frames {
		e := res.Ego[i]
		if f.Ego.X != e.Pose.X || f.Ego.Y != e.Pose.Y || f.Ego.Speed != e.Speed || f.Iteration != i {
			t.Fatalf("frame %d ego %+v, want %+v", i, f.Ego, e)
		}
		if len(f.Agents) != len(res.Objects[i]) {
			t.Fatalf("frame %d: %d agents, want %d", i, len(f.Agents), len(res.Objects[i]))
		}
		if len(f.Plan) != len(res.Plans[i]) || f.Plan[5].X != res.Plans[i][5].Pose.X {
			t.Fatalf("frame %d: plan differs", i)
		}
		chosen := 0
		for _, p := range f.Proposals {
			if p.Chosen {
				chosen++
			}
		}
		if len(f.Proposals) < 15 || len(f.Proposals[0].Points) != 9 || chosen != 1 || f.Mode == "" {
			t.Fatalf("frame %d: %d proposals, %d chosen, mode %q", i, len(f.Proposals), chosen, f.Mode)
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

// Every schema object has "type": "object" and "properties", as Foxglove requires, and the Foxglove channels
// carry Foxglove's schema names.
func TestSchemasFoxgloveCanRead(t *testing.T) {
	_, _, path := record(t, t.TempDir())
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
	_, _, path := record(t, t.TempDir())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	run, err := Decode(bytes.NewReader(data[:len(data)*2/3]))
	if err != nil {
		t.Fatalf("truncated file: %v, want a partial run", err)
	}
	if len(run.Frames) == 0 || len(run.Frames) >= 150 || !strings.Contains(strings.Join(run.Warnings, "|"), "truncated") {
		t.Errorf("truncated file: %d frames, warnings %v; want some frames and a truncation warning", len(run.Frames), run.Warnings)
	}
	for _, bad := range [][]byte{nil, []byte("not an mcap file"), data[:20]} {
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

func FuzzDecode(f *testing.F) {
	_, _, path := record(f, f.TempDir())
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(mcap.Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		run, err := Decode(bytes.NewReader(b))
		if err == nil && run == nil {
			t.Fatal("nil run without an error")
		}
	})
}
