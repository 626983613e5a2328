package planner

import (
	"math"

	"asyncdrive/dynamics"
)

// Proposal is one trajectory a planner considered at its last tick, with its score.
type Proposal struct {
	Trajectory dynamics.Trajectory
	Score      float64 // the planner's score (PDM: 0 to 1, higher is better)
	Chosen     bool    // the one the planner returned (extended to the trajectory horizon)
	// Terms says how a PDM proposal's score was made; nil for planners that do not score proposals.
	Terms *ProposalTerms
}

// ProposalTerms breaks a PDM proposal down: what it is and the terms of its score, which is
// Multiplier x (5 ProgressRatio + 5 TTC + 2 Comfort) / 12 x LaneWeight with the default weights (see
// PDMConfig and docs/planner.md).
type ProposalTerms struct {
	Path        PathKind
	Offset      float64 // lateral offset from the path, m (left positive)
	TargetSpeed float64 // the IDM's target speed, m/s
	Stop        bool    // the comfortable stop proposal
	Eased       bool    // braking eased in (PDMConfig.EasedBrakeJerk)

	// Multiplier is the product of the three multiplier metrics over the simulated proposal.
	Multiplier float64
	Collision  float64 // no_ego_at_fault_collisions: 1, or less with at-fault collisions
	Drivable   bool    // every corner inside the drivable area
	Direction  float64 // driving_direction_compliance: 1, 0.5 or 0
	// CollideAt is the time from now of the first at-fault collision, s (+Inf: none), and CollideWith the id
	// of the object it is with.
	CollideAt   float64
	CollideWith string
	// Progress is how far the simulated ego gets along the centerline, m; ProgressRatio is it over the best
	// proposal's (as scored).
	Progress, ProgressRatio float64
	TTC                     float64 // time to collision within bound: 1 or 0
	// TTCAt is the time from now of the first simulated state whose time to collision is below the bound
	// (an at-fault collision counts), s (+Inf: none), and TTCWith the id of the road user it is with.
	TTCAt   float64
	TTCWith string
	// Comfort is 1 or 0 (-1: not evaluated; PDM's Proposals evaluates it for every proposal, though the tick
	// itself evaluates it only for proposals that could win).
	Comfort float64
	// LaneWeight is the weight of the proposal's lane (keep, left or right): 1 unless guidance or the goal's
	// lane prefers another lane.
	LaneWeight float64
	// LeadGap is the gap from the ego's front to what the IDM followed at the first step: a road user's rear,
	// a red light's stop line, the pull-over place or the end of the path (+Inf: none), m; LeadSpeed is its
	// speed along the path, m/s (negative: coming towards the ego).
	LeadGap, LeadSpeed float64
}

// Kind names the proposal's kind: "stop" (the comfortable stop), "eased" (braking eased in) or "idm".
func (t *ProposalTerms) Kind() string {
	switch {
	case t.Stop:
		return "stop"
	case t.Eased:
		return "eased"
	}
	return "idm"
}

// ProposalLister is implemented by planners that can show the proposals of their last tick, for run logs,
// viewers and traces. Proposals appends them to dst (copies: the caller owns them) and returns it.
type ProposalLister interface {
	Proposals(dst []Proposal) []Proposal
}

// Proposals appends the proposals of the last tick, each over the proposal horizon with its terms, to dst:
// none when the last tick planned none (a stop; an emergency brake or a hold keeps them, none of them
// chosen, since the trajectory returned was the brake). It allocates; the hot path never calls it.
func (p *PDM) Proposals(dst []Proposal) []Proposal {
	if p.dec.Best < 0 || p.dec.Mode == ModeStop || p.dec.Mode == ModeArrived {
		return dst
	}
	n := p.cfg.TrajectorySteps + 1
	// Time to collision and comfort are evaluated on the hot path only for proposals that could win; here
	// every proposal's terms are.
	for i := range p.props {
		for p.evalTerms(i) {
		}
	}
	for i := range p.props {
		pr := &p.props[i]
		pts := p.pts[i*n : i*n+p.cfg.ProposalSteps+1]
		collideAt, with := math.Inf(1), ""
		if pr.collideStep >= 0 {
			collideAt, with = float64(pr.collideStep)*p.cfg.Step, p.objs[pr.collideObj].o.ID
		}
		ttcAt, ttcWith := math.Inf(1), ""
		if pr.ttcStep >= 0 && pr.ttc == 0 {
			ttcAt, ttcWith = float64(pr.ttcStep)*p.cfg.Step, p.objs[pr.ttcObj].o.ID
		}
		dst = append(dst, Proposal{
			Trajectory: append(dynamics.Trajectory(nil), pts...),
			Score:      pr.score,
			Chosen:     i == p.dec.Best && p.dec.Mode == ModeProposal,
			Terms: &ProposalTerms{
				Path: pr.kind, Offset: pr.offset, TargetSpeed: pr.target, Stop: pr.stop, Eased: pr.eased,
				Multiplier: pr.mult, Collision: pr.collision, Drivable: pr.drivable, Direction: pr.direction,
				CollideAt: collideAt, CollideWith: with, Progress: pr.rawProgress, ProgressRatio: pr.prog, TTC: pr.ttc,
				TTCAt: ttcAt, TTCWith: ttcWith,
				Comfort: pr.comfort, LaneWeight: p.guide.laneWeight[pr.side], LeadGap: pr.gap0, LeadSpeed: pr.vLead0,
			},
		})
	}
	return dst
}
