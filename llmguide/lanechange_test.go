package llmguide

import (
	"testing"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// twoLaneRoad is a straight road along +X cut into segments of 20 m: lanes "r<k>" (y=0) and "l<k>" (y=3.5,
// left of r<k>), each leading into the next.
func twoLaneRoad(n int) *scenarios.MapIndex {
	lane := func(id string, x0, y float64) scenarios.Lane {
		var c, l, r []geom.Vec2
		for x := x0; x <= x0+20; x += 5 {
			c, l, r = append(c, geom.V(x, y)), append(l, geom.V(x, y+1.75)), append(r, geom.V(x, y-1.75))
		}
		return scenarios.Lane{ID: id, Roadblock: id[1:], Centerline: c, Left: l, Right: r, SpeedLimit: 15}
	}
	var m scenarios.Map
	for k := 0; k < n; k++ {
		r, l := lane("r"+string(rune('a'+k)), float64(20*k), 0), lane("l"+string(rune('a'+k)), float64(20*k), 3.5)
		r.LeftNeighbor, l.RightNeighbor = l.ID, r.ID
		if k+1 < n {
			r.Successors, l.Successors = []string{"r" + string(rune('a'+k+1))}, []string{"l" + string(rune('a'+k+1))}
		}
		m.Lanes = append(m.Lanes, r, l)
		m.Roadblocks = append(m.Roadblocks, scenarios.Roadblock{ID: r.Roadblock, Lanes: []string{r.ID, l.ID}})
	}
	return m.Index()
}

func TestLaneChange(t *testing.T) {
	mx := twoLaneRoad(5)
	at := func(x, y float64) geom.Pose { return geom.Pose{X: x, Y: y} }
	for _, c := range []struct {
		a, b geom.Pose
		want int
	}{
		{at(5, 0), at(15, 0), planner.SideKeep},   // same segment
		{at(5, 0), at(75, 0), planner.SideKeep},   // three segments on
		{at(5, 0), at(45, 3.5), planner.SideLeft}, // beside a successor
		{at(45, 3.4), at(90, 0.2), planner.SideRight},
		{at(5, 0), at(5, 40), planner.SideKeep}, // off the road
	} {
		if got := LaneChange(mx, c.a, c.b); got != c.want {
			t.Errorf("LaneChange(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// A guidance that keeps asking for the left lane turns into keep once the ego is in the left lane of where
// it was when the instruction came in; a new instruction starts over.
func TestChangeTrackerKeepsOnceDone(t *testing.T) {
	tr := changeTracker{mx: twoLaneRoad(6)}
	left := func() *planner.Guidance {
		return &planner.Guidance{Lane: planner.LaneChangeLeft, LaneProbs: [3]float64{0.7, 0.3, 0}}
	}
	steps := []struct {
		text string
		x, y float64
		want planner.LaneIntent
	}{
		{"change to the left lane", 5, 0, planner.LaneChangeLeft},    // the instruction comes in
		{"change to the left lane", 20, 1.2, planner.LaneChangeLeft}, // on the way
		{"change to the left lane", 40, 3.4, planner.LaneKeep},       // done: keep
		{"change to the left lane", 70, 3.5, planner.LaneKeep},       // and stays done
		{"keep going", 80, 3.5, planner.LaneChangeLeft},              // a new instruction: taken as asked
		{"change to the left lane", 90, 3.5, planner.LaneChangeLeft}, // asked again from the left lane
	}
	for i, s := range steps {
		g := left()
		tr.apply(s.text, geom.Pose{X: s.x, Y: s.y}, g)
		if g.Lane != s.want {
			t.Errorf("step %d (%q at x=%.0f y=%.1f): lane %v, want %v", i, s.text, s.x, s.y, g.Lane, s.want)
		}
		if s.want == planner.LaneKeep && g.LaneProbs != [3]float64{0, 1, 0} {
			t.Errorf("step %d: lane probabilities %v, want keep only", i, g.LaneProbs)
		}
	}
	// Soft probabilities that favour the side count as asking for it; a guidance that asks for the other
	// side, or for nothing, is left alone.
	tr = changeTracker{mx: twoLaneRoad(6)}
	tr.apply("x", geom.Pose{X: 5, Y: 0}, left())
	soft := &planner.Guidance{LaneProbs: [3]float64{0.5, 0.4, 0.1}}
	tr.apply("x", geom.Pose{X: 45, Y: 3.5}, soft)
	if soft.Lane != planner.LaneKeep {
		t.Errorf("soft left after the change: %+v", soft)
	}
	right := &planner.Guidance{Lane: planner.LaneChangeRight}
	tr.apply("x", geom.Pose{X: 50, Y: 3.5}, right)
	if right.Lane != planner.LaneChangeRight {
		t.Errorf("right after a left change: %v, want it left as asked", right.Lane)
	}
	// No map: nothing changes.
	var none changeTracker
	g := left()
	none.apply("x", geom.Pose{}, g)
	none.apply("x", geom.Pose{X: 45, Y: 3.5}, g)
	if g.Lane != planner.LaneChangeLeft {
		t.Error("a tracker without a map changed the guidance")
	}
}
