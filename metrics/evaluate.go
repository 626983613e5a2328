package metrics

import (
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Run is one finished closed-loop simulation. Frame 0 is the start; all slices hold one entry per frame, DT
// seconds apart.
type Run struct {
	DT      float64                // s between frames
	Map     *scenarios.MapIndex    // the scenario map (nil: map-based metrics score 1)
	Vehicle dynamics.VehicleParams // ego geometry
	Ego     []dynamics.State       // simulated ego, rear-axle states
	Objects [][]scenarios.Object   // ground-truth objects per frame (frames beyond its length have none)
	Expert  []dynamics.State       // expert ego states over the same frames; the frames both cover are used
	Route   []string               // mission roadblock ids (informational: progress follows the expert's lanes)
}

// Collision is one collision of ego with an object, at its first frame of contact. Each object collides at
// most once per run, as in nuPlan: after its first contact it is ignored by the collision and TTC metrics.
type Collision struct {
	Frame      int                  // first frame of contact
	Time       float64              // s, Ego[Frame].Time
	ObjectID   string               // the object's id
	ObjectType scenarios.ObjectType // the object's type
	Class      ObjectClass          // the class its at-fault collisions count against
	Type       CollisionType        // how ego and the object met
	AtFault    bool                 // whether it counts against ego
	EgoDeltaV  float64              // m/s, nuPlan's collision intensity
	EgoStatus  LaneStatus           // ego's lane status at the time
}

// MaxCollisions is the number of collisions a Result describes in detail; NumCollisions and AtFaultCounts
// count them all.
const MaxCollisions = 8

// Result is the score of one run: the eight metrics of nuPlan's closed-loop score, the score, and details.
// It is a comparable value (no slices or maps): two results are equal with ==.
type Result struct {
	// Multipliers.
	NoAtFaultCollisions        float64 // 1, 0.5 or 0
	DrivableAreaCompliance     float64 // 1 or 0
	DrivingDirectionCompliance float64 // 1, 0.5 or 0
	MakingProgress             float64 // 1 or 0
	// Weighted.
	ProgressAlongExpertRoute   float64 // in [0, 1]
	TimeToCollisionWithinBound float64 // 1 or 0
	SpeedLimitCompliance       float64 // in [0, 1]
	Comfortable                float64 // 1 or 0
	// Score is the closed-loop score (CLS) of this run, in [0, 1].
	Score float64

	// LaneChange is ego_lane_change (1 unless more than 30 % of the lane changes failed); it counts in the
	// score only when Params.Weights.LaneChange is set.
	LaneChange                     float64
	LaneChanges, FailedLaneChanges int // lane changes, and those that failed

	Frames int // frames scored

	// Collisions describes the first min(NumCollisions, MaxCollisions) collisions, in order (CollisionList
	// returns them as a slice); NumCollisions counts all, AtFaultCounts the at-fault ones per ObjectClass.
	Collisions    [MaxCollisions]Collision
	NumCollisions int             // all collisions
	AtFaultCounts [NumClasses]int // at-fault collisions per ObjectClass
	// MaxDrivableViolation is the farthest (m) any ego corner got outside the drivable area, at frame
	// MaxDrivableFrame (-1: never outside).
	MaxDrivableViolation float64 // m
	MaxDrivableFrame     int     // frame of MaxDrivableViolation, -1 if never outside
	// MinDirectionProgress (m, at most 0) is the most negative progress along the lane direction within one
	// driving-direction window.
	MinDirectionProgress float64
	// EgoProgress and ExpertProgress (m) are the progresses along the expert's route; RouteRoadblocks is the
	// number of roadblocks of that route (0: the expert was on no lane, and the ratio is 1).
	EgoProgress, ExpertProgress float64 // m
	RouteRoadblocks             int     // roadblocks of the expert's route
	// MinTTC (s) is the smallest time to collision, +Inf when none was found, at frame MinTTCFrame (-1).
	MinTTC      float64 // s
	MinTTCFrame int     // frame of MinTTC, -1 if none
	// MinTTCObject is the id of the object MinTTC is to (at an at-fault collision, the object hit); "" if none.
	MinTTCObject string
	// OverspeedIntegral (m) integrates the overspeed over time; MaxOverspeed (m/s) is its largest value.
	OverspeedIntegral, MaxOverspeed float64
	// Comfort holds the comfort quantities' extremes.
	Comfort ComfortResult
}

// CollisionList returns the collisions described in r.Collisions.
func (r *Result) CollisionList() []Collision {
	return r.Collisions[:min(r.NumCollisions, MaxCollisions)]
}

// Multipliers returns the four multiplier metrics in Names order.
func (r Result) Multipliers() [4]float64 {
	return [4]float64{r.NoAtFaultCollisions, r.DrivableAreaCompliance, r.DrivingDirectionCompliance, r.MakingProgress}
}

// Weighted returns the four weighted metrics in Names order.
func (r Result) Weighted() [4]float64 {
	return [4]float64{r.ProgressAlongExpertRoute, r.TimeToCollisionWithinBound, r.SpeedLimitCompliance, r.Comfortable}
}

// Values returns the eight metrics in Names order.
func (r Result) Values() [NumMetrics]float64 {
	m, w := r.Multipliers(), r.Weighted()
	return [NumMetrics]float64{m[0], m[1], m[2], m[3], w[0], w[1], w[2], w[3]}
}

// Value returns the metric called name (one of Names, or NameLaneChange), NaN for an unknown name.
func (r Result) Value(name string) float64 {
	switch name {
	case NameNoAtFaultCollisions:
		return r.NoAtFaultCollisions
	case NameDrivableAreaCompliance:
		return r.DrivableAreaCompliance
	case NameDrivingDirectionCompliance:
		return r.DrivingDirectionCompliance
	case NameMakingProgress:
		return r.MakingProgress
	case NameProgressAlongExpertRoute:
		return r.ProgressAlongExpertRoute
	case NameTimeToCollisionWithinBound:
		return r.TimeToCollisionWithinBound
	case NameSpeedLimitCompliance:
		return r.SpeedLimitCompliance
	case NameComfortable:
		return r.Comfortable
	case NameLaneChange:
		return r.LaneChange
	}
	return math.NaN()
}

// Evaluate scores a run with nuPlan's closed-loop metrics and weights (DefaultParams).
func Evaluate(r *Run) Result { return EvaluateWith(r, DefaultParams()) }

// AtFaultTotal is the number of at-fault collisions over all object classes.
func (r *Result) AtFaultTotal() int {
	n := 0
	for _, c := range r.AtFaultCounts {
		n += c
	}
	return n
}

// EvaluateWith scores a run with the given thresholds and weights. An empty run scores 0 everywhere. Without a
// map, the map-based metrics (drivable area, driving direction, speed limit, progress) score 1 and ego counts
// as in its lane.
func EvaluateWith(r *Run, p Params) Result {
	n := len(r.Ego)
	res := Result{Frames: n, MinTTC: math.Inf(1), MinTTCFrame: -1, MaxDrivableFrame: -1}
	if n == 0 {
		return res
	}
	m := r.Map
	dt := r.DT
	if !(dt > 0) {
		dt = scenarios.DefaultDT
	}

	var (
		dir      DirectionTracker
		lc       LaneChangeTracker
		collided = map[string]bool{}
		skip     []bool
		overSum  float64
	)
	dir.Reset(int(p.DirectionHorizon/dt + 1e-9))
	centers := make([]geom.Vec2, n)
	for i := range n {
		centers[i] = r.Vehicle.Footprint(r.Ego[i].Pose).Center.Pos()
	}
	// The lanes of ego's driven route, as nuPlan's get_route assigns them after the run (looking ahead where
	// connectors overlap): driving direction and speed limit are measured along them.
	var routeSets []LaneSet
	var routePrims []int
	if m != nil {
		routeSets, routePrims = DrivenRoute(m, centers)
	}

	for i := range n {
		s := &r.Ego[i]
		box := r.Vehicle.Footprint(s.Pose)
		c := centers[i]

		lanes, status := LaneSet{}, InLane
		inConnector := false
		if m != nil {
			lanes, status = EgoLaneStatus(m, box)
			lc.Step(m, lanes, status)
			prim := routePrims[i]
			if v := DrivableViolation(m, box); v > res.MaxDrivableViolation {
				res.MaxDrivableViolation, res.MaxDrivableFrame = v, i
			}
			dir.Step(m, prim, c)
			if lim, ok := SpeedLimitOf(m, &routeSets[i], prim); ok {
				o := Overspeed(s.Speed, lim)
				overSum += o
				res.MaxOverspeed = math.Max(res.MaxOverspeed, o)
			}
			inConnector = InConnector(m, s.Pose.Pos())
		}

		var objs []scenarios.Object
		if i < len(r.Objects) {
			objs = r.Objects[i]
		}
		atFault, atFaultID := false, ""
		ego := NewEgoBox(box)
		for j := range objs {
			o := &objs[j]
			if collided[o.ID] || !BoxesOverlap(&ego, o.Box) {
				continue
			}
			collided[o.ID] = true
			ct := ClassifyCollision(s.Pose, box, s.Speed, o, p.StoppedSpeed)
			col := Collision{
				Frame: i, Time: s.Time, ObjectID: o.ID, ObjectType: o.Type, Class: ClassOf(o.Type), Type: ct,
				AtFault: AtFault(ct, status == InLane), EgoDeltaV: EgoDeltaV(s.Speed, s.Pose.Heading, o), EgoStatus: status,
			}
			if res.NumCollisions < MaxCollisions {
				res.Collisions[res.NumCollisions] = col
			}
			res.NumCollisions++
			if col.AtFault {
				if !atFault {
					atFaultID = o.ID
				}
				atFault = true
				if col.Class < NumClasses {
					res.AtFaultCounts[col.Class]++
				}
			}
		}

		ttc, with := 0.0, atFaultID // an at-fault collision at this frame sets TTC to 0
		if !atFault {
			skip = skip[:0]
			for j := range objs {
				skip = append(skip, collided[objs[j].ID])
			}
			e := TTCEgo{Rear: s.Pose, Box: box, Speed: s.Speed, Lateral: status != InLane || inConnector}
			var k int
			ttc, k = FrameTTCObject(e, objs, skip, p.TTCStep, p.TTCHorizon, p.TTCStoppedSpeed)
			if k >= 0 {
				with = objs[k].ID
			}
		}
		if ttc < res.MinTTC {
			res.MinTTC, res.MinTTCFrame, res.MinTTCObject = ttc, i, with
		}
	}

	// Multipliers.
	res.NoAtFaultCollisions = CollisionScore(res.AtFaultCounts, p.CollisionThresholds)
	res.DrivableAreaCompliance = DrivableScore(res.MaxDrivableViolation, p.MaxDrivableViolation)
	res.MinDirectionProgress = dir.MinProgress()
	res.DrivingDirectionCompliance = DirectionScore(res.MinDirectionProgress, p.DirectionCompliance, p.DirectionViolation)

	// Progress along the expert's route.
	res.ProgressAlongExpertRoute = 1
	if m != nil {
		ne := min(len(r.Expert), n)
		expert := make([]geom.Vec2, ne)
		for i := range ne {
			expert[i] = r.Vehicle.Footprint(r.Expert[i].Pose).Center.Pos()
		}
		rp := NewRouteProgress(m, DrivenLanes(m, expert))
		res.RouteRoadblocks = rp.Len()
		if rp.Len() > 0 {
			res.EgoProgress = rp.Total(centers)
			res.ExpertProgress = rp.Total(expert)
			res.ProgressAlongExpertRoute = ProgressRatio(res.EgoProgress, res.ExpertProgress, p.ProgressThreshold)
		}
	}
	res.MakingProgress = MakingProgressScore(res.ProgressAlongExpertRoute, p.MinProgressRatio)

	// Weighted.
	res.TimeToCollisionWithinBound = TTCScore(res.MinTTC, p.TTCLeastMin)
	res.OverspeedIntegral = overSum * dt
	res.SpeedLimitCompliance = SpeedLimitScore(overSum, n, p.MaxOverspeed)
	var cb ComfortBuffer
	res.Comfort = Comfort(r.Ego, r.Vehicle, dt, p.Comfort, &cb)
	res.Comfortable = ComfortScore(res.Comfort)

	res.LaneChanges, res.FailedLaneChanges = lc.Result()
	res.LaneChange = LaneChangeScore(res.LaneChanges, res.FailedLaneChanges, p.MaxLaneChangeFailRate)

	res.Score = p.Weights.Score(res.Multipliers(), res.Weighted(), res.LaneChange)
	return res
}
