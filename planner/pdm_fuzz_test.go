package planner

import (
	"encoding/binary"
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// fuzzReader hands out values decoded from fuzz bytes: floats that are mostly plausible driving values and
// sometimes NaN, infinities or extremes, small integers, booleans. It returns zeros once the bytes run out.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// float returns a value in [lo, hi] from two bytes, or, when the first byte says so, one of the hostile
// values a bad sensor or a corrupt message carries.
func (r *fuzzReader) float(lo, hi float64) float64 {
	sel := r.byte()
	switch sel {
	case 0xff:
		return math.NaN()
	case 0xfe:
		return math.Inf(1)
	case 0xfd:
		return math.Inf(-1)
	case 0xfc:
		return 1e300
	case 0xfb:
		return -1e300
	case 0xfa:
		return math.SmallestNonzeroFloat64
	}
	var two [2]byte
	two[0], two[1] = sel, r.byte()
	u := float64(binary.LittleEndian.Uint16(two[:])) / 65535
	return lo + u*(hi-lo)
}

func (r *fuzzReader) intn(n int) int { return int(r.byte()) % n }

func (r *fuzzReader) bool() bool { return r.byte()&1 == 1 }

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
		r := &fuzzReader{b: data}
		p := NewPDM(PDMConfig{})
		init := Initialization{Map: &sc.Map, Route: sc.Route, DT: 0.1, Goal: sc.Goal}
		if r.bool() {
			init.GoalWindow = &scenarios.TimeWindow{Start: r.float(-5, 30), End: r.float(-5, 30)}
		}
		if err := p.Initialize(init); err != nil {
			t.Fatalf("Initialize on the fixture: %v", err)
		}
		now := 0.0
		for tick := range 3 {
			now += r.float(-0.5, 1)
			in := &Input{Iteration: tick, Time: now}
			for k := range 1 + r.intn(4) {
				in.Ego = append(in.Ego, dynamics.State{
					Time:     now - 0.1*float64(k),
					Pose:     geom.Pose{X: r.float(-50, 700), Y: r.float(-20, 20), Heading: r.float(-7, 7)},
					Speed:    r.float(-5, 60),
					Accel:    r.float(-10, 10),
					Steering: r.float(-1, 1),
					YawRate:  r.float(-2, 2),
				})
			}
			for range 1 + r.intn(3) {
				var frame []scenarios.Object
				for i := range r.intn(6) {
					frame = append(frame, scenarios.Object{
						ID:   string(rune('a' + i)),
						Type: []scenarios.ObjectType{scenarios.Vehicle, scenarios.Pedestrian, scenarios.Bicycle, scenarios.StaticObject, "", "tram"}[r.intn(6)],
						Box: geom.Box{
							Center: geom.Pose{X: r.float(-50, 700), Y: r.float(-20, 20), Heading: r.float(-7, 7)},
							Length: r.float(-1, 20), Width: r.float(-1, 5),
						},
						Vel: geom.Vec2{X: r.float(-40, 40), Y: r.float(-40, 40)},
					})
				}
				in.Objects = append(in.Objects, frame)
			}
			for range r.intn(3) {
				in.Lights = append(in.Lights, LightStatus{Lane: r.intn(nLanes+2) - 1, State: []scenarios.LightState{scenarios.Green, scenarios.Yellow, scenarios.Red, scenarios.Unknown, ""}[r.intn(5)]})
			}
			if r.bool() {
				in.Guidance = &Guidance{
					Time:          now - r.float(-1, 10),
					Lane:          LaneIntent(r.intn(5)),
					LaneProbs:     [3]float64{r.float(-1, 2), r.float(-1, 2), r.float(-1, 2)},
					Turn:          TurnIntent(r.intn(5)),
					TurnProbs:     [3]float64{r.float(-1, 2), r.float(-1, 2), r.float(-1, 2)},
					SpeedCap:      r.float(-5, 40),
					TargetSpeed:   r.float(-5, 40),
					Stop:          r.bool(),
					StopProb:      r.float(-1, 2),
					PullOver:      r.bool(),
					PullOverProb:  r.float(-1, 2),
					Weights:       ProposalWeights{Progress: r.float(-5, 20), TTC: r.float(-5, 20), Comfort: r.float(-5, 20)},
					PreferredLane: []string{"", "a", "b", "nope"}[r.intn(4)],
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
