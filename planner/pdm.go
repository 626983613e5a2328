package planner

import (
	"errors"
	"math"
	"slices"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/metrics"
	"asyncdrive/scenarios"
)

// PDMConfig holds the PDM planner's settings. Zero fields take the defaults, which are tuplan_garage's
// pdm_closed_planner.yaml where it has the setting; docs/planner.md lists them all.
type PDMConfig struct {
	// SpeedFractions are the IDM target speeds as fractions of the current lane's speed limit
	// ([0.2 0.4 0.6 0.8 1.0]).
	SpeedFractions []float64
	// LateralOffsets are the offsets (m, positive to the left) of the paths the proposals follow from the
	// route centerline, in tie-break order ([0 -1 1]: the centerline first).
	LateralOffsets []float64
	// FallbackSpeed (m/s) replaces the speed limit of lanes that have none (15), or the ego's speed at the
	// first tick or the flow of the traffic around (85th-percentile speed) when that is higher (up to 36
	// m/s).
	FallbackSpeed float64
	// IDM parameters of the proposals: minimum gap (1 m), time headway (1.5 s), maximum acceleration
	// (1.5 m/s^2), maximum deceleration (3 m/s^2) and acceleration exponent (10, as tuplan_garage's
	// BatchIDMPolicy).
	MinGap, Headway, AccelMax, DecelMax, Exponent float64
	// GapBrake (m/s^2): behind a leader that is not slower than the ego, at a time gap shorter than the
	// headway but at least gapBrakeMinTime (0.5 s), the proposals brake at most this much to reopen the gap
	// (1; the free road's braking, to a lower target speed, is not limited; negative: not limited). The IDM
	// brakes at once and hard there, as if the gap were closing: a highD ego handed the human's state, about
	// 1 s behind its leader, braked from 0.2 to -2.5 m/s^2 in 0.6 s and failed comfort. This follows the
	// idea of Kesting, Treiber and Helbing's ACC model, whose constant-acceleration heuristic sees no danger
	// while the leader is not slower.
	GapBrake float64
	// LateHeadway (s) replaces Headway while the ego is late for its goal's time window: when it must speed
	// up by more than lateSpeedMargin to get there in time (1.1; at most Headway; see pacedSpeed). The
	// drivers recorded in NGSIM US-101, whose positions the goals are, follow at about 1 s.
	LateHeadway float64
	// MinGuidedHeadway (s) is the shortest headway guidance may set (Guidance.Headway; 1.0, about the
	// median time gap of highD's drivers; at most Headway).
	MinGuidedHeadway float64
	// LaneChangeJerk (m/s^3): a proposal changing into the lane that guidance or the goal asks for, until
	// the ego has covered laneChangeCommit of the change, builds up its braking for that lane's traffic at
	// no more than this (1). A change that would need harder braking then collides in its simulation and
	// loses, instead of winning and braking uncomfortably behind a slower car; once under way, the change
	// brakes as hard as it must. Negative: not limited.
	LaneChangeJerk float64
	// GoalLaneChangeTime (s) is how long the move into the goal's lane takes on a motorway lane when the goal
	// has a time window (3; other lane changes take 5 s at the ego's speed, at least 20 m): the NGSIM goals
	// lie a lane or two over a few seconds ahead, where the recorded drivers were, and moving over at the
	// unhurried pace three runs ran into the braking car ahead within 2.2 s (US101-6_2, 7_2, 8_2).
	GoalLaneChangeTime float64
	// MaxJerkUp (m/s^3) limits how fast a proposal's acceleration may rise from one state to the next,
	// starting from the ego's current acceleration; braking is never limited. Negative: no limit (as
	// tuplan_garage). Default 2.5.
	MaxJerkUp float64
	// TakeoverJerk (m/s^3) is the limit on that rise at the planner's first tick when the ego is braking then
	// (below -0.5 m/s^2, taking over from a braking driver); it grows to MaxJerkUp over the first 1.5 s (0.5;
	// negative: MaxJerkUp from the start). See takeoverJerk.
	TakeoverJerk float64
	// EasedBrakeJerk (m/s^3): the centerline's proposals are made a second time with their braking eased
	// in, the deceleration growing by at most this much per second (1.5; negative: not made). The scorer
	// takes them where they are as safe as braking at once and more comfortable: where the planner takes
	// over a car at a speed or gap it would not have chosen (the start of a recorded run), its proposals all
	// braked at once, and nuPlan's tracker turned that into a longitudinal jerk beyond the comfort bound.
	// EasedBrakeMinSpeed (m/s) is the ego speed from which they are made (16.7: 60 km/h). In slower,
	// denser traffic a leader close ahead brakes hard more often, and the second it takes an eased
	// proposal to brake as hard as the others is too long (NGSIM US101-8_2 and 8_3: a leader 0.6 s ahead
	// brakes from 13 m/s to walking pace half a second into the run).
	EasedBrakeJerk, EasedBrakeMinSpeed float64
	// Step (s) between proposal states (0.1); ProposalSteps states are simulated and scored (40: 4 s), the
	// output trajectory has TrajectorySteps states after the current one (80: 8 s).
	Step                           float64
	ProposalSteps, TrajectorySteps int
	// LeaderUpdate is the number of steps between leading-agent searches while unrolling (2).
	LeaderUpdate int
	// MapRadius (m): objects whose centre is farther from the ego centre are ignored (50, as tuplan_garage),
	// unless they are ahead, head the same way and are within RadiusTime (s, 6) at the ego's speed: at
	// motorway speeds a slow car 50 m ahead is already too close to stop for comfortably.
	MapRadius, RadiusTime float64
	// RouteDepth is how many route roadblocks ahead the centerline search targets (30).
	RouteDepth int
	// Weights of the weighted terms of a proposal's score (5, 5, 2).
	Weights ProposalWeights
	// EmergencyTime (s): when the best proposal has an at-fault collision this soon or sooner, the planner
	// brakes instead (2). EmergencyMaxSpeed (m/s) limits braking to ego speeds at or below it; 0 means at any
	// speed (tuplan_garage: 5). EmergencyDecel (m/s^2) is the braking deceleration (4).
	EmergencyTime, EmergencyMaxSpeed, EmergencyDecel float64
	// EmergencyHardTime (s) and EmergencyHardDecel (m/s^2): when the collision is this soon or sooner, the
	// emergency brake brakes at EmergencyHardDecel instead (1, 6; nuPlan's comfort bound is 4.05, a car's
	// full braking about 8): NGSIM US101-8_3's leader, about 12 m ahead, brakes from 8.6 m/s to walking pace
	// in 2.5 s, and braking at 4 m/s^2 the ego ran into it.
	EmergencyHardTime, EmergencyHardDecel float64
	// NoLaneDriftForecast turns off the lane-bounded forecast of vehicles drifting across their lane: by
	// default a vehicle moving sideways on a lane is forecast to stop drifting at the centre of the lane it
	// moves into (laneDriftForecast); PDM-Closed forecasts it at constant velocity.
	NoLaneDriftForecast bool
	// NoCurveForecast turns off the forecast of vehicles along a bending lane: by default a vehicle on a lane
	// that bends within the scoring horizon is forecast at constant velocity in the lane's frame, following
	// the bend (curveForecast); PDM-Closed forecasts it straight ahead, which sends an oncoming car on a bend
	// across the ego's lane.
	NoCurveForecast bool
	// StopDecel (m/s^2) is the deceleration of the comfortable stop planned when there is no lane to follow
	// (1.5).
	StopDecel float64
	// GuidanceMaxAge (s): older guidance is ignored (2). LaneChangeBias (0..1) is how much the proposals of a
	// lane the guidance does not prefer are discounted (0.2). StopProbability is the Guidance.StopProb at
	// which a guide's stop counts (0.5).
	GuidanceMaxAge, LaneChangeBias, StopProbability float64
	// LaneChanges adds, without guidance, proposals along both neighbouring lanes, their scores discounted by
	// LaneChangeDiscount (0.1), so that the planner changes lanes when that is clearly better (to pass a slow
	// or stopped car). tuplan_garage's PDM-Closed does not change lanes; off by default.
	LaneChanges        bool
	LaneChangeDiscount float64
	// ReanchorDistance (m): when the rear axle is farther than this from the centerline and in another lane,
	// the centerline is searched again from that lane (2).
	ReanchorDistance float64
	// NoStopProposal leaves out the extra proposal that stops on the centerline (IDM with target speed 0,
	// braking at AccelMax), which tuplan_garage does not have; it wins only when every proposal that drives on
	// scores lower, typically because they all collide.
	NoStopProposal bool
	// StopProfileBrake returns the low-speed emergency brake (ModeEmergency up to 5 m/s) and the hold
	// (ModeHold) as a stop along the ego's heading at the deceleration they aim for, its speeds never
	// negative: for vehicle software whose controller follows a trajectory's poses or speeds (see Runtime).
	// By default they are what PDM-Closed returns for nuPlan's LQR tracker, which fits its reference speed to
	// the poses: a straight line at a "correcting" speed, often negative, that the tracker turns into that
	// deceleration; a controller that followed the line itself would reverse.
	StopProfileBrake bool
	// NoHoldAtGoal turns off holding still at the goal: by default an ego that stands (slower than 1 m/s)
	// within 5 m of its mission goal when the planner starts has arrived, and the planner keeps it there
	// (Decision().Mode == ModeArrived), as a parked or waiting car at its destination.
	NoHoldAtGoal bool
	// NoGoalLane turns off the move to the goal's lane: by default, when the mission goal lies in another
	// lane of the route than the centerline's, the planner plans a lane change to it when nothing else
	// guides it, as if a guide had asked for one.
	NoGoalLane bool
	// NoBrakingForecast forecasts every road user at constant velocity, as tuplan_garage does: by default a
	// vehicle ahead heading the ego's way that is braking (its speed fell by more than 1 m/s^2 over the
	// last 0.5 s of the input's history) is forecast to go on braking at that rate until it stands (see
	// brakingForecast).
	NoBrakingForecast bool
	// NoGoalPacing turns off pacing to the goal's time window: by default, when the initialization gives the
	// goal a time window (Initialization.GoalWindow) and the goal lies ahead on the centerline, a planner
	// whose target speed would bring it there after the window raises the target (up to the posted limit, or
	// maxFallbackSpeed without one), aiming at the window's middle (see pacedSpeed). Every proposal is still
	// scored and checked as before, and leaders still bound the speed; pacing only moves the speeds the
	// proposals target. An early ego does not slow down for the window (see pacedSpeed).
	NoGoalPacing bool
	// NoLimitAhead: the proposals slow down for a lower posted limit only once the ego is in its lane, as
	// tuplan_garage's do, instead of reaching it where its lane begins (see limitAhead).
	NoLimitAhead bool
	// RasterCell (m) is the cell size of the drivable-area raster (0.1).
	RasterCell float64
	// MapEdgeRunout (m): a lane that ends at the edge of the map (scenarios.MapIndex.OpenEnd: no successor,
	// nothing of the map ahead) ends where the map was cut (the maps of recorded scenarios end a little
	// beyond the recording), so the planner lets it run on straight this far, as wide as it ends, and
	// neither stops at its end nor scores that corridor as off the drivable area (scenarios.OpenEndRunout,
	// 200). Negative: the end of the map is the end of the road. The metrics, too, count the corridor as
	// drivable, and the simulator scores a run up to where its ego drives out through such an end
	// (sim.Result.LeftMap).
	// The runout applies on fast roads only, whose speed limit (or, without one, the planner's fallback
	// speed) is at least MapEdgeMinSpeed (m/s, 16.7: 60 km/h, above town speeds: there a stop for the end of
	// the map would endanger the traffic behind, and maps are long stretches of road), or whose lane is a
	// motorway's (scenarios.Lane.Highway: a congested motorway is slow but still has no end), and only when the goal
	// is ahead of the ego at the start: in town, and once arrived, the planner stays within the map it knows.
	MapEdgeRunout, MapEdgeMinSpeed float64
	// TurnProbability is the Guidance.TurnProbs value at which a guide's most likely junction movement
	// counts (0.5); see Guidance.Turn.
	TurnProbability float64
	// Metrics are the thresholds the proposals are scored with (zero: metrics.DefaultParams()).
	Metrics metrics.Params
}

