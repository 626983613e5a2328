package planner

import (
	"testing"

	"asyncdrive/geom"
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
