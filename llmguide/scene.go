package llmguide

import (
	"math"
	"sort"

	"asyncdrive/geom"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// Scene tensor shape: SceneTokens tokens of TokenDim numbers.
const (
	SceneTokens = 48
	TokenDim    = 16
)

// Token kinds (the one-hot index) and the token slots.
const (
	kindEgo = iota
	kindVehicle
	kindPedestrian
	kindBicycle
	kindStatic
	kindLane
	kindLight
	kindStop
	kindCrosswalk
	nKinds

	maxAgents     = 15
	maxRoutePts   = 16
	maxNeighbors  = 8
	maxLights     = 4
	maxStops      = 4
	sceneRadius   = 50.0 // m
	routeSpacing  = 4.0  // m between route points
	neighbourStep = 8.0  // m between neighbouring-lane points
)

// Encoder turns planner inputs into scene tokens for one scenario's map and route. It keeps scratch space:
// one Encoder serves one goroutine.
type Encoder struct {
	mx    *scenarios.MapIndex
	route []string
	near  []nearObj
}

type nearObj struct {
	d float64
	o *scenarios.Object
}

// NewEncoder returns an encoder for a map and route.
func NewEncoder(m *scenarios.Map, route []string) *Encoder {
	return &Encoder{mx: m.Index(), route: route}
}

// Map returns the encoder's map index.
func (e *Encoder) Map() *scenarios.MapIndex { return e.mx }

// Route returns the encoder's route.
func (e *Encoder) Route() []string { return e.route }

// Encode writes the SceneTokens x TokenDim scene tensor of the input into dst (grown when needed) and returns
// it. Objects or map elements with numbers that are not finite are left out.
func (e *Encoder) Encode(in *planner.Input, dst []float32) []float32 {
	n := SceneTokens * TokenDim
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	clear(dst)
	if in == nil || len(in.Ego) == 0 {
		return dst
	}
	ego := in.Current()
	if !ego.IsFinite() {
		return dst
	}
	fr := frame{o: ego.Pose.Pos(), h: ego.Pose.Heading}
	k := 0
	// put writes the next token, unless one of its numbers is not finite as a float32 (a NaN, an infinity, or
	// a finite value too large for the tensor): such a token is left out.
	put := func(kind int, p geom.Vec2, h, speed, length, width, extra float64) {
		if k >= SceneTokens {
			return
		}
		x, y := fr.local(p)
		dh := h - fr.h
		vals := [...]float32{
			float32(x / sceneRadius),
			float32(y / sceneRadius),
			float32(math.Cos(dh)),
			float32(math.Sin(dh)),
			float32(speed / 20),
			float32((length + width) / 20), // size, one number
			float32(extra),
		}
		for _, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return
			}
		}
		t := dst[k*TokenDim : (k+1)*TokenDim]
		t[kind] = 1
		copy(t[nKinds:], vals[:])
		k++
	}
	put(kindEgo, ego.Pose.Pos(), ego.Pose.Heading, ego.Speed, 5, 2, ego.Accel/4)
	k = 1 // the agents' tokens start at 1, with or without the ego's

	// Agents by distance.
	e.near = e.near[:0]
	objs := in.CurrentObjects()
	for i := range objs {
		o := &objs[i]
		c := o.Box.Center.Pos()
		if !c.IsFinite() || !o.Vel.IsFinite() {
			continue
		}
		if d := c.Dist(fr.o); d <= sceneRadius {
			e.near = append(e.near, nearObj{d, o})
		}
	}
	sort.Slice(e.near, func(i, j int) bool { return e.near[i].d < e.near[j].d })
	for i := 0; i < len(e.near) && i < maxAgents; i++ {
		o := e.near[i].o
		kind := kindStatic
		switch o.Type {
		case scenarios.Vehicle:
			kind = kindVehicle
		case scenarios.Pedestrian:
			kind = kindPedestrian
		case scenarios.Bicycle:
			kind = kindBicycle
		}
		put(kind, o.Box.Center.Pos(), o.Box.Center.Heading, o.Vel.Norm(), o.Box.Length, o.Box.Width, float64(o.Indicator))
	}
	k = 1 + maxAgents

	// Route points ahead, then points on the neighbouring lanes.
	if e.mx != nil && len(e.route) > 0 {
		lanes := e.mx.RouteLanes(e.route, ego.Pose, 16)
		if len(lanes) > 0 {
			path := e.mx.JoinPaths(lanes)
			s0, _ := path.Project(fr.o)
			for i := 0; i < maxRoutePts; i++ {
				s := s0 + float64(i)*routeSpacing
				if s > path.Length() {
					break
				}
				p := path.PoseAt(s)
				lim, _ := e.mx.SpeedLimitAt(p.Pos())
				put(kindLane, p.Pos(), p.Heading, lim, 0, 0, 1)
			}
			k = 1 + maxAgents + maxRoutePts
			cur := lanes[0]
			for _, nb := range []int{e.mx.LeftNeighbor(cur), e.mx.RightNeighbor(cur)} {
				if nb < 0 {
					continue
				}
				p := e.mx.Path(nb)
				s, _ := p.Project(fr.o)
				for i := 0; i < maxNeighbors/2; i++ {
					ss := s + float64(i)*neighbourStep
					if ss > p.Length() {
						break
					}
					q := p.PoseAt(ss)
					put(kindLane, q.Pos(), q.Heading, 0, 0, 0, 0.5)
				}
			}
		}
	}
	k = 1 + maxAgents + maxRoutePts + maxNeighbors

	// Traffic lights at the start of the lanes they control, nearest first.
	type lightTok struct {
		d     float64
		p     geom.Vec2
		h     float64
		state float64
	}
	var lights [8]lightTok
	nl := 0
	for _, ls := range in.Lights {
		if e.mx == nil || ls.Lane < 0 || ls.Lane >= e.mx.NumLanes() || nl == len(lights) {
			continue
		}
		p := e.mx.Path(ls.Lane)
		if len(p.Pts) == 0 {
			continue
		}
		st := 0.0
		switch ls.State {
		case scenarios.Red:
			st = 1
		case scenarios.Yellow:
			st = 0.5
		}
		if d := p.Pts[0].Dist(fr.o); d <= sceneRadius {
			lights[nl] = lightTok{d, p.Pts[0], p.HeadingAt(0), st}
			nl++
		}
	}
	sort.Slice(lights[:nl], func(i, j int) bool { return lights[i].d < lights[j].d })
	for i := 0; i < nl && i < maxLights; i++ {
		put(kindLight, lights[i].p, lights[i].h, 0, 0, 0, lights[i].state)
	}
	k = 1 + maxAgents + maxRoutePts + maxNeighbors + maxLights

	// Stop lines and crosswalks, nearest first.
	if e.mx != nil {
		m := e.mx.Map()
		type polyTok struct {
			d    float64
			c    geom.Vec2
			kind int
		}
		var polys []polyTok
		for _, s := range m.StopLines {
			if c, ok := centroid(s.Polygon); ok && c.Dist(fr.o) <= sceneRadius {
				polys = append(polys, polyTok{c.Dist(fr.o), c, kindStop})
			}
		}
		for _, cw := range m.Crosswalks {
			if c, ok := centroid(cw.Polygon); ok && c.Dist(fr.o) <= sceneRadius {
				polys = append(polys, polyTok{c.Dist(fr.o), c, kindCrosswalk})
			}
		}
		sort.Slice(polys, func(i, j int) bool { return polys[i].d < polys[j].d })
		for i := 0; i < len(polys) && i < maxStops; i++ {
			put(polys[i].kind, polys[i].c, fr.h, 0, 0, 0, 0)
		}
	}
	return dst
}

// frame is the ego frame: origin and heading.
type frame struct {
	o geom.Vec2
	h float64
}

func (f frame) local(p geom.Vec2) (x, y float64) {
	s, c := math.Sincos(f.h)
	d := p.Sub(f.o)
	return d.X*c + d.Y*s, -d.X*s + d.Y*c
}

func centroid(poly []geom.Vec2) (geom.Vec2, bool) {
	if len(poly) == 0 {
		return geom.Vec2{}, false
	}
	var c geom.Vec2
	for _, p := range poly {
		c = c.Add(p)
	}
	c = c.Scale(1 / float64(len(poly)))
	return c, c.IsFinite()
}
