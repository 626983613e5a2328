package metrics

import "asyncdrive/scenarios"

// LaneChangeTracker finds ego's lane changes from its per-frame lane status, as nuPlan's ego_lane_change: a
// lane change starts when ego, InLane at the previous frame, starts straddling, and ends at the next frame it
// is InLane or Offroad. It succeeds when the lanes it ends in share none with the lanes it started in or their
// successors; it fails when it ends off the lanes, back where it started, or with the run still open. The zero
// value is ready to use; it does not allocate.
type LaneChangeTracker struct {
	started  bool
	open     bool
	initial  LaneSet
	prev     LaneSet
	prevStat LaneStatus
	count    int
	failed   int
}

// Step adds one frame: the lanes and status EgoLaneStatus returned for ego's footprint.
func (t *LaneChangeTracker) Step(m *scenarios.MapIndex, lanes LaneSet, st LaneStatus) {
	if t.started {
		switch {
		case !t.open && st == Straddling:
			if t.prevStat == InLane && t.prev.Len() > 0 {
				t.open, t.initial = true, t.prev
			}
		case t.open && st != Straddling:
			t.count++
			out := t.initial.withSuccessors(m)
			if st == Offroad || lanes.Intersects(&out) {
				t.failed++
			}
			t.open = false
		}
	}
	t.started = true
	t.prev, t.prevStat = lanes, st
}

// Result returns the number of lane changes and of failed ones, counting a lane change still open as failed.
func (t *LaneChangeTracker) Result() (count, failed int) {
	if t.open {
		return t.count + 1, t.failed + 1
	}
	return t.count, t.failed
}

// LaneChangeScore returns ego_lane_change as a score: 1 when there were no lane changes or at most
// maxFailRate of them failed, else 0 (nuPlan reports this as a statistic, not as a score).
func LaneChangeScore(count, failed int, maxFailRate float64) float64 {
	if count == 0 || float64(failed)/float64(count) <= maxFailRate {
		return 1
	}
	return 0
}
