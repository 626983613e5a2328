package dynamics_test

import (
	"fmt"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

// A straight plan at 10 m/s, an ego starting 1 m to its left: the two-stage controller steers back onto it.
func ExampleController_Step() {
	var plan dynamics.Trajectory
	for i := 0; i <= 150; i++ {
		t := 0.1 * float64(i)
		plan = append(plan, dynamics.TrajectoryPoint{Time: t, Pose: geom.Pose{X: 10 * t}, Speed: 10})
	}
	c := dynamics.NewController(dynamics.Pacifica())
	s := dynamics.State{Pose: geom.Pose{Y: 1}, Speed: 10}
	for s.Time < 10-1e-9 {
		s = c.Step(s, plan, 0.1)
	}
	fmt.Printf("after %.0f s: %.0f m along, %.2f m off, %.1f m/s\n", s.Time, s.Pose.X, s.Pose.Y, s.Speed)
	// Output: after 10 s: 100 m along, 0.02 m off, 10.0 m/s
}
