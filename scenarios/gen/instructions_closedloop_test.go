package gen

import (
	"strings"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// followedPDM runs PDM in closed loop (non-reactive agents) and reports whether it followed the instructions.
// hide keeps the scenario's PlannerMission (the simulator tells the planner the route up to the branch and no
// goal, as in an evaluation); !hide shows the planner the whole route and the goal.
func followedPDM(t *testing.T, sc *scenarios.Scenario, hide bool, guide sim.Guide) InstructionOutcome {
	t.Helper()
	p, err := planner.New("pdm", sc)
	if err != nil {
		t.Fatal(err)
	}
	run := sc
	if !hide {
		shown := *sc
		shown.RouteShown = 0
		run = &shown
	}
	res, err := sim.Run(run, p, sim.Config{Guide: guide})
	if err != nil {
		t.Fatalf("%s: %v", sc.ID, err)
	}
	return CheckInstructions(sc, res.Ego[:res.ScoredFrames])
}

// followedCounts runs PDM on each scenario with the mission withheld, unguided and guided by the guide
// guideFor returns, and counts the runs that followed the instructions; it logs the guided runs that did not.
func followedCounts(t *testing.T, scs []*scenarios.Scenario, guideFor func(*scenarios.Scenario) sim.Guide) (guided, unguided int) {
	t.Helper()
	for _, sc := range scs {
		if followedPDM(t, sc, true, nil).Followed {
			unguided++
		}
		if out := followedPDM(t, sc, true, guideFor(sc)); out.Followed {
			guided++
		} else {
			t.Logf("%s guided: %s", sc.ID, out.Detail)
		}
	}
	return guided, unguided
}

// commandTime returns the time of the scenario's first instruction with the given text (-1: none).
func commandTime(sc *scenarios.Scenario, texts ...string) float64 {
	for _, in := range sc.Instructions {
		for _, x := range texts {
			if in.Text == x {
				return in.T
			}
		}
	}
	return -1
}

// laneGuide asks for a lane change from the command on, until the ego is in a lane beside the one it drove in
// when told, then to keep the lane: what a guide that understood "change to the left lane" says.
type laneGuide struct {
	mx   *scenarios.MapIndex
	cmd  float64
	left bool
	from geom.Pose
	set  bool
}

func (g *laneGuide) Guidance(in *planner.Input) *planner.Guidance {
	if in.Time < g.cmd-1e-9 {
		return nil
	}
	ego := in.Current()
	if !g.set {
		g.from, g.set = ego.Pose, true
	}
	intent := planner.LaneChangeRight
	if g.left {
		intent = planner.LaneChangeLeft
	}
	if done, _ := changedLane(g.mx, g.from, ego.Pose, g.left); done {
		intent = planner.LaneKeep
	}
	return &planner.Guidance{Time: in.Time, Lane: intent}
}

// speedGuide caps the speed from the command on.
type speedGuide struct {
	cmd, limit float64
}

func (g speedGuide) Guidance(in *planner.Input) *planner.Guidance {
	if in.Time < g.cmd-1e-9 {
		return nil
	}
	return &planner.Guidance{Time: in.Time, SpeedCap: g.limit}
}

// Route branches: PDM told the whole route takes the instructed branch; told the route only up to the
// junction (as the scenario prescribes), it does not: there only the instruction says which way.
func TestClosedLoopBranchNeedsInstruction(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs := instrScenarios(t, TypeRouteBranch, 8)
	full, hidden := 0, 0
	for _, sc := range scs {
		if out := followedPDM(t, sc, false, nil); out.Followed {
			full++
		} else {
			t.Logf("%s with the whole route: %s", sc.ID, out.Detail)
		}
		if out := followedPDM(t, sc, true, nil); out.Followed {
			hidden++
		}
	}
	t.Logf("PDM took the instructed branch in %d of %d with the route, %d without", full, len(scs), hidden)
	if full < len(scs)-1 {
		t.Errorf("PDM with the whole route took the instructed branch in %d of %d", full, len(scs))
	}
	if hidden > len(scs)/2 {
		t.Errorf("PDM without the route beyond the junction still took the instructed branch in %d of %d", hidden, len(scs))
	}
}

// turnGuide gives the movement the instruction in force names as Guidance.Turn ("turn left in 40 meters":
// TurnLeft; "go straight" and "keep going": TurnStraight), what a guide that understood it says.
type turnGuide struct{ sc *scenarios.Scenario }

func (g turnGuide) Guidance(in *planner.Input) *planner.Guidance {
	text, _ := scenarios.InstructionAt(g.sc.Instructions, in.Time)
	turn := planner.TurnAny
	switch {
	case strings.HasPrefix(text, "turn left"):
		turn = planner.TurnLeft
	case strings.HasPrefix(text, "turn right"):
		turn = planner.TurnRight
	case strings.HasPrefix(text, "go straight"), text == "keep going":
		turn = planner.TurnStraight
	}
	return &planner.Guidance{Time: in.Time, Turn: turn}
}

// Route branches, guided: told the route only up to the junction, PDM takes the branch the instruction names
// when the guidance carries the movement (Guidance.Turn), and only then.
func TestClosedLoopBranchGuidedTurn(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs := instrScenarios(t, TypeRouteBranch, 8)
	followed := 0
	for _, sc := range scs {
		out := followedPDM(t, sc, true, turnGuide{sc})
		if out.Followed {
			followed++
		} else {
			t.Logf("%s guided: %s", sc.ID, out.Detail)
		}
	}
	t.Logf("PDM guided by the instructed movement took the instructed branch in %d of %d", followed, len(scs))
	if followed < len(scs)-1 {
		t.Errorf("PDM guided by the instructed movement took the instructed branch in %d of %d", followed, len(scs))
	}
}

// Lane-change commands: with the goal withheld, PDM keeps its lane unguided and changes lanes when guided with
// Guidance.Lane from the command on.
func TestClosedLoopLaneChangeCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs := instrScenarios(t, TypeLaneChange, 6)
	guided, unguided := followedCounts(t, scs, func(sc *scenarios.Scenario) sim.Guide {
		return &laneGuide{mx: sc.Map.Index(), cmd: commandTime(sc, TextLaneLeft, TextLaneRight), left: commandTime(sc, TextLaneLeft) >= 0}
	})
	t.Logf("PDM changed lanes as told in %d of %d guided, %d unguided", guided, len(scs), unguided)
	if guided < len(scs)-1 || unguided > 1 {
		t.Errorf("PDM changed lanes as told in %d of %d guided, %d unguided", guided, len(scs), unguided)
	}
}

