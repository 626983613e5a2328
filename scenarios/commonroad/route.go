package commonroad

import (
	"container/heap"
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// route derives the route (roadblock ids) and, when there is no recorded expert, a synthetic expert.
func (c *converter) route(pp *problem) error {
	mx := c.sc.Map.Index()
	start := geom.Pose{X: pp.init.pos.X, Y: pp.init.pos.Y, Heading: geom.NormalizeAngle(pp.init.heading)}.Translate(-c.centreOffset(), 0)
	if len(c.sc.Expert) > 0 {
		start = c.sc.Expert[0].Pose
	}
	startLane := nearestLane(mx, start)
	if startLane < 0 {
		return c.fail("planningProblem "+pp.id+".initialState", "the ego starts on no lanelet (none within 20 m, heading within 90 degrees)")
	}
	var rbs []string
	add := func(lane int) {
		id := mx.Lane(lane).Roadblock
		if len(rbs) == 0 || rbs[len(rbs)-1] != id {
			rbs = append(rbs, id)
		}
	}
	last := startLane
	add(startLane)
	// The roadblocks the expert traverses.
	for _, e := range c.sc.Expert {
		if l, _, _, ok := mx.NearestLane(e.Pose, 3); ok {
			if l != last && !slices.Contains(rbs, mx.Lane(l).Roadblock) {
				// Bridge a gap (a lanelet passed between two samples) through the lane graph.
				if p := shortestPath(mx, last, map[int]bool{l: true}); p != nil {
					for _, x := range p {
						add(x)
					}
				} else {
					add(l)
				}
			}
			if mx.Lane(l).Roadblock == rbs[len(rbs)-1] {
				last = l
			}
		}
	}
	// On to the goal lanes, when the goal lies beyond.
	goals := c.goalLanes(mx)
	c.res.Report.GoalLanes = nil
	for _, g := range goals {
		c.res.Report.GoalLanes = append(c.res.Report.GoalLanes, mx.Lane(g).ID)
	}
	reached := false
	for _, g := range goals {
		if slices.Contains(rbs, mx.Lane(g).Roadblock) {
			reached = true
		}
	}
	if !reached && len(goals) > 0 {
		set := map[int]bool{}
		for _, g := range goals {
			set[g] = true
		}
		if p := shortestPath(mx, last, set); p != nil {
			for _, x := range p {
				add(x)
			}
			last = p[len(p)-1]
		} else {
			c.res.Report.GoalUnreachable = true
			c.note("no lane-graph path from lanelet %s to the goal lanelets", mx.Lane(last).ID)
		}
	}
	// A little road beyond, so that planners have a centerline past the goal.
	ahead := 0.0
	for n := 0; n < 8 && ahead < 150; n++ {
		next := straightest(mx, last)
		if next < 0 || slices.Contains(rbs, mx.Lane(next).Roadblock) {
			break
		}
		add(next)
		ahead += mx.Path(next).Length()
		last = next
	}
	c.sc.Route = rbs
	if len(c.sc.Expert) == 0 {
		c.synthesize(pp, mx, start)
	}
	c.sc.Horizon = float64(len(c.sc.Expert)-1) * c.doc.dt
	return nil
}

// nearestLane finds the lane best matching a pose, searching farther out when needed.
func nearestLane(mx *scenarios.MapIndex, p geom.Pose) int {
	for _, d := range []float64{3, 8, 20} {
		if l, _, _, ok := mx.NearestLane(p, d); ok {
			return l
		}
	}
	return -1
}

// goalLanes returns the lanes of the goal: its lanelets, or the lanes containing the goal regions' centres.
func (c *converter) goalLanes(mx *scenarios.MapIndex) []int {
	var out []int
	for _, gs := range c.res.Goal.States {
		for _, id := range gs.Lanes {
			if i, ok := mx.LaneIndex(id); ok && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		for _, r := range gs.Regions {
			if r.Lane != "" {
				continue
			}
			ctr := r.centre()
			h := c.sc.Goal.Heading
			if l := nearestLane(mx, geom.Pose{X: ctr.X, Y: ctr.Y, Heading: h}); l >= 0 && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// straightest returns the successor of lane i that turns least, or -1.
func straightest(mx *scenarios.MapIndex, i int) int {
	best, bestD := -1, math.Inf(1)
	pi := mx.Path(i)
	h0 := pi.HeadingAt(pi.Length())
	for _, s := range mx.Successors(i) {
		ps := mx.Path(s)
		d := math.Abs(geom.AngleDiff(ps.HeadingAt(ps.Length()), h0))
		if d < bestD {
			best, bestD = s, d
		}
	}
	return best
}

type pqItem struct {
	lane int
	cost float64
}
type pq []pqItem

func (q pq) Len() int { return len(q) }
func (q pq) Less(i, j int) bool {
	if q[i].cost != q[j].cost {
		return q[i].cost < q[j].cost
	}
	return q[i].lane < q[j].lane
}
func (q pq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pq) Push(x any)   { *q = append(*q, x.(pqItem)) }
func (q *pq) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// shortestPath runs Dijkstra over the lane graph (successors cost their length, lane changes 10 m) from lane
// `from` to any lane in `to`; it returns the lanes after `from`, or nil when none is reachable.
func shortestPath(mx *scenarios.MapIndex, from int, to map[int]bool) []int {
	n := mx.NumLanes()
	dist := make([]float64, n)
	prev := make([]int, n)
	for i := range dist {
		dist[i], prev[i] = math.Inf(1), -1
	}
	dist[from] = 0
	q := &pq{{from, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(pqItem)
		if it.cost > dist[it.lane] {
			continue
		}
		if to[it.lane] && it.lane != from {
			var path []int
			for x := it.lane; x != from; x = prev[x] {
				path = append(path, x)
			}
			slices.Reverse(path)
			return path
		}
		relax := func(j int, w float64) {
			if j >= 0 && it.cost+w < dist[j] {
				dist[j], prev[j] = it.cost+w, it.lane
				heap.Push(q, pqItem{j, dist[j]})
			}
		}
		for _, s := range mx.Successors(it.lane) {
			relax(s, mx.Path(it.lane).Length())
		}
		relax(mx.LeftNeighbor(it.lane), 10)
		relax(mx.RightNeighbor(it.lane), 10)
	}
	return nil
}

// synthesize builds an expert for a file without a solution: from the initial state along the route's lanes,
// its lateral offset fading over 3 s, with the constant acceleration (within [-3, 1.5] m/s^2) that brings it
// to the goal's centre by the middle of the goal's time interval (constant speed when the goal has no position
// or time).
func (c *converter) synthesize(pp *problem, mx *scenarios.MapIndex, start geom.Pose) {
	dt := c.doc.dt
	n := c.syntheticFrames()
	lanes := mx.RouteLanes(c.sc.Route, start, 30)
	path := mx.JoinPaths(lanes)
	if len(path.Pts) < 2 {
		l := nearestLane(mx, start)
		path = *mx.Path(l)
	}
	s0, lat0 := path.Project(start.Pos())
	v0 := math.Max(pp.init.speed, 0)
	a := 0.0
	if !c.res.Report.NoGoalPosition && len(c.res.Goal.States) > 0 {
		g := c.res.Goal.States[0]
		sg, _ := path.Project(c.sc.Goal.Pos())
		D := sg - s0
		T := 0.0
		if !math.IsInf(g.TimeStart, 0) && !math.IsInf(g.TimeEnd, 0) {
			T = (g.TimeStart + g.TimeEnd) / 2
		}
		if D > 0 && T > 0.5 {
			a = min(max(2*(D-v0*T)/(T*T), -3), 1.5)
		}
	}
	exp := make([]scenarios.EgoState, n+1)
	exp[0] = scenarios.EgoState{Pose: start, Speed: v0}
	s, v := s0, v0
	for k := 1; k <= n; k++ {
		nv := math.Max(v+a*dt, 0)
		s += (v + nv) / 2 * dt
		v = nv
		if s > path.Length() {
			s, v = path.Length(), 0
		}
		lat := lat0 * math.Max(0, 1-float64(k)*dt/3)
		p := path.PoseAt(s).Translate(0, lat)
		exp[k] = scenarios.EgoState{Pose: p, Speed: v}
	}
	for k := range n {
		exp[k].Accel = (exp[k+1].Speed - exp[k].Speed) / dt
	}
	exp[n].Accel = exp[n-1].Accel
	c.sc.Expert = exp
	c.res.Report.ExpertSeconds = float64(n) * dt
}

// Lookahead is how far, in seconds, the expert log is extended past its recorded end (the run's horizon), so
// that a log-replay planner reading the expert's future near the end does not see the log stop.
const Lookahead = 8.0

// extendExpert continues the expert past the horizon at its last speed along the route's lanes (its lateral
// offset kept), straight on where they end.
func (c *converter) extendExpert() {
	sc := c.sc
	mx := sc.Map.Index()
	last := sc.Expert[len(sc.Expert)-1]
	path := mx.JoinPaths(mx.RouteLanes(sc.Route, last.Pose, 30))
	n := int(math.Round(Lookahead / sc.DT))
	v := math.Max(last.Speed, 0)
	s, lat := 0.0, 0.0
	onPath := len(path.Pts) >= 2
	if onPath {
		var d float64
		s, lat, d = path.ProjectDist(last.Pose.Pos())
		onPath = d < 5
	}
	pose := last.Pose
	for k := 1; k <= n; k++ {
		s += v * sc.DT
		if onPath && s <= path.Length() {
			pose = path.PoseAt(s).Translate(0, lat)
		} else {
			pose = pose.Translate(v*sc.DT, 0)
		}
		sc.Expert = append(sc.Expert, scenarios.EgoState{Pose: pose, Speed: v})
	}
}
