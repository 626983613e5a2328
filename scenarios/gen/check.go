package gen

import (
	"fmt"
	"math"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/sim"
)

// Comfort bounds of nuPlan's ego_is_comfortable metric.
const (
	maxLonAccel = 2.40
	minLonAccel = -4.05
	maxLatAccel = 4.89
	maxJerk     = 8.37
	maxLonJerk  = 4.13
	maxYawRate  = 0.95
	maxYawAccel = 1.93
)

// expertProblems lists what is wrong with the expert of sc by the standards the generator promises: over the
// whole log, no overlap with any track, every footprint corner within 0.25 m of a lane or lane connector, speed within
// the limit (+0.3 m/s), and comfort (raw finite differences of the logged states, a little inside nuPlan's
// bounds).
func expertProblems(sc *scenarios.Scenario) []string {
	var out []string
	add := func(f string, a ...any) {
		if len(out) < 8 {
			out = append(out, fmt.Sprintf(f, a...))
		}
	}
	mx := sc.Map.Index()
	n := len(sc.Expert)
	lb := make([]geom.AABB, mx.NumLanes())
	for i := range lb {
		lb[i] = geom.BoundsOf(mx.LanePolygon(i))
	}
	var buf []int
	for i, e := range sc.Expert {
		box := egoParams.Footprint(e.Pose)
		for _, c := range box.Corners() {
			// Lanes and connectors only: the drivable area without the junction and zone polygons.
			if buf = mx.LanesAt(c, buf[:0]); len(buf) > 0 {
				continue
			}
			d := math.Inf(1)
			for l := range lb {
				if lb[l].Contains(c, 0.25) {
					d = math.Min(d, geom.DistToPolygon(c, mx.LanePolygon(l)))
				}
			}
			if d > 0.25 {
				add("frame %d: corner %.2f m outside the lanes", i, d)
				break
			}
		}
		for _, p := range []geom.Vec2{e.Pose.Pos(), box.Center.Pos()} {
			if lim, ok := mx.SpeedLimitAt(p); ok && e.Speed > lim+0.3 {
				add("frame %d: speed %.2f over the limit %.2f", i, e.Speed, lim)
			}
		}
		for ti := range sc.Tracks {
			t := &sc.Tracks[ti]
			st, ok := t.StateAt(i)
			if !ok {
				continue
			}
			ob := st.Box(t.Length, t.Width)
			if box.Overlaps(ob) {
				add("frame %d: expert overlaps %s", i, t.ID)
			} else if e.Speed > 0.5 && passedObject(t) && ob.Center.Pos().Dist(box.Center.Pos()) < 10 {
				// Passing an obstacle at the lane's edge (a nudge): keep 0.3 m of lateral clearance.
				if d := geom.BoxDistance(box, ob); d < minPassClearance {
					if q := e.Pose.ToLocal(ob.Center.Pos()); q.X > -egoRear && q.X < egoFront {
						add("frame %d: passes %s at %.2f m", i, t.ID, d)
					}
				}
			}
		}
		if e.Accel > maxLonAccel-0.05 || e.Accel < minLonAccel+0.05 {
			add("frame %d: longitudinal acceleration %.2f", i, e.Accel)
		}
		lat := latAccel(e)
		if math.Abs(lat) > maxLatAccel-0.1 {
			add("frame %d: lateral acceleration %.2f", i, lat)
		}
		if i == 0 {
			continue
		}
		p := sc.Expert[i-1]
		if j := (e.Accel - p.Accel) / sc.DT; math.Abs(j) > maxLonJerk-0.1 {
			add("frame %d: longitudinal jerk %.2f", i, j)
		}
		if j := (math.Hypot(e.Accel, lat) - math.Hypot(p.Accel, latAccel(p))) / sc.DT; math.Abs(j) > maxJerk-0.2 {
			add("frame %d: jerk %.2f", i, j)
		}
		yr := geom.AngleDiff(e.Pose.Heading, p.Pose.Heading) / sc.DT
		if math.Abs(yr) > maxYawRate-0.05 {
			add("frame %d: yaw rate %.2f", i, yr)
		}
		if i >= 2 && i < n {
			yp := geom.AngleDiff(p.Pose.Heading, sc.Expert[i-2].Pose.Heading) / sc.DT
			if ya := (yr - yp) / sc.DT; math.Abs(ya) > maxYawAccel-0.1 {
				add("frame %d: yaw acceleration %.2f", i, ya)
			}
		}
	}
	return out
}

