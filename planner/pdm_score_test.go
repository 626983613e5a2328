package planner

import (
	"fmt"
	"testing"

	"asyncdrive/dynamics"
)

// TestLazyScoringChoosesAsEagerScoring checks the shortcuts of the scorer against doing all the work: a
// proposal that plans exactly what an earlier one plans is simulated once, and time to collision and comfort
// are evaluated only for proposals that could still win. On dense traffic, tick after tick, every copied
// simulation must equal a simulation of its own, every term evaluated afterwards must leave the chosen
// proposal the best (first of the highest scores, or the same-speed proposal on an earlier path within
// tieScore), and the evaluated terms must not change when evaluated again.
func TestLazyScoringChoosesAsEagerScoring(t *testing.T) {
	for _, n := range []int{0, 10, 50, 200} {
		t.Run(fmt.Sprintf("agents=%d", n), func(t *testing.T) {
			p, _ := newFixturePDM(t, 300, PDMConfig{})
			ins := benchInputs(n, 64)
			nT, nS := p.cfg.TrajectorySteps+1, p.cfg.ProposalSteps+1
			dups, lazy := 0, 0
			for f, in := range ins {
				if _, err := p.ComputeTrajectory(in); err != nil {
					t.Fatal(err)
				}
				chosen := p.dec.Best
				ego := in.Current()
				ego.Time = in.Time
				for i := range p.props {
					if p.dupOf[i] < 0 || !p.props[i].valid {
						continue
					}
					dups++
					p.ctrl.SetReference(dynamics.Trajectory(p.pts[i*nT : i*nT+nS]))
					st := ego
					for k := 1; k < nS; k++ {
						st = p.ctrl.StepReference(st, p.cfg.Step)
						if got := p.states[i*nS+k]; got != st {
							t.Fatalf("frame %d: proposal %d copied from %d differs at step %d: %+v, simulated %+v", f, i, p.dupOf[i], k, got, st)
						}
					}
				}
				known := make([][2]float64, len(p.props))
				for i := range p.props {
					known[i] = [2]float64{p.props[i].ttc, p.props[i].comfort}
					for p.evalTerms(i) {
						lazy++
					}
				}
				for i := range p.props {
					pr := &p.props[i]
					for k, v := range []float64{pr.ttc, pr.comfort} {
						if known[i][k] >= 0 && known[i][k] != v {
							t.Fatalf("frame %d: proposal %d term %d was %v, evaluated again %v", f, i, k, known[i][k], v)
						}
					}
				}
				best := 0
				for i := range p.props {
					if p.props[i].score > p.props[best].score {
						best = i
					}
				}
				if chosen == best {
					continue
				}
				nf := len(p.cfg.SpeedFractions)
				c, b := &p.props[chosen], &p.props[best]
				if !(c.path < b.path && b.path < p.nBase && chosen%nf == best%nf && c.score >= b.score-tieScore) {
					t.Fatalf("frame %d: chose proposal %d (score %.4f), the best is %d (%.4f)", f, chosen, c.score, best, b.score)
				}
			}
			t.Logf("%d copied simulations, %d terms left to evaluate after choosing", dups, lazy)
		})
	}
}
