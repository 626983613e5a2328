package planner

import (
	"math"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

func TestPDMProposals(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	if got := p.Proposals(nil); len(got) != 0 {
		t.Fatalf("%d proposals before the first tick, want 0", len(got))
	}
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ComputeTrajectory(fixtureInput(0, geom.Pose{X: 20}, 10, nil)); err != nil {
		t.Fatal(err)
	}
	var lister ProposalLister = p
	props := lister.Proposals(nil)
	if len(props) != 16 {
		t.Fatalf("%d proposals, want 15 + the stop proposal", len(props))
	}
	chosen := 0
	for i, pr := range props {
		if len(pr.Trajectory) != 41 || pr.Trajectory[0].Time != 0 {
			t.Errorf("proposal %d: %d points from %.1f s, want 41 from 0", i, len(pr.Trajectory), pr.Trajectory[0].Time)
		}
		if pr.Chosen {
			chosen++
			if i != p.Decision().Best || pr.Score != p.Decision().Score {
				t.Errorf("chosen proposal %d (score %v), decision says %d (%v)", i, pr.Score, p.Decision().Best, p.Decision().Score)
			}
		}
	}
	if chosen != 1 {
		t.Errorf("%d proposals chosen, want 1", chosen)
	}
}

// The terms of each proposal say why it scored what it did: behind a car standing 25 m ahead in the lane,
// the centerline's proposals follow it from a 25 m gap and none collides; the right offset's leave the road
// (multiplier 0 from the drivable area); and every score is the terms' weighted sum.
func TestPDMProposalTerms(t *testing.T) {
	sc := fixtureScenario(300, 10, 10)
	p := NewPDM(PDMConfig{})
	if err := p.Initialize(Initialization{Map: &sc.Map, Route: sc.Route, Goal: sc.Goal}); err != nil {
		t.Fatal(err)
	}
	ego := geom.Pose{X: 20}
	carX := 20 + p.vehicle.FrontLength + 25 + 2.25 // its rear 25 m ahead of the ego's front
	if _, err := p.ComputeTrajectory(fixtureInput(0, ego, 10, []scenarios.Object{fixtureCar("parked", carX, 0, 0, 0)})); err != nil {
		t.Fatal(err)
	}
	props := p.Proposals(nil)
	collided, best := 0, 0.0
	for i, pr := range props {
		tm := pr.Terms
		if tm == nil {
			t.Fatalf("proposal %d has no terms", i)
		}
		// The ego is in the right lane: a metre further right its corner leaves the road.
		if wantDrivable := tm.Offset >= 0; tm.Drivable != wantDrivable || tm.Direction != 1 ||
			(tm.Multiplier == 0) != (!wantDrivable || !math.IsInf(tm.CollideAt, 1)) {
			t.Errorf("proposal %d (offset %+.0f): drivable %v direction %v multiplier %v, want drivable %v, direction 1",
				i, tm.Offset, tm.Drivable, tm.Direction, tm.Multiplier, wantDrivable)
		}
		if tm.Path == PathCenterline && tm.Offset == 0 && math.Abs(tm.LeadGap-25) > 0.5 || tm.LeadSpeed != 0 {
			t.Errorf("proposal %d (offset %.0f): lead gap %.2f m at %.1f m/s, want 25 m at 0", i, tm.Offset, tm.LeadGap, tm.LeadSpeed)
		}
		if !math.IsInf(tm.CollideAt, 1) {
			collided++
			if tm.Collision >= 1 || tm.Multiplier != 0 || tm.CollideAt <= 0 || tm.CollideAt > 4 {
				t.Errorf("proposal %d collides at %.1f s: collision %.2f multiplier %.2f, want < 1 and 0", i, tm.CollideAt, tm.Collision, tm.Multiplier)
			}
		}
		if (tm.TTC == 1) != math.IsInf(tm.TTCAt, 1) || (tm.TTC == 0 && (tm.TTCWith != "parked" || tm.TTCAt < 0 || tm.TTCAt > 4)) {
			t.Errorf("proposal %d: ttc %v, failing at %.1f s with %q; want the failure's time within 4 s and the car, or none", i, tm.TTC, tm.TTCAt, tm.TTCWith)
		}
		c := tm.Comfort
		if c < 0 {
			c = 1
		}
		want := tm.Multiplier * (5*tm.ProgressRatio + 5*tm.TTC + 2*c) / 12 * tm.LaneWeight
		if math.Abs(pr.Score-want) > 1e-9 {
			t.Errorf("proposal %d: score %.4f, the terms give %.4f (%+v)", i, pr.Score, want, *tm)
		}
		if pr.Chosen && tm.Comfort < 0 {
			t.Errorf("chosen proposal %d has no comfort evaluated", i)
		}
		best = max(best, pr.Score)
	}
	if collided != 0 {
		t.Errorf("%d proposals collide with the standing car; the IDM stops every one behind it", collided)
	}
	if best == 0 {
		t.Error("no proposal scores above 0")
	}

	// 6 m behind it at 10 m/s no proposal can stop in time: each collides within the first two seconds,
	// its collision term says so, and the planner brakes (no proposal chosen).
	if _, err := p.ComputeTrajectory(fixtureInput(0.1, geom.Pose{X: carX - 2.25 - 6 - p.vehicle.FrontLength}, 10, []scenarios.Object{fixtureCar("parked", carX, 0, 0, 0)})); err != nil {
		t.Fatal(err)
	}
	if p.Decision().Mode != ModeEmergency {
		t.Fatalf("mode %v, want an emergency brake", p.Decision().Mode)
	}
	for i, pr := range p.Proposals(nil) {
		tm := pr.Terms
		if pr.Chosen || tm.Collision >= 1 || tm.Multiplier != 0 || !(tm.CollideAt > 0 && tm.CollideAt <= 2) || math.Abs(tm.LeadGap-6) > 1.1 {
			t.Errorf("proposal %d: chosen %v collision %.2f multiplier %.2f at %.1f s, lead gap %.1f; want a collision within 2 s of a car 6 m ahead",
				i, pr.Chosen, tm.Collision, tm.Multiplier, tm.CollideAt, tm.LeadGap)
		}
		if tm.TTCWith != "parked" || !(tm.TTCAt <= tm.CollideAt) {
			t.Errorf("proposal %d: time to collision fails at %.1f s with %q; want with the car, before the collision at %.1f s", i, tm.TTCAt, tm.TTCWith, tm.CollideAt)
		}
	}
}
