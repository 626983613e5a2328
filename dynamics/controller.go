package dynamics

// Controller is nuPlan's two-stage ego controller (TwoStageController with the LQR tracker and the kinematic
// bicycle model, config/simulation/ego_controller/two_stage_controller.yaml): every step the tracker turns the
// planned trajectory into an acceleration and steering-rate command and the motion model propagates the ego
// under it. It holds the tracker's workspace, so it is not safe for concurrent use.
type Controller struct {
	tracker LQRTracker
	vehicle VehicleParams
}

// NewController returns a two-stage controller for vehicle v with nuPlan's default LQR tuning. It panics if
// v.Wheelbase is not positive.
func NewController(v VehicleParams) *Controller {
	return NewControllerLQR(DefaultLQR(), v)
}

// NewControllerLQR returns a two-stage controller with tracker tuning p. It panics as NewLQRTracker does.
func NewControllerLQR(p LQRParams, v VehicleParams) *Controller {
	c := &Controller{vehicle: v}
	c.tracker.init(p, v)
	return c
}

// Vehicle returns the vehicle the controller propagates.
func (c *Controller) Vehicle() VehicleParams { return c.vehicle }

// Tracker returns the controller's tracker (it shares the controller's workspace).
func (c *Controller) Tracker() *LQRTracker { return &c.tracker }

// Step returns the ego state dt seconds after s when following traj, as nuPlan's
// TwoStageController.update_state: the tracker's command for s and traj, then VehicleParams.Propagate. It
// allocates nothing once the workspace fits traj (trajectories up to about 25 s at the default tuning never
// grow it).
func (c *Controller) Step(s State, traj Trajectory, dt float64) State {
	return c.vehicle.Propagate(s, c.tracker.Command(s, traj), dt)
}

// SetReference prepares traj for StepReference (see LQRTracker.SetReference): fitting the reference once and
// stepping many times gives the same states as calling Step with the same traj every time, for less work.
func (c *Controller) SetReference(traj Trajectory) { c.tracker.SetReference(traj) }

// StepReference is Step with the trajectory last given to SetReference.
func (c *Controller) StepReference(s State, dt float64) State {
	return c.vehicle.Propagate(s, c.tracker.CommandReference(s), dt)
}

// Rollout simulates steps steps of dt seconds from s following traj (fitted once) and appends the states after
// each step to dst, which it returns; it allocates only if dst lacks capacity. It stops early after a state that
// is not finite (that state is appended).
func (c *Controller) Rollout(dst []State, s State, traj Trajectory, dt float64, steps int) []State {
	c.tracker.SetReference(traj)
	for i := 0; i < steps; i++ {
		s = c.StepReference(s, dt)
		dst = append(dst, s)
		if !s.IsFinite() {
			break
		}
	}
	return dst
}
