package scenarios

import (
	"math"
	"slices"

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

	openEnds []geom.Box // corridors past the lanes that end at the edge of the map (InOpenEnd)
	openLane []bool     // per lane: it ends at the edge of the map (OpenEnd), found once by findOpenEnds
}

type grid struct {
	origin geom.Vec2
	cell   float64
	nx, ny int
	// The polygons of cell c are items[start[c]:start[c+1]], in increasing order.
	start []int32
	items []int32
}

const gridCell = 8.0

// maxGridCells and maxGridEntries bound the size of a map index's grid: its cells (8 km x 8 km at gridCell)
// and its polygon entries (a polygon is listed in every cell its bounding box touches). Beyond them the
// cells grow, so that no map, however large or odd, makes the index take seconds or gigabytes.
const (
	maxGridCells   = 1 << 20
	maxGridEntries = 1 << 22
)

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
	x.findOpenEnds()
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
	// Guard against absurd extents: fall back to coarser cells. Count in floating point, where huge or
	// overflowing extents cannot wrap around as int products do; extents that are not finite (coordinates
	// near the float64 limit, or NaN in an unvalidated map) get a single cell.
	w, h := all.Max.X-all.Min.X, all.Max.Y-all.Min.Y
	if !finite(w) || !finite(h) || !all.Min.IsFinite() {
		g.cell = math.Inf(1)
		g.nx, g.ny = 1, 1
	} else {
		for (math.Floor(w/g.cell)+1)*(math.Floor(h/g.cell)+1) > maxGridCells || x.gridEntries(g.cell) > maxGridEntries {
			if g.cell > w && g.cell > h {
				break // a single cell already
			}
			g.cell *= 2
		}
		g.nx = int(w/g.cell) + 1
		g.ny = int(h/g.cell) + 1
	}
	// Count the entries of each cell, then fill them in (compressed rows: two allocations in all).
	n := g.nx * g.ny
	g.start = make([]int32, n+1)
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			for c := 1; c < n; c++ {
				g.start[c] += g.start[c-1] // now the end of cell c
			}
			g.start[n] = g.start[n-1]
			g.items = make([]int32, g.start[n])
		}
		for i := len(x.polyBox) - 1; i >= 0; i-- { // backwards, so that each cell's list ends up increasing
			x0, y0 := g.coord(x.polyBox[i].Min)
			x1, y1 := g.coord(x.polyBox[i].Max)
			for cy := y0; cy <= y1; cy++ {
				for cx := x0; cx <= x1; cx++ {
					c := cy*g.nx + cx
					if pass == 0 {
						g.start[c]++
					} else { // fill each cell from its end; start[c] ends at its beginning
						g.start[c]--
						g.items[g.start[c]] = int32(i)
					}
				}
			}
		}
	}
}

// cellItems returns the polygon candidates of cell c.
func (g *grid) cellItems(c int) []int32 { return g.items[g.start[c]:g.start[c+1]] }

// gridEntries returns an upper bound of the number of polygon entries of a grid with the given cell size.
func (x *MapIndex) gridEntries(cell float64) float64 {
	n := 0.0
	for _, b := range x.polyBox {
		n += (math.Floor((b.Max.X-b.Min.X)/cell) + 2) * (math.Floor((b.Max.Y-b.Min.Y)/cell) + 2)
	}
	return n
}

func (g *grid) coord(p geom.Vec2) (int, int) {
	cx := int(math.Floor((p.X - g.origin.X) / g.cell))
	cy := int(math.Floor((p.Y - g.origin.Y) / g.cell))
	return min(max(cx, 0), g.nx-1), min(max(cy, 0), g.ny-1)
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
	return g.cellItems(cy*g.nx + cx)
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
// Distances beyond the searched neighbourhood (three grid cells, at least 24 m, on every side) are reported
// as +Inf.
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
	x0, x1 := max(cx-reach, 0), min(cx+reach, g.nx-1)
	y0, y1 := max(cy-reach, 0), min(cy+reach, g.ny-1)
	for yy := y0; yy <= y1; yy++ {
		for xx := x0; xx <= x1; xx++ {
			for _, i := range g.cellItems(yy*g.nx + xx) {
				if !x.polyBox[i].Contains(p, best) {
					continue
				}
				if d := geom.DistToPolygon(p, x.poly[i]); d < best {
					best = d
				}
			}
		}
	}
	// best is exact only within the searched square: a polygon outside it may be nearer than one found at a
	// corner of it. Sides on the grid's border bound nothing (no polygon lies beyond them).
	r := math.Inf(1)
	if x0 > 0 {
		r = math.Min(r, p.X-(g.origin.X+float64(x0)*g.cell))
	}
	if x1 < g.nx-1 {
		r = math.Min(r, g.origin.X+float64(x1+1)*g.cell-p.X)
	}
	if y0 > 0 {
		r = math.Min(r, p.Y-(g.origin.Y+float64(y0)*g.cell))
	}
	if y1 < g.ny-1 {
		r = math.Min(r, g.origin.Y+float64(y1+1)*g.cell-p.Y)
	}
	if best > r {
		return math.Inf(1)
	}
	return best
}

// NearDrivable reports whether the drivable area comes nearer than r to p (true inside it). It agrees with
// DistanceOutsideDrivable(p) < r wherever that distance is exact (within its 24 m), searches every grid cell
// within r, and stops at the first polygon near enough: far cheaper than the distance where the answer is yes.
func (x *MapIndex) NearDrivable(p geom.Vec2, r float64) bool {
	if x.InDrivable(p) {
		return true
	}
	if x.grid.nx == 0 || !p.IsFinite() || !(r > 0) {
		return false
	}
	g := &x.grid
	rc := min(r, 1e12) // cells are found from finite coordinates; the polygon tests use r itself
	x0, y0 := g.coord(geom.Vec2{X: p.X - rc, Y: p.Y - rc})
	x1, y1 := g.coord(geom.Vec2{X: p.X + rc, Y: p.Y + rc})
	for yy := y0; yy <= y1; yy++ {
		for xx := x0; xx <= x1; xx++ {
			for _, i := range g.cellItems(yy*g.nx + xx) {
				// p is in no polygon (InDrivable), so its distance to one is the distance to its boundary.
				if x.polyBox[i].Contains(p, r) && geom.BoundaryWithin(p, x.poly[i], r) {
					return true
				}
			}
		}
	}
	return false
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
// chain of successors whose roadblocks stay on the route, searched depth first to maxDepth lanes. nuPlan's IDM
// planner searches breadth first from the first two route roadblocks to the whole route's length; both find
// the same chain on the builtin suite and the recorded maps but for a lane behind the ego in four builtin
// runs, with no score changed. When start is on no route lane, the nearest route lane is used.
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
	bestRoute, bestDepth := -1, -1
	path := []int{first}
	var walk func(i, depth int)
	walk = func(i, depth int) {
		// Rank chains by how far along the route they reach, then by their number of lanes.
		r := onRoute[x.m.Lanes[i].Roadblock]
		if r > bestRoute || (r == bestRoute && depth > bestDepth) {
			bestRoute, bestDepth = r, depth
			best = append(best[:0], path...)
		}
		if depth >= maxDepth {
			return
		}
		for _, j := range x.succ[i] {
			r, ok := onRoute[x.m.Lanes[j].Roadblock]
			if !ok || r < onRoute[x.m.Lanes[i].Roadblock] || slices.Contains(path, j) {
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
