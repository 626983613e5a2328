package sim

import (
	"slices"
	"testing"

	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// nuPlan's reactive agents are made once, from the vehicles of the first frame: a vehicle that enters the log
// later, one whose box on its lane overlaps a vehicle made before it, and bicycles do not exist; pedestrians
// are replayed.
func TestNuPlanAgentsComeFromTheFirstFrameOnly(t *testing.T) {
	sc := testScenario()
	sc.Map = road(1000)
	sc.Expert = cruise(0, 0, 231) // standing, within the agent radius
	late := track("late", 80, 0, 10, 200)
	late.Start = 20
	bike := track("bike", 40, 3.5, 5, 231)
	bike.Type = scenarios.Bicycle
	walker := track("walker", 30, 6, 1, 231)
	walker.Type, walker.Length, walker.Width = scenarios.Pedestrian, 0.5, 0.5
	sc.Tracks = []scenarios.Track{track("car", 60, 0, 10, 231), track("overlap", 62, 0.3, 10, 231), late, bike, walker}
	res, err := Run(sc, stopPlanner{}, Config{Agents: ReactiveNuPlan, Steps: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []int{0, 25} {
		var ids []string
		for _, o := range res.Objects[f] {
			ids = append(ids, o.ID)
		}
		slices.Sort(ids)
		if want := []string{"car", "walker"}; !slices.Equal(ids, want) {
			t.Errorf("objects at frame %d %v, want %v", f, ids, want)
		}
	}
}

// nuPlan's agents occupy their box and the stretch of their path up to 1.5 s at their speed ahead of it, and
// measure the gap to what they follow from there: starting 30 m behind the ego driving 10 m/s, an agent with
// a 15 m/s target settles about 33 m back (the IDM's own gap, about 18 m, plus 15 m), where a plain IDM
// would close to 18 m.
func TestNuPlanAgentFollowsFromItsProjectedFootprint(t *testing.T) {
	sc := testScenario()
	sc.Map = road(1000)
	sc.Expert = cruise(100, 10, 231)
	sc.Tracks = []scenarios.Track{track("car", 66, 0, 10, 231)}
	res, err := Run(sc, planner.NewLogReplay(sc), Config{Agents: ReactiveNuPlan})
	if err != nil {
		t.Fatal(err)
	}
	last := len(res.Objects) - 1
	car := res.Objects[last][0]
	ego := sc.EgoVehicle().Footprint(res.Ego[last].Pose)
	gap := (ego.Center.X - ego.Length/2) - (car.Box.Center.X + car.Box.Length/2)
	if gap < 29 || gap > 37 || car.Vel.Norm() < 9 || car.Vel.Norm() > 11 {
		t.Errorf("after 15 s behind the ego at 10 m/s: %.1f m back at %.2f m/s, want about 33 m at 10 m/s", gap, car.Vel.Norm())
	}
}
