package planner_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// straightRoad is a 300 m one-lane road along +X, the whole route.
func straightRoad() *scenarios.Map {
	var c, l, r []geom.Vec2
	for x := 0.0; x <= 300; x += 10 {
		c, l, r = append(c, geom.V(x, 0)), append(l, geom.V(x, 1.75)), append(r, geom.V(x, -1.75))
	}
	return &scenarios.Map{
		Lanes:      []scenarios.Lane{{ID: "lane", Roadblock: "rb", Centerline: c, Left: l, Right: r, SpeedLimit: 15}},
		Roadblocks: []scenarios.Roadblock{{ID: "rb", Lanes: []string{"lane"}}},
	}
}

// vehicle stands in for the vehicle software: its state estimate and perception, updated by other
// goroutines, and the controller that receives the trajectories.
type vehicle struct {
	mu     sync.Mutex
	ego    dynamics.State
	lead   scenarios.Object
	guide  *planner.Guidance
	plans  int
	done   context.CancelFunc
	report []string
}

// Read copies the latest state into the planner input (the runtime's buffers, reused every tick).
func (v *vehicle) Read(in *planner.Input) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	ego := v.ego
	ego.Time = in.Time
	in.Ego = append(in.Ego[:0], ego)
	if len(in.Objects) == 0 {
		in.Objects = make([][]scenarios.Object, 1)
	}
	in.Objects[0] = append(in.Objects[0][:0], v.lead)
	in.Guidance = v.guide
	return nil
}

// Publish hands the trajectory to the controller (here: notes what it says).
func (v *vehicle) Publish(traj dynamics.Trajectory, tick planner.TickInfo) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.plans < 3 {
		end := traj[len(traj)-1]
		v.report = append(v.report, fmt.Sprintf("tick %d: %s, %d points over %.1f s, %.1f m/s at the end",
			v.plans, tick.Status, len(traj), end.Time-traj[0].Time, end.Speed))
	}
	v.plans++
	if v.plans == 3 {
		v.done()
	}
}

// Vehicle software embeds the PDM planner in a 10 Hz runtime: the runtime reads the latest state every tick,
// plans within the deadline and publishes the trajectory, falling back to the last valid trajectory or a
// comfortable stop when the planner fails or is late. Here a car stands 30 m ahead of the ego, and a guide
// caps the speed at 8 m/s.
func ExampleRuntime() {
	m := straightRoad()
	// The vehicle's controller follows the trajectory itself (not nuPlan's LQR tracker): brakes as stops.
	pdm := planner.NewPDM(planner.PDMConfig{StopProfileBrake: true})
	if err := pdm.Initialize(planner.Initialization{Map: m, Route: []string{"rb"}}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v := &vehicle{
		ego:   dynamics.State{Pose: geom.Pose{X: 20}, Speed: 6},
		lead:  scenarios.Object{ID: "car", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: 56}, Length: 4.5, Width: 2}},
		guide: &planner.Guidance{SpeedCap: 8},
		done:  cancel,
	}
	rt, err := planner.NewRuntime(pdm, v, v, planner.RuntimeConfig{Period: 100 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := rt.Run(ctx); err != context.Canceled {
		fmt.Println("run:", err)
	}
	for _, line := range v.report {
		fmt.Println(line)
	}
	st := rt.Stats()
	fmt.Printf("%d trajectories planned, %d fallbacks\n", st.Planned, st.Shifted+st.Stopped+st.None)
	// Output:
	// tick 0: planned, 81 points over 8.0 s, 0.2 m/s at the end
	// tick 1: planned, 81 points over 8.0 s, 0.2 m/s at the end
	// tick 2: planned, 81 points over 8.0 s, 0.2 m/s at the end
	// 3 trajectories planned, 0 fallbacks
}
