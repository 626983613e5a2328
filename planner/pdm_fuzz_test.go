package planner

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/internal/fuzzbytes"
	"asyncdrive/scenarios"
)

// FuzzPDMTick feeds the PDM planner a few ticks of arbitrary inputs on the fixture road: ego states and
// histories, objects of any type, size and velocity, light states, guidance of any age and content, and
// clocks that jump or run backwards (dropped and reordered messages). Whatever comes in, the planner must not
// panic, and a trajectory it returns without an error must be 81 finite points, 0.1 s apart, from the input
// time.
func FuzzPDMTick(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0\x01\x02\x03"))
	f.Add([]byte("\xff\xfe\xfd\xfc\xfb\xfa\xff\xff\xfe\xfe\x00\x01"))
	f.Add(make([]byte, 256))
	sc := fixtureScenario(300, 10, 10)
	nLanes := len(sc.Map.Lanes)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzbytes.New(data)
		p := NewPDM(PDMConfig{})
		init := Initialization{Map: &sc.Map, Route: sc.Route, DT: 0.1, Goal: sc.Goal}
		if r.Bool() {
			init.GoalWindow = &scenarios.TimeWindow{Start: r.Float(-5, 30), End: r.Float(-5, 30)}
		}
		if err := p.Initialize(init); err != nil {
			t.Fatalf("Initialize on the fixture: %v", err)
		}
		now := 0.0
		for tick := range 3 {
			now += r.Float(-0.5, 1)
			in := &Input{Iteration: tick, Time: now}
			for k := range 1 + r.Intn(4) {
				in.Ego = append(in.Ego, dynamics.State{
					Time:     now - 0.1*float64(k),
					Pose:     geom.Pose{X: r.Float(-50, 700), Y: r.Float(-20, 20), Heading: r.Float(-7, 7)},
					Speed:    r.Float(-5, 60),
					Accel:    r.Float(-10, 10),
					Steering: r.Float(-1, 1),
					YawRate:  r.Float(-2, 2),
				})
			}
			for range 1 + r.Intn(3) {
				var frame []scenarios.Object
				for i := range r.Intn(6) {
					frame = append(frame, scenarios.Object{
						ID:   string(rune('a' + i)),
						Type: []scenarios.ObjectType{scenarios.Vehicle, scenarios.Pedestrian, scenarios.Bicycle, scenarios.StaticObject, "", "tram"}[r.Intn(6)],
						Box: geom.Box{
							Center: geom.Pose{X: r.Float(-50, 700), Y: r.Float(-20, 20), Heading: r.Float(-7, 7)},
							Length: r.Float(-1, 20), Width: r.Float(-1, 5),
						},
						Vel: geom.Vec2{X: r.Float(-40, 40), Y: r.Float(-40, 40)},
					})
				}
				in.Objects = append(in.Objects, frame)
			}
			for range r.Intn(3) {
				in.Lights = append(in.Lights, LightStatus{Lane: r.Intn(nLanes+2) - 1, State: []scenarios.LightState{scenarios.Green, scenarios.Yellow, scenarios.Red, scenarios.Unknown, ""}[r.Intn(5)]})
			}
			if r.Bool() {
				in.Guidance = &Guidance{
					Time:          now - r.Float(-1, 10),
					Lane:          LaneIntent(r.Intn(5)),
					LaneProbs:     [3]float64{r.Float(-1, 2), r.Float(-1, 2), r.Float(-1, 2)},
					Turn:          TurnIntent(r.Intn(5)),
					TurnProbs:     [3]float64{r.Float(-1, 2), r.Float(-1, 2), r.Float(-1, 2)},
					SpeedCap:      r.Float(-5, 40),
					TargetSpeed:   r.Float(-5, 40),
					Stop:          r.Bool(),
					StopProb:      r.Float(-1, 2),
					PullOver:      r.Bool(),
					PullOverProb:  r.Float(-1, 2),
					Weights:       ProposalWeights{Progress: r.Float(-5, 20), TTC: r.Float(-5, 20), Comfort: r.Float(-5, 20)},
					PreferredLane: []string{"", "a", "b", "nope"}[r.Intn(4)],
				}
			}
			tr, err := p.ComputeTrajectory(in)
			if err != nil {
				continue
			}
			if len(tr) != 81 {
				t.Fatalf("tick %d: %d points, want 81", tick, len(tr))
			}
			for k, q := range tr {
				if !q.Pose.IsFinite() || !finite(q.Speed) || !finite(q.Accel) || !finite(q.Time) {
					t.Fatalf("tick %d: point %d not finite: %+v", tick, k, q)
				}
				if want := in.Time + 0.1*float64(k); math.Abs(q.Time-want) > 1e-6*max(1, math.Abs(want)) {
					t.Fatalf("tick %d: point %d at %v s, want %v", tick, k, q.Time, want)
				}
			}
		}
	})
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
