package planner

import (
	"math"
	"sort"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Cell flags of the area raster.
const (
	cellDrivable uint8 = 1 << iota // inside a lane, lane connector or drivable area
	cellOnRoute                    // inside a lane or connector of the route
)

// tileShift is log2 of a raster tile's side in cells.
const tileShift = 6

const tileSide = 1 << tileShift

// areaRaster samples, on a grid of cells, whether the cell centres lie in the drivable area and in an
// on-route lane: the questions the proposal scorer asks for every corner and centre of every simulated ego
// box. The exact answers (point-in-polygon over the map index) cost 0.2-1 us each; a cell lookup costs a few
// ns. Only tiles near the route are stored; points elsewhere get ok=false and the caller asks the map.
//
// A cell holds the exact answer for its centre: a point's answer can differ from the exact one only within
// half a cell diagonal (0.07 m at the default 0.1 m cells) of a polygon boundary.
type areaRaster struct {
	origin geom.Vec2
	cell   float64
	inv    float64
	tx, ty int     // tiles along x and y
	index  []int32 // tile -> offset into data / tileSide^2, or -1
	data   []uint8
}

// maxRasterTiles bounds the memory of a raster (64 MiB at 4 KiB per tile).
const maxRasterTiles = 16384

// newAreaRaster builds the raster over the tiles within reach metres of the given centerlines.
func newAreaRaster(mx *scenarios.MapIndex, onRoute []bool, lines []*geom.Polyline, cell, reach float64) *areaRaster {
	r := &areaRaster{cell: cell, inv: 1 / cell}
	box := geom.EmptyAABB()
	for _, l := range lines {
		for _, p := range l.Pts {
			if p.IsFinite() {
				box.Extend(p)
			}
		}
	}
	if box.Min.X > box.Max.X {
		return r
	}
	tile := cell * tileSide
	r.origin = geom.Vec2{X: box.Min.X - reach - tile, Y: box.Min.Y - reach - tile}
	w := box.Max.X - box.Min.X + 2*reach + 2*tile
	h := box.Max.Y - box.Min.Y + 2*reach + 2*tile
	r.tx, r.ty = int(w/tile)+1, int(h/tile)+1
	if float64(r.tx)*float64(r.ty) > 4*maxRasterTiles*16 {
		r.tx, r.ty = 0, 0 // absurd extent: no raster, every query goes to the map
		return r
	}
	r.index = make([]int32, r.tx*r.ty)
	for i := range r.index {
		r.index[i] = -1
	}
	// Mark the tiles within reach of the lines (sampled every half tile, each sample marking the tiles its
	// reach square touches).
	n := int32(0)
	mark := func(p geom.Vec2) {
		x0, y0 := r.tileOf(p.X-reach, p.Y-reach)
		x1, y1 := r.tileOf(p.X+reach, p.Y+reach)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				if k := y*r.tx + x; r.index[k] < 0 && n < maxRasterTiles {
					r.index[k] = n
					n++
				}
			}
		}
	}
	for _, l := range lines {
		if len(l.Pts) == 1 {
			mark(l.Pts[0])
		}
		for i := 0; i+1 < len(l.Pts); i++ {
			a, b := l.Pts[i], l.Pts[i+1]
			if !a.IsFinite() || !b.IsFinite() {
				continue
			}
			d := a.Dist(b)
			k := int(d/(tile/2)) + 1
			for j := 0; j <= k; j++ {
				mark(geom.Lerp(a, b, float64(j)/float64(k)))
			}
		}
	}
	r.data = make([]uint8, int(n)*tileSide*tileSide)
	m := mx.Map()
	for i := 0; i < mx.NumLanes(); i++ {
		f := cellDrivable
		if onRoute[i] {
			f |= cellOnRoute
		}
		r.fill(mx.LanePolygon(i), f)
	}
	for _, a := range m.Areas {
		if a.Kind.Drivable() {
			r.fill(a.Polygon, cellDrivable)
		}
	}
	return r
}