// DefaultPDMConfig returns the default settings.
func DefaultPDMConfig() PDMConfig { return PDMConfig{}.withDefaults() }

func (c PDMConfig) withDefaults() PDMConfig {
	if len(c.SpeedFractions) == 0 {
		c.SpeedFractions = []float64{0.2, 0.4, 0.6, 0.8, 1.0}
	}
	if len(c.LateralOffsets) == 0 {
		c.LateralOffsets = []float64{0, -1, 1}
	}
	def := func(v *float64, d float64) {
		if *v == 0 || math.IsNaN(*v) {
			*v = d
		}
	}
	def(&c.FallbackSpeed, 15)
	def(&c.MinGap, 1)
	def(&c.Headway, 1.5)
	def(&c.LateHeadway, 1.1)
	def(&c.MinGuidedHeadway, 1.0)
	def(&c.GapBrake, 1)
	def(&c.LaneChangeJerk, 1)
	def(&c.GoalLaneChangeTime, 3)
	def(&c.AccelMax, 1.5)
	def(&c.DecelMax, 3)
	def(&c.Exponent, 10)
	def(&c.Step, 0.1)
	def(&c.MaxJerkUp, 2.5)
	def(&c.TakeoverJerk, 0.5)
	def(&c.EasedBrakeJerk, 1.5)
	def(&c.EasedBrakeMinSpeed, 60/3.6)
	def(&c.MapRadius, 50)
	def(&c.RadiusTime, 6)
	def(&c.Weights.Progress, 5)
	def(&c.Weights.TTC, 5)
	def(&c.Weights.Comfort, 2)
	def(&c.EmergencyTime, 2)
	def(&c.EmergencyDecel, 4)
	def(&c.EmergencyHardTime, 1)
	def(&c.EmergencyHardDecel, 6)
	def(&c.StopDecel, 1.5)
	def(&c.GuidanceMaxAge, 2)
	def(&c.LaneChangeBias, 0.2)
	def(&c.LaneChangeDiscount, 0.1)
	def(&c.StopProbability, 0.5)
	def(&c.TurnProbability, 0.5)
	def(&c.ReanchorDistance, 2)
	def(&c.RasterCell, 0.1)
	def(&c.MapEdgeRunout, scenarios.OpenEndRunout)
	def(&c.MapEdgeMinSpeed, 60/3.6)
	if c.ProposalSteps <= 0 {
		c.ProposalSteps = 40
	}
	if c.TrajectorySteps <= 0 {
		c.TrajectorySteps = 80
	}
	if c.TrajectorySteps < c.ProposalSteps {
		c.TrajectorySteps = c.ProposalSteps
	}
	if c.LeaderUpdate <= 0 {
		c.LeaderUpdate = 2
	}
	if c.RouteDepth <= 0 {
		c.RouteDepth = 30
	}
	if c.Metrics == (metrics.Params{}) {
		c.Metrics = metrics.DefaultParams()
	}
	return c
}

// PathKind says which path a proposal follows.
type PathKind uint8

// Path kinds.
const (
	PathCenterline PathKind = iota // the route centerline (or one of its lateral offsets)
	PathLeftLane                   // the centerline of the lane to the left (a guided lane change)
	PathRightLane                  // the centerline of the lane to the right
)

// String returns the path kind's name.
func (k PathKind) String() string {
	switch k {
	case PathCenterline:
		return "centerline"
	case PathLeftLane:
		return "left_lane"
	case PathRightLane:
		return "right_lane"
	}
	return "unknown"
}

