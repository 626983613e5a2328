// Package gen is the procedural nuPlan-style scenario generator: it builds a road network from parameters
// drawn from a seed, fills it with traffic, pedestrians and static objects, drives everyone (the expert ego
// included) with a deterministic microsimulation at 10 Hz, and writes the result as a scenarios.Scenario of
// one of the 14 nuPlan challenge types.
//
// # API
//
// Generate(typ, index, seed) makes one scenario; Suite(perType, seed) lists the specs of a suite (the default
// one is DefaultPerType = 20 scenarios of each of the 14 Types, seed DefaultSeed = 1, 280 in all) so that
// workers can generate them in parallel. The same (type, index, seed) always gives the same scenario, byte for
// byte once encoded (on one architecture: the float arithmetic is the same everywhere Go does not fuse
// multiply-adds, e.g. amd64). Every scenario has DT 0.1 s, a 15 s horizon, and an expert log and tracks of
// 231 frames (15 s plus 8 s of future for log-replay planners); the route runs to the end of the generated
// road, the goal is the expert's final pose, Source is "gen seed=<seed>" and Instructions are AsyncDriver-style
// routing texts ("turn left in 40 meters", "go straight", "keep going", "change to the left lane").
//
// The instruction types (InstructionTypes; InstructionSuite, GenerateInstruction, and Generate for their
// names; docs/instructions.md) are scenarios where only the instruction says what to do: a route that
// branches, a pickup stop, an operator's lane change or slow-down. They set Scenario.RouteShown (a planner is
// initialized with Scenario.PlannerMission(): the route up to the branch, no goal) and StopZone;
// CheckInstructions says whether a drive followed the instructions.
//
// # Randomness and retries
//
// Each draw has its own math/rand/v2 PCG generator seeded from an FNV-1a hash of the type, the index, the seed
// and an attempt number; nothing depends on map iteration order. After simulating, the generator checks its
// own expert as nuPlan would score it (no overlap with any track, every footprint corner within 0.25 m of the
// drivable area, speed within the limit, comfort by raw finite differences of the log, no time to collision
// under 0.95 s with a vehicle ahead, at least 0.3 m of clearance to any static object, parked vehicle or
// cyclist it passes alongside), that no two vehicles overlap, and that the log shows the type's
// situation; a draw that passes is then replayed once through the simulator's tracker, as log_replay replays
// it, and must keep nuPlan's time to collision there too (expertFailsTTC). A draw that fails is replaced by
// the next attempt (at most 12, the best one is kept). About one draw in six is redrawn; the default suite
// takes about 3.4 s on the two cores (asyncdrive gen).
//
// # Road builders (network.go, curve.go)
//
// Every curve is a curvature profile integrated exactly (straights, circular arcs and clothoids; Simpson's
// rule on the quadratic heading) and sampled every 0.5 m. A road is a reference line (the line between the two
// directions, optionally with a median) with 1-4 lanes per direction: lane centres and boundaries are exact
// normal offsets of the reference line at +-width/2, so adjacent lanes share their boundary point for point
// and the union of lane polygons has no gaps; roads are cut into lane segments of 50-110 m, each direction of
// a segment a roadblock, with successors, predecessors and left/right neighbours. Map polylines keep a sample
// about every 2 m (1 m where the heading turns fast). Road profiles come in four styles: straight, gentle
// urban bends (R 150-500 m), curvy S-bends (R 35-85 m with 22-35 m clothoids) and highway (R 900-2500 m);
// stretches that carry a crosswalk or a pickup/drop-off zone are kept straight.
//
// An intersection has 3 or 4 arms (roads pointing away from its centre, perpendicular up to a random skew
// of +-14 degrees, with bends further out). Each arm's mouth is set back from the centre far enough to
// clear its neighbours plus the crosswalk. Lane connectors go from every incoming lane straight on, from the
// innermost lane to the left and from the outermost lane to the right; each is a symmetric
// clothoid-arc-clothoid turn between the two lane ends (a straight piece first or last when the tangent
// lengths differ), so curvature is continuous everywhere. Connectors of one movement form a connector
// roadblock. The junction's drivable polygon is the convex hull of the arm mouths (with a 0.5 m shoulder).
// Signalised junctions have a traffic light per arm over its connectors, run by a two-group fixed-time plan
// (green 12-25 s, yellow 3-4 s, all-red 1-2 s) and traffic_light stop lines at the lane ends; others have
// stop_sign stop lines (an all-way stop). Crosswalks lie inside the junction just beyond the stop lines, with
// walkways on both sides; mid-block crosswalks have crosswalk stop lines. Pickup/drop-off zones are
// drivable polygons beside the outer lane, tapered at both ends.
//
// # Microsimulation (sim.go)
//
// Vehicles follow paths of lanes (spans of lane centrelines in path stations; the ego's reference point is
// its rear axle, the others' their box centre). Each step every vehicle takes the smallest of its IDM
// accelerations (idm package; agents with nuPlan-like parameters drawn around a 1.0-1.5 m/s^2 maximum, 1.1-1.8
// s headway; the ego, a human-like driver, 1.5-2.1 m/s^2 when pulling away (capped at 2.2), 1.2-1.5 s headway
// and a 2.5 m minimum gap) towards:
//   - its desired speed: a share of the speed limit, lowered ahead of curves (lateral acceleration and yaw
//     rate caps) and lower limits, with a kinematic braking term so that curves are entered at the cap;
//   - leaders on the lanes of its path, vehicles on connectors that merge into it (the one nearer the merge
//     point leads) and vehicles just past a fork on a sibling connector;
//   - red lights (and yellow ones it can stop for) at the stop line, stop signs (stop, wait 1.2 s, then go in
//     arrival order when no conflicting connector is in use), conflict zones of crossing connectors (occupied
//     zones always; permissive left turns also yield to oncoming vehicles that would arrive before they clear
//     the zone), pedestrians on or about to step onto a crosswalk it crosses, and scripted stops.
//
// then its actuator limits: a jerk limit (3.2 m/s^3 for the ego) and, for the ego, a deceleration the jerk
// limit can still bring to zero before it stops. Vehicles (the ego and some agents) change lanes into a gap
// (gap acceptance on both sides and the new follower's braking) along a quintic lateral blend over 3.5-5 s; the
// heading follows the blended path's derivative. Pedestrians wait at the kerb showing their intent (vehicles
// that can stop comfortably yield), step out when every approaching vehicle can stop (cautious ones when the
// nearest ones have), and walk across at 1.1-1.5 m/s. Traffic flows spawn at the network's entries; the
// first seconds (a 3-14 s warm-up) are simulated but not logged, so the scene is settled at t=0. The expert's
// state is its rear-axle pose, speed, acceleration and steering atan(wheelbase*curvature); tracks are the other
// objects' box-centre poses and velocities, each cut to its longest run within 100 m of the ego.
//
// Nudging (nudge.go): objects that stick out into a lane from its right edge (isBlocker: cars parked at the
// kerb, vans or cars stopped half in a pickup/drop-off zone with their hazard lights on, cones in front of
// road works, cyclists riding at the lane's edge) are passed by every vehicle, the ego included, with a
// lateral shift to the left: a quintic offset of the path over about 4 s of travel (at least 14 m), held while
// an object is alongside or close ahead, and a quintic return; the heading, curvature (steering) and speed
// along the shifted path are exact. The shift keeps 0.55 m (the ego; agents 0.4 m, 0.3 m more from cyclists)
// of clearance and may reach 0.6 m over the lane line when the lane to the left is a lane of either direction
// (else it stays in the lane). It starts only when the lane to the left is clear for the manoeuvre (no
// same-direction vehicle alongside, no oncoming vehicle meeting it while it is more than 0.15 m over the
// line); otherwise the vehicle waits 9 m behind a stopped object (room to pull out from standstill) or
// follows the cyclist. Passing speed is capped at max(7.5, object speed + 3.5) m/s.
//
// Cut-ins (addCutIn): a car in a neighbouring lane, a little ahead of the ego and stuck behind a slower car,
// signals and changes into the ego's lane over 3-4.2 s as soon as the gap to the ego is 0.9-1.4 s (and the
// ego would brake at most 2.2 m/s^2 for it). The ego, seeing it signal (from 1.2 s before its lane-change
// window), eases off (at most 1 m/s^2) and so opens the gap, as a courteous driver does.
//
// Finally the scene may be mirrored into left-hand traffic and is moved to a random pose (rotation and a
// translation of up to 3 km) so that nothing is axis-aligned, and coordinates are rounded to 0.1 mm.
//
// # Recipes (recipes.go)
//
//   - starting_left_turn, starting_right_turn, starting_straight_traffic_light_intersection_traversal: a 4-way
//     (or T) junction, signalised (60%, always for the straight type) or all-way stop. The ego approaches the
//     stop line during the warm-up (sometimes behind one car) and waits for green (0-4.5 s after t=0) or its
//     turn at the stop sign; then it turns left (from the inner lane, yielding to oncoming traffic; a short
//     green so that it turns at the latest when the oncoming traffic stops for the yellow), turns right (from
//     the outer lane, yielding to pedestrians crossing the exit arm with the parallel green) or crosses. Cross
//     and oncoming traffic, turning agents, pedestrians crossing with their green. Left turns face a steady
//     oncoming stream (a vehicle every 2.5-5 s per lane at signals), so the ego waits for a real gap; turns
//     of either side meet pedestrians on the exit arm's crosswalk in about half the draws; at all-way stops
//     (70%) a queue of 1-3 cars already waits at a crossing arm's line and goes first, in arrival order.
//   - stopping_with_lead: a lead in the ego's lane brakes (1.6-2.8 m/s^2) to a stop about the start and stays
//     or moves off 5-13 s in (60%); or the lead stops at a signalised junction whose light turned yellow
//     before the start and stays red (40%). Checked at nuPlan's tag instant: at 3 s the ego, behind it, is
//     below 0.3 m/s, still braking, with the lead within 6 m.
//   - high_lateral_acceleration: a curvy road with S-bends; the ego takes them at a lateral acceleration of
//     2.3-3.0 m/s^2.
//   - high_magnitude_speed: a divided highway, 2-4 lanes each way, limit 25-30 m/s, sparse traffic, a cut-in
//     in 45% (half the draws); or a town arterial, 2-3 lanes each way, limit 30-45 mph, with a lead (50%) or
//     a cut-in (40%). Checked at nuPlan's tag instant: above 9 m/s at 3 s, with little acceleration.
//   - low_magnitude_speed: congestion: a queue in every lane whose head creeps at 0.5-1.1 m/s until after
//     3 s, then in stop-and-go waves (0.3-3.2 m/s) or, in 40%, picking up to 4-8 m/s. Checked at nuPlan's
//     tag instant: 0.3-1.2 m/s around 3 s, with little acceleration.
//   - traversing_pickup_dropoff: a pickup/drop-off zone beside the ego's lane with parked cars and cones; a car
//     ahead may pull into the zone and stop there. In 55% of the scenes whose ego lane has a lane to its left
//     (about 30-40% of all), a van or a car stopped for a pickup stands half in the zone and sticks 0.15-0.6 m
//     into the centre corridor (or a cyclist rides at the kerb), and the ego nudges past it.
//   - waiting_for_pedestrian_to_cross: a mid-block crosswalk; 1-3 pedestrians wait at the kerb as the ego comes
//     close, it stops, they cross in front of it, it goes on.
//   - behind_long_vehicle: a truck or bus (8-18 m) ahead in the ego's lane at 45-75% of the limit; in 35% a
//     longer gap to it and a car from the next lane cutting into it. Checked at nuPlan's tag instant, 3 s in
//     (see following_lane_with_lead): the long vehicle is then within 50 m ahead in the ego's lane.
//   - stationary_in_traffic: queues at a red light that turns green 4-12 s in, the ego in the middle one of
//     three lanes (60%), or a stopped jam on a road of three or four lanes, the ego in an inner one, that
//     releases 4.5-13.5 s in; the ego is stopped at the tail of its lane's queue at nuPlan's tag instant, 3 s
//     in, with the queues beside it reaching past it and, in 60%, a car stopped behind it (5-8 vehicles within
//     8 m).
//   - near_multiple_vehicles: dense slow traffic (4-6 vehicles per 100 m of lane) on 2-4 lanes each way, some
//     agents changing lanes; a targeted cut-in in front of the ego in 45% of the draws.
//   - changing_lane: 2-4 lanes; the ego changes once into a gap left for it in the neighbouring lane (to the
//     left past a slower lead, or to the right); in 30% a car from the lane on the other side cuts in first.
//     In half of the draws the change is one the route asks for: the ego approaches a signalised junction
//     (green from before it arrives) 65-110 m ahead in a lane with no connector for the route's movement (a
//     kerb lane that turns right only where the road beyond has a lane fewer, or the wrong lane for a turn),
//     and moves over into a gap in the lane beside it before the junction. Following its lane, as nuPlan's
//     IDM planner does, ends at the stop line.
//   - following_lane_with_lead: the ego follows a slower lead at 1.3-2.2 s on a straight or bending road. In
//     40% of the draws a parked car, a stopped van, cones or a cyclist at the kerb 20-55 m ahead of the ego
//     (in the kerb lane, with light traffic in the other lanes) that the lead and the ego pass by nudging; in
//     half of the others a car from the next lane cuts in. The type is checked where nuPlan tags it: nuPlan
//     cuts its scenarios from 3 s before the tagged moment (nuplan-devkit's scenario_mapping, extraction
//     offset -3 s), so the ego follows a moving lead within 55 m in its lane at 3 s (tagFrame); what happens
//     after that, a lead that gets away while the ego waits to pass the obstacle included, is the scenario.
//
// Each type varies lanes, widths (3.3-3.8 m), limits (urban 11-15.6 m/s, arterial 16-20, highway 25-30),
// curvature, densities, speeds and signal timing. Road scenes also get cyclists at the edge of other lanes and
// cones, barriers and cars parked on the shoulders; a quarter of all scenes are mirrored into left-hand
// traffic (for the turn types the mirror image of the other turn, so that starting_left_turn stays a left
// turn).
package gen