// latAccel is the expert's lateral acceleration v^2 * curvature, the curvature from the steering angle.
func latAccel(e scenarios.EgoState) float64 {
	return e.Speed * e.Speed * math.Tan(e.Steering) / egoWheelbase
}

// agentOverlaps counts, every other frame of the horizon, the pairs of vehicles (and static objects) whose
// boxes overlap: traffic that drives through itself.
func agentOverlaps(sc *scenarios.Scenario) int {
	n := 0
	type box struct {
		b geom.Box
		r float64
	}
	var bs []box
	for i := 0; i <= 150; i += 2 {
		bs = bs[:0]
		for k := range sc.Tracks {
			t := &sc.Tracks[k]
			if t.Type == scenarios.Pedestrian {
				continue
			}
			if st, ok := t.StateAt(i); ok {
				bs = append(bs, box{st.Box(t.Length, t.Width), math.Hypot(t.Length, t.Width) / 2})
			}
		}
		for a := range bs {
			for b := a + 1; b < len(bs); b++ {
				d := bs[a].r + bs[b].r
				pa, pb := bs[a].b.Center, bs[b].b.Center
				if dx, dy := pa.X-pb.X, pa.Y-pb.Y; dx*dx+dy*dy < d*d && bs[a].b.Overlaps(bs[b].b) {
					n++
				}
			}
		}
	}
	return n
}

// ttcViolations counts the frames of the horizon at which the expert, moving, would collide within 0.95 s
// with a vehicle in front of its rear axle if both kept their velocity (nuPlan's time_to_collision check,
// projected every 0.1 s).
func ttcViolations(sc *scenarios.Scenario) int {
	n := 0
	for i := 0; i <= 150; i++ {
		e := sc.Expert[i]
		if e.Speed < 0.1 {
			continue
		}
		box := egoParams.Footprint(e.Pose)
		ev := e.Pose.Forward().Scale(e.Speed)
	tracks:
		for k := range sc.Tracks {
			t := &sc.Tracks[k]
			st, ok := t.StateAt(i)
			if !ok || e.Pose.ToLocal(st.Pose.Pos()).X < 0 {
				continue
			}
			ob := st.Box(t.Length, t.Width)
			if ob.Center.Pos().Dist(box.Center.Pos()) > 40 || box.Overlaps(ob) {
				continue
			}
			for j := 1; j <= 9; j++ {
				tt := float64(j) * 0.1
				b1, b2 := box, ob
				b1.Center.X += ev.X * tt
				b1.Center.Y += ev.Y * tt
				b2.Center.X += st.VX * tt
				b2.Center.Y += st.VY * tt
				if b1.Overlaps(b2) {
					n++
					break tracks
				}
			}
		}
	}
	return n
}

// expertFailsTTC reports whether the expert, replayed as log_replay replays it (the simulator's tracker
// following its log, non-reactive traffic), fails nuPlan's time-to-collision metric. ttcViolations checks the
// log itself with a simpler rule (objects ahead of the rear axle), and a log that passes with little to
// spare can fail once tracked: a lane change into a gap 1.0-1.4 s from the car ahead, tracked a little
// wider or later, fell to 0.5-0.9 s.
func expertFailsTTC(sc *scenarios.Scenario) bool {
	res, err := sim.Run(sc, planner.NewLogReplay(sc), sim.Config{Agents: sim.NonReactive})
	return err != nil || res.Metrics.TimeToCollisionWithinBound < 1
}

// minPassClearance is the smallest lateral clearance the expert keeps to an object it passes.
const minPassClearance = 0.3

// passedObject reports whether a track is an object the expert may pass close by: a static object, a parked
// vehicle (never moving) or a cyclist.
func passedObject(t *scenarios.Track) bool {
	switch t.Type {
	case scenarios.StaticObject, scenarios.Bicycle:
		return true
	case scenarios.Vehicle:
		for _, s := range t.States {
			if s.Speed() > 0.05 {
				return false
			}
		}
		return true
	}
	return false
}