// PDMMode says how the last trajectory was made.
type PDMMode uint8

// Modes of a PDM tick.
const (
	ModeProposal  PDMMode = iota // the best proposal, extended to the trajectory horizon
	ModeEmergency                // the emergency brake: the best proposal collides within EmergencyTime
	ModeStop                     // a comfortable stop along the heading: no lane to follow (ego off the map)
	ModeArrived                  // holding still: the ego stood at its goal when the planner started
	ModeHold                     // braking to rest: the ego is slow and the best proposal keeps it standing
)

// String returns the mode's name.
func (m PDMMode) String() string {
	switch m {
	case ModeProposal:
		return "proposal"
	case ModeEmergency:
		return "emergency_brake"
	case ModeStop:
		return "stop"
	case ModeArrived:
		return "arrived"
	case ModeHold:
		return "hold"
	}
	return "unknown"
}

// PDMDecision describes the last tick's choice.
type PDMDecision struct {
	Mode      PDMMode
	Proposals int // proposals scored
	Best      int // index of the best proposal (-1 when none was scored)
	// The best proposal: its path, lateral offset (m), target speed (m/s), score, and the time (s) to its
	// first at-fault collision (+Inf when none).
	Path          PathKind
	Offset        float64
	TargetSpeed   float64
	Score         float64
	TimeToCollide float64
	Guided        bool // usable guidance shaped the proposals
	Eased         bool // the best proposal is an eased one (PDMConfig.EasedBrakeJerk)
	// Turn is the junction movement the centerline takes beyond the end of the route, as guidance asked
	// (TurnAny: none; the centerline ends with the route or the route goes on).
	Turn TurnIntent
}

// PDMStats counts events since Initialize.
type PDMStats struct {
	Ticks            int // ComputeTrajectory calls that returned a trajectory
	Emergencies      int // ticks that braked
	Holds            int // ticks that braked to rest while waiting (ModeHold)
	Stops            int // ticks without a lane to follow
	Guided           int // ticks with usable guidance
	GoalLaneChanges  int // unguided ticks that planned a lane change towards the goal's lane
	RouteLaneChanges int // ticks that planned a lane change back onto the route where the ego's lane leaves it
	Eased            int // ticks whose trajectory was an eased proposal (PDMConfig.EasedBrakeJerk)
	StaleGuidance    int // ticks whose guidance was too old, from the future or had a non-finite time
	BadObjects       int // objects skipped because a field was not finite
	Reanchors        int // centerline searches after the first
	BranchChanges    int // centerline rebuilds for a guided junction movement beyond the route
	RasterMisses     int // area queries outside the raster, answered by the map
	ObjectsChecked   int // objects kept by the radius filter, summed over ticks
}

// PDM is a PDM-Closed-class planner (Dauner et al., "Parting with Misconceptions about Learning-based
// Vehicle Motion Planning", tuplan_garage): it follows the route centerline, found once by a lane-graph
// search, with proposals from the Intelligent Driver Model at several target speeds on the centerline and on
// paths offset to either side, simulates each proposal with the simulator's own LQR tracker and bicycle model
// (package dynamics), scores the simulated proposals with the closed-loop metric kernels of package metrics
// against constant-velocity forecasts of the other road users, and returns the best proposal extended to the
// trajectory horizon, or an emergency brake when even the best one collides soon.
//
// Optional guidance (Input.Guidance) adds proposals along a neighbouring lane, caps the speed, asks for a
// stop or reweights the score. docs/planner.md describes the algorithm, its parameters and where it deviates
// from tuplan_garage.
//
// After the first tick ComputeTrajectory allocates nothing, unless the number of objects grows beyond what it
// has seen or guidance asks for a lane change from a lane it has not built the neighbouring path for. A PDM is
// not safe for concurrent use.
type PDM struct {
	cfg     PDMConfig
	vehicle dynamics.VehicleParams
	mx      *scenarios.MapIndex
	route   []string
	graph   *routeGraph
	ctrl    *dynamics.Controller
	comfort metrics.ComfortBuffer

	ready       bool
	centerLanes []int
	paths       []pdmPath // centerline offsets (len(cfg.LateralOffsets)), then this tick's lane-change paths
	pathKind    []PathKind
	nBase       int
	side        [3]sideCache
	sidePaths   []pdmPath // built lane-change paths, indexed by side
	raster      *areaRaster
	onRouteLane []bool   // per lane: on the route or the centerline (driving direction)
	light       []uint8  // per lane: lightNone, lightYellow or lightRed this tick
	passing     []int    // yellow lanes the ego decided to pass
	collided    []string // objects the ego has touched: ignored from then on
	lastS       float64  // rear-axle arc length on the centerline at the last tick
	goal        geom.Pose
	goalWindow  scenarios.TimeWindow // when to be at the goal (valid when hasWindow)
	headway     float64              // this tick's IDM time headway (s): cfg.Headway, or cfg.LateHeadway when late (pacedSpeed)
	goalChange  bool                 // this tick's lane change is the move into the goal's lane (readGuidance)
	hasWindow   bool
	goalS       float64 // the goal's arc length on the centerline, NaN when it is not near the centerline
	goalBack    float64 // how far before goalS the ego may be at the goal's time (Initialization.GoalSpan's Aim)
	startSpeed  float64 // the ego's speed at the first tick
	startTime   float64 // the first tick's time
	startBrake  bool    // the ego was braking (below takeoverBrake) at the first tick
	flowSpeed   float64 // this tick's traffic flow (see trafficFlow), 0 when unknown
	flow        []float64
	laneBuf     []int           // scratch for laneDriftForecast and curveForecast
	curveBuf    []forecastPoint // backing store of the objects' curve forecasts (pdmObject.curve)
	laneBends   []bool          // per lane: its centerline is not straight (see curveForecast)
	arrived     bool            // the ego stood at its goal at the first tick: it holds still (ModeArrived)
	goalLane    int             // the on-route lane the goal lies in, -1 when none
	goalFeeders []int           // the lanes leading into goalLane, nearest first (see goalLaneIntent)
	rejoinLane  int             // the lane beside the centerline from which the route goes on where the centerline leaves it, -1 (see routeRejoin)
	// edgeOpen: a path running past the edge of the map does not end there (see PDMConfig.MapEdgeRunout).
	// It is decided once, when the first centerline is built: open unless the goal is already about where
	// the ego starts (then the ego has arrived, and the end of the map is the end of the road).
	edgeOpen, edgeDecided bool
	branch                branchState // the guided continuation beyond the end of the route
	zones                 []zoneSpan  // pickup/drop-off areas beside the centerline (see pullOverStop)
	taken                 [][2]float64
	pullAt                float64 // the front-bumper stop chosen to pull over (NaN: none)

	// Per-tick work space.
	objs []pdmObject
	// trackAt maps a scenario track index to the position of its object in the frame brakeLag seconds ago
	// (valid where trackStamp equals stamp), for brakingForecast, without allocating.
	trackAt    []int32
	trackStamp []uint32
	stamp      uint32
	relevant   []int32 // objects that can reach a corridor: the centerline paths', then each lane-change path's
	relFrom    []int   // path j's objects are relevant[relFrom[j]:relTo[j]] (the same for all offsets)
	relTo      []int
	baseProj   []objProj
	objS       []float64 // per object: arc length of its last centerline projection (NaN: none)
	objT       []float64 // per object: time of that projection
	active     []int32   // scoring: objects that can come near a proposal, per time segment
	actOff     []int
	segSweep   []geom.AABB // per scoring time segment and object: what its forecast sweeps (see sweepSegments)
	dupOf      []int       // per proposal: the earlier proposal planning the same, -1 none (see sameAsEarlier)
	scoreS0    float64     // the centerline arc length the proposals' progress is measured from
	t0         float64     // time of the current tick
	maxT       float64     // highest target speed of this tick's proposals
	pathS0     []float64   // rear-axle arc length on each path
	blendStart []float64   // per path: arc length where a lane change's blend starts (lane-change paths)
	blendLat   []float64   // per path: the ego's lateral offset a lane change starts from
	blendLen   []float64   // per path: length of the lane change's transition, 0 for none
	redS       []float64   // per path: arc length of the first red light ahead, +Inf none
	slowS      []float64   // per path: arc length where a lane with a lower posted limit begins, +Inf none (see limitAhead)
	slowRatio  []float64   // per path: that lane's limit over the current lane's
	pullS      []float64   // per path: arc length of the pull-over stop (also in redS), +Inf none
	props      []proposal
	pts        []dynamics.TrajectoryPoint // per proposal: TrajectorySteps+1 points
	progress   []float64                  // per proposal: IDM arc length per step
	states     []dynamics.State           // per proposal: ProposalSteps+1 simulated states
	lead       []leaderCand
	cands      []int32
	hits       []objHit // scoring: the objects each proposal touches, proposal i's at hits[hitOff[i]:hitOff[i+1]]
	hitOff     []int
	hitAt      []int  // per object: the step of its first contact in the proposal being scored, MaxInt none
	status     []int8 // per step: lane status cache (-1 unknown, 0 not in lane or in an intersection, 1 in lane)
	out        dynamics.Trajectory

	dec   PDMDecision
	stats PDMStats
	guide guidanceEffect
}

