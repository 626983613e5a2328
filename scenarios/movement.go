package scenarios

import (
	"math"

	"asyncdrive/geom"
)

// Movement is the direction of a junction movement: where a lane connector (or any lane) takes a car.
type Movement uint8

// Junction movements. MovementNone is the zero value: no movement known.
const (
	MovementNone Movement = iota
	MovementLeft
	MovementStraight
	MovementRight
)

// String returns "left", "straight", "right" or "none".
func (m Movement) String() string {
	switch m {
	case MovementLeft:
		return "left"
	case MovementStraight:
		return "straight"
	case MovementRight:
		return "right"
	}
	return "none"
}

// turnThreshold (rad): a heading change of more than 30 degrees to one side is a turn.
const turnThreshold = math.Pi / 6

// MovementOfHeadings classifies a movement by the heading change from h0 to h1 (rad): more than 30 degrees
// to the left or right is a turn, anything else straight.
func MovementOfHeadings(h0, h1 float64) Movement {
	switch dh := geom.AngleDiff(h1, h0); {
	case dh > turnThreshold:
		return MovementLeft
	case dh < -turnThreshold:
		return MovementRight
	}
	return MovementStraight
}

// MovementOfPath classifies the movement along a path by the heading change from its start to its end
// (MovementStraight for an empty path).
func MovementOfPath(p *geom.Polyline) Movement {
	if p == nil || p.Length() == 0 {
		return MovementStraight
	}
	return MovementOfHeadings(p.HeadingAt(0), p.HeadingAt(p.Length()))
}

// Movement returns the movement along lane i's centerline (for a lane connector: the junction movement it
// makes).
func (x *MapIndex) Movement(i int) Movement { return MovementOfPath(x.Path(i)) }
