package planner

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// pdmPath is a path the proposals follow: a polyline with arc length, a heading per vertex (central
// differences, unwrapped, interpolated linearly in arc length as tuplan_garage's PDMPath does), the lanes it
// was built from with the arc length where each starts, and coarse chunks for fast nearest-point queries.
type pdmPath struct {
	line     geom.Polyline
	head     []float64 // unwrapped heading at each vertex
	baseS    []float64 // arc length on this path at each vertex of the unshifted path
	lanes    []int     // map lanes, in order (offset paths share their base path's)
	laneFrom []float64 // arc length where each lane starts
	chunks   []pathChunk
	// open says the path runs on past the edge of the map (see PDMConfig.MapEdgeRunout): its end is not a place to
	// stop.
	open bool
}

// pathChunk covers the segments [first, last] of a path with a bounding circle.
type pathChunk struct {
	first, last int
	s0, s1      float64
	c           geom.Vec2
	r           float64
}

// chunkLength is the arc length a pathChunk covers (about).
const chunkLength = 5.0

// buildPath makes a path through pts (consecutive duplicates dropped) shifted lat metres to the left of each
// vertex's heading (tuplan_garage's parallel_discrete_path). lanes and laneStart describe the lanes of the
// unshifted path (laneStart in the unshifted arc length, rescaled onto the shifted one).
func buildPath(base *geom.Polyline, lat float64, lanes []int, laneStart []float64) pdmPath {
	n := len(base.Pts)
	head := make([]float64, n)
	for i := 0; i < n; i++ {
		var d geom.Vec2
		switch {
		case n < 2:
		case i == 0:
			d = base.Pts[1].Sub(base.Pts[0])
		case i == n-1:
			d = base.Pts[n-1].Sub(base.Pts[n-2])
		default:
			d = base.Pts[i+1].Sub(base.Pts[i-1])
		}
		h := math.Atan2(d.Y, d.X)
		if i > 0 {
			h = head[i-1] + geom.AngleDiff(h, head[i-1])
		}
		head[i] = h
	}
	p := pdmPath{head: head, lanes: lanes}
	pts := make([]geom.Vec2, n)
	for i, q := range base.Pts {
		pts[i] = q.Add(geom.Unit(head[i]).Perp().Scale(lat))
	}
	// Offsetting can create duplicates at sharp corners; keep the headings of the kept points.
	p.line = geom.Polyline{Pts: make([]geom.Vec2, 0, n), S: make([]float64, 0, n)}
	p.baseS = make([]float64, n)
	kept := head[:0:0]
	for i, q := range pts {
		before := len(p.line.Pts)
		p.line.Append(q)
		if len(p.line.Pts) > before {
			kept = append(kept, head[i])
		}
		p.baseS[i] = p.line.Length()
	}
	p.head = kept
	scale := 1.0
	if bl := base.Length(); bl > 0 && p.line.Length() > 0 {
		scale = p.line.Length() / bl
	}
	p.laneFrom = make([]float64, len(laneStart))
	for i, s := range laneStart {
		p.laneFrom[i] = s * scale
	}
	p.buildChunks()
	return p
}

func (p *pdmPath) buildChunks() {
	pts, s := p.line.Pts, p.line.S
	p.chunks = p.chunks[:0]
	for i := 0; i+1 < len(pts); {
		j := i + 1
		for j+1 < len(pts) && s[j+1]-s[i] <= chunkLength {
			j++
		}
		// Segments i..j-1 (points i..j).
		b := geom.EmptyAABB()
		for k := i; k <= j; k++ {
			b.Extend(pts[k])
		}
		c := geom.Lerp(b.Min, b.Max, 0.5)
		r := 0.0
		for k := i; k <= j; k++ {
			r = max(r, c.Dist(pts[k]))
		}
		p.chunks = append(p.chunks, pathChunk{first: i, last: j - 1, s0: s[i], s1: s[j], c: c, r: r})
		i = j
	}
}

