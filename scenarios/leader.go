package scenarios

import (
	"math"

	"asyncdrive/geom"
)

// LeaderOnPath returns the road user ahead on a path at frame k: the nearest one, pedestrians aside, whose
// centre lies within half (m) of the line at lateral offset lat from path (left positive) and whose rear is
// ahead of arc length front less its own half length. It returns the gap from front to its rear (at least 0)
// and its speed along the path there; ok is false when there is none.
func (sc *Scenario) LeaderOnPath(path *geom.Polyline, k int, front, lat, half float64) (gap, speed float64, ok bool) {
	gap = math.Inf(1)
	for i := range sc.Tracks {
		tr := &sc.Tracks[i]
		st, has := tr.StateAt(k)
		if !has || tr.Type == Pedestrian {
			continue
		}
		sq, lq := path.Project(geom.Vec2{X: st.Pose.X, Y: st.Pose.Y})
		if math.Abs(lq-lat) > half {
			continue
		}
		g := sq - tr.Length/2 - front
		if g < -tr.Length/2 || g >= gap {
			continue
		}
		h := path.PoseAt(sq).Heading
		gap, speed, ok = max(g, 0), st.VX*math.Cos(h)+st.VY*math.Sin(h), true
	}
	return gap, speed, ok
}