// "drive slowly": unguided PDM keeps to the limit; with a speed cap from the command on it slows down.
func TestClosedLoopSlowCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs := instrScenarios(t, TypeSlowDown, 6)
	guided, unguided := followedCounts(t, scs, func(sc *scenarios.Scenario) sim.Guide {
		lim, _ := sc.Map.Index().SpeedLimitAt(sc.Expert[0].Pose.Pos())
		return speedGuide{cmd: commandTime(sc, TextDriveSlow), limit: 0.9 * SlowFraction * lim}
	})
	t.Logf("PDM drove slowly in %d of %d guided, %d unguided", guided, len(scs), unguided)
	if guided < len(scs)-1 || unguided > 0 {
		t.Errorf("PDM drove slowly in %d of %d guided, %d unguided", guided, len(scs), unguided)
	}
}

// pullOverGuide asks to pull over while "stop at the pickup zone" is the instruction in force, what a guide
// that understood it says.
type pullOverGuide struct{ sc *scenarios.Scenario }

func (g pullOverGuide) Guidance(in *planner.Input) *planner.Guidance {
	text, _ := scenarios.InstructionAt(g.sc.Instructions, in.Time)
	return &planner.Guidance{Time: in.Time, PullOver: text == "stop at the pickup zone"}
}

// Pickup stops: unguided, PDM drives past the zone; asked to pull over (Guidance.PullOver) while the
// instruction is in force, it stops alongside the zone, and drives on when told to keep going.
func TestClosedLoopPickupStopGuided(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs := instrScenarios(t, TypePickupStop, 8)
	guided, unguided := followedCounts(t, scs, func(sc *scenarios.Scenario) sim.Guide { return pullOverGuide{sc} })
	t.Logf("PDM stopped at the pickup zone in %d of %d guided, %d unguided", guided, len(scs), unguided)
	if guided < len(scs)-1 || unguided > 0 {
		t.Errorf("PDM stopped at the pickup zone in %d of %d guided (want all but one at least), %d unguided (want 0)", guided, len(scs), unguided)
	}
}
