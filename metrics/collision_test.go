package metrics

import (
	"fmt"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// placeEvery puts obj(i) into every frame of r.
func placeEvery(r *Run, obj func(i int) scenarios.Object) {
	for i := range r.Objects {
		r.Objects[i] = append(r.Objects[i], obj(i))
	}
}

func TestCollisionScenarios(t *testing.T) {
	type want struct {
		score   float64
		n       int           // collisions recorded
		typ     CollisionType // of the first collision
		atFault bool
		frame   int
	}
	cases := []struct {
		name  string
		build func(t *testing.T) *Run
		want  want
	}{
		{
			// Ego at 5 m/s from x=20; a car 8 m/s behind it catches up: its front (14+0.8i+2.25) reaches
			// ego's rear bumper (20+0.5i-1.127) at i = 9. Rear collision: not at fault.
			name: "rear-ended by a faster car",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(30, 20, 0, 5))
				placeEvery(r, func(i int) scenarios.Object { return car("v", 14+0.8*float64(i), 0, 0, 8, 0) })
				return r
			},
			want: want{score: 1, n: 1, typ: ActiveRearCollision, atFault: false, frame: 9},
		},
		{
			// Ego's front (24.049+0.5i) reaches a stopped car's rear (40-2.25) at i = 28: at fault, vehicle.
			name: "drives into a stopped car",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(40, 20, 0, 5))
				placeEvery(r, func(int) scenarios.Object { return car("v", 40, 0, 0, 0, 0) })
				return r
			},
			want: want{score: 0, n: 1, typ: StoppedTrackCollision, atFault: true, frame: 28},
		},
		{
			name: "hits one static object",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(60, 20, 0, 5))
				placeEvery(r, func(int) scenarios.Object { return object("cone1", scenarios.StaticObject, 35, 0, 0.5, 0, 0) })
				return r
			},
			want: want{score: 0.5, n: 1, typ: StoppedTrackCollision, atFault: true, frame: 22},
		},
		{
			name: "hits two static objects",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(60, 20, 0, 5))
				placeEvery(r, func(int) scenarios.Object { return object("cone1", scenarios.StaticObject, 35, 0, 0.5, 0, 0) })
				placeEvery(r, func(int) scenarios.Object { return object("cone2", scenarios.StaticObject, 45, 0, 0.5, 0, 0) })
				return r
			},
			want: want{score: 0, n: 2, typ: StoppedTrackCollision, atFault: true, frame: 22},
		},
		{
			// A pedestrian crossing at 1 m/s steps onto ego's front bumper at frame 5.
			name: "hits a crossing pedestrian",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(10, 20, 0, 5))
				front := egoFront(r.Ego[5].Pose.X)
				r.Objects[5] = []scenarios.Object{object("ped", scenarios.Pedestrian, front-0.1, 0, 0.6, 0, 1)}
				return r
			},
			want: want{score: 0, n: 1, typ: ActiveFrontCollision, atFault: true, frame: 5},
		},
		{
			name: "hits a standing pedestrian",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(10, 20, 0, 5))
				front := egoFront(r.Ego[5].Pose.X)
				r.Objects[5] = []scenarios.Object{object("ped", scenarios.Pedestrian, front-0.1, 0, 0.6, 0, 0)}
				return r
			},
			want: want{score: 0, n: 1, typ: StoppedTrackCollision, atFault: true, frame: 5},
		},
		{
			// A car in lane B brushes ego's left side while ego keeps to lane A: lateral, not at fault.
			name: "side-swiped while in lane",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(10, 20, 0, 5))
				cx := r.Ego[5].Pose.X + pacifica.RearAxleToCenter()
				r.Objects[5] = []scenarios.Object{car("v", cx, 2.1, 0, 5, 0)}
				return r
			},
			want: want{score: 1, n: 1, typ: ActiveLateralCollision, atFault: false, frame: 5},
		},
		{
			// The same contact while ego straddles the A/B boundary (centre on y=1.75): at fault.
			name: "side collision while straddling lanes",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(10, 20, 1.75, 5))
				cx := r.Ego[5].Pose.X + pacifica.RearAxleToCenter()
				r.Objects[5] = []scenarios.Object{car("v", cx, 1.75+pacifica.Width/2+1-0.05, 0, 5, 0)}
				return r
			},
			want: want{score: 0, n: 1, typ: ActiveLateralCollision, atFault: true, frame: 5},
		},
		{
			// Ego stands still; a car drives into its side: not at fault.
			name: "hit while stopped",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(10, 20, 0, 0))
				cx := r.Ego[5].Pose.X + pacifica.RearAxleToCenter()
				r.Objects[5] = []scenarios.Object{car("v", cx, 2.1, -1.5, 0, -3)}
				return r
			},
			want: want{score: 1, n: 1, typ: StoppedEgoCollision, atFault: false, frame: 5},
		},
		{
			// The same object touching at frames 5-6 and again at 9 counts once (nuPlan counts each object
			// once per scenario); a cone then is still the only at-fault collision: 0.5.
			name: "same object touched twice counts once",
			build: func(t *testing.T) *Run {
				r := newRun(t, straightRun(12, 20, 0, 5))
				for _, i := range []int{5, 6, 9} {
					front := egoFront(r.Ego[i].Pose.X)
					r.Objects[i] = []scenarios.Object{object("cone", scenarios.StaticObject, front-0.1, 0, 0.5, 0, 0)}
				}
				return r
			},
			want: want{score: 0.5, n: 1, typ: StoppedTrackCollision, atFault: true, frame: 5},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Evaluate(tc.build(t))
			if res.NoAtFaultCollisions != tc.want.score {
				t.Errorf("no_ego_at_fault_collisions = %v, want %v (collisions %+v)", res.NoAtFaultCollisions, tc.want.score, res.CollisionList())
			}
			if res.NumCollisions != tc.want.n || len(res.CollisionList()) != tc.want.n {
				t.Fatalf("%d collisions, want %d: %+v", res.NumCollisions, tc.want.n, res.CollisionList())
			}
			c := res.Collisions[0]
			if c.Type != tc.want.typ || c.AtFault != tc.want.atFault || c.Frame != tc.want.frame {
				t.Errorf("collision %v at fault %v frame %d, want %v %v %d", c.Type, c.AtFault, c.Frame, tc.want.typ, tc.want.atFault, tc.want.frame)
			}
			if tc.want.atFault && res.TimeToCollisionWithinBound != 0 {
				t.Errorf("an at-fault collision must fail TTC, got %v", res.TimeToCollisionWithinBound)
			}
		})
	}
}

