package sim

import (
	"fmt"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// crowdScenario is a straight 12-lane, 1.5 km road with n vehicles spread over the lanes around the ego.
func crowdScenario(n int) *scenarios.Scenario {
	const lanes, length = 12, 1500.0
	m := scenarios.Map{Roadblocks: []scenarios.Roadblock{{ID: "rb"}}}
	for k := 0; k < lanes; k++ {
		y := float64(k) * 3.5
		var c, l, r []geom.Vec2
		for x := 0.0; x <= length; x += 10 {
			c = append(c, geom.V(x, y))
			l = append(l, geom.V(x, y+1.75))
			r = append(r, geom.V(x, y-1.75))
		}
		id := fmt.Sprintf("l%d", k)
		m.Lanes = append(m.Lanes, scenarios.Lane{ID: id, Roadblock: "rb", Centerline: c, Left: l, Right: r, SpeedLimit: 15})
		m.Roadblocks[0].Lanes = append(m.Roadblocks[0].Lanes, id)
	}
	sc := &scenarios.Scenario{
		Version: scenarios.FormatVersion, ID: fmt.Sprintf("crowd%d", n), Type: "near_multiple_vehicles", DT: 0.1,
		Horizon: 15, Map: m, Route: []string{"rb"}, Expert: cruise(300, 10, 231), Goal: geom.Pose{X: 450},
	}
	perLane := (n + lanes - 1) / lanes
	spacing := 180.0 / float64(perLane)
	for i := 0; i < n; i++ {
		lane, slot := i%lanes, i/lanes
		x := 220 + float64(slot)*spacing
		if lane == 0 && x > 290 && x < 320 {
			x += 40
		}
		sc.Tracks = append(sc.Tracks, track(fmt.Sprintf("v%d", i), x, float64(lane)*3.5, 8+float64(i%5), 231))
	}
	return sc
}

// BenchmarkStep measures one simulation step (planner excluded: it holds the ego still) with reactive IDM
// agents, for 10, 100 and 500 vehicles.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			sc := crowdScenario(n)
			var s *Simulation
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if s == nil || s.Done() {
					b.StopTimer()
					var err error
					if s, err = New(sc, stopPlanner{}, Config{Agents: Reactive}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := s.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
