package commonroad

import (
	"math"
	"strings"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// reachScenario is a straight road along +X: lane "a" from x=0 to 200 posted at 10 m/s, then lane "b" to 400
// posted at limitB; the ego starts at x=0 at speed v0.
func reachScenario(v0, limitB float64) *scenarios.Scenario {
	lane := func(id string, x0, x1, limit float64) scenarios.Lane {
		var c, l, r []geom.Vec2
		for x := x0; x <= x1; x += 10 {
			c, l, r = append(c, geom.V(x, 0)), append(l, geom.V(x, 1.75)), append(r, geom.V(x, -1.75))
		}
		return scenarios.Lane{ID: id, Roadblock: "rb_" + id, Centerline: c, Left: l, Right: r, SpeedLimit: limit}
	}
	a, b := lane("a", 0, 200, 10), lane("b", 200, 400, limitB)
	a.Successors = []string{"b"}
	return &scenarios.Scenario{
		Map: scenarios.Map{Lanes: []scenarios.Lane{a, b}, Roadblocks: []scenarios.Roadblock{
			{ID: "rb_a", Lanes: []string{"a"}}, {ID: "rb_b", Lanes: []string{"b"}}}},
		Route:  []string{"rb_a", "rb_b"},
		Expert: []scenarios.EgoState{{Pose: geom.Pose{}, Speed: v0}},
	}
}

// box is a goal region 10 m long around x.
func box(x float64) Region {
	return Region{Polygon: []geom.Vec2{{X: x - 5, Y: -2}, {X: x + 5, Y: -2}, {X: x + 5, Y: 2}, {X: x - 5, Y: 2}}}
}

// TestGoalUnreachable: the reachability test finds the goals that no car could meet on the empty road within
// the posted limits, and only those.
func TestGoalUnreachable(t *testing.T) {
	iv := func(a, b float64) *Interval { return &Interval{Min: a, Max: b} }
	for _, tc := range []struct {
		name        string
		v0, limitB  float64
		gs          GoalState
		unreachable string // "" reachable; else a part of the reason
	}{
		{"in reach", 10, 10, GoalState{TimeStart: 2, TimeEnd: 3, Regions: []Region{box(25)}}, ""},
		{"too far at the limit", 10, 10, GoalState{TimeStart: 2, TimeEnd: 3, Regions: []Region{box(100)}}, "level with the region"},
		{"faster than the limit", 10, 10, GoalState{TimeStart: 0, TimeEnd: 20, Regions: []Region{box(100)}, Velocity: iv(12, 14)}, "at [12.00, 14.00] m/s"},
		{"handed over faster", 13, 10, GoalState{TimeStart: 0, TimeEnd: 3, Regions: []Region{box(30)}, Velocity: iv(12, 14)}, ""},
		{"the next lane's limit", 10, 20, GoalState{TimeStart: 0, TimeEnd: 30, Regions: []Region{box(300)}, Velocity: iv(18, 20)}, ""},
		{"stopping in time", 10, 10, GoalState{TimeStart: 2, TimeEnd: 4, Regions: []Region{box(12)}, Velocity: iv(0, 0.5)}, ""},
		{"not stopping in time", 10, 10, GoalState{TimeStart: 0, TimeEnd: 1, Regions: []Region{box(5)}, Velocity: iv(0, 0.5)}, "at [0.00, 0.50] m/s"},
		{"window over", 10, 10, GoalState{TimeStart: -3, TimeEnd: -1}, "is over before the run starts"},
		{"not a number", 10, 10, GoalState{TimeStart: math.NaN(), TimeEnd: 3, Regions: []Region{box(100)}}, ""},
		{"an absurd limit", 10, 1e9, GoalState{TimeStart: 0, TimeEnd: 30, Regions: []Region{box(390)}, Velocity: iv(20, 90)}, ""},
		{"region off the route", 10, 10, GoalState{TimeStart: 0, TimeEnd: 0.5, Regions: []Region{{Polygon: []geom.Vec2{{X: 90, Y: 40}, {X: 100, Y: 40}, {X: 100, Y: 50}}}}}, ""},
	} {
		g := Goal{States: []GoalState{tc.gs}}
		g.checkReach(reachScenario(tc.v0, tc.limitB))
		got := g.Unreachable()
		if (got == "") != (tc.unreachable == "") || !strings.Contains(got, tc.unreachable) {
			t.Errorf("%s: Unreachable() = %q, want %q", tc.name, got, tc.unreachable)
		}
	}
	// One reachable state is enough.
	g := Goal{States: []GoalState{{TimeStart: 2, TimeEnd: 3, Regions: []Region{box(100)}}, {TimeStart: 2, TimeEnd: 3, Regions: []Region{box(25)}}}}
	if g.checkReach(reachScenario(10, 10)); g.Unreachable() != "" {
		t.Errorf("two states, the second reachable: %q", g.Unreachable())
	}
}
