package perception

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Cov2 is a symmetric 2x2 covariance of a position, m^2.
type Cov2 struct{ XX, XY, YY float64 }

// Trace returns XX+YY.
func (c Cov2) Trace() float64 { return c.XX + c.YY }

// Det returns the determinant.
func (c Cov2) Det() float64 { return c.XX*c.YY - c.XY*c.XY }

// Add returns c+o.
func (c Cov2) Add(o Cov2) Cov2 { return Cov2{c.XX + o.XX, c.XY + o.XY, c.YY + o.YY} }

// Scale returns k*c.
func (c Cov2) Scale(k float64) Cov2 { return Cov2{c.XX * k, c.XY * k, c.YY * k} }

// Inv returns the inverse and whether c is positive definite.
func (c Cov2) Inv() (Cov2, bool) {
	d := c.Det()
	if !(d > 1e-18) || !(c.XX > 0) || math.IsInf(d, 0) {
		return Cov2{}, false
	}
	return Cov2{c.YY / d, -c.XY / d, c.XX / d}, true
}

// Valid reports whether c is finite and positive definite.
func (c Cov2) Valid() bool {
	if !finite(c.XX) || !finite(c.XY) || !finite(c.YY) {
		return false
	}
	_, ok := c.Inv()
	return ok
}

// Mahalanobis2 returns d^T c^-1 d, or +Inf when c is not positive definite.
func (c Cov2) Mahalanobis2(d geom.Vec2) float64 {
	inv, ok := c.Inv()
	if !ok {
		return math.Inf(1)
	}
	return inv.XX*d.X*d.X + 2*inv.XY*d.X*d.Y + inv.YY*d.Y*d.Y
}

// MulVec returns c*v.
func (c Cov2) MulVec(v geom.Vec2) geom.Vec2 {
	return geom.Vec2{X: c.XX*v.X + c.XY*v.Y, Y: c.XY*v.X + c.YY*v.Y}
}

// Rotated returns the covariance of a diagonal (along, across) covariance turned by heading: R diag R^T.
func Rotated(along, across, heading float64) Cov2 {
	s, c := math.Sincos(heading)
	return Cov2{
		XX: c*c*along + s*s*across,
		XY: c * s * (along - across),
		YY: s*s*along + c*c*across,
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// SenderKind is the kind of a detection sender.
type SenderKind uint8

// Sender kinds: the ego's own sensor, a connected vehicle among the scenario's agents, a roadside unit.
const (
	KindEgo SenderKind = iota
	KindVehicle
	KindRSU
)

// String returns "ego", "vehicle" or "rsu".
func (k SenderKind) String() string {
	switch k {
	case KindEgo:
		return "ego"
	case KindVehicle:
		return "vehicle"
	case KindRSU:
		return "rsu"
	}
	return "unknown"
}

// Detection is one detected object as a sender reports it: a box in the world frame (transformed with the
// sender's own estimate of its pose), the class, a confidence score and the covariance the sender reports for
// the box's centre (its aleatoric uncertainty, pose uncertainty included) and heading.
type Detection struct {
	Box        geom.Box
	Type       scenarios.ObjectType
	Score      float64 // confidence in [0, 1]
	Cov        Cov2    // centre covariance, m^2
	HeadingVar float64 // heading variance, rad^2
	// Indicator is the turn signal seen (IndicatorOff when none or not seen).
	Indicator scenarios.Indicator
}

// Message is what a sender sends once per frame: its detections, the time they were captured by its own
// clock, and its own pose estimate and coverage (so that a receiver knows where it could have seen).
type Message struct {
	Sender  int     // index of the sender in the receiver's sender table
	Seq     int     // the sender's message counter (duplicates repeat it)
	Capture float64 // capture time by the sender's clock, s
	Pose    geom.Pose
	Range   float64 // sensor range, m
	FOV     float64 // full field of view, rad (2*pi: all around)
	Dets    []Detection
}

// SenderInfo describes a sender to the fusion: its name and kind. The ego's own sensor is trusted as is
// (fixed reputation 1).
type SenderInfo struct {
	Name string
	Kind SenderKind
}

// Track is a fused object: its box, velocity, centre covariance and existence probability, and the
// senders that supported it lately.
type Track struct {
	ID        int
	Type      scenarios.ObjectType
	Box       geom.Box
	Vel       geom.Vec2
	Cov       Cov2    // centre covariance, m^2
	VelCov    Cov2    // velocity covariance, (m/s)^2
	Existence float64 // probability that the object exists, [0, 1]
	// Score ranks tracks for detection metrics: the existence probability discounted by the centre's
	// uncertainty, Existence * exp(-tr(Cov)/ScoreCovScale), so that boxes extrapolated far from their last
	// detection rank below fresh ones.
	Score float64
	// Indicator is the turn signal seen within the last half second (IndicatorOff when none).
	Indicator scenarios.Indicator
	// LastUpdate is the capture time of the newest detection that updated the track, s.
	LastUpdate float64
	// Senders is a bit set of the senders (by index, up to 64) whose detections updated the track in the
	// last second.
	Senders uint64
}

// ReceivedDetection is a raw detection as the fusion received it, for viewers and recorders.
type ReceivedDetection struct {
	Sender  int     // sender index
	Capture float64 // capture time by the sender's clock, s
	Age     float64 // fusion time minus capture time, s
	Detection
}
