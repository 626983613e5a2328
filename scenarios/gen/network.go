package gen

import (
	"math"
	"sort"
	"strconv"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Movements through an intersection.
const (
	moveNone = iota
	moveStraight
	moveLeft
	moveRight
)

// lane is a lane or lane connector under construction, with the dense centreline the microsimulation drives.
type lane struct {
	id, rbID    string
	rb          int
	conn        bool
	c           []sample // centreline, in the direction of travel, sampled every ~stepDS
	keep        []int    // samples of c kept in the map polylines
	left, right []geom.Vec2
	w, limit    float64
	succ, pred  []int
	leftN       int
	rightN      int
	maxK        float64 // largest |curvature|

	// road lanes
	road, seg, idx int
	fwd            bool

	// connectors
	inter, from, to int
	move            int
	light           int // traffic light controlling the connector, or -1
	zones           []zone
	sibl            []int // connectors leaving the same lane

	// lanes that end at an intersection
	stop scenarios.StopLineKind

	cws []laneCW // crosswalk crossings
}

func (l *lane) length() float64 { return l.c[len(l.c)-1].S }

// zone is a conflict zone of a connector with a crossing connector: stations [a, b] on this connector and
// [oa, ob] on the other one.
type zone struct {
	other        int
	a, b, oa, ob float64
	yield        bool // this connector's vehicles yield to the other's approaching ones (permissive turns)
}

// laneCW is where a lane crosses a crosswalk: lane stations [a, b] and the crossing point.
type laneCW struct {
	cw   int
	a, b float64
	p    geom.Vec2
}

// road is a stretch of road along a reference line (the centre line between the two directions): nF lanes
// in the reference direction on its right, nB lanes against it on its left.
type road struct {
	name             string
	ref              []sample
	nF, nB           int
	w, median, limit float64
	cut              []int   // sample indices of the segment boundaries, first 0, last len(ref)-1
	fwd, bwd         [][]int // lane indices per segment, inner lane first
}

func (r *road) segStation(k int) float64 { return r.ref[r.cut[k]].S }

// fwdOffset returns the lateral offset (left positive) of forward lane boundary j (0 = inner edge).
func (r *road) fwdOffset(j float64) float64 { return -(r.median/2 + j*r.w) }

// bwdOffset returns the lateral offset of backward lane boundary j.
func (r *road) bwdOffset(j float64) float64 { return r.median/2 + j*r.w }

// segAt returns the segment containing reference station s.
func (r *road) segAt(s float64) int {
	for k := 0; k < len(r.cut)-1; k++ {
		if s < r.segStation(k+1) {
			return k
		}
	}
	return len(r.cut) - 2
}

// crosswalk is a crosswalk polygon with the line pedestrians walk along it (from a to b, both on
// walkways beyond the road edges).
type crosswalk struct {
	id   string
	poly []geom.Vec2
	a, b geom.Vec2
	// curbA, curbB are the distances along a->b where the road starts and ends.
	curbA, curbB float64
}

// arm is one road of an intersection, its reference line pointing away from the centre.
type arm struct {
	angle    float64
	e        float64 // distance from the centre to the mouth (stop line)
	rd       *road
	nOut     int // lanes leaving the intersection (forward lanes of rd)
	nIn      int // lanes entering it (backward lanes of rd)
	group    int // signal group
	light    int
	cw       int // crosswalk index or -1
	cwCenter float64
}

// inter is an intersection: arms, connectors and its control.
type inter struct {
	id     int
	center geom.Vec2
	arms   []*arm
	signal bool
	plan   lightPlan
	conns  []int
}

// light is a traffic light: one per signalised arm, controlling that arm's connectors.
type light struct {
	id    string
	inter int
	group int
	conns []int
}

// lightPlan is a two-group fixed-time signal plan in ticks of 0.1 s: group 0 green, yellow, all red, then
// group 1 green, yellow, all red, repeating; offset shifts the cycle.
type lightPlan struct {
	green          [2]int
	yellow, allRed int
	offset         int
}

func (p *lightPlan) cycle() int { return p.green[0] + p.green[1] + 2*(p.yellow+p.allRed) }

// state returns group g's light at tick k (k may be negative).
func (p *lightPlan) state(g, k int) scenarios.LightState {
	c := p.cycle()
	x := ((k+p.offset)%c + c) % c
	if g == 1 {
		x -= p.green[0] + p.yellow + p.allRed
		if x < 0 {
			x += c
		}
	}
	switch {
	case x < p.green[g]:
		return scenarios.Green
	case x < p.green[g]+p.yellow:
		return scenarios.Yellow
	}
	return scenarios.Red
}

// setGreenAt sets the offset so that group g turns green at tick k.
func (p *lightPlan) setGreenAt(g, k int) {
	start := 0
	if g == 1 {
		start = p.green[0] + p.yellow + p.allRed
	}
	c := p.cycle()
	p.offset = ((start-k)%c + c) % c
}

// phases lists group g's states from tick 0 to tick end as light phases.
func (p *lightPlan) phases(g, end int) []scenarios.LightPhase {
	var out []scenarios.LightPhase
	last := scenarios.LightState("")
	for k := 0; k <= end; k++ {
		if st := p.state(g, k); st != last {
			out = append(out, scenarios.LightPhase{Start: float64(k) / 10, State: st})
			last = st
		}
	}
	return out
}

// network is a road network under construction.
type network struct {
	lanes     []*lane
	rbs       []roadblock
	roads     []*road
	inters    []*inter
	lights    []light
	cws       []crosswalk
	stopLines []scenarios.StopLine
	areas     []scenarios.Area
}

type roadblock struct {
	id    string
	lanes []int
	conn  bool
}

func (n *network) addRoadblock(id string, conn bool) int {
	n.rbs = append(n.rbs, roadblock{id: id, conn: conn})
	return len(n.rbs) - 1
}

func (n *network) addLane(l *lane, rb int) int {
	l.rb = rb
	l.rbID = n.rbs[rb].id
	l.leftN, l.rightN, l.light, l.inter = -1, -1, -1, -1
	for _, p := range l.c {
		if a := math.Abs(p.K); a > l.maxK {
			l.maxK = a
		}
	}
	n.lanes = append(n.lanes, l)
	i := len(n.lanes) - 1
	n.rbs[rb].lanes = append(n.rbs[rb].lanes, i)
	return i
}

func (n *network) link(a, b int) {
	n.lanes[a].succ = append(n.lanes[a].succ, b)
	n.lanes[b].pred = append(n.lanes[b].pred, a)
}

// addRoad builds a road from a reference curvature profile. cuts are the reference stations where lane
// segments end (between 0 and the length).
func (n *network) addRoad(name string, start geom.Pose, segs []seg, nF, nB int, w, median, limit float64, cuts []float64) *road {
	r := &road{name: name, ref: integrate(start, segs), nF: nF, nB: nB, w: w, median: median, limit: limit}
	r.cut = []int{0}
	for _, s := range cuts {
		i := sort.Search(len(r.ref), func(i int) bool { return r.ref[i].S >= s })
		if i > r.cut[len(r.cut)-1]+4 && i < len(r.ref)-5 {
			r.cut = append(r.cut, i)
		}
	}
	r.cut = append(r.cut, len(r.ref)-1)
	nseg := len(r.cut) - 1
	r.fwd = make([][]int, nseg)
	r.bwd = make([][]int, nseg)
	for k := 0; k < nseg; k++ {
		sl := r.ref[r.cut[k] : r.cut[k+1]+1]
		nrm := normals(sl)
		keep := keepIndices(sl, offsetStations(sl, r.fwdOffset(float64(nF))), offsetStations(sl, r.bwdOffset(float64(nB))))
		rkeep := make([]int, len(keep))
		for i, j := range keep {
			rkeep[len(keep)-1-i] = len(sl) - 1 - j
		}
		segName := name + "_" + strconv.Itoa(k)
		if nF > 0 {
			rb := n.addRoadblock("rb_"+segName+"_f", false)
			bounds := make([][]geom.Vec2, nF+1)
			for j := 0; j <= nF; j++ {
				bounds[j] = offsetPoints(sl, nrm, r.fwdOffset(float64(j)), keep)
			}
			for i := 0; i < nF; i++ {
				l := &lane{id: segName + "_f" + strconv.Itoa(i), c: offsetWith(sl, nrm, r.fwdOffset(float64(i)+0.5)),
					w: w, limit: limit, road: len(n.roads), seg: k, idx: i, fwd: true}
				l.keep = keep
				l.left, l.right = bounds[i], bounds[i+1]
				r.fwd[k] = append(r.fwd[k], n.addLane(l, rb))
			}
		}
		if nB > 0 {
			rb := n.addRoadblock("rb_"+segName+"_b", false)
			bounds := make([][]geom.Vec2, nB+1)
			for j := 0; j <= nB; j++ {
				pts := offsetPoints(sl, nrm, r.bwdOffset(float64(j)), keep)
				for a, b := 0, len(pts)-1; a < b; a, b = a+1, b-1 {
					pts[a], pts[b] = pts[b], pts[a]
				}
				bounds[j] = pts
			}
			for i := 0; i < nB; i++ {
				l := &lane{id: segName + "_b" + strconv.Itoa(i), c: reverseCurve(offsetWith(sl, nrm, r.bwdOffset(float64(i)+0.5))),
					w: w, limit: limit, road: len(n.roads), seg: k, idx: i}
				l.keep = rkeep
				l.left, l.right = bounds[i], bounds[i+1]
				r.bwd[k] = append(r.bwd[k], n.addLane(l, rb))
			}
		}
	}
	// Neighbours (inner lane 0 is next to the centre line) and successors.
	for k := 0; k < nseg; k++ {
		for i, li := range r.fwd[k] {
			if i > 0 {
				n.lanes[li].leftN = r.fwd[k][i-1]
			}
			if i+1 < nF {
				n.lanes[li].rightN = r.fwd[k][i+1]
			}
			if k+1 < nseg {
				n.link(li, r.fwd[k+1][i])
			}
		}
		for i, li := range r.bwd[k] {
			if i > 0 {
				n.lanes[li].leftN = r.bwd[k][i-1]
			}
			if i+1 < nB {
				n.lanes[li].rightN = r.bwd[k][i+1]
			}
			if k > 0 {
				n.link(li, r.bwd[k-1][i])
			}
		}
	}
	n.roads = append(n.roads, r)
	return r
}

// refPoint returns the point at reference station s and lateral offset lat of road r (extended straight
// beyond its ends).
func (r *road) refPoint(s, lat float64) geom.Vec2 {
	p := curveAt(r.ref, s, nil)
	return p.pos().Add(p.normal().Scale(lat))
}

// edgeRight and edgeLeft are the lateral offsets of the road's outer edges.
func (r *road) edgeRight() float64 { return r.fwdOffset(float64(r.nF)) }
func (r *road) edgeLeft() float64  { return r.bwdOffset(float64(r.nB)) }

// bandPolygon returns the polygon between lateral offsets lo < hi of road r over reference stations [s0, s1]
// (following the road's curvature).
func (r *road) bandPolygon(s0, s1, lo, hi float64) []geom.Vec2 {
	var ss []float64
	for s := s0; s < s1; s += 2 {
		ss = append(ss, s)
	}
	ss = append(ss, s1)
	out := make([]geom.Vec2, 0, 2*len(ss))
	for _, s := range ss {
		out = append(out, r.refPoint(s, lo))
	}
	for i := len(ss) - 1; i >= 0; i-- {
		out = append(out, r.refPoint(ss[i], hi))
	}
	return out
}

// addCrosswalk adds a crosswalk across road r at reference stations [s0, s1], with walkways on both sides
// (walk metres along the road each way) and the walking line for pedestrians.
func (n *network) addCrosswalk(r *road, s0, s1, walk float64) int {
	lo, hi := r.edgeRight(), r.edgeLeft()
	id := "cw_" + strconv.Itoa(len(n.cws))
	poly := r.bandPolygonAcross(s0, s1, lo-0.5, hi+0.5)
	mid := (s0 + s1) / 2
	cw := crosswalk{id: id, poly: poly, a: r.refPoint(mid, lo-2.5), b: r.refPoint(mid, hi+2.5), curbA: 2.5}
	cw.curbB = cw.a.Dist(cw.b) - 2.5
	n.cws = append(n.cws, cw)
	n.areas = append(n.areas,
		scenarios.Area{ID: "walk_" + strconv.Itoa(len(n.areas)), Kind: scenarios.AreaWalkway, Polygon: r.bandPolygon(s0-walk, s1+walk, lo-3.5, lo-0.5)},
		scenarios.Area{ID: "walk_" + strconv.Itoa(len(n.areas)+1), Kind: scenarios.AreaWalkway, Polygon: r.bandPolygon(s0-walk, s1+walk, hi+0.5, hi+3.5)})
	return len(n.cws) - 1
}

// bandPolygonAcross is a four-corner polygon of road r between stations s0 < s1 and offsets lo < hi.
func (r *road) bandPolygonAcross(s0, s1, lo, hi float64) []geom.Vec2 {
	return []geom.Vec2{r.refPoint(s0, lo), r.refPoint(s1, lo), r.refPoint(s1, hi), r.refPoint(s0, hi)}
}

// addStopLine adds a stop line of the given kind across lane li, its far edge at lane station u.
func (n *network) addStopLine(li int, u float64, kind scenarios.StopLineKind) {
	l := n.lanes[li]
	a := curveAt(l.c, u-0.6, nil)
	b := curveAt(l.c, u, nil)
	hw := l.w / 2
	poly := []geom.Vec2{
		a.pos().Add(a.normal().Scale(-hw)), b.pos().Add(b.normal().Scale(-hw)),
		b.pos().Add(b.normal().Scale(hw)), a.pos().Add(a.normal().Scale(hw)),
	}
	n.stopLines = append(n.stopLines, scenarios.StopLine{ID: "stop_" + strconv.Itoa(len(n.stopLines)), Kind: kind, Lane: l.id, Polygon: poly})
}

// armSpec describes one arm of an intersection to build.
type armSpec struct {
	angle      float64
	nOut, nIn  int
	length     float64
	bend       []seg // curvature profile after the first straight stretch
	straight   float64
	crosswalk  bool
	cuts       []float64
	group      int
	extraSetbk float64
}

// addIntersection builds an intersection at centre c: its arms (roads pointing away from it), connectors
// for the straight, left and right movements, crosswalks inside the junction in front of the stop lines,
// the junction's drivable polygon, stop lines and traffic lights (signal) or stop signs.
// minSetback is the least distance (m) from a junction's centre to an arm's mouth (before the crosswalk).
// Right turns get a kerb radius of roughly this size.
const minSetback = 18.0

func (n *network) addIntersection(c geom.Vec2, specs []armSpec, w, limit, cwWidth float64, signal bool, plan lightPlan) *inter {
	it := &inter{id: len(n.inters), center: c, signal: signal, plan: plan}
	sort.SliceStable(specs, func(i, j int) bool { return specs[i].angle < specs[j].angle })
	na := len(specs)
	// Setbacks: far enough for the mouths to clear the neighbouring arms, plus the crosswalk.
	for i, sp := range specs {
		e := 0.0
		for _, dj := range []int{-1, 1} {
			j := (i + dj + na) % na
			d := math.Abs(geom.AngleDiff(specs[j].angle, sp.angle))
			hwj := w * float64(max(specs[j].nIn, specs[j].nOut))
			hwi := w * float64(max(sp.nIn, sp.nOut))
			v := hwj / math.Sin(d)
			if d < math.Pi/2 {
				v += hwi / math.Tan(d)
			}
			if d > math.Pi*0.9 { // collinear neighbour of a T: no constraint
				v = 0
			}
			e = math.Max(e, v)
		}
		// At least minSetback from the centre, so that turns have a kerb radius a car follows comfortably.
		e = math.Max(e+1.5, minSetback) + sp.extraSetbk
		if sp.crosswalk {
			e += cwWidth + 1.5
		}
		a := &arm{angle: sp.angle, e: e, nOut: sp.nOut, nIn: sp.nIn, group: sp.group, light: -1, cw: -1}
		u := geom.Unit(sp.angle)
		start := geom.Pose{X: c.X + u.X*e, Y: c.Y + u.Y*e, Heading: sp.angle}
		segs := []seg{straight(sp.straight)}
		rest := sp.length - sp.straight
		for _, b := range sp.bend {
			segs = append(segs, b)
			rest -= b.L
		}
		if rest > 1 {
			segs = append(segs, straight(rest))
		}
		name := "i" + strconv.Itoa(it.id) + "a" + strconv.Itoa(i)
		a.rd = n.addRoad(name, start, segs, sp.nOut, sp.nIn, w, 0, limit, sp.cuts)
		it.arms = append(it.arms, a)
	}
	// Crosswalks inside the junction, 1 m beyond each mouth.
	for _, a := range it.arms {
		if !specs[indexOfArm(it, a)].crosswalk {
			continue
		}
		r := a.rd
		s0, s1 := -1-cwWidth, -1.0
		a.cw = n.addCrosswalk(r, s0, s1, 0)
		a.cwCenter = (s0 + s1) / 2
		lo, hi := r.edgeRight(), r.edgeLeft()
		n.areas = append(n.areas,
			scenarios.Area{ID: "walk_" + strconv.Itoa(len(n.areas)), Kind: scenarios.AreaWalkway, Polygon: r.bandPolygon(s0-1, 25, lo-3.5, lo-0.5)},
			scenarios.Area{ID: "walk_" + strconv.Itoa(len(n.areas)+1), Kind: scenarios.AreaWalkway, Polygon: r.bandPolygon(s0-1, 25, hi+0.5, hi+3.5)})
	}
	// Junction polygon: convex hull of the mouths' corners.
	var corners []geom.Vec2
	for _, a := range it.arms {
		// with a 0.5 m shoulder, as junction polygons reach a little beyond the lanes
		corners = append(corners, a.rd.refPoint(0, a.rd.edgeRight()-0.5), a.rd.refPoint(0, a.rd.edgeLeft()+0.5))
	}
	n.areas = append(n.areas, scenarios.Area{ID: "junction_" + strconv.Itoa(it.id), Kind: scenarios.AreaGenericDrivable, Polygon: convexHull(corners)})
	// Lights.
	if signal {
		for ai, a := range it.arms {
			a.light = len(n.lights)
			n.lights = append(n.lights, light{id: "tl_" + strconv.Itoa(it.id) + "_" + strconv.Itoa(ai), inter: it.id, group: a.group})
		}
	}
	// Connectors.
	for ai, a := range it.arms {
		in := a.rd.bwd[0]
		for bi, b := range it.arms {
			if ai == bi {
				continue
			}
			delta := geom.AngleDiff(b.angle, a.angle+math.Pi)
			mv := moveStraight
			switch {
			case math.Abs(delta) < 0.35:
			case delta > 0 && delta < math.Pi*0.85:
				mv = moveLeft
			case delta < 0 && delta > -math.Pi*0.85:
				mv = moveRight
			default:
				continue
			}
			out := b.rd.fwd[0]
			var pairs [][2]int
			switch mv {
			case moveStraight:
				for k := 0; k < min(len(in), len(out)); k++ {
					pairs = append(pairs, [2]int{k, k})
				}
			case moveLeft:
				pairs = append(pairs, [2]int{0, 0})
			case moveRight:
				pairs = append(pairs, [2]int{len(in) - 1, len(out) - 1})
			}
			if len(pairs) == 0 {
				continue
			}
			rb := n.addRoadblock("rbj"+strconv.Itoa(it.id)+"_"+strconv.Itoa(ai)+"_"+strconv.Itoa(bi), true)
			q := 0.45
			if mv == moveRight {
				q = 0.35
			}
			for _, p := range pairs {
				li, lo := in[p[0]], out[p[1]]
				from, to := n.lanes[li], n.lanes[lo]
				cv := turnCurve(from.c[len(from.c)-1].pose(), to.c[0].pose(), q)
				l := &lane{id: "j" + strconv.Itoa(it.id) + "_" + strconv.Itoa(ai) + strconv.Itoa(bi) + "_" + strconv.Itoa(p[0]),
					conn: true, c: cv, w: w, limit: limit, move: mv}
				l.keep = keepIndices(cv, offsetStations(cv, w/2), offsetStations(cv, -w/2))
				cn := normals(cv)
				l.left = offsetPoints(cv, cn, w/2, l.keep)
				l.right = offsetPoints(cv, cn, -w/2, l.keep)
				ci := n.addLane(l, rb)
				l.inter, l.from, l.to = it.id, ai, bi
				n.link(li, ci)
				n.link(ci, lo)
				it.conns = append(it.conns, ci)
				if signal {
					l.light = a.light
					n.lights[a.light].conns = append(n.lights[a.light].conns, ci)
				}
			}
		}
		for _, li := range in {
			kind := scenarios.StopSign
			if signal {
				kind = scenarios.StopTrafficLight
			}
			n.lanes[li].stop = kind
			n.addStopLine(li, n.lanes[li].length(), kind)
		}
	}
	n.conflicts(it)
	n.inters = append(n.inters, it)
	return it
}

func indexOfArm(it *inter, a *arm) int {
	for i, b := range it.arms {
		if a == b {
			return i
		}
	}
	return -1
}

// conflicts finds the crossing zones between an intersection's connectors and the sibling connectors that
// leave the same lane.
func (n *network) conflicts(it *inter) {
	const thr = 3.3 // m between centrelines: two vehicles' boxes may touch
	for x, ci := range it.conns {
		a := n.lanes[ci]
		for _, cj := range it.conns[x+1:] {
			b := n.lanes[cj]
			if a.pred[0] == b.pred[0] {
				a.sibl = append(a.sibl, cj)
				b.sibl = append(b.sibl, ci)
				continue
			}
			if a.succ[0] == b.succ[0] {
				continue // a merge: handled as following on the common lane
			}
			a0, a1, b0, b1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
			for i := 0; i < len(a.c); i += 2 {
				p := a.c[i]
				for j := 0; j < len(b.c); j += 2 {
					q := b.c[j]
					dx, dy := p.X-q.X, p.Y-q.Y
					if dx*dx+dy*dy < thr*thr {
						a0, a1 = math.Min(a0, p.S), math.Max(a1, p.S)
						b0, b1 = math.Min(b0, q.S), math.Max(b1, q.S)
					}
				}
			}
			if a1 < a0 {
				continue
			}
			za := zone{other: cj, a: a0 - 1, b: a1 + 1, oa: b0 - 1, ob: b1 + 1}
			zb := zone{other: ci, a: b0 - 1, b: b1 + 1, oa: a0 - 1, ob: a1 + 1}
			// Permissive turns: a left turn yields to the opposite arm's straight and right movements.
			opp := func(l, o *lane) bool {
				return l.move == moveLeft && o.move != moveLeft &&
					math.Abs(geom.AngleDiff(it.arms[o.from].angle, it.arms[l.from].angle+math.Pi)) < 0.5
			}
			za.yield = it.signal && opp(a, b) // at all-way stops the arrival order decides
			zb.yield = it.signal && opp(b, a)
			a.zones = append(a.zones, za)
			b.zones = append(b.zones, zb)
		}
	}
}

// crosswalkCrossings finds, for every lane, where its centreline crosses a crosswalk.
func (n *network) crosswalkCrossings() {
	for ci := range n.cws {
		cw := &n.cws[ci]
		bb := geom.BoundsOf(cw.poly)
		for _, l := range n.lanes {
			a, b := math.Inf(1), math.Inf(-1)
			for _, p := range l.c {
				if bb.Contains(p.pos(), 0) && geom.PointInPolygon(p.pos(), cw.poly) {
					a, b = math.Min(a, p.S), math.Max(b, p.S)
				}
			}
			if b < a {
				continue
			}
			m := curveAt(l.c, (a+b)/2, nil).pos()
			l.cws = append(l.cws, laneCW{cw: ci, a: a - stepDS, b: b + stepDS, p: m})
		}
	}
}

// convexHull returns the convex hull of pts, counter-clockwise (Andrew's monotone chain).
func convexHull(pts []geom.Vec2) []geom.Vec2 {
	p := append([]geom.Vec2(nil), pts...)
	sort.Slice(p, func(i, j int) bool {
		if p[i].X != p[j].X {
			return p[i].X < p[j].X
		}
		return p[i].Y < p[j].Y
	})
	if len(p) < 3 {
		return p
	}
	cross := func(o, a, b geom.Vec2) float64 { return a.Sub(o).Cross(b.Sub(o)) }
	h := make([]geom.Vec2, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// emit converts the network into the scenario map, with lights' phases up to tick end.
// shoulder is the width (m) of the paved strip beyond each road's outer lane lines.
const shoulder = 0.5

func (n *network) emit(end int) scenarios.Map {
	var m scenarios.Map
	m.Lanes = make([]scenarios.Lane, len(n.lanes))
	for i, l := range n.lanes {
		sl := scenarios.Lane{ID: l.id, Roadblock: l.rbID, Connector: l.conn,
			Centerline: pick(l.c, l.keep), Left: clonePts(l.left), Right: clonePts(l.right), SpeedLimit: l.limit}
		for _, s := range l.succ {
			sl.Successors = append(sl.Successors, n.lanes[s].id)
		}
		for _, s := range l.pred {
			sl.Predecessors = append(sl.Predecessors, n.lanes[s].id)
		}
		if l.leftN >= 0 {
			sl.LeftNeighbor = n.lanes[l.leftN].id
		}
		if l.rightN >= 0 {
			sl.RightNeighbor = n.lanes[l.rightN].id
		}
		m.Lanes[i] = sl
	}
	m.Roadblocks = make([]scenarios.Roadblock, len(n.rbs))
	for i, rb := range n.rbs {
		ids := make([]string, len(rb.lanes))
		for j, l := range rb.lanes {
			ids[j] = n.lanes[l].id
		}
		m.Roadblocks[i] = scenarios.Roadblock{ID: rb.id, Lanes: ids, Connector: rb.conn}
	}
	for _, s := range n.stopLines {
		s.Polygon = clonePts(s.Polygon)
		m.StopLines = append(m.StopLines, s)
	}
	for _, c := range n.cws {
		m.Crosswalks = append(m.Crosswalks, scenarios.Polygon{ID: c.id, Polygon: append([]geom.Vec2(nil), c.poly...)})
	}
	for _, a := range n.areas {
		a.Polygon = clonePts(a.Polygon)
		m.Areas = append(m.Areas, a)
	}
	// Paved shoulders: the road surface reaches a little beyond the outermost lane lines to the kerb, as
	// nuPlan's roadblock polygons do.
	for _, r := range n.roads {
		end := r.ref[len(r.ref)-1].S
		m.Areas = append(m.Areas,
			scenarios.Area{ID: "shoulder_" + r.name + "_r", Kind: scenarios.AreaGenericDrivable, Polygon: r.bandPolygon(0, end, r.edgeRight()-shoulder, r.edgeRight())},
			scenarios.Area{ID: "shoulder_" + r.name + "_l", Kind: scenarios.AreaGenericDrivable, Polygon: r.bandPolygon(0, end, r.edgeLeft(), r.edgeLeft()+shoulder)})
	}
	for _, l := range n.lights {
		tl := scenarios.TrafficLight{ID: l.id, Phases: n.inters[l.inter].plan.phases(l.group, end)}
		for _, c := range l.conns {
			tl.Connectors = append(tl.Connectors, n.lanes[c].id)
		}
		m.TrafficLights = append(m.TrafficLights, tl)
	}
	return m
}

// clonePts copies a point list (boundaries are shared between lanes while building; the map gets copies so
// that transforming it moves each point once).
func clonePts(p []geom.Vec2) []geom.Vec2 { return append([]geom.Vec2(nil), p...) }
