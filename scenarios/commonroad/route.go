package commonroad

import (
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

// route derives the route (roadblock ids) and, when there is no recorded expert, a synthetic expert.
func (c *converter) route(pp *problem) error {
	mx := c.sc.Map.Index()
	start := geom.Pose{X: pp.init.pos.X, Y: pp.init.pos.Y, Heading: geom.NormalizeAngle(pp.init.heading)}.Translate(-c.centreOffset(), 0)
	if len(c.sc.Expert) > 0 {
		start = c.sc.Expert[0].Pose
	}
	goals := c.goalLanes(mx)
	var seq []int
	if len(c.sc.Expert) > 0 {
		seq = matchLanes(mx, c.sc.Expert, c.centreOffset())
	}
	if len(seq) == 0 {
		if l := startLaneTowards(mx, start.Translate(c.centreOffset(), 0), goals); l >= 0 {
			seq = []int{l}
		}
	}
	if len(seq) == 0 {
		return c.fail("planningProblem "+pp.id+".initialState", "the ego starts on no lanelet (none within 20 m, heading within 90 degrees)")
	}
	if centre := start.Translate(c.centreOffset(), 0).Pos(); !slices.ContainsFunc(mx.LanesAt(centre, nil), func(l int) bool {
		return mx.Lane(l).Roadblock == mx.Lane(seq[0]).Roadblock
	}) {
		c.res.Report.StartOffRoute = true
		_, lat := mx.Path(seq[0]).Project(centre)
		c.note("the ego starts %.1f m beside its route's first lanelet %s, outside its roadblock", math.Abs(lat), mx.Lane(seq[0]).ID)
	}
	var rbs []string
	add := func(lane int) {
		id := mx.Lane(lane).Roadblock
		if len(rbs) == 0 || rbs[len(rbs)-1] != id {
			rbs = append(rbs, id)
		}
	}
	// The roadblocks of the lanes the expert drives along, with the lanelets passed between two samples.
	add(seq[0])
	for k := 1; k < len(seq); k++ {
		if p, _ := shortestPath(mx, seq[k-1], map[int]bool{seq[k]: true}); p != nil {
			for _, x := range p {
				add(x)
			}
		} else {
			add(seq[k])
		}
	}
	last := seq[len(seq)-1]
	// On to the goal lanes, when the goal lies beyond.
	c.res.Report.GoalLanes = nil
	for _, g := range goals {
		c.res.Report.GoalLanes = append(c.res.Report.GoalLanes, mx.Lane(g).ID)
	}
	// The goal lies on the route when the recorded expert reached it (where lanes overlap, the lane found at
	// the goal's centre may be another than the one the expert drove), or when the route holds a goal lane.
	reached := false
	for i, e := range c.sc.Expert {
		if c.res.Goal.Reached(float64(i)*c.doc.dt, e.Pose, e.Speed) {
			reached = true
			break
		}
	}
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
		if p, _ := shortestPath(mx, last, set); p != nil {
			for _, x := range p {
				add(x)
			}
			last = p[len(p)-1]
		} else {
			c.res.Report.NoRouteToGoal = true
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

// laneCandidates appends to buf the lanes that may carry an ego centred at pose p: those whose polygon
// contains it (with spread > 0, also those containing the points spread and 2 spread metres to either side
// of it) and whose direction is within 1.2 rad of its heading, or else the nearest lane within 3 m.
func laneCandidates(mx *scenarios.MapIndex, p geom.Pose, spread float64, buf []int) []int {
	buf = buf[:0]
	var in [8]int
	offsets := [...]float64{0, -spread, spread, -2 * spread, 2 * spread}
	n := len(offsets)
	if spread <= 0 {
		n = 1
	}
	for _, off := range offsets[:n] {
		for _, l := range mx.LanesAt(p.Translate(0, off).Pos(), in[:0]) {
			pl := mx.Path(l)
			s, _ := pl.Project(p.Pos())
			if math.Abs(geom.AngleDiff(pl.HeadingAt(s), p.Heading)) < 1.2 && !slices.Contains(buf, l) {
				buf = append(buf, l)
			}
		}
	}
	if len(buf) == 0 {
		if l, _, _, ok := mx.NearestLane(p, 3); ok {
			buf = append(buf, l)
		}
	}
	return buf
}

// matchSpread (m): matchLanes also weighs the lanes whose polygon holds a point this far, or twice as far,
// to either side of an expert sample, so that a driver turning wide of the connector it takes (SinD
// 7281_376: 4.4 m outside a left-turn connector, inside two right-turn ones) is matched to it rather than to
// the lanes it happens to cross.
const matchSpread = 2.0

// matchLanes matches the expert's drive to the lane graph: the sequence of lanes, one per sample taken every
// metre of travel, that keeps the expert's footprint centre (offset ahead of the rear axle) closest to the
// lanes' centerlines (lateral offset in m plus 2 m per radian of heading difference), where consecutive samples
// stay on a lane, move on along successors (up to 4 lanelets, 0.1 each), change to a neighbour (2) or, when
// nothing else fits, jump (25). It is a Viterbi search, so where lanes overlap (an intersection's connectors
// leave from the same point) the expert's later course decides which one it took. Nil when no sample lies on
// or near a lane.
func matchLanes(mx *scenarios.MapIndex, expert []scenarios.EgoState, offset float64) []int {
	var poses []geom.Pose
	for i, e := range expert {
		c := e.Pose.Translate(offset, 0)
		if i == 0 || i == len(expert)-1 || c.Pos().Dist(poses[len(poses)-1].Pos()) >= 1 {
			poses = append(poses, c)
		}
	}
	type state struct {
		lane int
		cost float64
		prev int // index into the previous sample's states
	}
	emission := func(l int, p geom.Pose) float64 {
		pl := mx.Path(l)
		s, lat := pl.Project(p.Pos())
		return math.Abs(lat) + 2*math.Abs(geom.AngleDiff(pl.HeadingAt(s), p.Heading))
	}
	reach := map[int]map[int]int{} // lane -> lanes reachable along successors -> lanelets passed
	hops := func(a, b int) (int, bool) {
		r, ok := reach[a]
		if !ok {
			r = map[int]int{a: 0}
			frontier := []int{a}
			for d := 1; d <= 4; d++ {
				var next []int
				for _, x := range frontier {
					for _, s := range mx.Successors(x) {
						if _, seen := r[s]; !seen {
							r[s] = d
							next = append(next, s)
						}
					}
				}
				frontier = next
			}
			reach[a] = r
		}
		h, ok := r[b]
		return h, ok
	}
	transition := func(a, b int) float64 {
		if h, ok := hops(a, b); ok {
			return 0.1 * float64(h)
		}
		for _, n := range [...]int{mx.LeftNeighbor(a), mx.RightNeighbor(a)} {
			if n < 0 {
				continue
			}
			if h, ok := hops(n, b); ok && h <= 1 {
				return 2 + 0.1*float64(h)
			}
		}
		return 25
	}
	var trellis [][]state
	var buf []int
	for _, p := range poses {
		buf = laneCandidates(mx, p, matchSpread, buf)
		if len(buf) == 0 {
			continue // off the lanes: this sample says nothing
		}
		cur := make([]state, len(buf))
		for j, l := range buf {
			cur[j] = state{lane: l, cost: emission(l, p), prev: -1}
			if len(trellis) > 0 {
				best := math.Inf(1)
				for k, st := range trellis[len(trellis)-1] {
					if c := st.cost + transition(st.lane, l); c < best {
						best, cur[j].prev = c, k
					}
				}
				cur[j].cost += best
			}
		}
		trellis = append(trellis, cur)
	}
	if len(trellis) == 0 {
		return nil
	}
	end := trellis[len(trellis)-1]
	k := 0
	for j := range end {
		if end[j].cost < end[k].cost {
			k = j
		}
	}
	var lanes []int
	for i := len(trellis) - 1; i >= 0; i-- {
		st := trellis[i][k]
		if len(lanes) == 0 || lanes[len(lanes)-1] != st.lane {
			lanes = append(lanes, st.lane)
		}
		k = st.prev
	}
	slices.Reverse(lanes)
	return lanes
}

// startLaneTowards returns the lane to start a mission without a recorded drive from: among the lanes that
// may carry the ego at pose p (laneCandidates, searching farther out when none is near), the one with the
// shortest lane-graph path to a goal lane, or the first candidate when no goal lane is reachable; -1 when
// no lane is near.
func startLaneTowards(mx *scenarios.MapIndex, p geom.Pose, goals []int) int {
	cands := laneCandidates(mx, p, 0, nil)
	if len(cands) == 0 {
		if l := nearestLane(mx, p); l >= 0 {
			cands = []int{l}
		}
	}
	if len(cands) == 0 {
		return -1
	}
	set := map[int]bool{}
	for _, g := range goals {
		set[g] = true
	}
	best, bestLen := cands[0], math.Inf(1)
	for _, l := range cands {
		if set[l] {
			return l
		}
		if path, d := shortestPath(mx, l, set); path != nil {
			if d < bestLen {
				best, bestLen = l, d
			}
		}
	}
	return best
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

// shortestPath runs Dijkstra over the lane graph (successors cost their length, lane changes 10 m) from lane
// `from` to any lane in `to`; it returns the lanes after `from` and the path's cost, or nil when none is
// reachable.
func shortestPath(mx *scenarios.MapIndex, from int, to map[int]bool) ([]int, float64) {
	n := mx.NumLanes()
	dist := make([]float64, n)
	prev := make([]int, n)
	for i := range dist {
		dist[i], prev[i] = math.Inf(1), -1
	}
	dist[from] = 0
	var q scenarios.LaneQueue
	q.Push(from, 0)
	for q.Len() > 0 {
		it := q.Pop()
		if it.Cost > dist[it.Lane] {
			continue
		}
		if to[it.Lane] && it.Lane != from {
			var path []int
			for x := it.Lane; x != from; x = prev[x] {
				path = append(path, x)
			}
			slices.Reverse(path)
			return path, it.Cost
		}
		relax := func(j int, w float64) {
			if j >= 0 && it.Cost+w < dist[j] {
				dist[j], prev[j] = it.Cost+w, it.Lane
				q.Push(j, dist[j])
			}
		}
		for _, s := range mx.Successors(it.Lane) {
			relax(s, mx.Path(it.Lane).Length())
		}
		relax(mx.LeftNeighbor(it.Lane), 10)
		relax(mx.RightNeighbor(it.Lane), 10)
	}
	return nil, math.Inf(1)
}

// synthesize builds an expert for a file without a solution: from the initial state along the route's lanes,
// its lateral offset fading over 3 s, with the acceleration (within [-3, 1.5] m/s^2) that brings it from where
// it is to the goal's centre by the middle of the goal's time interval (into the stretch of a goal given as
// lanelets, Scenario.GoalSpan; constant speed when cruising ends inside it, or when the goal has no position
// or time), but never closer to the recorded road user ahead of it in its lane than a driver keeping
// [SyntheticHeadway] would come (the Intelligent Driver Model's braking, as hard as it takes), and braking
// for the end of its lanes as for a standing car where the road ends (where the recorded map was cut it
// drives on). Its first state has the first step's scheduled acceleration.
func (c *converter) synthesize(pp *problem, mx *scenarios.MapIndex, start geom.Pose) {
	dt := c.doc.dt
	n := c.syntheticFrames()
	lanes := mx.RouteLanes(c.sc.Route, start, 30)
	path := mx.JoinPaths(lanes)
	if len(path.Pts) < 2 {
		l := nearestLane(mx, start)
		path = *mx.Path(l)
		lanes = []int{l}
	}
	// Where its last lane ends at the edge of the recorded map, the road goes on (MapIndex.OpenEnd); where it
	// really ends, the expert brakes for its end as for a standing car (below).
	mx.AppendRunout(&path, lanes[len(lanes)-1], scenarios.OpenEndRunout)
	s0, lat0 := path.Project(start.Pos())
	v0 := math.Max(pp.init.speed, 0)
	sg, T := math.NaN(), 0.0
	if !c.res.Report.NoGoalPosition && len(c.res.Goal.States) > 0 {
		g := c.res.Goal.States[0]
		sg, _ = path.Project(c.sc.Goal.Pos())
		if !math.IsInf(g.TimeStart, 0) && !math.IsInf(g.TimeEnd, 0) {
			T = (g.TimeStart + g.TimeEnd) / 2
		}
	}
	// sched is the constant acceleration that reaches the goal's centre (or the nearest point of [lo, hi]) at
	// T from station s at speed v, t seconds in; once too close to T it stays as it was.
	// A goal that reaches along the lane (lanelets) is met anywhere in it: the schedule aims at the nearest
	// point of its stretch (Span.Aim) that cruising misses, and holds its speed when cruising ends inside.
	behind, ahead := c.sc.GoalSpan.Aim()
	lo, hi := sg-behind, sg+ahead
	sched, a := 0.0, 0.0
	plan := func(t, s, v float64) {
		left := T - t
		if !(left > 0.5) || !(hi-s > 0) {
			return
		}
		D := min(max(v*left, lo-s), hi-s)
		sched = min(max(2*(D-v*left)/(left*left), -3), 1.5)
	}
	veh := c.sc.EgoVehicle()
	follow := idm.Params{TargetSpeed: math.Inf(1), MinGap: 2, Headway: SyntheticHeadway, AccelMax: 1.5, DecelMax: 3}
	a0 := 0.0
	exp := make([]scenarios.EgoState, n+1)
	exp[0] = scenarios.EgoState{Pose: start, Speed: v0}
	s, v := s0, v0
	for k := 1; k <= n; k++ {
		t := float64(k-1) * dt
		lat := lat0 * math.Max(0, 1-t/3)
		plan(t, s, v)
		a = sched
		if k == 1 {
			a0 = sched
		}
		if gap, lv, ok := c.sc.LeaderOnPath(&path, k-1, s+veh.FrontLength, lat, syntheticLaneHalf); ok {
			a = min(a, follow.Accel(v, gap, lv))
		}
		a = min(a, follow.Accel(v, path.Length()-s-veh.FrontLength, 0))
		nv := math.Max(v+a*dt, 0)
		s += (v + nv) / 2 * dt
		v = nv
		if s > path.Length() {
			s, v = path.Length(), 0
		}
		p := path.PoseAt(s).Translate(0, lat0*math.Max(0, 1-float64(k)*dt/3))
		exp[k] = scenarios.EgoState{Pose: p, Speed: v}
	}
	for k := range n {
		exp[k].Accel = (exp[k+1].Speed - exp[k].Speed) / dt
	}
	exp[n].Accel = exp[n-1].Accel
	// The run starts with the schedule's acceleration, the file giving none: the drive's mean acceleration
	// towards where the recorded driver was at the goal's time (the road user ahead reshapes the drive, not
	// the state it starts from).
	exp[0].Accel = a0
	c.sc.Expert = exp
	c.res.Report.ExpertSeconds = float64(n) * dt
}

// SyntheticHeadway (s) is the time gap a synthetic expert keeps to the road user ahead of it: about what the
// recorded US-101 drivers kept in dense traffic.
const SyntheticHeadway = 1.0

// syntheticLaneHalf (m): a road user whose centre is this close to the synthetic expert's line is in its lane.
const syntheticLaneHalf = 1.6

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
