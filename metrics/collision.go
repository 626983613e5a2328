package metrics

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// CollisionType classifies a collision at its first frame of contact, as nuPlan's collision_utils.CollisionType.
type CollisionType uint8

// Collision types, in nuPlan's order of precedence.
const (
	// StoppedEgoCollision: ego was stopped (speed at most the stopped threshold).
	StoppedEgoCollision CollisionType = iota
	// StoppedTrackCollision: the object was stopped, or is a static object.
	StoppedTrackCollision
	// ActiveFrontCollision: both moving, and ego's front bumper touches the object.
	ActiveFrontCollision
	// ActiveRearCollision: both moving, and the object's centre is behind ego (more than 150 degrees off
	// ego's heading, seen from the rear axle).
	ActiveRearCollision
	// ActiveLateralCollision: both moving, any other contact.
	ActiveLateralCollision
)

// String returns nuPlan's name for the collision type.
func (c CollisionType) String() string {
	switch c {
	case StoppedEgoCollision:
		return "stopped_ego_collision"
	case StoppedTrackCollision:
		return "stopped_track_collision"
	case ActiveFrontCollision:
		return "active_front_collision"
	case ActiveRearCollision:
		return "active_rear_collision"
	case ActiveLateralCollision:
		return "active_lateral_collision"
	}
	return "unknown"
}

// ObjectClass is the class an object's at-fault collisions count against.
type ObjectClass uint8

// Object classes of the at-fault collision score.
const (
	ClassVRU     ObjectClass = iota // pedestrians and bicycles
	ClassVehicle                    // vehicles
	ClassObject                     // static objects: cones, barriers, signs, generic objects
	ClassNone                       // anything else: counted nowhere
)

// NumClasses is the number of object classes the at-fault collision score counts.
const NumClasses = 3

// String returns the class name as nuPlan's statistics spell it.
func (c ObjectClass) String() string {
	switch c {
	case ClassVRU:
		return "VRUs"
	case ClassVehicle:
		return "vehicles"
	case ClassObject:
		return "objects"
	}
	return "none"
}

// ClassOf returns the object class of an object type.
func ClassOf(t scenarios.ObjectType) ObjectClass {
	switch t {
	case scenarios.Pedestrian, scenarios.Bicycle:
		return ClassVRU
	case scenarios.Vehicle:
		return ClassVehicle
	case scenarios.StaticObject:
		return ClassObject
	}
	return ClassNone
}

// IsAgent reports whether objects of type t move on their own (nuPlan's Agent: vehicles, pedestrians and
// bicycles). Other objects count as stopped and have zero speed in the collision and TTC metrics.
func IsAgent(t scenarios.ObjectType) bool {
	return t == scenarios.Vehicle || t == scenarios.Pedestrian || t == scenarios.Bicycle
}

// ObjectSpeed returns the speed the metrics use for o: its velocity's magnitude for agents, 0 otherwise.
func ObjectSpeed(o *scenarios.Object) float64 {
	if !IsAgent(o.Type) {
		return 0
	}
	return math.Sqrt(o.Vel.X*o.Vel.X + o.Vel.Y*o.Vel.Y)
}

// relativeCos returns the cosine of the angle between pose's heading and the direction from pose to p, and
// false when p is at pose (where nuPlan's get_agent_relative_angle is NaN and every comparison fails).
func relativeCos(pose geom.Pose, p geom.Vec2) (float64, bool) {
	d := p.Sub(pose.Pos())
	n := math.Sqrt(d.X*d.X + d.Y*d.Y)
	if n == 0 {
		return 0, false
	}
	return pose.Forward().Dot(d) / n, true
}

// cos30 and cos150 are the cosines of nuPlan's is_agent_ahead / is_agent_behind tolerances.
var (
	cos30  = math.Cos(30 * math.Pi / 180)
	cos150 = math.Cos(150 * math.Pi / 180)
)

// IsAhead reports whether p is less than 30 degrees off the heading of pose (nuPlan's is_agent_ahead).
func IsAhead(pose geom.Pose, p geom.Vec2) bool {
	c, ok := relativeCos(pose, p)
	return ok && c > cos30
}

// IsBehind reports whether p is more than 150 degrees off the heading of pose (nuPlan's is_agent_behind).
func IsBehind(pose geom.Pose, p geom.Vec2) bool {
	c, ok := relativeCos(pose, p)
	return ok && c < cos150
}

// ClassifyCollision classifies a contact between ego and object o, as nuPlan's _get_collision_type: ego
// stopped; else object stopped (speed at most stoppedSpeed, or not an agent); else object centre behind ego's
// rear axle; else ego's front bumper (the front-left to front-right edge of egoBox) touches o; else lateral.
// egoSpeed is ego's speed (its magnitude is used). It does not check that the boxes touch and does not
// allocate.
func ClassifyCollision(egoRear geom.Pose, egoBox geom.Box, egoSpeed float64, o *scenarios.Object, stoppedSpeed float64) CollisionType {
	switch {
	case math.Abs(egoSpeed) <= stoppedSpeed:
		return StoppedEgoCollision
	case !IsAgent(o.Type) || o.Vel.Norm() <= stoppedSpeed:
		return StoppedTrackCollision
	case IsBehind(egoRear, o.Box.Center.Pos()):
		return ActiveRearCollision
	}
	k := egoBox.Corners()
	if o.Box.SegmentIntersects(k[0], k[3]) {
		return ActiveFrontCollision
	}
	return ActiveLateralCollision
}

// AtFault reports whether a collision of type t is ego's fault (nuPlan's classify_at_fault_collisions):
// front collisions and collisions with stopped objects always are; lateral collisions are when ego was not
// in one lane or connected lanes at the time (egoInLane false: straddling lanes or off the lanes); rear
// collisions and collisions while ego is stopped never are.
func AtFault(t CollisionType, egoInLane bool) bool {
	switch t {
	case ActiveFrontCollision, StoppedTrackCollision:
		return true
	case ActiveLateralCollision:
		return !egoInLane
	}
	return false
}

// EgoDeltaV returns nuPlan's collision intensity: the ego's change of velocity in a perfectly inelastic
// collision between equal masses, 0.5*|v_ego - v_obj| with both velocities along their headings.
func EgoDeltaV(egoSpeed, egoHeading float64, o *scenarios.Object) float64 {
	ve, vo := math.Abs(egoSpeed), ObjectSpeed(o)
	sq := ve*ve + vo*vo - 2*ve*vo*math.Cos(egoHeading-o.Box.Center.Heading)
	return 0.5 * math.Sqrt(math.Max(0, sq))
}

// ClassScore returns nuPlan's per-class collision score max(0, 1 - n/(threshold+1)).
func ClassScore(n, threshold int) float64 {
	return math.Max(0, 1-float64(n)/float64(threshold+1))
}

// CollisionScore returns the no_ego_at_fault_collisions score for at-fault collision counts per class
// (indexed by ObjectClass): the product of the per-class scores with thresholds VRU, vehicle and object.
func CollisionScore(counts [NumClasses]int, thresholds [NumClasses]int) float64 {
	s := 1.0
	for c := range counts {
		s *= ClassScore(counts[c], thresholds[c])
	}
	return s
}
