package ort

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"asyncdrive/scenarios"
	"asyncdrive/scenarios/commonroad"
	"asyncdrive/scenarios/gen"
)

// highDDir is the shared highD data, relative to this package's folder.
const highDDir = "../../../shared/data/commonroad/highD"

// The builtin model's headway head reads the drivers' time gap from the scene: on highD motorway scenes the
// median it gives is well under the planner's own 1.5 s (the recorded drivers keep about 1.2 s), on the
// generated evaluation suite's car following (whose drivers keep about 2 s) above it; the guidance carries
// it as it is.
func TestBuiltinModelReadsHeadway(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(highDDir, "*.cr.xml.gz"))
	if _, err := os.Stat(highDDir); err != nil || len(files) == 0 {
		t.Skipf("no highD data at %s", highDDir)
	}
	s := open(t, Options{})
	defer s.Close()
	if !s.HasHeadway() {
		t.Fatal("the builtin model has no headway head")
	}
	m := &recorder{Session: s}
	median := func(scs []*scenarios.Scenario) float64 {
		var hs []float64
		for _, sc := range scs {
			for _, frame := range []int{0, 50, 100} {
				if frame >= len(sc.Expert) {
					continue
				}
				in := observe(sc, frame)
				out, gd := inferOnce(t, m, sc, in, nil)
				if gd.Headway != out.Headway {
					t.Errorf("%s at %.1f s: guidance headway %.3f s, model %.3f s", sc.ID, in.Time, gd.Headway, out.Headway)
				}
				hs = append(hs, out.Headway)
			}
		}
		slices.Sort(hs)
		return hs[len(hs)/2]
	}
	var motorway []*scenarios.Scenario
	for i := 1; i < len(files); i += 20 {
		res, err := commonroad.Import(files[i])
		if err != nil {
			t.Fatal(err)
		}
		motorway = append(motorway, res.Scenario)
	}
	var following []*scenarios.Scenario
	for _, typ := range []string{"following_lane_with_lead", "behind_long_vehicle", "high_magnitude_speed"} {
		for idx := range 4 {
			sc, err := gen.Generate(typ, idx, gen.DefaultSeed)
			if err != nil {
				t.Fatal(err)
			}
			following = append(following, sc)
		}
	}
	hd, gf := median(motorway), median(following)
	t.Logf("median headway: highD %.2f s (%d scenes), generated car following %.2f s (%d scenes)", hd, len(motorway), gf, len(following))
	if hd > 1.4 {
		t.Errorf("highD: median headway %.2f s, want under 1.4 s", hd)
	}
	if gf < 1.6 {
		t.Errorf("generated car following: median headway %.2f s, want over 1.6 s", gf)
	}
}
