// Package commonroad imports CommonRoad XML scenarios (format 2020a, and 2018b's older element names; plain or
// gzip-compressed) into the scenario model of package scenarios, with the recorded ego trajectory of a
// matching "*.solution.xml[.gz]" as the expert log.
//
// # What is converted
//
//   - Lanelets become lanes: left and right bounds as given, the centerline as the midpoints of the two bounds
//     resampled at the same arc-length fractions, predecessors and successors, and same-direction adjacency as
//     left and right neighbours. Lanes joined by same-direction adjacency form a roadblock. Speed limits come
//     from 2018b's <speedLimit> or from the maximum-speed traffic signs (274, 274.1, R2-1, ...) a 2020a
//     lanelet references. Lanelets of type "intersection", the successors named by an intersection's
//     incomings and every lanelet following an incoming are lane connectors. A file that declares no
//     intersection (2018b has no such element) gets them from the geometry: lanelets whose centerlines
//     cross, turns (over 30 degrees) that fork off or merge beside them, and their neighbours (Peachtree;
//     a motorway's forks and merges cross nothing and stay lanes); the import notes how many. Lanelets of type "highway" or "interstate", and the untyped lanelets of
//     a file tagged so (2018b has no lanelet types), are motorway lanes (scenarios.Lane.Highway). References to lanelets the file lacks are dropped and noted.
//   - Traffic lights control the successors of the lanelets that reference them (directly or from their stop
//     line), matched to the light's direction (left, straight, right, ...) by the successor's turn: the turn
//     an intersection's incoming declares for it (successorsLeft, ...), else its heading change; their cycle
//     and time offset become phases over the run (red-yellow counts as red, inactive as unknown). Where the
//     country's law lets right turns go on red ([RightTurnOnRed]: China), a light without a direction does not
//     hold the right turns.
//   - Dynamic obstacles become tracks: car, truck, bus, taxi and the like are vehicles, bicycles and motorcycles
//     bicycles, pedestrians pedestrians; the box is the rectangle (a circle's or polygon's bounding box); each
//     state gives the box centre, orientation and the world velocity (speed along the orientation). Missing
//     time steps are interpolated. A car's heading turns by at most a quarter radian per metre it travels
//     (a 4 m turning circle): highD reads headings off the velocity, and its cars standing in a jam flip by
//     quarter and half turns, their boxes across their lanes; such turns are cut to what the travel allows,
//     from the first sample at walking pace or more ([Report.SteadiedHeadings]; the expert's too). Static obstacles are static tracks present over the whole run. Occupancy
//     sets without a trajectory are reduced to the initial state.
//   - The first planning problem gives the start and the goal. The full goal (time, position as polygons,
//     rectangles, circles or lanelets, orientation and velocity intervals; any of several goal states) is
//     returned as [Goal], with [Goal.Reached] for the goal_reached metric, [Goal.Explain] and [Goal.Miss]
//     to say how a run fared against each goal state, and [Goal.Unreachable] to say when no driver could
//     have met it (on an empty road, within the posted limits and a car's acceleration, along the route);
//     the scenario's goal pose is the centre of the first goal region.
//   - The route is the sequence of roadblocks of the lanes the expert drives along, matched to the lane graph
//     over the whole drive (a Viterbi search over the lanes within a few metres of each sample: near the
//     centerlines, along successors, lane changes at a cost), so that where lanes overlap, as an
//     intersection's connectors do where they begin, the expert's later course decides which one it took,
//     and a driver turning wide of its connector is matched to it, not to the lanes it crosses; then continued by a lane-graph search (Dijkstra, lane changes
//     10 m) to the goal's lanes, unless the expert reached the goal, and a little beyond. Without an expert
//     the route starts on the lane at the start that leads to the goal by the shortest path.
//
// # Time
//
// The run starts at the expert's first time step, which in about half of the highD and SinD files is later
// than the planning problem's t = 0; tracks and lights are shifted with it ([Report.StartShift]).
//
// The files' timeStepSize is checked against the motion: the distance obstacles travel per step divided by
// their speed. In the highD and SinD conversions here it says 0.1 s while the steps are 0.2 s and 0.5 s apart
// (every file of each set agrees within 3 %; the accelerations and the traffic-light cycles agree too). Where
// the steps are an integer multiple k of timeStepSize, that multiple is taken as the period, time intervals and
// cycles are read in it, and the expert and tracks are resampled k times finer (cubic Hermite positions from
// the velocities) so the scenario plays at 0.1 s ([Report.StepPeriod]).
//
// # Ego vehicle
//
// The ego is the vehicle the benchmark is made for, not nuPlan's Pacifica: a solution's benchmark id names
// the CommonRoad vehicle type ("KS1:TR2:..." is type 1, the Ford Escort, 4.298 x 1.674 m), and files without
// a solution get [DefaultVehicleType]. The scenario carries it (scenarios.Scenario.Vehicle), so the simulator,
// the planners and the metrics use its footprint ([Report.VehicleType]). It matters on SinD's narrow lanes:
// the recorded human, replayed with the 2.297 m wide Pacifica, leaves the drivable area in 11 of the 185
// scenarios (in none with the recorded vehicle).
//
// # Reference point
//
// CommonRoad's kinematic single-track model integrates its dynamics at the rear axle, but a solution's
// positions are the vehicle's box centre (commonroad-drivability-checker moves them back to the rear axle
// before it checks a KS trajectory), and in these recorded conversions the planning problem's positions are
// the recorded vehicle's box centre too: each highD goal
// region is centred on the expert's final position, and read as rear axles the ego would overlap another road
// user at the start in 11 of the 185 SinD scenarios (none when read as centres; measured with the Pacifica).
// The importer therefore reads them as the centre of the ego's footprint and moves them back to the rear axle
// that the scenario model uses, by the vehicle's rear-axle-to-centre distance ([Goal.CentreOffset]);
// [Goal.Reached] tests the footprint centre. Read this way, every recorded highD and SinD expert reaches its
// goal.
//
// # Expert
//
// With a solution file, the expert is the recorded trajectory (speed and steering as recorded, acceleration by
// differences) and the run's horizon is its length; it is then extended by [Lookahead] seconds at its last
// speed along the route, so that a log-replay planner sees a future at the end. Without one (NGSIM, the format
// tests) a synthetic expert drives from the initial state along the route with the acceleration that brings
// it to the goal's centre by the middle of the goal's time interval (for a goal given as lanelets, met
// anywhere in them, into their stretch along the lane, Scenario.GoalSpan: at its own speed when cruising ends
// inside), for the length of that interval (3 to 30 s), but keeps [SyntheticHeadway] behind the recorded road
// user ahead of it in its lane (the Intelligent Driver Model's braking whenever that asks for less);
// [Report.SyntheticExpert] says so. The file gives no acceleration: the run starts with the schedule's.
//
// # Flags
//
// What bears on reading a file's scores is flagged in the [Report] and, by name ([Report.Flags]), in
// Scenario.Flags, which evaluation records and `asyncdrive sim` repeat: synthetic_expert (no solution file),
// short_expert (shorter than [ShortExpert] seconds), start_shifted (the run starts later than the planning
// problem), start_overlap (the ego's footprint overlaps a road user at the start), start_off_route (the ego
// starts outside its route's first roadblock: seven SinD drivers stand, and stay, facing against the lane
// they are on, and the route starts at the nearest lanelet running their way), no_route_to_goal and
// no_goal_position. Counts over the shared data: go test ./scenarios/commonroad -run TestImportAll -v.
//
// # Errors
//
// A malformed file gives a *scenarios.FileError naming the file, the element (such as
// "lanelet 12.leftBound.point[3].x" or "line 40 in <trajectory>") and the problem; every imported scenario is
// validated with scenarios.Validate. The reader bounds nesting depth, element count and size, and fills at most
// 100 missing time steps, so no input makes it panic or take unbounded memory.
//
// # Reading the XML
//
// The XML is read by a fast path for what CommonRoad files contain (ASCII names, quoted attributes, the
// predefined entities, comments and a UTF-8 declaration), five to seven times faster than encoding/xml
// (go test ./scenarios/commonroad -run '^$' -bench ParseXML); anything else, valid or not, is read by
// encoding/xml, which also words the syntax errors. Both build the same tree (TestScanXMLMatchesEncodingXML
// over the shared data, FuzzScanXML).
package commonroad