// sideCache is the path along a neighbouring lane, built when guidance first asks for it from a lane.
type sideCache struct {
	from int // lane it was built from (-1: none built)
	ok   bool
	// The lane change in progress along it: the blend from lateral offset lcLat at arc length lcStart over
	// lcLen metres; lcU is how far along the blend the ego was at the last tick (0..1). When the path is
	// rebuilt from the next lane segment, reanchor asks to carry the blend over to the new path at lcU.
	lcOn                  bool
	lcStart, lcLat, lcLen float64
	lcU                   float64
	reanchor              bool
	// lastS is the ego's arc length along the path at the last tick (NaN: not yet projected on it). The
	// path has an origin of its own (the neighbouring lane's start, not the centerline's), so its projection
	// searches around this, not around the centerline's arc length.
	lastS float64
}

// proposal is one IDM policy on one path, with its unroll state and scores.
type proposal struct {
	path   int
	kind   PathKind
	offset float64
	target float64 // m/s
	side   int     // SideKeep, SideLeft or SideRight
	stop   bool    // the stop proposal
	eased  bool    // braking eased in at PDMConfig.EasedBrakeJerk
	hint   int     // segment hint of the path lookups
	// Leader held between leader updates: the arc length of its rear and its speed along the path; the
	// same for the nearest signalling neighbour (xSoft +Inf when none).
	xBack, vLead float64
	xSoft, vSoft float64
	valid        bool
	mult         float64 // product of the multiplier metrics
	rawProgress  float64
	ttc, comfort float64 // 1 or 0; comfort -1 while not evaluated
	prog         float64 // progress normalised by the best proposal's
	collideStep  int     // first step with an at-fault collision, -1 none
	collideObj   int32   // index in objs of the object of that collision
	ttcStep      int     // first step whose time to collision is below the bound, -1 none
	ttcObj       int32   // index in objs of the object of that step
	score        float64
	// The multiplier metrics apart (mult is their product), and what the IDM followed at the first step:
	// the gap from the ego's front and its speed along the path. For Proposals only.
	collision, direction float64
	drivable             bool
	gap0, vLead0         float64
}

// objProj is an object's projection on the centerline at one time.
type objProj struct {
	obj    int32
	i      int     // centerline segment
	u      float64 // fraction along it
	lat, h float64 // lateral offset, centerline heading there
}

// leaderCand is an object in a path's corridor at one time: the arc length of its centre and of its rear and
// its speed along the path.
type leaderCand struct {
	s, back, v float64
	// soft: not in the corridor, but in the next lane signalling a change into it (see courtesyDecel).
	soft bool
}

// courtesyDecel (m/s^2) is the most the planner brakes for a car in the next lane ahead that signals a change
// into its lane: it eases off and so opens the gap the other driver waits for, as a courteous driver does,
// without braking hard for a car that may not come. signalReach (m) is how far beyond the corridor's edge
// such a car may be.
const (
	courtesyDecel = 1.0
	signalReach   = 3.0
)

// pdmObject is an observed object with its forecast: constant velocity, for a braking vehicle constant
// deceleration until it stands (see brakingForecast), for a vehicle drifting across its lane a drift that
// ends at a lane's centre (see laneDriftForecast), for a vehicle on a bending lane the lane's course (see
// curveForecast).
type pdmObject struct {
	o     scenarios.Object // as observed (Box at the current time)
	c0    geom.Vec2        // centre now
	d     geom.Vec2        // velocity now (the displacement per second at constant velocity)
	acc   float64          // m/s^2 along d, <= 0: 0 at constant velocity
	tStop float64          // s: when a braking object stands
	tEnd  float64          // s: when a vehicle drifting across its lane stops drifting (+Inf: never)
	dEnd  geom.Vec2        // velocity after tEnd, along its lane (see laneDriftForecast)
	// curve, when set, is the forecast along a bending lane: the centre and heading every curveStep s from
	// now (see curveForecast); it replaces d, acc and tEnd.
	curve  []forecastPoint
	speed  float64   // metric speed (0 for non-agents)
	r      float64   // bounding radius
	swept  geom.AABB // box over the scoring horizon
	sweptT geom.AABB // box over the trajectory horizon
	// collided: the ego has touched it; it is left out of the scores (not of the leaders).
	collided bool
}

// NewPDM returns a PDM planner with settings cfg (zero fields take the defaults).
func NewPDM(cfg PDMConfig) *PDM { return &PDM{cfg: cfg.withDefaults()} }

// Name returns "pdm".
func (p *PDM) Name() string { return "pdm" }

// Config returns the planner's settings, defaults filled in.
func (p *PDM) Config() PDMConfig { return p.cfg }

// Decision returns what the last tick chose.
func (p *PDM) Decision() PDMDecision { return p.dec }

// Stats returns the planner's counters since Initialize.
func (p *PDM) Stats() PDMStats { return p.stats }

// Initialize stores the map, route and vehicle; the centerline is searched at the first tick, from the ego's
// pose then. It fails without a map or without a route.
func (p *PDM) Initialize(init Initialization) error {
	mx, v, err := init.mapFollowing("pdm")
	if err != nil {
		return err
	}
	p.mx, p.route, p.vehicle, p.goal = mx, init.Route, v, init.Goal
	p.hasWindow, p.headway = false, p.cfg.Headway
	if w := init.GoalWindow; w != nil && !math.IsNaN(w.Start) && !math.IsNaN(w.End) && w.Start <= w.End {
		p.goalWindow, p.hasWindow = *w, true
	}
	p.goalBack = 0
	if g := init.GoalSpan; g != nil && g.Behind >= 0 && g.Ahead >= 0 { // NaN or negative: no span
		p.goalBack, _ = g.Aim()
	}
	if !(p.vehicle.Wheelbase > 0) || math.IsInf(p.vehicle.Wheelbase, 0) {
		return errors.New("pdm: vehicle wheelbase must be a positive number")
	}
	p.ctrl = dynamics.NewController(p.vehicle)
	p.graph = newRouteGraph(p.mx, p.route, p.cfg.RouteDepth)
	p.goalLane = laneOfGoal(p.mx, p.graph, p.goal)
	p.goalFeeders = nil
	if p.goalLane >= 0 {
		p.goalFeeders = feeders(p.mx, p.goalLane, goalFeederDepth)
	}
	p.branch = branchState{allowed: !p.hasGoal(), routeEnd: -1, end: -1, noEnd: -1}
	p.light = make([]uint8, p.mx.NumLanes())
	p.laneBends = bendingLanes(p.mx)
	p.passing = make([]int, 0, 8)
	p.collided = make([]string, 0, 64)
	p.ready = false
	p.edgeDecided, p.edgeOpen = false, false
	p.raster = nil
	p.onRouteLane = nil
	p.paths = nil
	p.side = [3]sideCache{{from: -1}, {from: -1}, {from: -1}}
	p.stats = PDMStats{}
	p.dec = PDMDecision{Best: -1}
	n := len(p.cfg.SpeedFractions)*(len(p.cfg.LateralOffsets)+2) + 1
	p.props = make([]proposal, 0, n)
	p.pts = make([]dynamics.TrajectoryPoint, n*(p.cfg.TrajectorySteps+1))
	p.progress = make([]float64, n*(p.cfg.TrajectorySteps+1))
	p.states = make([]dynamics.State, n*(p.cfg.ProposalSteps+1))
	p.status = make([]int8, p.cfg.ProposalSteps+1)
	p.out = make(dynamics.Trajectory, 0, p.cfg.TrajectorySteps+1)
	return nil
}

