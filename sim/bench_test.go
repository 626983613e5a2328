package sim

import (
	"fmt"
	"math"
	"testing"
	"time"

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
	// Spread the vehicles over 1.2 km of road (36 m apart per lane at 500 vehicles); the ego sits in the
	// middle, so that all of them stay within the 100 m agent radius only for small counts.
	perLane := (n + lanes - 1) / lanes
	spacing := math.Min(40, 1200.0/float64(perLane))
	for i := 0; i < n; i++ {
		lane, slot := i%lanes, i/lanes
		x := 300 - float64(perLane)*spacing/2 + float64(slot)*spacing
		if lane == 0 && x > 290 && x < 320 {
			x += 40
		}
		sc.Tracks = append(sc.Tracks, track(fmt.Sprintf("v%d", i), x, float64(lane)*3.5, 8+float64(i%5), 231))
	}
	return sc
}

// BenchmarkStep measures simulation steps (planner excluded: it holds the ego still) with 10, 100 and 500
// vehicles, replayed or driven by IDM. In reactive mode, agents further than 100 m from the ego are removed
// as in nuPlan; active_agents reports how many IDM agents the step really drove.
func BenchmarkStep(b *testing.B) {
	for _, mode := range []AgentMode{NonReactive, Reactive, ReactiveNuPlan} {
		for _, n := range []int{10, 100, 500} {
			benchStep(b, mode, n)
		}
	}
}

func benchStep(b *testing.B, mode AgentMode, n int) {
	b.Run(fmt.Sprintf("%s/agents=%d", mode, n), func(b *testing.B) {
		sc := crowdScenario(n)
		sc.Map.Index()
		active, steps := 0, 0
		b.ReportAllocs()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			s, err := New(sc, stopPlanner{}, Config{Agents: mode})
			if err != nil {
				b.Fatal(err)
			}
			for !s.Done() {
				if err := s.Step(); err != nil {
					b.Fatal(err)
				}
				if s.reactive != nil {
					for k := range s.reactive.agents {
						if s.reactive.agents[k].active {
							active++
						}
					}
				}
				if s.nuplan != nil {
					for k := range s.nuplan.agents {
						if s.nuplan.agents[k].active {
							active++
						}
					}
				}
				steps++
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(steps), "ns/step")
		b.ReportMetric(float64(active)/float64(steps), "active_agents")
	})
}