func (r *areaRaster) tileOf(x, y float64) (int, int) {
	tile := r.cell * tileSide
	tx := int(math.Floor((x - r.origin.X) / tile))
	ty := int(math.Floor((y - r.origin.Y) / tile))
	return min(max(tx, 0), r.tx-1), min(max(ty, 0), r.ty-1)
}

// fill sets flag f on the stored cells whose centre lies inside poly (even-odd rule), by a scanline over
// the polygon's rows with an active edge list.
func (r *areaRaster) fill(poly []geom.Vec2, f uint8) {
	n := len(poly)
	if n < 3 || r.tx == 0 {
		return
	}
	b := geom.BoundsOf(poly)
	if !b.Min.IsFinite() || !b.Max.IsFinite() {
		return
	}
	rows := r.ty * tileSide
	cols := r.tx * tileSide
	// Cell row j has its centre at y = origin.Y + (j+0.5)*cell.
	j0 := max(0, int(math.Ceil((b.Min.Y-r.origin.Y)*r.inv-0.5)))
	j1 := min(rows-1, int(math.Floor((b.Max.Y-r.origin.Y)*r.inv-0.5)))
	if j0 > j1 {
		return
	}
	type edge struct{ y0, y1, x0, dxdy float64 }
	edges := make([]edge, 0, n)
	for i, k := 0, n-1; i < n; k, i = i, i+1 {
		a, c := poly[k], poly[i]
		if a.Y == c.Y {
			continue
		}
		if a.Y > c.Y {
			a, c = c, a
		}
		edges = append(edges, edge{y0: a.Y, y1: c.Y, x0: a.X, dxdy: (c.X - a.X) / (c.Y - a.Y)})
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].y0 < edges[j].y0 })
	var active []int
	xs := make([]float64, 0, 8)
	next := 0
	for j := j0; j <= j1; j++ {
		y := r.origin.Y + (float64(j)+0.5)*r.cell
		// The half-open rule (y0 <= y < y1) as geom.PointInPolygon's (a.Y > y) != (b.Y > y).
		for next < len(edges) && edges[next].y0 <= y {
			active = append(active, next)
			next++
		}
		xs = xs[:0]
		k := 0
		for _, e := range active {
			ed := &edges[e]
			if ed.y1 <= y {
				continue
			}
			active[k] = e
			k++
			xs = append(xs, ed.x0+(y-ed.y0)*ed.dxdy)
		}
		active = active[:k]
		if len(xs) < 2 {
			continue
		}
		sort.Float64s(xs)
		ty := j >> tileShift
		row := j & (tileSide - 1)
		for q := 0; q+1 < len(xs); q += 2 {
			// Cells whose centre x is in [xs[q], xs[q+1]).
			i0 := max(0, int(math.Ceil((xs[q]-r.origin.X)*r.inv-0.5)))
			i1 := min(cols-1, int(math.Ceil((xs[q+1]-r.origin.X)*r.inv-0.5))-1)
			for i := i0; i <= i1; {
				tx := i >> tileShift
				end := min(i1, (tx+1)*tileSide-1)
				if t := r.index[ty*r.tx+tx]; t >= 0 {
					base := int(t)*tileSide*tileSide + row*tileSide
					for c := i & (tileSide - 1); c <= end&(tileSide-1); c++ {
						r.data[base+c] |= f
					}
				}
				i = end + 1
			}
		}
	}
}

// at returns the flags of the cell containing p, and false when p is outside the stored tiles.
func (r *areaRaster) at(p geom.Vec2) (uint8, bool) {
	fx := (p.X - r.origin.X) * r.inv
	fy := (p.Y - r.origin.Y) * r.inv
	if !(fx >= 0) || !(fy >= 0) || !(fx < float64(r.tx<<tileShift)) || !(fy < float64(r.ty<<tileShift)) {
		return 0, false
	}
	i, j := int(fx), int(fy)
	t := r.index[(j>>tileShift)*r.tx+(i>>tileShift)]
	if t < 0 {
		return 0, false
	}
	return r.data[int(t)*tileSide*tileSide+(j&(tileSide-1))*tileSide+(i&(tileSide-1))], true
}