// errNotInitialized is returned by ComputeTrajectory before a successful Initialize.
var errNotInitialized = errors.New("pdm: not initialized")

// ComputeTrajectory plans from the current input. It returns an error when the input has no ego state or the
// ego state or time is not a finite number; when the ego is on no lane of the map it returns a comfortable stop
// along its heading (Decision().Mode == ModeStop).
func (p *PDM) ComputeTrajectory(in *Input) (dynamics.Trajectory, error) {
	if p.mx == nil {
		return nil, errNotInitialized
	}
	if in == nil || len(in.Ego) == 0 {
		return nil, errors.New("pdm: no ego state")
	}
	ego := in.Current()
	if !ego.IsFinite() || math.IsNaN(in.Time) || math.IsInf(in.Time, 0) {
		return nil, errors.New("pdm: ego state or time is not finite")
	}
	ego.Time = in.Time
	p.dec = PDMDecision{Best: -1, TimeToCollide: math.Inf(1)}
	if !p.ready {
		p.startSpeed = ego.Speed
		p.startTime, p.startBrake = in.Time, ego.Accel < takeoverBrake
		if !p.prepare(ego.Pose) {
			return p.stopTrajectory(ego), nil
		}
	}
	if !p.locate(ego.Pose) {
		return p.stopTrajectory(ego), nil
	}
	if p.arrived {
		tr := p.stopTrajectory(ego)
		p.dec.Mode = ModeArrived
		p.stats.Stops--
		return tr, nil
	}
	p.readGuidance(in)
	if !p.steerBranch(ego.Pose) {
		return p.stopTrajectory(ego), nil
	}
	p.dec.Turn = p.branchTurn()
	p.readLights(in)
	p.observe(in, ego)
	p.makeProposals(ego)
	p.unroll(1, p.cfg.ProposalSteps, -1)
	best := p.score(ego)
	p.stats.Ticks++
	pr := &p.props[best]
	p.dec.Best, p.dec.Proposals = best, len(p.props)
	p.dec.Path, p.dec.Offset, p.dec.TargetSpeed, p.dec.Score = pr.kind, pr.offset, pr.target, pr.score
	p.dec.Eased = pr.eased
	if pr.collideStep >= 0 {
		p.dec.TimeToCollide = float64(pr.collideStep) * p.cfg.Step
	}
	p.dec.Guided = p.guide.active
	if pr.collideStep >= 0 && p.dec.TimeToCollide <= p.cfg.EmergencyTime+1e-9 &&
		(p.cfg.EmergencyMaxSpeed <= 0 || ego.Speed <= p.cfg.EmergencyMaxSpeed) {
		p.dec.Mode = ModeEmergency
		p.stats.Emergencies++
		return p.brakeTrajectory(ego, pr.path), nil
	}
	p.dec.Mode = ModeProposal
	// Waiting: the ego is slow and the best proposal keeps it standing. nuPlan's tracker would bring it to
	// rest by its stopping controller, whose speed decays at only 0.5/s, so it would creep towards what it
	// waits for (and time-to-collision counts motion above 5 mm/s); the brake stops it now.
	if lp := p.ctrl.Tracker().Params(); ego.Speed > holdMinSpeed && ego.Speed <= lp.StoppingVelocity {
		n := p.cfg.TrajectorySteps + 1
		k := min(int(math.Round(holdLook/p.cfg.Step)), p.cfg.ProposalSteps)
		if p.pts[best*n+k].Speed <= holdMaxSpeed {
			p.dec.Mode = ModeHold
			p.stats.Holds++
			return p.brakeTrajectory(ego, pr.path), nil
		}
	}
	// Extend the best proposal to the trajectory horizon.
	if p.cfg.TrajectorySteps > p.cfg.ProposalSteps {
		p.unroll(p.cfg.ProposalSteps+1, p.cfg.TrajectorySteps, best)
	}
	if pr.eased {
		p.stats.Eased++
	}
	n := p.cfg.TrajectorySteps + 1
	p.out = append(p.out[:0], p.pts[best*n:(best+1)*n]...)
	return p.out, nil
}

// prepare searches the centerline from the lane the ego is in and builds the paths and the area raster. It
// returns false when the ego is on no lane.
func (p *PDM) prepare(rear geom.Pose) bool {
	start := p.graph.startLane(rear)
	if start < 0 {
		return false
	}
	p.buildPaths(start, rear)
	// The raster covers the route's lanes and the lanes of the centerline, wherever the ego may drive.
	var lines []*geom.Polyline
	for l := 0; l < p.mx.NumLanes(); l++ {
		if p.graph.onRoute[l] {
			lines = append(lines, p.mx.Path(l))
		}
	}
	for _, l := range p.centerLanes {
		if !p.graph.onRoute[l] {
			lines = append(lines, p.mx.Path(l))
		}
	}
	// Where the mission leaves the way on from the end of the route to guidance, every way it may take is
	// on the route.
	if p.branch.allowed {
		for _, l := range branchCandidates(p.mx, p.graph) {
			p.onRouteLane[l] = true
			lines = append(lines, p.mx.Path(l))
		}
	}
	// Lanes that end at the edge of the map run on (see PDMConfig.MapEdgeRunout): their corridors are drivable.
	var runouts []geom.Box
	for l := 0; l < p.mx.NumLanes(); l++ {
		if !p.onRouteLane[l] {
			continue
		}
		if b, ok := p.mx.OpenEnd(l, p.cfg.MapEdgeRunout); ok {
			runouts = append(runouts, b)
			c := b.Corners()
			lines = append(lines, &geom.Polyline{Pts: []geom.Vec2{c[0], c[1], c[2], c[3]}})
		}
	}
	p.raster = newAreaRaster(p.mx, p.onRouteLane, lines, p.cfg.RasterCell, 8)
	for _, b := range runouts {
		c := b.Corners()
		p.raster.fill(c[:], cellDrivable|cellOnRoute)
	}
	p.ready = true
	return true
}

