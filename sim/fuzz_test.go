package sim

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
)

// FuzzRunScenario runs whatever scenario file the decoder accepts in closed loop for a few steps: the
// scenario decoder guards what comes from outside, and everything it lets through must simulate without a
// panic, with PDM or IDM, against replayed or reactive agents (the first byte picks which; the rest is the
// file). An error is fine; a panic is not.
func FuzzRunScenario(f *testing.F) {
	var buf bytes.Buffer
	sc := testScenario() // made small: the fuzzer mutates the file, and a short one mutates better
	sc.Map, sc.Horizon, sc.Expert, sc.Goal = road(60), 3, cruise(10, 10, 31), geom.Pose{X: 40}
	sc.Tracks = []scenarios.Track{track("lead", 30, 0, 8, 31), track("side", 5, 3.5, 11, 31)}
	if err := scenarios.Encode(&buf, sc, false); err != nil {
		f.Fatal(err)
	}
	good := buf.String()
	for ctl := range byte(6) {
		f.Add(append([]byte{ctl}, good...))
	}
	f.Add(append([]byte{1}, strings.Replace(good, `"speed_limit":15`, `"speed_limit":0`, -1)...))
	f.Add(append([]byte{4}, strings.Replace(good, `"goal":{"x":40`, `"goal":{"x":-40`, 1)...))
	f.Add(append([]byte{2}, strings.Replace(good, `"tracks":[`, `"tracks":[{"id":"p","type":"pedestrian","length":0.5,"width":0.5,"start":3,"states":[[12,0,1.5,0,1]]},`, 1)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		ctl, file := data[0], data[1:]
		sc, err := scenarios.DecodeBytes(file, "fuzz.json")
		if err != nil {
			return
		}
		watch := time.AfterFunc(20*time.Second, func() { panic("one input took longer than 20 s") })
		defer watch.Stop()
		var p planner.Planner = planner.NewPDM(planner.PDMConfig{})
		if ctl&1 == 1 {
			p = planner.NewIDM(planner.IDMConfig{})
		}
		cfg := Config{Steps: 20, Agents: []AgentMode{NonReactive, Reactive, ReactiveNuPlan}[int(ctl>>1)%3]}
		res, err := Run(sc, p, cfg)
		if err != nil {
			return
		}
		if want := min(20, sc.Steps()) + 1; len(res.Ego) != want {
			t.Fatalf("%d ego states, want %d (20 steps or the scenario's %d)", len(res.Ego), want, sc.Steps())
		}
	})
}

// FuzzRunCommonRoad runs whatever CommonRoad file the importer accepts (seeded with the format test files of
// ../shared/data/commonroad, when they are there) in closed loop for a few steps with PDM, replayed or reactive
// by the first byte, and asks the planning problem's goal whether each state meets it: nothing may panic.
func FuzzRunCommonRoad(f *testing.F) {
	for _, name := range []string{"test_reading_all.xml.gz", "test_reading_complex_tl.xml.gz", "USA_Peach-4_8_T-1.xml.gz"} {
		raw, err := os.ReadFile(filepath.Join("../../shared/data/commonroad/format-2020a", name))
		if err != nil {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{0}, data...))
		f.Add(append([]byte{1}, data...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		res, err := commonroad.Decode(bytes.NewReader(data[1:]), "fuzz.xml", nil, "")
		if err != nil {
			return
		}
		watch := time.AfterFunc(20*time.Second, func() { panic("one input took longer than 20 s") })
		defer watch.Stop()
		cfg := Config{Steps: 20, Agents: []AgentMode{NonReactive, Reactive}[int(data[0])%2]}
		out, err := Run(res.Scenario, planner.NewPDM(planner.PDMConfig{}), cfg)
		if err != nil {
			return
		}
		for _, e := range out.Ego {
			res.Goal.Reached(e.Time, e.Pose, e.Speed)
		}
	})
}
