// Package scenarios holds the closed-loop test case of asyncdrive: the scenario model, its versioned file
// format, its validation and the map queries that the simulator, the planners and the metrics share.
//
// # Model
//
// A [Scenario] is a vector [Map] in nuPlan's vocabulary (lanes and lane connectors grouped into roadblocks,
// stop lines, crosswalks, extra areas, traffic lights with timed phases), a mission (a route of roadblock ids
// and a goal pose), the expert's ego log and the logs of the other road users ([Track]), all at one period DT
// (0.1 s). Frame i is time i*DT; Expert[0] is the initial state and the simulated horizon is [Scenario.Steps]
// steps long.
//
// Units and conventions, everywhere: metres, seconds, radians, m/s and m/s²; a planar world frame (for
// recorded data, UTM easting and northing); headings counter-clockwise from +X, in (-pi, pi] where they are
// computed. The ego pose is the rear-axle pose, as in nuPlan; a track's pose is the centre of its box, and the
// box keeps one length and width over the track. Lane boundaries and centerlines run in the direction of
// travel; a lane's outline is its left boundary followed by its right boundary reversed.
//
// # File format
//
// A scenario file is one JSON object, optionally gzip-compressed (detected from the content, not the name;
// ".json" or ".json.gz" by convention). The top level holds version (the integer [FormatVersion]), id, type,
// source, dt, horizon, map, route, goal, expert, tracks and instructions. To keep long logs small, the states
// and points are arrays of numbers rather than objects:
//
//	point                    [x, y]
//	expert state (EgoState)  [x, y, heading, v, a, steering]   rear axle; speed, acceleration, front-wheel angle
//	track state (AgentState) [x, y, heading, vx, vy(, indicator)] box centre; world-frame velocity; turn signal
//
// The field-by-field reference is docs/scenario-format.md; testdata/golden_v1.json is a complete example, and
// a test keeps the encoder's output byte-identical to it.
//
// Reading is strict: the version is checked before anything else, unknown fields, nulls inside states or
// points and numbers outside the float64 range are errors, and every decoded scenario is validated. Errors are
// *[FileError] values naming the file, the element (a path such as "map.lanes[2].centerline[0]" or
// "tracks[1] (id ped1).type", with the line and column for a malformed file) and the problem. [Save] writes
// atomically: a temporary file in the same folder, renamed into place.
//
// # Validation
//
// [Validate] checks everything the simulator and the metrics rely on: the version, finite numbers, well-formed
// geometry (enough points, centerlines of non-zero length), unique lane, roadblock and track ids, references
// that resolve (lane links and neighbours, roadblock members, route roadblocks, stop-line lanes,
// traffic-light connectors), known object types, area kinds and light states, phases in time order, and a
// horizon >= 0 (0 meaning the whole expert log).
//
// # Map queries
//
// [Map.Index] builds a [MapIndex] once per map: lanes containing a point, whether a point is drivable and how
// far outside the drivable area it is, the speed limit at a point, the lane best matching a pose,
// successors and predecessors (symmetric even where a file names a link on one side only), traffic-light
// states, and the lane sequence that follows a route. The point queries use a uniform grid, do not
// allocate, and are safe for concurrent use once the index is built.
//
// The scenario generator lives in scenarios/gen.
package scenarios