// buildPaths searches the centerline from lane start and builds the offset paths along it.
func (p *PDM) buildPaths(start int, rear geom.Pose) {
	p.centerLanes = p.withBranch(p.graph.search(start))
	p.rejoinLane = p.routeRejoin()
	// The route's lanes and the centerline's count as on the route.
	if p.onRouteLane == nil {
		p.onRouteLane = append([]bool(nil), p.graph.onRoute...)
	}
	for _, l := range p.centerLanes {
		p.onRouteLane[l] = true
	}
	line, from, open := lanePath(p.mx, p.centerLanes, p.cfg.MapEdgeRunout)
	p.paths = p.paths[:0]
	p.pathKind = p.pathKind[:0]
	for _, off := range p.cfg.LateralOffsets {
		p.paths = append(p.paths, buildPath(&line, off, p.centerLanes, from))
		p.paths[len(p.paths)-1].open = open
		p.pathKind = append(p.pathKind, PathCenterline)
	}
	p.nBase = len(p.paths)
	p.findZones()
	p.pullAt = math.NaN()
	p.side = [3]sideCache{{from: -1}, {from: -1}, {from: -1}}
	p.lastS = math.NaN()
	p.goalS = math.NaN()
	if p.hasGoal() && len(line.Pts) >= 2 {
		if gs, glat := line.Project(p.goal.Pos()); math.Abs(glat) <= goalNearCenterline {
			p.goalS = gs
		}
	}
	if !p.edgeDecided {
		p.edgeDecided = true
		last := p.centerLanes[len(p.centerLanes)-1]
		ahead := p.goalAhead(rear)
		p.edgeOpen = ahead && (p.laneSpeed(last) >= p.cfg.MapEdgeMinSpeed || p.mx.Lane(last).Highway)
		// Standing at the goal: the mission is done; the ego stays where it is.
		p.arrived = !ahead && p.startSpeed < arrivedSpeed && !p.cfg.NoHoldAtGoal && p.hasGoal() &&
			p.goal.Pos().Dist(rear.Pos()) < arrivedDistance
	}
}

// laneSpeed returns the speed (m/s) the planner targets on lane l: its speed limit or, where the map has none,
// the largest of FallbackSpeed, the ego's speed when the planner started and the flow of the traffic around
// (its 85th-percentile speed): a driver who does not know the limit keeps the pace it had and goes with the
// traffic.
func (p *PDM) laneSpeed(l int) float64 {
	if limit := p.mx.Lane(l).SpeedLimit; limit > 0 && !math.IsInf(limit, 1) {
		return limit
	}
	return max(p.cfg.FallbackSpeed, min(max(p.startSpeed, p.flowSpeed), maxFallbackSpeed))
}

// pacedSpeed returns the speed the proposals target instead of limit (the lane's speed) so that the ego
// reaches its goal inside the goal's time window (PDMConfig.NoGoalPacing): it estimates, for an arrival time,
// the cruise speed that covers the distance along the centerline from the ego's centre to the goal in time
// when the ego first changes speed at paceAccel (cruiseSpeed). When cruising at limit would arrive after the
// window (less a margin), the target rises to the cruise speed for the window's middle, up to the posted
// limit or, without one, maxFallbackSpeed. Otherwise, or with no window, no goal ahead on the centerline, or the
// window past, it returns limit. It never lowers the target for an ego that would arrive early: easing off
// towards a window that opens later slowed the ego in moving freeway traffic (NGSIM US101-1: out of the goal's
// speed interval, and a collision), and no recorded scenario here fails by arriving early.
// It also sets this tick's headway: PDMConfig.LateHeadway when the ego must speed up to arrive in time,
// whatever bounds it (the limit, or a leader), else PDMConfig.Headway or the guidance's (Guidance.Headway,
// within [PDMConfig.MinGuidedHeadway, PDMConfig.Headway]).
func (p *PDM) pacedSpeed(ego dynamics.State, limit float64) float64 {
	p.headway = p.cfg.Headway
	if h := p.guide.headway; h > 0 {
		p.headway = min(p.headway, max(h, min(p.cfg.MinGuidedHeadway, p.cfg.Headway)))
	}
	if !p.hasWindow || p.cfg.NoGoalPacing || math.IsNaN(p.goalS) || math.IsNaN(p.lastS) {
		return limit
	}
	w := p.goalWindow
	now := ego.Time
	d := p.goalS - p.goalBack - p.lastS - (p.vehicle.FrontLength-p.vehicle.RearLength)/2
	hi := w.End - min(paceMargin, (w.End-w.Start)/4)
	if !(d > 0) || hi <= now {
		return limit
	}
	v := max(ego.Speed, 0)
	aim := min(max((w.Start+w.End)/2, now+(hi-now)/2), hi)
	need := cruiseSpeed(d, v, hi-now, paceAccel)
	if need > v+lateSpeedMargin {
		p.headway = min(p.headway, p.cfg.LateHeadway)
	}
	if limit < need {
		capSpeed := maxFallbackSpeed
		if posted := p.mx.Lane(p.currentLane()).SpeedLimit; posted > 0 {
			capSpeed = min(capSpeed, posted)
		}
		return max(limit, min(cruiseSpeed(d, v, aim-now, paceAccel), capSpeed))
	}
	return limit
}

// paceAccel (m/s^2) is the acceleration pacedSpeed assumes the ego speeds up with;
// paceMargin (s) is how far inside its time window it plans to arrive (at most a quarter of the window).
const (
	paceAccel  = 1.0
	paceMargin = 0.5
)

// lateSpeedMargin (m/s): an ego that must speed up by more than this to reach its goal inside the time
// window is late (PDMConfig.LateHeadway).
const lateSpeedMargin = 0.2

// laneChangeCommit is the fraction of a lane change's transition after which its braking is no longer eased
// (PDMConfig.LaneChangeJerk).
const laneChangeCommit = 0.2

// cruiseSpeed returns the speed c such that a vehicle at speed v that changes speed to c at acceleration a
// (or deceleration a) and then holds it covers d metres in tau seconds: +Inf when even speeding up all the
// way does not, 0 when even stopping at once covers more.
func cruiseSpeed(d, v, tau, a float64) float64 {
	if !(tau > 0) {
		return math.Inf(1)
	}
	if d >= v*tau {
		// d = c tau - (c - v)^2 / (2a), c >= v.
		disc := (v+a*tau)*(v+a*tau) - v*v - 2*a*d
		if disc < 0 {
			return math.Inf(1)
		}
		return v + a*tau - math.Sqrt(disc)
	}
	// d = c tau + (v - c)^2 / (2a), c <= v.
	disc := a * (a*tau*tau - 2*v*tau + 2*d)
	if disc < 0 {
		return 0
	}
	return max(0, v-a*tau+math.Sqrt(disc))
}

// A slow ego (above holdMinSpeed, at most the tracker's stopping velocity) whose best proposal plans at most
// holdMaxSpeed (m/s) holdLook (s) ahead is braked to rest (ModeHold).
const (
	holdMinSpeed = 0.005
	holdMaxSpeed = 0.05
	holdLook     = 1.0
)

// The emergency brake below emergencyLowSpeed (m/s, tuplan_garage's max_ego_speed) aims at a deceleration of
// v / emergencyStopTime (s), at most emergencyMaxDecel (m/s^2, nuPlan's comfortable bound, as tuplan_garage).
const (
	emergencyLowSpeed = 5.0
	emergencyStopTime = 0.15
	emergencyMaxDecel = 4.05
)

// maxFallbackSpeed (m/s) caps the pace kept where the map has no speed limit (130 km/h).
const maxFallbackSpeed = 36.0

// goalAhead reports whether the goal lies on the centerline at least minGoalAhead metres ahead of the rear
// axle (or off the centerline, or unknown: then the planner cannot tell it is here).
func (p *PDM) goalAhead(rear geom.Pose) bool {
	c := &p.paths[0]
	if len(c.line.Pts) < 2 || !p.hasGoal() {
		return true
	}
	gs, glat := c.line.Project(p.goal.Pos())
	if math.Abs(glat) > goalNearCenterline {
		return true
	}
	es, _ := c.line.Project(rear.Pos())
	return gs-es >= minGoalAhead
}

// hasGoal reports whether the mission has a goal pose.
func (p *PDM) hasGoal() bool { return scenarios.HasGoal(p.goal) }

// goalNearCenterline (m): a goal farther from the centerline is not located on it. minGoalAhead (m): a goal
// nearer than this ahead of the ego at the start is where the ego already is.
// arrivedSpeed (m/s) and arrivedDistance (m): an ego slower than this, its rear axle this near its goal
// at the start, stands there.
const (
	goalNearCenterline = 10.0
	minGoalAhead       = 20.0
	arrivedSpeed       = 1.0
	arrivedDistance    = 5.0
)

