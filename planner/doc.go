// Package planner defines the planner interface in nuPlan's words (Initialize with the map, route and goal;
// ComputeTrajectory from the current input with 2 s of history) and the planners themselves: the log-replay
// expert and nuPlan's IDM baseline. Planners are created by name with New; Names lists them.
//
// A planner returns a Trajectory of rear-axle states starting at the current time; the simulator (or the
// vehicle) follows it with the LQR tracker of package dynamics.
package planner
