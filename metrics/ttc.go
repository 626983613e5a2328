package metrics

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// TTCSteps returns the number of projection steps of the TTC metric, as numpy's arange(step, horizon, step)
// counts them: ceil((horizon-step)/step), 29 for 0.1 s over 3 s (times 0.1 ... 2.9 s).
func TTCSteps(step, horizon float64) int {
	if !(step > 0) || !(horizon > step) {
		return 0
	}
	return int(math.Ceil((horizon - step) / step))
}

// Elongated returns the box b swept by a constant displacement d per step over steps steps, approximated as
// nuPlan's TTC does: the box keeps its heading and width, its centre moves to the middle of the sweep and its
// length grows by the sweep's length.
func Elongated(b geom.Box, d geom.Vec2, steps float64) geom.Box {
	return geom.Box{
		Center: geom.Pose{X: b.Center.X + steps/2*d.X, Y: b.Center.Y + steps/2*d.Y, Heading: b.Center.Heading},
		Length: b.Length + math.Hypot(d.X*steps, d.Y*steps),
		Width:  b.Width,
	}
}

// PairTTC returns the time to collision of two boxes moving by constant displacements egoD and objD per step
// of dt seconds: the first k*dt, k = 1..n, at which the moved boxes touch, or +Inf when they do not within n
// steps. The first step is found in closed form per separating axis, not by stepping. It does not allocate.
func PairTTC(ego geom.Box, egoD geom.Vec2, obj geom.Box, objD geom.Vec2, dt float64, n int) float64 {
	e, o := newOBB(ego), newOBB(obj)
	if k := firstContact(&e, &o, egoD, objD, n); k > 0 {
		return float64(k) * dt
	}
	return math.Inf(1)
}

// TTCEgo is the ego side of one TTC frame.
type TTCEgo struct {
	Rear  geom.Pose // rear-axle pose: decides which objects are ahead or behind
	Box   geom.Box  // footprint; it is projected along its heading
	Speed float64   // longitudinal speed (m/s), signed
	// Lateral widens the objects considered from those ahead (within 30 degrees of the heading) to all not
	// behind (within 150 degrees): nuPlan does so when ego is not InLane (EgoLaneStatus) or is in an
	// intersection (here: its rear axle lies in a lane connector, InConnector).
	Lateral bool
}

// FrameTTC returns nuPlan's time to collision at one frame: +Inf when ego is at most stoppedSpeed fast or no
// object qualifies; otherwise ego and each object considered (ahead of ego, or not behind when e.Lateral, and
// not skip[i]) are projected at constant speed along their headings (static objects stand still), objects
// whose swept box misses ego's over the horizon are dropped, and the smallest PairTTC of the rest is returned.
// skip may be nil; otherwise it has one entry per object (nuPlan skips objects ego has already collided with).
// It does not allocate.
func FrameTTC(e TTCEgo, objs []scenarios.Object, skip []bool, step, horizon, stoppedSpeed float64) float64 {
	ttc, _ := FrameTTCObject(e, objs, skip, step, horizon, stoppedSpeed)
	return ttc
}

// FrameTTCObject is FrameTTC that also returns the index in objs of the object the time to collision is to
// (the first of the nearest), -1 when it is +Inf.
func FrameTTCObject(e TTCEgo, objs []scenarios.Object, skip []bool, step, horizon, stoppedSpeed float64) (float64, int) {
	best, bestObj := math.Inf(1), -1
	if math.Abs(e.Speed) <= stoppedSpeed || len(objs) == 0 {
		return best, bestObj
	}
	n := TTCSteps(step, horizon)
	span := horizon / step
	ego := newOBB(e.Box)
	egoD := ego.f.Scale(e.Speed * step)
	egoSweep := ego.swept(egoD.Scale(span/2), math.Abs(e.Speed*step)*span)
	fwd := e.Rear.Forward()
	rear := e.Rear.Pos()
	for i := range objs {
		if skip != nil && skip[i] {
			continue
		}
		o := &objs[i]
		// Ahead (within 30 degrees), or with e.Lateral not behind (within 150 degrees), of the rear axle.
		d := o.Box.Center.Pos().Sub(rear)
		dn := math.Sqrt(d.X*d.X + d.Y*d.Y)
		if dn == 0 {
			continue
		}
		if c := fwd.Dot(d) / dn; !(c > cos30) && !(e.Lateral && !(c < cos150)) {
			continue
		}
		ob := newOBB(o.Box)
		v := ObjectSpeed(o)
		objD := ob.f.Scale(v * step)
		objSweep := ob.swept(objD.Scale(span/2), v*step*span)
		if !overlaps(&egoSweep, &objSweep) {
			continue
		}
		if k := firstContact(&ego, &ob, egoD, objD, n); k > 0 {
			if t := float64(k) * step; t < best {
				best, bestObj = t, i
				if k == 1 {
					break
				}
			}
		}
	}
	return best, bestObj
}

// TTCScore returns time_to_collision_within_bound for the smallest TTC of a run: 1 when it is above leastMin.
func TTCScore(minTTC, leastMin float64) float64 {
	if leastMin < minTTC {
		return 1
	}
	return 0
}
