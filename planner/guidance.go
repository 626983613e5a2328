package planner

import "math"

// LaneIntent is a discrete lane instruction of a Guidance.
type LaneIntent uint8

// Lane instructions. They are relative to the lane the ego is driving in when the planner reads them: a guide
// that asked for a lane change says LaneKeep (or names the target with Guidance.PreferredLane, which is
// absolute) once the change is done.
const (
	LaneAny         LaneIntent = iota // no lane instruction (the zero value)
	LaneKeep                          // stay in the current lane
	LaneChangeLeft                    // move to the adjacent lane on the left
	LaneChangeRight                   // move to the adjacent lane on the right
)

// String returns the intent's name.
func (l LaneIntent) String() string {
	switch l {
	case LaneAny:
		return "any"
	case LaneKeep:
		return "keep"
	case LaneChangeLeft:
		return "left"
	case LaneChangeRight:
		return "right"
	}
	return "unknown"
}

// TurnIntent is a junction movement a Guidance asks for. The planner acts on it where the route it was given
// ends at a junction and the map alone does not say which way to go (a mission given as far as a branch,
// with the rest in the instructions): it continues through the connector that makes the movement.
type TurnIntent uint8

// Turn instructions.
const (
	TurnAny      TurnIntent = iota // no turn instruction (the zero value)
	TurnLeft                       // take the left turn at the next branch
	TurnStraight                   // go straight on at the next branch
	TurnRight                      // take the right turn at the next branch
)

// String returns the intent's name.
func (t TurnIntent) String() string {
	switch t {
	case TurnAny:
		return "any"
	case TurnLeft:
		return "left"
	case TurnStraight:
		return "straight"
	case TurnRight:
		return "right"
	}
	return "unknown"
}

// Indices of Guidance.TurnProbs.
const (
	TurnIndexLeft     = 0
	TurnIndexStraight = 1
	TurnIndexRight    = 2
)

// Lane-change sides, the indices of Guidance.LaneProbs.
const (
	SideLeft  = 0
	SideKeep  = 1
	SideRight = 2
)

// ProposalWeights are the weights of the weighted terms of a proposal's score. A zero field takes the
// planner's default (PDM-Closed: progress 5, TTC 5, comfort 2).
type ProposalWeights struct {
	Progress float64
	TTC      float64
	Comfort  float64
}

// Guidance is advice to the planner from a slower source: a language-model guide, an operator, a behaviour
// layer. It is optional (Input.Guidance nil) and arrives late: Time says when the observation it was computed
// from was taken, and a planner ignores guidance older than its configured limit and plans unguided.
//
// The discrete fields (Lane, PreferredLane, SpeedCap, Stop) suit rule-based sources; the soft ones
// (LaneProbs, TargetSpeed, StopProb, Features) are what a language-model guide produces: intent probabilities
// from classification heads, a regressed speed and an instruction feature vector. Where both kinds are set the
// discrete ones win. Fields that are not finite numbers are ignored.
type Guidance struct {
	// Time (s, the clock of Input.Time) of the observation the guidance was computed from. Its age at an
	// input is Input.Time - Time.
	Time float64

	// Lane is a discrete lane instruction.
	Lane LaneIntent
	// PreferredLane is the id of the map lane the ego should drive in; when it is the current lane or a lane
	// reachable by moving sideways through neighbours, it sets the lane intent (and overrides Lane).
	PreferredLane string
	// LaneProbs are lane-change intent probabilities, indexed by SideLeft, SideKeep and SideRight; they need not
	// sum to 1. They apply when Lane is LaneAny and PreferredLane is empty.
	LaneProbs [3]float64

	// Turn is a discrete turn instruction for the next branch beyond the route. TurnProbs are a guide's
	// movement probabilities, indexed by TurnIndexLeft, TurnIndexStraight and TurnIndexRight; the most likely
	// movement counts when it reaches the planner's threshold (PDMConfig.TurnProbability) and Turn is
	// TurnAny.
	Turn      TurnIntent
	TurnProbs [3]float64

	// SpeedCap (m/s) caps the target speed of every proposal; 0 means no cap.
	SpeedCap float64
	// TargetSpeed (m/s) is a guide's desired speed; the planner uses it as a further cap; 0 means none.
	TargetSpeed float64

	// Headway (s) is the time gap to keep to the vehicle ahead, as a guide that learned it from drivers
	// reads it from the scene (motorway drivers keep about 1 s, where the planner's IDM keeps 1.5 s). The
	// planner keeps it within [PDMConfig.MinGuidedHeadway, PDMConfig.Headway]: guidance can only close the
	// gap, and only so far. 0 means none.
	Headway float64

	// Stop asks for a comfortable stop. StopProb is a guide's probability that the ego should stop or yield;
	// at or above the planner's threshold (PDMConfig.StopProbability) it counts as Stop.
	Stop     bool
	StopProb float64

	// PullOver asks the planner to stop alongside the next pickup/drop-off area beside its route ("stop at
	// the pickup zone"), and to stand there while it is asked; with no such area within reach it is a
	// comfortable stop. PullOverProb is a guide's probability of it; at or above the planner's StopProbability
	// it counts as PullOver.
	PullOver     bool
	PullOverProb float64

	// Weights override the planner's proposal score weights (zero fields keep the defaults).
	Weights ProposalWeights

	// Features is an opaque instruction feature vector, such as a language model's projected hidden state, for
	// planners that consume one (learned planners); the rule-based planner ignores it. Planners read it during
	// the call only.
	Features []float32
}