// chunkFrom returns the index of the first chunk that ends at or after arc length s.
func (p *pdmPath) chunkFrom(s float64) int {
	lo, hi := 0, len(p.chunks)
	for lo < hi {
		m := (lo + hi) / 2
		if p.chunks[m].s1 < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Length returns the path's arc length.
func (p *pdmPath) Length() float64 { return p.line.Length() }

// poseAt returns the pose at arc length s: the position on the polyline and the heading interpolated between
// the vertex headings. Before the path's start (s < 0: an ego starting behind the first lane, where a
// recorded map was cut) it runs straight back along the first heading, so that a proposal starting there
// moves from the start on. Past the end it stays at the end, unless the path is open (it runs out past the
// edge of the map, and the IDM does not stop for its end): then it runs on straight along the last heading,
// so that a plan at speed does not freeze where the runout ends. hint is a segment index to start the
// search from (updated).
func (p *pdmPath) poseAt(s float64, hint *int) geom.Pose {
	pts, S := p.line.Pts, p.line.S
	n := len(pts)
	switch n {
	case 0:
		return geom.Pose{}
	case 1:
		return geom.Pose{X: pts[0].X, Y: pts[0].Y, Heading: geom.NormalizeAngle(p.head[0])}
	}
	if s < 0 && !math.IsInf(s, -1) {
		h := p.head[0]
		return geom.Pose{X: pts[0].X + s*math.Cos(h), Y: pts[0].Y + s*math.Sin(h), Heading: geom.NormalizeAngle(h)}
	}
	if !(s > 0) {
		s = 0
	}
	if s > S[n-1] {
		if p.open && !math.IsInf(s, 1) {
			h, e, d := p.head[n-1], pts[n-1], s-S[n-1]
			return geom.Pose{X: e.X + d*math.Cos(h), Y: e.Y + d*math.Sin(h), Heading: geom.NormalizeAngle(h)}
		}
		s = S[n-1]
	}
	i := *hint
	if i < 0 || i > n-2 || S[i] > s {
		i = searchSegment(S, s)
	}
	for i < n-2 && S[i+1] < s {
		i++
	}
	*hint = i
	seg := S[i+1] - S[i]
	u := 0.0
	if seg > 0 {
		u = (s - S[i]) / seg
	}
	a, b := pts[i], pts[i+1]
	h := p.head[i] + u*(p.head[i+1]-p.head[i])
	return geom.Pose{X: a.X + u*(b.X-a.X), Y: a.Y + u*(b.Y-a.Y), Heading: geom.NormalizeAngle(h)}
}

// searchSegment returns the index i of the segment S[i]..S[i+1] containing s (len(S) >= 2).
func searchSegment(S []float64, s float64) int {
	lo, hi := 0, len(S)-1
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if S[m] <= s {
			lo = m
		} else {
			hi = m
		}
	}
	if lo > len(S)-2 {
		lo = len(S) - 2
	}
	return lo
}

// project returns the arc length and signed lateral offset of the point of the path nearest to q among the
// chunks that overlap [from, to] and come within reach of q, and whether any did. Beyond the path's ends s is
// extrapolated along the end segments. A nearest point at the first or last vertex of the chunks searched,
// where the path goes on beyond them, is no answer (ok false): the nearest point may lie outside the window.
func (p *pdmPath) project(q geom.Vec2, from, to, reach float64) (s, lat float64, ok bool) {
	best := math.Inf(1)
	bi, bt := -1, 0.0
	pts := p.line.Pts
	lo, hi := -1, -1 // the first and last segments of the chunks in the window
	for k := p.chunkFrom(from); k < len(p.chunks); k++ {
		c := &p.chunks[k]
		if c.s0 > to {
			break
		}
		if lo < 0 {
			lo = c.first
		}
		hi = c.last
		rr := c.r + reach
		if dx, dy := q.X-c.c.X, q.Y-c.c.Y; dx*dx+dy*dy > rr*rr {
			continue
		}
		for i := c.first; i <= c.last; i++ {
			a, b := pts[i], pts[i+1]
			abx, aby := b.X-a.X, b.Y-a.Y
			apx, apy := q.X-a.X, q.Y-a.Y
			t := (apx*abx + apy*aby) / (abx*abx + aby*aby)
			t = max(0, min(1, t))
			dx, dy := apx-t*abx, apy-t*aby
			if d := dx*dx + dy*dy; d < best {
				best, bi, bt = d, i, t
			}
		}
	}
	if bi < 0 || (bi == lo && bt == 0 && lo > 0) || (bi == hi && bt == 1 && hi < len(pts)-2) {
		return 0, 0, false
	}
	if (bi == 0 && bt == 0) || (bi == len(pts)-2 && bt == 1) {
		// At an end: extrapolate along the end segment.
		s, lat = p.line.Project(q)
		return s, lat, true
	}
	S := p.line.S
	a, b := pts[bi], pts[bi+1]
	seg := S[bi+1] - S[bi]
	s = S[bi] + bt*seg
	lat = ((b.X-a.X)*(q.Y-a.Y) - (b.Y-a.Y)*(q.X-a.X)) / seg
	if bt == 0 || bt == 1 {
		// Nearest to a vertex: the distance to it, on the side of the path there.
		lat = math.Copysign(math.Sqrt(best), lat)
	}
	return s, lat, true
}

// fromBase maps a position on the unshifted path, segment i at fraction u (extrapolating beyond the ends),
// to this path's arc length.
func (p *pdmPath) fromBase(i int, u float64) float64 {
	if i+1 >= len(p.baseS) {
		if len(p.baseS) == 0 {
			return 0
		}
		return p.baseS[len(p.baseS)-1]
	}
	return p.baseS[i] + u*(p.baseS[i+1]-p.baseS[i])
}

// locateS returns the segment of arc length s and the fraction along it (outside [0, 1] beyond the ends),
// and the heading interpolated there.
func (p *pdmPath) locateS(s float64) (i int, u, h float64) {
	S := p.line.S
	if len(S) < 2 {
		if len(p.head) > 0 {
			h = p.head[0]
		}
		return 0, 0, h
	}
	i = searchSegment(S, s)
	if seg := S[i+1] - S[i]; seg > 0 {
		u = (s - S[i]) / seg
	}
	uc := max(0, min(1, u))
	return i, u, p.head[i] + uc*(p.head[i+1]-p.head[i])
}

// laneAt returns the position in p.lanes of the lane at arc length s (the last lane that starts at or
// before s).
func (p *pdmPath) laneAt(s float64) int {
	k := 0
	for i, f := range p.laneFrom {
		if f <= s {
			k = i
		}
	}
	return k
}

// routeGraph answers the lane-graph searches of the PDM planner: which lanes are on the route and where,
// and the lane sequence from a starting lane towards the end of the route.
type routeGraph struct {
	mx      *scenarios.MapIndex
	route   []string       // roadblock ids, duplicates removed, in order
	rbIndex map[string]int // roadblock id -> position in route
	onRoute []bool         // per lane
	depth   int            // roadblocks searched ahead (tuplan_garage: 30)
}

// offRouteCost is the extra cost (m) of a lane outside the route in the centerline search: the search leaves
// the route only to reach it from off-route lanes or to bridge roadblocks the route does not link.
const offRouteCost = 1000.0

// maxSearchLanes bounds the lanes one centerline search expands.
const maxSearchLanes = 4096

func newRouteGraph(mx *scenarios.MapIndex, route []string, depth int) *routeGraph {
	g := &routeGraph{mx: mx, rbIndex: make(map[string]int, len(route)), onRoute: make([]bool, mx.NumLanes()), depth: depth}
	for _, id := range route {
		if _, dup := g.rbIndex[id]; dup {
			continue
		}
		g.rbIndex[id] = len(g.route)
		g.route = append(g.route, id)
	}
	for i := 0; i < mx.NumLanes(); i++ {
		if _, ok := g.rbIndex[mx.Lane(i).Roadblock]; ok {
			g.onRoute[i] = true
		}
	}
	return g
}

// startLane picks the lane to start the centerline from, as tuplan_garage's _get_starting_lane: an on-route
// lane containing the rear axle with the smallest heading error; else the on-route lane nearest to the rear
// axle (distance plus twice the heading error, heading errors above 90 degrees excluded); else any lane within
// 60 m. It returns -1 when the ego is off the map.
func (g *routeGraph) startLane(rear geom.Pose) int {
	var buf [16]int
	best, bestErr := -1, math.Inf(1)
	for _, l := range g.mx.LanesAt(rear.Pos(), buf[:0]) {
		if !g.onRoute[l] {
			continue
		}
		pl := g.mx.Path(l)
		s, _, _ := pl.ProjectDist(rear.Pos())
		if e := math.Abs(geom.AngleDiff(pl.HeadingAt(s), rear.Heading)); e < bestErr {
			best, bestErr = l, e
		}
	}
	if best >= 0 {
		return best
	}
	bestCost := math.Inf(1)
	for l := 0; l < g.mx.NumLanes(); l++ {
		if !g.onRoute[l] {
			continue
		}
		pl := g.mx.Path(l)
		s, _, d := pl.ProjectDist(rear.Pos())
		if d > 60 {
			continue
		}
		e := math.Abs(geom.AngleDiff(pl.HeadingAt(s), rear.Heading))
		if e > math.Pi/2 {
			continue
		}
		if c := d + 2*e; c < bestCost {
			best, bestCost = l, c
		}
	}
	if best >= 0 {
		return best
	}
	if l, _, _, ok := g.mx.NearestLane(rear, 60); ok {
		return l
	}
	return -1
}

// search returns the lane sequence from start to a lane of the target roadblock (the route's last roadblock
// within depth roadblocks of start's), by Dijkstra over the lane graph with the lanes' lengths as costs, as
// tuplan_garage's Dijkstra; lanes off the route cost offRouteCost more. When the target cannot be reached the
// deepest path expanded (least cost among equal depths) is returned.
func (g *routeGraph) search(start int) []int {
	mx := g.mx
	from := 0
	if i, ok := g.rbIndex[mx.Lane(start).Roadblock]; ok {
		from = i
	}
	target := ""
	if len(g.route) > 0 {
		target = g.route[min(from+g.depth, len(g.route))-1]
	}
	cost := func(l int) float64 {
		c := mx.Path(l).Length()
		if !g.onRoute[l] {
			c += offRouteCost
		}
		return c
	}
	dist := map[int]float64{start: cost(start)}
	depth := map[int]int{start: 1}
	parent := map[int]int{start: -1}
	done := map[int]bool{}
	var q scenarios.LaneQueue
	q.Push(start, dist[start])
	end := start
	bestDepth, bestDist := 0, math.Inf(1)
	for q.Len() > 0 && len(done) < maxSearchLanes {
		it := q.Pop()
		if done[it.Lane] || it.Cost > dist[it.Lane] {
			continue
		}
		done[it.Lane] = true
		if mx.Lane(it.Lane).Roadblock == target {
			end = it.Lane
			break
		}
		if d := depth[it.Lane]; d > bestDepth || (d == bestDepth && it.Cost < bestDist) {
			bestDepth, bestDist, end = d, it.Cost, it.Lane
		}
		for _, nx := range mx.Successors(it.Lane) {
			if done[nx] {
				continue
			}
			// Never leave the route once on it, except where it is not linked.
			if g.onRoute[it.Lane] && !g.onRoute[nx] && g.routeContinues(it.Lane) {
				continue
			}
			alt := it.Cost + cost(nx)
			if old, seen := dist[nx]; !seen || alt < old {
				dist[nx], depth[nx], parent[nx] = alt, depth[it.Lane]+1, it.Lane
				q.Push(nx, alt)
			}
		}
	}
	var rev []int
	for l := end; l >= 0; l = parent[l] {
		rev = append(rev, l)
	}
	out := make([]int, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// routeContinues reports whether lane l has a successor on the route.
func (g *routeGraph) routeContinues(l int) bool {
	for _, nx := range g.mx.Successors(l) {
		if g.onRoute[nx] {
			return true
		}
	}
	return false
}

// lanePath joins the centerlines of lanes into a polyline and returns it with the arc length where each lane
// starts. When the last lane ends at the edge of the map and runout > 0, the polyline runs on straight for
// runout metres and open is true (see PDMConfig.MapEdgeRunout).
func lanePath(mx *scenarios.MapIndex, lanes []int, runout float64) (pl geom.Polyline, from []float64, open bool) {
	from = make([]float64, len(lanes))
	for k, l := range lanes {
		from[k] = pl.Length()
		for _, q := range mx.Path(l).Pts {
			pl.Append(q)
		}
	}
	if len(lanes) > 0 {
		open = mx.AppendRunout(&pl, lanes[len(lanes)-1], runout)
	}
	return pl, from, open
}
