// Package planner defines the planner interface in nuPlan's words (Initialize with the map, route and goal;
// ComputeTrajectory from the current input with 2 s of history) and the planners themselves:
//
//   - PDM, a PDM-Closed-class planner (registered as "pdm"): 15 IDM proposals along the route centerline
//     at three lateral offsets, rolled out through the simulator's own LQR tracker and bicycle model
//     (package dynamics) and scored with nuPlan's metric kernels (package metrics), with an emergency brake.
//     It takes optional Guidance (lane change, speed cap, stop, weights) with its age.
//   - IDM, nuPlan's IDM baseline ("idm", integrated in 0.1 s steps; "idm_nuplan", exactly as nuPlan runs it),
//     and LogReplay, the expert ("log_replay").
//   - Brake, which only brakes hard from the first tick (not registered): the reference that tells a
//     collision braking could have avoided from one it could not (sim.UnavoidableCollision).
//
// Planners are created by name with New; Names lists them. Runtime runs any planner at a fixed rate on wall
// time with a per-tick deadline and safe fallbacks, for embedding in vehicle software.
//
// A planner returns a Trajectory of rear-axle states starting at the current time; the simulator (or the
// vehicle) follows it with the LQR tracker of package dynamics. docs/planner.md describes the design.
package planner