// Age returns the guidance's age at time now (s).
func (g *Guidance) Age(now float64) float64 { return now - g.Time }

// guidanceEffect is what a usable guidance asks of the PDM planner, resolved against its configuration.
type guidanceEffect struct {
	active     bool
	laneWeight [3]float64 // score multipliers of keep/left/right proposals, indexed by side
	addSide    [3]bool    // add proposals along the neighbouring lane (left, right)
	speedCap   float64    // +Inf when none
	headway    float64    // Guidance.Headway; 0 when none
	stop       bool
	pullOver   bool
	weights    ProposalWeights
}

// neutralGuidance is the effect of no guidance.
func neutralGuidance(w ProposalWeights) guidanceEffect {
	return guidanceEffect{laneWeight: [3]float64{1, 1, 1}, speedCap: math.Inf(1), weights: w}
}

func finitePos(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// laneProbs returns lane probabilities with the entries that are not finite numbers >= 0 as 0.
func laneProbs(in [3]float64) (out [3]float64) {
	for i, p := range in {
		if p >= 0 && !math.IsInf(p, 1) { // NaN fails p >= 0
			out[i] = p
		}
	}
	return out
}

// favoured reports whether probs (from laneProbs) rate a change to side at least as likely as keeping the
// lane: the rule that opens the neighbouring lane's proposals.
func favoured(probs [3]float64, side int) bool {
	return probs[side] > 0 && probs[side] >= probs[SideKeep]
}

// sideFavoured reports whether lane probabilities favour a change to either side.
func sideFavoured(probs [3]float64) bool {
	p := laneProbs(probs)
	return favoured(p, SideLeft) || favoured(p, SideRight)
}

// resolve turns g into an effect; intent is the lane intent after PreferredLane was resolved by the caller
// (LaneAny when none). bias is how much a non-preferred lane's proposals are discounted (0..1); stopProb is
// the StopProb threshold.
func (g *Guidance) resolve(intent LaneIntent, defaults ProposalWeights, bias, stopProb float64) guidanceEffect {
	e := neutralGuidance(defaults)
	e.active = true
	var probs [3]float64
	switch intent {
	case LaneKeep:
		probs[SideKeep] = 1
	case LaneChangeLeft:
		probs[SideLeft] = 1
	case LaneChangeRight:
		probs[SideRight] = 1
	default:
		probs = laneProbs(g.LaneProbs)
	}
	top := max(probs[0], max(probs[1], probs[2]))
	if top > 0 {
		for i := range probs {
			e.laneWeight[i] = 1 - bias*(1-probs[i]/top)
		}
		e.addSide[SideLeft] = favoured(probs, SideLeft)
		e.addSide[SideRight] = favoured(probs, SideRight)
	}
	if finitePos(g.SpeedCap) {
		e.speedCap = g.SpeedCap
	}
	if finitePos(g.TargetSpeed) {
		e.speedCap = min(e.speedCap, g.TargetSpeed)
	}
	if finitePos(g.Headway) {
		e.headway = g.Headway
	}
	e.stop = g.Stop || (g.StopProb >= stopProb && g.StopProb <= 1)
	e.pullOver = g.PullOver || (g.PullOverProb >= stopProb && g.PullOverProb <= 1)
	if finitePos(g.Weights.Progress) {
		e.weights.Progress = g.Weights.Progress
	}
	if finitePos(g.Weights.TTC) {
		e.weights.TTC = g.Weights.TTC
	}
	if finitePos(g.Weights.Comfort) {
		e.weights.Comfort = g.Weights.Comfort
	}
	return e
}