func TestCollisionScore(t *testing.T) {
	thr := DefaultParams().CollisionThresholds
	cases := []struct {
		counts [NumClasses]int
		want   float64
	}{
		{[NumClasses]int{0, 0, 0}, 1},
		{[NumClasses]int{1, 0, 0}, 0},   // a VRU
		{[NumClasses]int{0, 1, 0}, 0},   // a vehicle
		{[NumClasses]int{0, 0, 1}, 0.5}, // one object
		{[NumClasses]int{0, 0, 2}, 0},   // two objects
		{[NumClasses]int{0, 0, 3}, 0},   // clamped at 0
	}
	for _, c := range cases {
		if got := CollisionScore(c.counts, thr); got != c.want {
			t.Errorf("CollisionScore(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
}

func TestClassifyCollisionKernel(t *testing.T) {
	rear := geom.Pose{X: 0, Y: 0, Heading: 0}
	box := pacifica.Footprint(rear)
	cases := []struct {
		name     string
		egoSpeed float64
		obj      scenarios.Object
		want     CollisionType
		inLane   bool
		atFault  bool
	}{
		{"ego stopped", 0.04, car("v", 6, 0, 0, 5, 0), StoppedEgoCollision, true, false},
		{"ego just moving", 0.06, car("v", 6, 0, 0, 0, 0), StoppedTrackCollision, true, true},
		{"track stopped", 5, car("v", 6, 0, 0, 0.05, 0), StoppedTrackCollision, true, true},
		{"static object moving?", 5, object("c", scenarios.StaticObject, 4, 0, 1, 3, 0), StoppedTrackCollision, true, true},
		{"behind", 5, car("v", -2, 0, 0, 8, 0), ActiveRearCollision, false, false},
		{"front", 5, car("v", 6, 0, 0, 2, 0), ActiveFrontCollision, true, true},
		{"lateral in lane", 5, car("v", 1.461, 2.1, 0, 5, 0), ActiveLateralCollision, true, false},
		{"lateral straddling", 5, car("v", 1.461, 2.1, 0, 5, 0), ActiveLateralCollision, false, true},
	}
	for _, c := range cases {
		got := ClassifyCollision(rear, box, c.egoSpeed, &c.obj, 0.05)
		if got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if af := AtFault(got, c.inLane); af != c.atFault {
			t.Errorf("%s: at fault %v, want %v", c.name, af, c.atFault)
		}
	}
}

func TestEgoDeltaV(t *testing.T) {
	o := car("v", 0, 0, 0, 0, 0)
	if got := EgoDeltaV(10, 0, &o); !near(got, 5, 1e-12) {
		t.Errorf("into a stopped car at 10 m/s: %v, want 5", got)
	}
	o = car("v", 0, 0, 0, 10, 0)
	if got := EgoDeltaV(10, 0, &o); !near(got, 0, 1e-9) {
		t.Errorf("same velocity: %v, want 0", got)
	}
}

func TestResultComparableAndManyCollisions(t *testing.T) {
	// Twelve cones in a row: all counted, the first MaxCollisions described; results compare with ==.
	build := func() *Run {
		r := newRun(t, straightRun(80, 20, 0, 5))
		for k := range 12 {
			placeEvery(r, func(int) scenarios.Object {
				return object(fmt.Sprintf("cone%d", k), scenarios.StaticObject, 30+2*float64(k), 0, 0.3, 0, 0)
			})
		}
		return r
	}
	a, b := Evaluate(build()), Evaluate(build())
	if a != b {
		t.Error("two evaluations of the same run differ")
	}
	if a.NumCollisions != 12 || a.AtFaultCounts[ClassObject] != 12 || len(a.CollisionList()) != MaxCollisions || a.NoAtFaultCollisions != 0 {
		t.Errorf("12 cones: %d collisions (%v at fault), %d listed, score %v", a.NumCollisions, a.AtFaultCounts, len(a.CollisionList()), a.NoAtFaultCollisions)
	}
	if a.Collisions[MaxCollisions-1].ObjectID != fmt.Sprintf("cone%d", MaxCollisions-1) {
		t.Errorf("last listed collision %q", a.Collisions[MaxCollisions-1].ObjectID)
	}
}