// locate finds the ego on the centerline, searching the centerline again when the ego has moved to another
// lane. It returns false when there is no usable centerline.
func (p *PDM) locate(rear geom.Pose) bool {
	c := &p.paths[0]
	if len(c.line.Pts) < 2 {
		return false
	}
	s, lat, ok := 0.0, 0.0, false
	if !math.IsNaN(p.lastS) {
		s, lat, ok = c.project(rear.Pos(), p.lastS-40, p.lastS+80, 10)
	}
	if !ok {
		s, lat = c.line.Project(rear.Pos())
	}
	if math.Abs(lat) > p.cfg.ReanchorDistance {
		if l := p.graph.startLane(rear); l >= 0 && !slices.Contains(p.centerLanes, l) {
			p.buildPaths(l, rear)
			p.stats.Reanchors++
			c = &p.paths[0]
			if len(c.line.Pts) < 2 {
				return false
			}
			s, _ = c.line.Project(rear.Pos())
		}
	}
	p.lastS = s
	return true
}

// readGuidance resolves the input's guidance into p.guide.
func (p *PDM) readGuidance(in *Input) {
	p.guide = neutralGuidance(p.cfg.Weights)
	p.goalChange = false
	p.branch.want = scenarios.MovementNone
	g := in.Guidance
	if g != nil {
		if age := g.Age(in.Time); !(age >= -1e-6 && age <= p.cfg.GuidanceMaxAge) { // also NaN
			p.stats.StaleGuidance++
			g = nil
		}
	}
	if g == nil {
		if intent := p.missionLaneIntent(); intent == LaneChangeLeft || intent == LaneChangeRight {
			// The goal lies in another lane of the route, or the ego's lane leaves the route ahead: move
			// over, as a guide would ask.
			p.guide = (&Guidance{}).resolve(intent, p.cfg.Weights, p.cfg.LaneChangeBias, p.cfg.StopProbability)
			return
		}
		if p.cfg.LaneChanges {
			// Unguided lane changes: both neighbouring lanes, discounted against the current one.
			p.guide.addSide = [3]bool{SideLeft: true, SideRight: true}
			p.guide.laneWeight[SideLeft] = 1 - p.cfg.LaneChangeDiscount
			p.guide.laneWeight[SideRight] = 1 - p.cfg.LaneChangeDiscount
		}
		return
	}
	intent := g.Lane
	if g.PreferredLane != "" {
		if l, ok := p.mx.LaneIndex(g.PreferredLane); ok {
			intent = p.intentToward(l)
		}
	}
	if intent == LaneKeep || intent == LaneAny && !sideFavoured(g.LaneProbs) {
		// The guide does not ask for a lane change: the mission's lane still counts (a guide does not know
		// the goal; one that wants a change says so).
		if mi := p.missionLaneIntent(); mi == LaneChangeLeft || mi == LaneChangeRight {
			intent = mi
		}
	}
	p.guide = g.resolve(intent, p.cfg.Weights, p.cfg.LaneChangeBias, p.cfg.StopProbability)
	p.branch.want = turnWanted(g, p.cfg.TurnProbability)
	p.stats.Guided++
}

// goalLaneIntent returns the lane change that brings the ego into the goal's lane when the goal lies in a
// lane of the route beside the centerline (the lane the centerline takes through the goal's roadblock, or
// one reachable through its neighbours); LaneAny otherwise. When the centerline does not reach the goal's
// roadblock at all (its lane turns off the road, as US-101's auxiliary lane does), it aims at the lanes that
// lead into the goal's lane instead (p.goalFeeders).
func (p *PDM) goalLaneIntent() LaneIntent {
	if p.goalLane < 0 || p.cfg.NoGoalLane {
		return LaneAny
	}
	if intent, found := p.intentInto(p.goalLane); found {
		return intent
	}
	for _, f := range p.goalFeeders {
		if intent, found := p.intentInto(f); found && intent != LaneAny {
			return intent
		}
	}
	return LaneAny
}

// missionLaneIntent returns the lane change the mission asks for without guidance: into the goal's lane
// (goalLaneIntent; it sets p.goalChange), else onto the lane from which the route goes on where the ego's lane
// leaves it (routeLaneIntent); it counts the ticks of each in p.stats. LaneAny or LaneKeep when neither asks
// for a change.
func (p *PDM) missionLaneIntent() LaneIntent {
	if intent := p.goalLaneIntent(); intent == LaneChangeLeft || intent == LaneChangeRight {
		p.stats.GoalLaneChanges++
		p.goalChange = true
		return intent
	}
	intent := p.routeLaneIntent()
	if intent == LaneChangeLeft || intent == LaneChangeRight {
		p.stats.RouteLaneChanges++
	}
	return intent
}

// routeLaneIntent returns the lane change onto the lane from which the route goes on where the centerline
// leaves it (p.rejoinLane), LaneAny when there is none or it is not beside the centerline.
func (p *PDM) routeLaneIntent() LaneIntent {
	if p.rejoinLane < 0 {
		return LaneAny
	}
	intent, _ := p.intentInto(p.rejoinLane)
	return intent
}

// routeRejoin returns, where the centerline leaves the route before the route's end (its last lane on the
// route has no successor on it: a lane that turns off at a junction the route crosses straight, a straight
// lane where the route turns, a lane that leaves the road), the lane beside that last lane, up to three lanes
// over and nearest first, that has a successor on the route; -1 when the centerline stays on the route or no
// such lane exists. nuPlan's IDM planner and tuplan_garage's PDM-Closed follow the one lane they start in and
// stop at its end; a driver moves over.
func (p *PDM) routeRejoin() int {
	last := -1
	for i, l := range p.centerLanes {
		if !p.graph.onRoute[l] {
			break
		}
		last = i
	}
	if last < 0 {
		return -1
	}
	l := p.centerLanes[last]
	if p.graph.routeContinues(l) {
		return -1 // the centerline ends on the route (the search's depth), or leaves it where it is not linked
	}
	if i, ok := p.graph.rbIndex[p.mx.Lane(l).Roadblock]; !ok || i >= len(p.graph.route)-1 {
		return -1 // the route ends here
	}
	left, right := p.mx.LeftNeighbor(l), p.mx.RightNeighbor(l)
	for k := 0; k < 3; k++ {
		if left >= 0 {
			if p.graph.routeContinues(left) {
				return left
			}
			left = p.mx.LeftNeighbor(left)
		}
		if right >= 0 {
			if p.graph.routeContinues(right) {
				return right
			}
			right = p.mx.RightNeighbor(right)
		}
	}
	return -1
}

// intentInto returns the lane change that brings the ego into lane target from the centerline's lane in
// target's roadblock (LaneKeep when that is target, LaneAny when target is not beside it); found is false
// when the centerline does not pass through that roadblock.
func (p *PDM) intentInto(target int) (intent LaneIntent, found bool) {
	rb := p.mx.Lane(target).Roadblock
	for _, l := range p.centerLanes {
		if l == target {
			return LaneKeep, true
		}
		if p.mx.Lane(l).Roadblock != rb {
			continue
		}
		return sideOf(p.mx, l, target), true
	}
	return LaneAny, false
}

// sideOf returns LaneChangeLeft or LaneChangeRight when lane target lies that way from lane from through
// their neighbours (up to 8 lanes over), LaneAny otherwise.
func sideOf(mx *scenarios.MapIndex, from, target int) LaneIntent {
	for n, k := mx.LeftNeighbor(from), 0; n >= 0 && k < 8; n, k = mx.LeftNeighbor(n), k+1 {
		if n == target {
			return LaneChangeLeft
		}
	}
	for n, k := mx.RightNeighbor(from), 0; n >= 0 && k < 8; n, k = mx.RightNeighbor(n), k+1 {
		if n == target {
			return LaneChangeRight
		}
	}
	return LaneAny
}

