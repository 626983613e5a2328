package planner_test

import (
	"math"
	"slices"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
	"asyncdrive/sim"
)

// branchScenes returns generated route-branch scenes (their route withheld beyond the junction) with the
// movements the ego's lane offers at the junction.
func branchScenes(t *testing.T, n int) ([]*scenarios.Scenario, [][]scenarios.Movement) {
	t.Helper()
	var scs []*scenarios.Scenario
	var moves [][]scenarios.Movement
	for i := 0; len(scs) < n && i < 4*n; i++ {
		sc, err := gen.GenerateInstruction(gen.TypeRouteBranch, i, gen.DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		mx := sc.Map.Index()
		route, _ := sc.PlannerMission()
		lanes := mx.RouteLanes(route, sc.Expert[0].Pose, 32)
		if len(lanes) == 0 {
			t.Fatalf("%s: no lanes on the route", sc.ID)
		}
		var ms []scenarios.Movement
		for _, c := range mx.Successors(lanes[len(lanes)-1]) {
			if m := mx.Movement(c); !slices.Contains(ms, m) {
				ms = append(ms, m)
			}
		}
		if len(ms) >= 2 {
			scs, moves = append(scs, sc), append(moves, ms)
		}
	}
	return scs, moves
}

// turned returns the movement the ego made over a run: its heading change from the first to the last frame.
func turned(res *sim.Result) scenarios.Movement {
	ego := res.Ego[:res.ScoredFrames]
	return scenarios.MovementOfHeadings(ego[0].Pose.Heading, ego[len(ego)-1].Pose.Heading)
}

func intentOf(m scenarios.Movement) planner.TurnIntent {
	return [...]planner.TurnIntent{planner.TurnAny, planner.TurnLeft, planner.TurnStraight, planner.TurnRight}[m]
}

// Told the route only up to a junction, PDM goes the way the guidance's movement says, whichever the scene's
// own instructions say, and reports it in its decision.
func TestPDMBranchFollowsTheGuidedMovement(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs, moves := branchScenes(t, 4)
	for i, sc := range scs {
		for _, m := range moves[i] {
			r := newRecorder()
			r.guide = func(in *planner.Input) *planner.Guidance {
				return &planner.Guidance{Time: in.Time, Turn: intentOf(m)}
			}
			res := run(t, sc, r, sim.NonReactive)
			if got := turned(res); got != m {
				t.Errorf("%s: guided %s, the ego turned %s", sc.ID, m, got)
			}
			if d := r.decisions[len(r.decisions)-1]; d.Turn != intentOf(m) {
				t.Errorf("%s: guided %s, the last decision says %s", sc.ID, m, d.Turn)
			}
			if res.Metrics.DrivableAreaCompliance != 1 || res.Metrics.DrivingDirectionCompliance != 1 {
				t.Errorf("%s: guided %s: metrics %+v", sc.ID, m, res.Metrics)
			}
		}
	}
}

// Soft guidance: the most likely movement of TurnProbs counts from the threshold (0.5) on; below it, or with
// numbers that are not probabilities, the planner stops at the end of its route.
func TestPDMBranchTurnProbs(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs, moves := branchScenes(t, 2)
	for i, sc := range scs {
		m := moves[i][0]
		probs := [3]float64{0.2, 0.2, 0.2}
		probs[m-scenarios.MovementLeft] = 0.6
		for _, c := range []struct {
			probs  [3]float64
			follow bool
		}{
			{probs, true},
			{[3]float64{0.4, 0.35, 0.25}, false},
			{[3]float64{math.NaN(), math.Inf(1), -1}, false},
		} {
			r := newRecorder()
			r.guide = func(in *planner.Input) *planner.Guidance {
				return &planner.Guidance{Time: in.Time, TurnProbs: c.probs}
			}
			res := run(t, sc, r, sim.NonReactive)
			if c.follow && turned(res) != m {
				t.Errorf("%s: probabilities %v: turned %s, want %s", sc.ID, c.probs, turned(res), m)
			}
			if !c.follow {
				assertStoppedAtRouteEnd(t, sc, res, r)
			}
		}
	}
}

// Guidance that stops before the junction takes the continuation away: the planner plans unguided and stops
// at the end of its route.
func TestPDMBranchUnguidedStops(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs, moves := branchScenes(t, 2)
	for i, sc := range scs {
		m := moves[i][0]
		r := newRecorder()
		r.guide = func(in *planner.Input) *planner.Guidance {
			// For the first half second only.
			if in.Time < 0.5 {
				return &planner.Guidance{Time: in.Time, Turn: intentOf(m)}
			}
			return nil
		}
		res := run(t, sc, r, sim.NonReactive)
		if d := r.decisions[0]; d.Turn != intentOf(m) {
			t.Errorf("%s: the first decision says %s, want %s", sc.ID, d.Turn, m)
		}
		assertStoppedAtRouteEnd(t, sc, res, r)
	}
}

// A movement changed before the junction changes the way; once the ego is in the junction it keeps its way
// whatever the guidance says next.
func TestPDMBranchChangesUntilTheJunction(t *testing.T) {
	if testing.Short() {
		t.Skip("closed loop")
	}
	scs, moves := branchScenes(t, 3)
	for i, sc := range scs {
		first, then := moves[i][0], moves[i][1]
		r := newRecorder()
		r.guide = func(in *planner.Input) *planner.Guidance {
			m := first
			if in.Time >= 1 {
				m = then
			}
			return &planner.Guidance{Time: in.Time, Turn: intentOf(m)}
		}
		if got := turned(run(t, sc, r, sim.NonReactive)); got != then {
			t.Errorf("%s: guided %s, then %s from 1 s: the ego turned %s", sc.ID, first, then, got)
		}
		r = newRecorder()
		mx := sc.Map.Index()
		route, _ := sc.PlannerMission()
		lanes := mx.RouteLanes(route, sc.Expert[0].Pose, 32)
		last := mx.Path(lanes[len(lanes)-1])
		entered := false
		r.guide = func(in *planner.Input) *planner.Guidance {
			// From when the front bumper reaches the junction (the end of the route).
			front := dynamics.Pacifica().Footprint(in.Current().Pose)
			tip := front.Center.Pos().Add(geom.Unit(front.Center.Heading).Scale(front.Length / 2))
			if s, _ := last.Project(tip); s >= last.Length()-0.5 {
				entered = true
			}
			m := then
			if entered {
				m = first
			}
			return &planner.Guidance{Time: in.Time, Turn: intentOf(m)}
		}
		if got := turned(run(t, sc, r, sim.NonReactive)); got != then {
			t.Errorf("%s: guided %s, then %s in the junction: the ego turned %s", sc.ID, then, first, got)
		}
	}
}

// assertStoppedAtRouteEnd checks that the ego did not enter the junction beyond its route and reported no
// movement.
func assertStoppedAtRouteEnd(t *testing.T, sc *scenarios.Scenario, res *sim.Result, r *recorder) {
	t.Helper()
	mx := sc.Map.Index()
	route, _ := sc.PlannerMission()
	onRoute := map[string]bool{}
	for _, rb := range route {
		onRoute[rb] = true
	}
	end := res.Ego[res.ScoredFrames-1]
	var buf [16]int
	for _, l := range mx.LanesAt(end.Pose.Pos(), buf[:0]) {
		if !onRoute[mx.Lane(l).Roadblock] {
			t.Errorf("%s: the ego ended in lane %s beyond its route", sc.ID, mx.Lane(l).ID)
		}
	}
	if end.Speed > 0.5 {
		t.Errorf("%s: the ego ends at %.2f m/s, want stopped at the end of its route", sc.ID, end.Speed)
	}
	if d := r.decisions[len(r.decisions)-1]; d.Turn != planner.TurnAny {
		t.Errorf("%s: the last decision says %s beyond the route", sc.ID, d.Turn)
	}
}

// Asked to pull over where there is no pickup/drop-off area, the planner makes a comfortable stop, and drives
// on when no longer asked.
func TestPDMPullOverWithoutAreaStops(t *testing.T) {
	sc := planner.FixtureScenario(400, 10, 10)
	r := newRecorder()
	r.guide = func(in *planner.Input) *planner.Guidance {
		return &planner.Guidance{Time: in.Time, PullOver: in.Time < 10}
	}
	res := run(t, sc, r, sim.NonReactive)
	at := func(tm float64) float64 { return res.Ego[int(math.Round(tm/sc.DT))].Speed }
	if v := at(9.5); v > 0.2 {
		t.Errorf("asked to pull over from the start at 10 m/s: %.2f m/s at 9.5 s, want stopped", v)
	}
	if m := res.Metrics; m.Comfortable != 1 {
		t.Errorf("the stop was not comfortable: %+v", m)
	}
	if v := at(14.5); v < 1 {
		t.Errorf("%.2f m/s at 14.5 s, want moving again after the request ended at 10 s", v)
	}
}
