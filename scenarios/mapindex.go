package scenarios

import (
	"math"

	"asyncdrive/geom"
)

// MapIndex answers the spatial and graph queries on a Map that the simulator, the planners and the metrics
// need: which lanes contain a point, how far a point is outside the drivable area, lane centerlines as
// polylines, successors, traffic-light states and route lane paths. Build it once with Map.Index; after that
// it is read-only and safe for concurrent use.
type MapIndex struct {
	m          *Map
	laneByID   map[string]int
	rbByID     map[string]int
	paths      []geom.Polyline
	lanePoly   [][]geom.Vec2
	succ, pred [][]int
	left       []int // left neighbour lane index or -1
	right      []int
	light      []int // traffic light index controlling the lane, or -1

	// drivable polygons: lanes first (same indices), then drivable areas.
	poly    [][]geom.Vec2
	polyBox []geom.AABB
	grid    grid
}

type grid struct {
	origin geom.Vec2
	cell   float64
	nx, ny int
	cells  [][]int32
}

const gridCell = 8.0

// Index returns the map's index, building it on first use. Call it once before sharing the map between
// goroutines.
func (m *Map) Index() *MapIndex {
	if m.index == nil {
		m.index = newMapIndex(m)
	}
	return m.index
}

func newMapIndex(m *Map) *MapIndex {
	n := len(m.Lanes)
	x := &MapIndex{
		m:        m,
		laneByID: make(map[string]int, n),
		rbByID:   make(map[string]int, len(m.Roadblocks)),
		paths:    make([]geom.Polyline, n),
		lanePoly: make([][]geom.Vec2, n),
		succ:     make([][]int, n),
		pred:     make([][]int, n),
		left:     make([]int, n),
		right:    make([]int, n),
		light:    make([]int, n),
	}
	for i := range m.Lanes {
		x.laneByID[m.Lanes[i].ID] = i
	}
	for i := range m.Roadblocks {
		x.rbByID[m.Roadblocks[i].ID] = i
	}
	look := func(id string) int {
		if j, ok := x.laneByID[id]; ok && id != "" {
			return j
		}
		return -1
	}
	for i := range m.Lanes {
		l := &m.Lanes[i]
		x.paths[i] = geom.NewPolyline(l.Centerline)
		poly := make([]geom.Vec2, 0, len(l.Left)+len(l.Right))
		poly = append(poly, l.Left...)
		for j := len(l.Right) - 1; j >= 0; j-- {
			poly = append(poly, l.Right[j])
		}
		x.lanePoly[i] = poly
		x.left[i], x.right[i], x.light[i] = look(l.LeftNeighbor), look(l.RightNeighbor), -1
	}
	// Successor and predecessor lists are made symmetric: a link named on either side counts.
	addEdge := func(a, b int) {
		for _, s := range x.succ[a] {
			if s == b {
				return
			}
		}
		x.succ[a] = append(x.succ[a], b)
		x.pred[b] = append(x.pred[b], a)
	}
	for i := range m.Lanes {
		for _, id := range m.Lanes[i].Successors {
			if j := look(id); j >= 0 {
				addEdge(i, j)
			}
		}
		for _, id := range m.Lanes[i].Predecessors {
			if j := look(id); j >= 0 {
				addEdge(j, i)
			}
		}
	}
	for li := range m.TrafficLights {
		for _, id := range m.TrafficLights[li].Connectors {
			if j := look(id); j >= 0 {
				x.light[j] = li
			}
		}
	}
	x.poly = append(x.poly, x.lanePoly...)
	for _, a := range m.Areas {
		if a.Kind.Drivable() {
			x.poly = append(x.poly, a.Polygon)
		}
	}
	x.buildGrid()
	return x
}

func (x *MapIndex) buildGrid() {
	all := geom.EmptyAABB()
	x.polyBox = make([]geom.AABB, len(x.poly))
	for i, p := range x.poly {
		x.polyBox[i] = geom.BoundsOf(p)
		all.Extend(x.polyBox[i].Min)
		all.Extend(x.polyBox[i].Max)
	}
	g := &x.grid
	g.cell = gridCell
	if len(x.poly) == 0 {
		return
	}
	g.origin = all.Min
	g.nx = int((all.Max.X-all.Min.X)/g.cell) + 1
	g.ny = int((all.Max.Y-all.Min.Y)/g.cell) + 1
	// Guard against absurd extents: fall back to coarser cells.
	for g.nx*g.ny > 4_000_000 {
		g.cell *= 2
		g.nx = int((all.Max.X-all.Min.X)/g.cell) + 1
		g.ny = int((all.Max.Y-all.Min.Y)/g.cell) + 1
	}
	g.cells = make([][]int32, g.nx*g.ny)
	for i, b := range x.polyBox {
		x0, y0 := g.coord(b.Min)
		x1, y1 := g.coord(b.Max)
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				c := cy*g.nx + cx
				g.cells[c] = append(g.cells[c], int32(i))
			}
		}
	}
}

