// Package sim runs closed-loop simulations in virtual time, as nuPlan's simulation loop does: every 0.1 s
// the planner plans from the current state and history, the ego follows the plan through the LQR tracker and
// kinematic bicycle model (package dynamics), and the other road users either replay their log
// (NonReactive) or are driven by IDM along their lanes, stopping at red lights and reacting to the ego
// (Reactive, with the project's additions: yielding inside junctions, the pace each keeps from its log, the
// logged lane changes made into safe gaps; ReactiveNuPlan re-implements nuPlan's IDM agents themselves, see
// nuplan_agents.go). Where a lane ends at the edge of a recorded map, agents drive on, as the ego may. The finished run is scored with nuPlan's metrics (package metrics).
// UnavoidableCollision tells an at-fault collision that braking hard from the start could not have avoided
// (the scenario's) from the planner's.
//
// Time is virtual: an EventQueue orders the planner ticks (and, in later components, the guide's results and
// perception messages) by virtual time, so the same inputs give byte-identical results on any machine.
// Planner runtime is measured on the wall clock and reported, but never changes the outcome.
package sim
