// Package dynamics is the ego vehicle's motion: the planned trajectory type, nuPlan's kinematic bicycle
// model and nuPlan's LQR trajectory tracker, joined as the "two-stage controller" that both the simulator and
// the planner (to roll out its proposals) use.
//
// Units are SI throughout: metres, seconds, radians (headings counter-clockwise from +X), m/s, m/s^2, rad/s.
// Poses are rear-axle poses, as in nuPlan.
//
// Provenance: the semantics follow nuplan-devkit's
// nuplan/planning/simulation/controller/two_stage_controller.py, tracker/lqr.py, tracker/tracker_utils.py,
// motion_model/kinematic_bicycle.py and the default tuning in
// config/simulation/ego_controller/tracker/lqr_tracker.yaml, re-implemented in Go. The regularised least
// squares fits of tracker_utils.py are solved here as equivalent banded systems (same minimiser, O(n) work);
// the remaining differences from nuPlan are listed on the functions that have them.
//
// The hot path (LQRTracker.Command, Controller.Step, VehicleParams.Propagate) allocates nothing in steady
// state. A tracker or controller holds a workspace and must not be shared between goroutines; create one
// per goroutine.
package dynamics
