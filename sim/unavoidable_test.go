package sim

import (
	"testing"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// cutIn returns a car at 6 m/s that starts alongside the ego's start in lane b, its rear 1 m ahead of the
// ego's front, and cuts into lane a over the first second: the ego at 10 m/s closes on it.
func cutIn(n int) scenarios.Track {
	t := scenarios.Track{ID: "cutter", Type: scenarios.Vehicle, Length: 4.5, Width: 2}
	x0, v := 10+4.049+1+2.25, 6.0
	for i := 0; i < n; i++ {
		tt := float64(i) * 0.1
		y := 3.5 * (1 - geom.Smoothstep(tt))
		t.States = append(t.States, scenarios.AgentState{Pose: geom.Pose{X: x0 + v*tt, Y: y}, VX: v})
	}
	return t
}

func TestUnavoidableCollision(t *testing.T) {
	for _, tc := range []struct {
		name   string
		track  scenarios.Track
		id     string
		scenes bool // the scenario's collision
	}{
		{"a slower car cutting in 1 m ahead", cutIn(231), "cutter", true},
		{"a car standing 40 m ahead", track("parked", 50, 0, 0, 231), "parked", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := testScenario()
			sc.Tracks = []scenarios.Track{tc.track}
			res, err := Run(sc, planner.NewLogReplay(sc), Config{})
			if err != nil {
				t.Fatal(err)
			}
			hit := false
			for _, c := range res.Metrics.CollisionList() {
				hit = hit || c.AtFault && c.ObjectID == tc.id
			}
			if !hit {
				t.Fatalf("the replayed expert, cruising at 10 m/s, did not run into %s at fault: %+v", tc.id, res.Metrics.CollisionList())
			}
			at, ok, err := UnavoidableCollision(sc, Config{}, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.scenes {
				t.Fatalf("UnavoidableCollision = %v (at %.1f s), want %v", ok, at, tc.scenes)
			}
			if ok && (at < 0.3 || at > 2) {
				t.Errorf("braking, the ego meets the car cutting in at %.1f s, want within its first 2 s", at)
			}
		})
	}
	if _, ok, err := UnavoidableCollision(testScenario(), Config{}, "no such object"); ok || err != nil {
		t.Errorf("an object that is not there: %v, %v; want false, nil", ok, err)
	}
}
