package metrics

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// MaxDirectionWindow is the largest driving-direction window, in frames, a DirectionTracker supports.
const MaxDirectionWindow = 127

// DirectionTracker accumulates ego's progress along the baseline of the lane its centre is assigned to, as
// nuPlan's driving_direction_compliance does, and sums it over a sliding window. Per frame: no lane gives 0;
// a lane different from the previous frame's gives 0 and restarts the measurement (so the first frame in a
// lane, and the one after it, give 0); otherwise the change of the clamped baseline arc length (0 when the
// arc length is exactly 0, as nuPlan's truthiness test does). The window sums the last window+1 per-frame
// values, as nuPlan sums progress[i-n : i+1]. The zero value must be Reset before use; it does not allocate.
type DirectionTracker struct {
	window  int
	ring    [MaxDirectionWindow + 1]float64
	head    int
	started bool
	lane    int
	prevS   float64
	hasPrev bool
	min     float64
}

// Reset prepares d for a new run with a window of n frames (nuPlan: int(horizon/dt), 10 at 10 Hz).
func (d *DirectionTracker) Reset(n int) {
	*d = DirectionTracker{}
	d.window = max(0, min(n, MaxDirectionWindow))
	d.lane = -1
}

// Step adds one frame: lane is the primary lane of the ego centre (LaneTracker.Step), -1 for none. It returns
// the progress over the window ending at this frame (negative: against the lane direction).
func (d *DirectionTracker) Step(m *scenarios.MapIndex, lane int, center geom.Vec2) float64 {
	if !d.started {
		d.started = true
		d.lane = lane
	}
	p := 0.0
	switch {
	case lane < 0:
	case d.lane >= 0 && lane == d.lane:
		s := baselineDistance(m, lane, center)
		if d.hasPrev && s != 0 {
			p = s - d.prevS
		}
		d.prevS, d.hasPrev = s, true
	default:
		d.hasPrev = false
		d.lane = lane
	}
	d.ring[d.head] = p
	d.head = (d.head + 1) % (d.window + 1)
	sum := 0.0
	for i := 0; i <= d.window; i++ {
		sum += d.ring[i]
	}
	if sum < d.min {
		d.min = sum
	}
	return sum
}

// MinProgress returns the smallest window progress so far (at most 0): minus the farthest ego drove against
// the lane direction within one window.
func (d *DirectionTracker) MinProgress() float64 { return d.min }

// DirectionScore returns driving_direction_compliance for the smallest window progress of a run: with
// against = |minProgress|, 1 below compliance, 0.5 below violation, else 0.
func DirectionScore(minProgress, compliance, violation float64) float64 {
	against := math.Abs(math.Min(minProgress, 0))
	switch {
	case against < compliance:
		return 1
	case against < violation:
		return 0.5
	}
	return 0
}
