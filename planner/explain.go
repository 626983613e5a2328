package planner

import "asyncdrive/dynamics"

// Proposal is one trajectory a planner considered at its last tick, with its score.
type Proposal struct {
	Trajectory dynamics.Trajectory
	Score      float64 // the planner's score (PDM: 0 to 1, higher is better)
	Chosen     bool    // the one the planner returned (extended to the trajectory horizon)
}

// ProposalLister is implemented by planners that can show the proposals of their last tick, for run logs
// and viewers. Proposals appends them to dst (copies: the caller owns them) and returns it.
type ProposalLister interface {
	Proposals(dst []Proposal) []Proposal
}

// Proposals appends the proposals of the last tick, each over the proposal horizon, to dst: none when the
// last tick planned none (a stop; an emergency brake or a hold keeps them, none of them chosen, since the
// trajectory returned was the brake). It allocates; the hot path never calls it.
func (p *PDM) Proposals(dst []Proposal) []Proposal {
	if p.dec.Best < 0 || p.dec.Mode == ModeStop || p.dec.Mode == ModeArrived {
		return dst
	}
	n := p.cfg.TrajectorySteps + 1
	for i := range p.props {
		pts := p.pts[i*n : i*n+p.cfg.ProposalSteps+1]
		dst = append(dst, Proposal{
			Trajectory: append(dynamics.Trajectory(nil), pts...),
			Score:      p.props[i].score,
			Chosen:     i == p.dec.Best && p.dec.Mode == ModeProposal,
		})
	}
	return dst
}