// goalFeederDepth is how many lanes back from the goal's lane goalFeeders reaches.
const goalFeederDepth = 3

// feeders returns the lanes that lead into lane l within depth lanes, nearest first.
func feeders(mx *scenarios.MapIndex, l, depth int) []int {
	var out []int
	frontier := []int{l}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []int
		for _, f := range frontier {
			for _, q := range mx.Predecessors(f) {
				if q != l && !slices.Contains(out, q) {
					out = append(out, q)
					next = append(next, q)
				}
			}
		}
		frontier = next
	}
	return out
}

// laneOfGoal returns the on-route lane containing the goal pose with the smallest heading error, or -1.
func laneOfGoal(mx *scenarios.MapIndex, g *routeGraph, goal geom.Pose) int {
	if !scenarios.HasGoal(goal) {
		return -1
	}
	var buf [16]int
	best, bestErr := -1, math.Pi/2
	for _, l := range mx.LanesAt(goal.Pos(), buf[:0]) {
		if !g.onRoute[l] {
			continue
		}
		pl := mx.Path(l)
		s, _, _ := pl.ProjectDist(goal.Pos())
		if e := math.Abs(geom.AngleDiff(pl.HeadingAt(s), goal.Heading)); e < bestErr {
			best, bestErr = l, e
		}
	}
	return best
}

// intentToward returns the lane intent that brings the ego into lane target: keep when it is on the
// centerline, left or right when it is reachable through neighbours of the current lane, else LaneAny.
func (p *PDM) intentToward(target int) LaneIntent {
	if slices.Contains(p.centerLanes, target) {
		return LaneKeep
	}
	return sideOf(p.mx, p.currentLane(), target)
}

// currentLane returns the centerline lane the ego is in.
func (p *PDM) currentLane() int {
	c := &p.paths[0]
	return c.lanes[c.laneAt(p.lastS)]
}

// Light states of the lanes, as readLights records them.
const (
	lightNone   uint8 = iota // green, unknown or no light
	lightYellow              // yellow
	lightRed                 // red
)

// readLights records this tick's yellow and red lanes and forgets the yellow lights the ego decided to pass
// that are no longer yellow or red.
func (p *PDM) readLights(in *Input) {
	for i := range p.light {
		p.light[i] = lightNone
	}
	for _, ls := range in.Lights {
		if ls.Lane < 0 || ls.Lane >= len(p.light) {
			continue
		}
		switch ls.State {
		case scenarios.Red:
			p.light[ls.Lane] = lightRed
		case scenarios.Yellow:
			p.light[ls.Lane] = lightYellow
		}
	}
	k := 0
	for _, l := range p.passing {
		if p.light[l] != lightNone {
			p.passing[k] = l
			k++
		}
	}
	p.passing = p.passing[:k]
}

// stopLine returns the arc length on path j where the first lane the ego must stop for begins, +Inf for none.
// s0 is the rear axle's arc length on the path and v the ego's speed. Red lanes count, as in tuplan_garage,
// until the ego is wholly past their start (rear bumper beyond it). A yellow lane counts when the ego can
// still stop before it braking at DecelMax; otherwise the ego passes it, and keeps passing it if it turns
// red (the decision is kept until the light turns green).
func (p *PDM) stopLine(j int, s0, v float64) float64 {
	pa := &p.paths[j]
	front, rear := s0+p.vehicle.FrontLength, s0-p.vehicle.RearLength
	for k, l := range pa.lanes {
		from := pa.laneFrom[k]
		st := p.light[l]
		if st == lightNone || from < rear || slices.Contains(p.passing, l) {
			continue
		}
		if st == lightYellow {
			d := from - front - p.cfg.MinGap
			if d < 0 || v*v > 2*p.cfg.DecelMax*d {
				if len(p.passing) < cap(p.passing) {
					p.passing = append(p.passing, l)
				}
				continue
			}
		}
		return from
	}
	return math.Inf(1)
}

// stopTrajectory returns a comfortable stop along the ego's heading.
func (p *PDM) stopTrajectory(ego dynamics.State) dynamics.Trajectory {
	p.dec.Mode = ModeStop
	p.stats.Ticks++
	p.stats.Stops++
	p.out = appendStop(p.out[:0], ego, ego.Time, p.cfg.StopDecel, p.cfg.TrajectorySteps, p.cfg.Step)
	return p.out
}

// appendStop appends to dst a trajectory from ego's pose along its heading, decelerating at decel (m/s^2) to a
// standstill: steps+1 points dt apart from time t0.
func appendStop(dst dynamics.Trajectory, ego dynamics.State, t0, decel float64, steps int, dt float64) dynamics.Trajectory {
	v := max(0, ego.Speed)
	if !(v < math.Inf(1)) {
		v = 0
	}
	f := ego.Pose.Forward()
	s := 0.0
	for k := 0; k <= steps; k++ {
		a := 0.0
		if v > 0 {
			a = -decel
		}
		pos := ego.Pose.Pos().Add(f.Scale(s))
		dst = append(dst, dynamics.TrajectoryPoint{Time: t0 + float64(k)*dt, Pose: geom.Pose{X: pos.X, Y: pos.Y, Heading: ego.Pose.Heading}, Speed: v, Accel: a})
		nv := max(0, v-decel*dt)
		s += (v + nv) / 2 * dt
		v = nv
	}
	return dst
}

// brakeTrajectory returns the emergency brake. Up to emergencyLowSpeed it is the correcting line of
// brake.go, braking at up to emergencyMaxDecel (with PDMConfig.StopProfileBrake, a stop along the heading at
// that deceleration instead): tuplan_garage's idea (PDMEmergencyBrake), whose correcting speed, 1.1 (v -
// 4.05) near walking pace, overshoots into reversing through the actuator's lag. Faster, it is a stop at
// EmergencyDecel along path j from the ego's projection on it, at EmergencyHardDecel when the collision it
// brakes for is EmergencyHardTime away or nearer.
func (p *PDM) brakeTrajectory(ego dynamics.State, j int) dynamics.Trajectory {
	if ego.Speed <= emergencyLowSpeed {
		want := stopCommand(ego, emergencyMaxDecel, p.vehicle.AccelTimeConst)
		if p.cfg.StopProfileBrake {
			// The deceleration the line asks the tracker for, as a stop (at least enough to stop within
			// emergencyStopTime where the lagging actuator would carry the ego to a standstill anyway).
			decel := min(emergencyMaxDecel, max(-want, ego.Speed/emergencyStopTime))
			p.out = appendStop(p.out[:0], ego, ego.Time, decel, p.cfg.TrajectorySteps, p.cfg.Step)
			return p.out
		}
		p.out = appendCommandLine(p.out[:0], ego, want, p.ctrl.Tracker().Params(), p.cfg.TrajectorySteps, p.cfg.Step)
		return p.out
	}
	pa := &p.paths[j]
	s := p.pathS0[j]
	v := max(0, ego.Speed)
	dt, decel := p.cfg.Step, p.cfg.EmergencyDecel
	if p.dec.Mode == ModeEmergency && p.dec.TimeToCollide <= p.cfg.EmergencyHardTime {
		decel = max(decel, p.cfg.EmergencyHardDecel)
	}
	hint := 0
	p.out = p.out[:0]
	for k := 0; k <= p.cfg.TrajectorySteps; k++ {
		a := 0.0
		if v > 0 {
			a = -decel
		}
		p.out = append(p.out, dynamics.TrajectoryPoint{Time: ego.Time + float64(k)*dt, Pose: pa.poseAt(s, &hint), Speed: v, Accel: a})
		nv := max(0, v-decel*dt)
		s += (v + nv) / 2 * dt
		v = nv
	}
	return p.out
}