func (g *grid) coord(p geom.Vec2) (int, int) {
	cx := int(math.Floor((p.X - g.origin.X) / g.cell))
	cy := int(math.Floor((p.Y - g.origin.Y) / g.cell))
	return clampInt(cx, 0, g.nx-1), clampInt(cy, 0, g.ny-1)
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// cellAt returns the polygon candidates of the cell containing p, or nil when p is outside the grid.
func (g *grid) cellAt(p geom.Vec2) []int32 {
	if g.nx == 0 || !finitePt(p) {
		return nil
	}
	cx := int(math.Floor((p.X - g.origin.X) / g.cell))
	cy := int(math.Floor((p.Y - g.origin.Y) / g.cell))
	if cx < 0 || cy < 0 || cx >= g.nx || cy >= g.ny {
		return nil
	}
	return g.cells[cy*g.nx+cx]
}

func finitePt(p geom.Vec2) bool { return p.IsFinite() }

// Map returns the indexed map.
func (x *MapIndex) Map() *Map { return x.m }

// NumLanes returns the number of lanes and lane connectors.
func (x *MapIndex) NumLanes() int { return len(x.paths) }

// Lane returns lane i.
func (x *MapIndex) Lane(i int) *Lane { return &x.m.Lanes[i] }

// LaneIndex returns the index of the lane with the given id.
func (x *MapIndex) LaneIndex(id string) (int, bool) {
	i, ok := x.laneByID[id]
	return i, ok
}

// RoadblockIndex returns the index of the roadblock with the given id.
func (x *MapIndex) RoadblockIndex(id string) (int, bool) {
	i, ok := x.rbByID[id]
	return i, ok
}

// Path returns lane i's centerline as a polyline.
func (x *MapIndex) Path(i int) *geom.Polyline { return &x.paths[i] }

// LanePolygon returns lane i's outline (left boundary, then the right boundary reversed).
func (x *MapIndex) LanePolygon(i int) []geom.Vec2 { return x.lanePoly[i] }

// Successors returns the lanes that follow lane i.
func (x *MapIndex) Successors(i int) []int { return x.succ[i] }

// Predecessors returns the lanes that lead into lane i.
func (x *MapIndex) Predecessors(i int) []int { return x.pred[i] }

// LeftNeighbor returns the adjacent lane to the left of lane i (same direction), or -1.
func (x *MapIndex) LeftNeighbor(i int) int { return x.left[i] }

// RightNeighbor returns the adjacent lane to the right of lane i (same direction), or -1.
func (x *MapIndex) RightNeighbor(i int) int { return x.right[i] }

// LightState returns the state of the traffic light controlling lane i at time t, and whether one does.
func (x *MapIndex) LightState(i int, t float64) (LightState, bool) {
	li := x.light[i]
	if li < 0 {
		return Unknown, false
	}
	return x.m.TrafficLights[li].StateAt(t), true
}

// LanesAt appends to buf the indices of the lanes and lane connectors whose polygon contains p.
func (x *MapIndex) LanesAt(p geom.Vec2, buf []int) []int {
	nl := int32(len(x.paths))
	for _, i := range x.grid.cellAt(p) {
		if i >= nl {
			continue
		}
		if x.polyBox[i].Contains(p, 0) && geom.PointInPolygon(p, x.poly[i]) {
			buf = append(buf, int(i))
		}
	}
	return buf
}

// InDrivable reports whether p lies inside the drivable area (lanes, lane connectors and drivable areas).
func (x *MapIndex) InDrivable(p geom.Vec2) bool {
	for _, i := range x.grid.cellAt(p) {
		if x.polyBox[i].Contains(p, 0) && geom.PointInPolygon(p, x.poly[i]) {
			return true
		}
	}
	return false
}

// DistanceOutsideDrivable returns 0 when p is in the drivable area and otherwise the distance from p to it.
// Distances beyond the searched neighbourhood (about three grid cells) are reported as +Inf.
func (x *MapIndex) DistanceOutsideDrivable(p geom.Vec2) float64 {
	if x.InDrivable(p) {
		return 0
	}
	if x.grid.nx == 0 || !p.IsFinite() {
		return math.Inf(1)
	}
	g := &x.grid
	cx, cy := g.coord(p)
	best := math.Inf(1)
	const reach = 3
	for yy := cy - reach; yy <= cy+reach; yy++ {
		for xx := cx - reach; xx <= cx+reach; xx++ {
			if xx < 0 || yy < 0 || xx >= g.nx || yy >= g.ny {
				continue
			}
			for _, i := range g.cells[yy*g.nx+xx] {
				if !x.polyBox[i].Contains(p, best) {
					continue
				}
				if d := geom.DistToPolygon(p, x.poly[i]); d < best {
					best = d
				}
			}
		}
	}
	return best
}

// SpeedLimitAt returns the speed limit of the lane or connector containing p (the lowest non-zero one where
// several overlap), and whether there is one.
func (x *MapIndex) SpeedLimitAt(p geom.Vec2) (float64, bool) {
	var buf [8]int
	lim, ok := math.Inf(1), false
	for _, i := range x.LanesAt(p, buf[:0]) {
		if v := x.m.Lanes[i].SpeedLimit; v > 0 && v < lim {
			lim, ok = v, true
		}
	}
	if !ok {
		return 0, false
	}
	return lim, true
}

// NearestLane returns the lane whose centerline best matches the pose: the nearest centerline among lanes
// within maxDist, with a heading difference above 90 degrees ruled out. s and lat are the projection onto its
// centerline.
func (x *MapIndex) NearestLane(p geom.Pose, maxDist float64) (lane int, s, lat float64, ok bool) {
	lane = -1
	best := math.Inf(1)
	pos := p.Pos()
	for i := range x.paths {
		b := x.polyBox[i]
		if !b.Contains(pos, maxDist) {
			continue
		}
		ps, pl, d := x.paths[i].ProjectDist(pos)
		if d > maxDist {
			continue
		}
		dh := math.Abs(geom.AngleDiff(p.Heading, x.paths[i].HeadingAt(ps)))
		if dh > math.Pi/2 {
			continue
		}
		cost := d + 2*dh // prefer lanes aligned with the pose
		if cost < best {
			best, lane, s, lat = cost, i, ps, pl
		}
	}
	return lane, s, lat, lane >= 0
}

// RouteLanes returns a lane sequence that follows the route from the lane best matching start: the longest
// chain of successors whose roadblocks stay on the route (searched to maxDepth lanes), as nuPlan's IDM planner
// and PDM-Closed build their centerline. When start is on no route lane, the nearest route lane is used.
func (x *MapIndex) RouteLanes(route []string, start geom.Pose, maxDepth int) []int {
	onRoute := make(map[string]int, len(route))
	for i, id := range route {
		if _, dup := onRoute[id]; !dup {
			onRoute[id] = i
		}
	}
	first := -1
	bestCost := math.Inf(1)
	for _, maxDist := range []float64{4, 15, 60} {
		for i := range x.paths {
			l := &x.m.Lanes[i]
			if _, ok := onRoute[l.Roadblock]; !ok {
				continue
			}
			if !x.polyBox[i].Contains(start.Pos(), maxDist) {
				continue
			}
			ps, _, d := x.paths[i].ProjectDist(start.Pos())
			if d > maxDist {
				continue
			}
			dh := math.Abs(geom.AngleDiff(start.Heading, x.paths[i].HeadingAt(ps)))
			if dh > math.Pi/2 {
				continue
			}
			if cost := d + 2*dh; cost < bestCost {
				bestCost, first = cost, i
			}
		}
		if first >= 0 {
			break
		}
	}
	if first < 0 {
		if l, _, _, ok := x.NearestLane(start, 60); ok {
			first = l
		} else {
			return nil
		}
	}
	// Depth-first search for the chain that reaches furthest along the route.
	var best []int
	bestRank := -1
	path := []int{first}
	var walk func(i, depth int)
	walk = func(i, depth int) {
		rank := onRoute[x.m.Lanes[i].Roadblock]*1000 + depth
		if rank > bestRank {
			bestRank = rank
			best = append(best[:0], path...)
		}
		if depth >= maxDepth {
			return
		}
		for _, j := range x.succ[i] {
			r, ok := onRoute[x.m.Lanes[j].Roadblock]
			if !ok || r < onRoute[x.m.Lanes[i].Roadblock] || contains(path, j) {
				continue
			}
			path = append(path, j)
			walk(j, depth+1)
			path = path[:len(path)-1]
		}
	}
	walk(first, 0)
	return best
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// JoinPaths concatenates the centerlines of a lane sequence into one polyline.
func (x *MapIndex) JoinPaths(lanes []int) geom.Polyline {
	var pl geom.Polyline
	for _, i := range lanes {
		for _, p := range x.paths[i].Pts {
			pl.Append(p)
		}
	}
	return pl
}
