package planner

import (
	"math"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// planOnce returns the plan of a fresh PDM on fixtureMap(300) for the ego at x=10 on lane a at 10 m/s.
func planOnce(t *testing.T, g *Guidance, objs ...[]byte) (*PDM, []float64) {
	t.Helper()
	p, _ := newFixturePDM(t, 300, PDMConfig{})
	in := fixtureInput(1, geom.Pose{X: 10}, 10, nil)
	in.Guidance = g
	tr, err := p.ComputeTrajectory(in)
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectory(t, tr, 1)
	speeds := make([]float64, len(tr))
	for i, q := range tr {
		speeds[i] = q.Speed
	}
	return p, speeds
}

func TestGuidanceAbsentOrStale(t *testing.T) {
	_, want := planOnce(t, nil)
	for _, tc := range []struct {
		name string
		g    *Guidance
	}{
		{"too old", &Guidance{Time: 1 - 2.5, Stop: true}},
		{"from the future", &Guidance{Time: 1.5, Stop: true}},
		{"NaN time", &Guidance{Time: math.NaN(), Stop: true}},
	} {
		p, got := planOnce(t, tc.g)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: speed %d %v, unguided %v", tc.name, i, got[i], want[i])
			}
		}
		if p.Stats().StaleGuidance != 1 || p.Stats().Guided != 0 || p.Decision().Guided {
			t.Errorf("%s: stats %+v", tc.name, p.Stats())
		}
	}
	// Just within the age limit, it is used.
	if p, _ := planOnce(t, &Guidance{Time: 1 - 1.9, Stop: true}); !p.Decision().Guided {
		t.Error("guidance 1.9 s old not used (limit 2 s)")
	}
}

func TestGuidanceSpeedCap(t *testing.T) {
	for _, g := range []*Guidance{{Time: 1, SpeedCap: 6}, {Time: 1, TargetSpeed: 6}, {Time: 1, SpeedCap: 9, TargetSpeed: 6}} {
		p, v := planOnce(t, g)
		if p.Decision().TargetSpeed > 6 {
			t.Errorf("%+v: target %.2f above the cap", *g, p.Decision().TargetSpeed)
		}
		if v[80] > 6.3 {
			t.Errorf("%+v: speed after 8 s %.2f, want at most about 6", *g, v[80])
		}
	}
	// A non-finite cap is ignored.
	if p, _ := planOnce(t, &Guidance{Time: 1, SpeedCap: math.NaN()}); p.Decision().TargetSpeed != 15 {
		t.Errorf("NaN cap: target %.2f, want the speed limit", p.Decision().TargetSpeed)
	}
}

func TestGuidanceStop(t *testing.T) {
	for _, g := range []*Guidance{{Time: 1, Stop: true}, {Time: 1, StopProb: 0.8}} {
		_, v := planOnce(t, g)
		if v[80] > 0.01 {
			t.Errorf("%+v: still %.2f m/s after 8 s", *g, v[80])
		}
		for i := 1; i < len(v); i++ {
			if v[i-1]-v[i] > 0.16 {
				t.Fatalf("%+v: braking %.2f m/s^2 at step %d, want comfortable", *g, (v[i-1]-v[i])/0.1, i)
			}
		}
	}
	if _, v := planOnce(t, &Guidance{Time: 1, StopProb: 0.3}); v[80] < 5 {
		t.Errorf("stop probability 0.3 (below 0.5) stopped the ego: %.2f m/s after 8 s", v[80])
	}
}

func TestGuidanceLaneIntent(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    Guidance
		want PathKind
	}{
		{"change left", Guidance{Lane: LaneChangeLeft}, PathLeftLane},
		{"preferred lane b", Guidance{PreferredLane: "b"}, PathLeftLane},
		{"left probable", Guidance{LaneProbs: [3]float64{0.7, 0.2, 0.1}}, PathLeftLane},
		{"keep", Guidance{Lane: LaneKeep}, PathCenterline},
		{"preferred lane a", Guidance{PreferredLane: "a", Lane: LaneChangeLeft}, PathCenterline},
		{"change right (no lane there)", Guidance{Lane: LaneChangeRight}, PathCenterline},
		{"unknown preferred lane", Guidance{PreferredLane: "zz"}, PathCenterline},
	} {
		g := tc.g
		g.Time = 1
		p, _ := planOnce(t, &g)
		d := p.Decision()
		if d.Path != tc.want || !d.Guided {
			t.Errorf("%s: decision %+v, want path %v", tc.name, d, tc.want)
		}
		if tc.want == PathLeftLane && d.Proposals != 21 {
			t.Errorf("%s: %d proposals, want 21 (with the left lane's 5)", tc.name, d.Proposals)
		}
	}
}

// Soft lane probabilities add a neighbouring lane's proposals only when the guide rates that lane at least
// as likely as keeping the current one.
func TestGuidanceLaneProbsAddSideOnlyWhenFavoured(t *testing.T) {
	for _, tc := range []struct {
		probs     [3]float64
		left, rgt bool
	}{
		{[3]float64{0.35, 0.6, 0.05}, false, false}, // unsure: keep is likelier
		{[3]float64{0.5, 0.45, 0.05}, true, false},
		{[3]float64{0.1, 0.45, 0.45}, false, true},
		{[3]float64{0, 0, 0}, false, false},
	} {
		e := (&Guidance{LaneProbs: tc.probs}).resolve(LaneAny, ProposalWeights{5, 5, 2}, 0.2, 0.5)
		if e.addSide[SideLeft] != tc.left || e.addSide[SideRight] != tc.rgt {
			t.Errorf("probs %v: left %v right %v, want %v %v", tc.probs, e.addSide[SideLeft], e.addSide[SideRight], tc.left, tc.rgt)
		}
	}
}

// A guidance headway closes the gap the plan keeps to a car ahead at the ego's speed, down to
// PDMConfig.MinGuidedHeadway and never beyond the planner's own PDMConfig.Headway.
func TestGuidanceHeadway(t *testing.T) {
	// gapAfter returns the gap from the ego's front to the lead's rear at the end of the plan, the lead
	// about 35 m ahead at 10 m/s as the ego.
	gapAfter := func(g *Guidance) float64 {
		t.Helper()
		p, _ := newFixturePDM(t, 600, PDMConfig{})
		lead := fixtureCar("lead", 50, 0, 0, 10)
		in := fixtureInput(1, geom.Pose{X: 10}, 10, []scenarios.Object{lead})
		in.Guidance = g
		tr, err := p.ComputeTrajectory(in)
		if err != nil {
			t.Fatal(err)
		}
		end := tr[len(tr)-1]
		leadX := lead.Box.Center.X + 10*(end.Time-in.Time)
		return leadX - lead.Box.Length/2 - (end.Pose.X + p.vehicle.FrontLength)
	}
	unguided := gapAfter(nil)
	gap := map[float64]float64{}
	for _, h := range []float64{1.2, 1.0, 0.5} {
		gap[h] = gapAfter(&Guidance{Time: 1, Headway: h})
	}
	if !(gap[1.0] < gap[1.2]-1 && gap[1.2] < unguided-1) {
		t.Errorf("gap after 8 s with headway 1.0 s %.2f m, 1.2 s %.2f m, unguided (1.5 s) %.2f m: want each closer by over 1 m",
			gap[1.0], gap[1.2], unguided)
	}
	if gap[0.5] != gap[1.0] {
		t.Errorf("headway 0.5 s: gap %.2f m, want that of the least guided headway, 1.0 s (%.2f m)", gap[0.5], gap[1.0])
	}
	for _, h := range []float64{0, 2.5, math.NaN(), math.Inf(1), -1} {
		if g := gapAfter(&Guidance{Time: 1, Headway: h}); g != unguided {
			t.Errorf("headway %v: gap %.2f m, want the unguided %.2f m", h, g, unguided)
		}
	}
}
