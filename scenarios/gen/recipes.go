package gen

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// scene is a recipe's output: a world ready to simulate, whether to mirror it into left-hand traffic, and the
// check that the simulated expert shows the type's situation.
type scene struct {
	w      *world
	mirror bool
	check  func(w *world) error
}

type recipe func(g *rng) (*scene, error)

// mirrorShare is the share of scenes mirrored into left-hand traffic.
const mirrorShare = 0.25

// withMirror wraps a recipe: a quarter of the scenes are mirrored into left-hand traffic.
func withMirror(r recipe) recipe {
	return func(g *rng) (*scene, error) {
		m := g.Bool(mirrorShare)
		sn, err := r(g)
		if sn != nil {
			sn.mirror = m
		}
		return sn, err
	}
}

var recipes = map[string]recipe{
	// In left-hand traffic the turn across the oncoming traffic is the right turn: build the mirror image.
	"starting_left_turn": func(g *rng) (*scene, error) {
		if g.Bool(mirrorShare) {
			sn, err := junctionRecipe(g, jStartRight)
			sn.mirror = true
			return sn, err
		}
		return junctionRecipe(g, jStartLeft)
	},
	"starting_right_turn": func(g *rng) (*scene, error) {
		if g.Bool(mirrorShare) {
			sn, err := junctionRecipe(g, jStartLeft)
			sn.mirror = true
			return sn, err
		}
		return junctionRecipe(g, jStartRight)
	},
	"starting_straight_traffic_light_intersection_traversal": withMirror(func(g *rng) (*scene, error) {
		return junctionRecipe(g, jStartStraight)
	}),
	"stopping_with_lead":              withMirror(stoppingWithLead),
	"high_lateral_acceleration":       withMirror(highLateral),
	"high_magnitude_speed":            withMirror(highSpeed),
	"low_magnitude_speed":             withMirror(lowSpeed),
	"traversing_pickup_dropoff":       withMirror(pickupDropoff),
	"waiting_for_pedestrian_to_cross": withMirror(waitingForPedestrian),
	"behind_long_vehicle":             withMirror(behindLongVehicle),
	"stationary_in_traffic":           withMirror(stationaryInTraffic),
	"near_multiple_vehicles":          withMirror(nearMultipleVehicles),
	"changing_lane":                   withMirror(changingLane),
	"following_lane_with_lead":        withMirror(followingWithLead),
}

// ---- road profiles ----

// profile draws a reference-line curvature profile of about length metres in a style: "straight",
// "gentle" (urban bends), "curvy" (tight S-bends) or "highway". The station ranges in keep stay straight.
func profile(g *rng, style string, length float64, keep [][2]float64) []seg {
	var segs []seg
	s := 0.0
	overlaps := func(a, b float64) (float64, bool) {
		for _, k := range keep {
			if a < k[1] && b > k[0] {
				return k[1], true
			}
		}
		return 0, false
	}
	sign := g.Sign()
	for s < length {
		var ls, r, defl, lc float64
		switch style {
		case "straight":
			ls = length - s + 1
		case "gentle":
			ls, r, defl, lc = g.Range(40, 150), g.Range(150, 500), g.Range(0.15, 0.6), g.Range(20, 40)
		case "curvy":
			ls, r, defl, lc = g.Range(10, 40), g.Range(35, 85), g.Range(0.7, 1.8), g.Range(22, 35)
		case "highway":
			ls, r, defl, lc = g.Range(100, 300), g.Range(900, 2500), g.Range(0.08, 0.3), g.Range(60, 120)
		}
		if s == 0 && style != "straight" {
			ls = g.Range(10, 60)
		}
		segs = append(segs, straight(ls))
		s += ls
		if style == "straight" || s >= length {
			break
		}
		k := 1 / r
		if lc*k > defl {
			lc = defl / k
		}
		la := (defl - lc*k) / k
		tot := 2*lc + la
		if end, ok := overlaps(s, s+tot); ok {
			segs = append(segs, straight(end-s+5))
			s = end + 5
			continue
		}
		if style == "curvy" {
			if g.Bool(0.75) {
				sign = -sign
			}
		} else {
			sign = g.Sign()
		}
		segs = append(segs, clothoid(lc, 0, sign*k), arc(la, sign*k), clothoid(lc, sign*k, 0))
		s += tot
	}
	return segs
}

// cuts draws lane segment boundaries every 50-110 m along length.
func cuts(g *rng, from, length float64) []float64 {
	var out []float64
	for s := from + g.Range(40, 100); s < length-30; s += g.Range(50, 110) {
		out = append(out, s)
	}
	return out
}

// ---- corridors ----

// corridorCfg describes a single road scene.
type corridorCfg struct {
	nF, nB    int
	w, median float64
	limit     float64
	length    float64
	style     string
	keep      [][2]float64
	warmup    float64
}

// corridor builds one road and a world on it with the ego placed, traffic populated and flows at the entries.
func corridor(g *rng, c corridorCfg) (*world, *road) {
	net := &network{}
	r := net.addRoad("r0", geom.Pose{}, profile(g, c.style, c.length, c.keep), c.nF, c.nB, c.w, c.median, c.limit, cuts(g, 0, c.length))
	net.crosswalkCrossings()
	w := newWorld(net, g, c.warmup)
	return w, r
}

// laneAt returns road r's lane (forward or backward, index i) at reference station s, and the lane station.
func (r *road) laneAt(n *network, fwd bool, i int, s float64) (int, float64) {
	k := r.segAt(s)
	f := curveFrac(r.ref, s, nil) - float64(r.cut[k])
	if fwd {
		li := r.fwd[k][i]
		return li, stationAtFrac(n.lanes[li].c, f)
	}
	li := r.bwd[k][i]
	nn := float64(r.cut[k+1] - r.cut[k])
	return li, stationAtFrac(n.lanes[li].c, nn-f)
}

// placeOn puts vehicle v on road r at reference station s (its path point), with a path from there.
func (w *world) placeOn(r *road, v *vehicle, fwd bool, i int, s, speed float64, route func(int) []int) *vehicle {
	li, u := r.laneAt(w.net, fwd, i, s)
	if route == nil {
		route = w.randomRoute
	}
	return w.add(v, route(li), u, speed)
}

// car draws an ordinary car.
func (w *world) car() *vehicle {
	g := w.g
	l := g.Range(4.3, 5.2)
	if g.Bool(0.15) {
		l = g.Range(5.2, 6.0) // vans, pickups
	}
	return w.newVehicle(scenarios.Vehicle, l, g.Range(1.8, 2.1))
}

// longVehicle draws a truck or a bus.
func (w *world) longVehicle() *vehicle {
	g := w.g
	switch g.Int(0, 2) {
	case 0:
		return w.newVehicle(scenarios.Vehicle, g.Range(8, 11), 2.5) // rigid truck
	case 1:
		return w.newVehicle(scenarios.Vehicle, g.Range(11.5, 13), 2.55) // city bus
	}
	return w.newVehicle(scenarios.Vehicle, g.Range(16, 18), 2.55) // articulated bus or semi-trailer
}

// populate scatters vehicles over the road's lanes (density per 100 m) at a share of the limit, keeping safe
// gaps; skip vetoes positions.
func (w *world) populate(r *road, density, speedFactor float64, skip func(fwd bool, i int, s float64) bool) {
	g := w.g
	length := r.ref[len(r.ref)-1].S
	for _, fwd := range []bool{true, false} {
		n := r.nF
		if !fwd {
			n = r.nB
		}
		for i := 0; i < n; i++ {
			count := int(math.Round(density * length / 100 * g.Range(0.7, 1.3)))
			for c := 0; c < count; c++ {
				s := g.Range(5, length-10)
				if skip != nil && skip(fwd, i, s) {
					continue
				}
				v := w.car()
				if g.Bool(0.08) {
					w.nameSeq--
					v = w.longVehicle()
				}
				speed := r.limit * speedFactor * g.Range(0.85, 1.0)
				li, u := r.laneAt(w.net, fwd, i, s)
				m := speed*1.3 + 4
				if !w.laneFreeChain(li, u-v.rear-m, u+v.front+m) {
					w.nameSeq--
					continue
				}
				w.add(v, w.randomRoute(li), u, speed)
			}
		}
	}
}

// laneFreeChain is laneFree that also looks at the lane's single predecessor and successor.
func (w *world) laneFreeChain(li int, a, b float64) bool {
	l := w.net.lanes[li]
	if !w.laneFree(li, a, b) {
		return false
	}
	if a < 0 {
		for _, p := range l.pred {
			pl := w.net.lanes[p].length()
			if !w.laneFree(p, pl+a, pl+b) {
				return false
			}
		}
	}
	if b > l.length() {
		for _, s := range l.succ {
			if !w.laneFree(s, a-l.length(), b-l.length()) {
				return false
			}
		}
	}
	return true
}

// roadside puts up to n static objects (cones, barriers, parked cars) on the shoulders of road r, outside
// its lanes, away from the reference stations in avoid.
func (w *world) roadside(r *road, n int, avoid [][2]float64) {
	g := w.g
	length := r.ref[len(r.ref)-1].S
outer:
	for k := 0; k < n; k++ {
		s := g.Range(10, length-10)
		for _, a := range avoid {
			if s > a[0]-10 && s < a[1]+10 {
				continue outer
			}
		}
		side, edge := -1.0, r.edgeRight()
		if r.nB > 0 && g.Bool(0.3) {
			side, edge = 1, r.edgeLeft()
		}
		h := curveAt(r.ref, s, nil).H
		var st static
		switch g.Int(0, 2) {
		case 0: // a row of cones
			for j := 0; j < g.Int(2, 4); j++ {
				p := r.refPoint(s+float64(j)*g.Range(1.5, 3), edge+side*g.Range(0.4, 0.8))
				w.nameSeq++
				w.statics = append(w.statics, static{name: "obj_" + itoa3(w.nameSeq), typ: scenarios.StaticObject,
					pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, length: 0.4, width: 0.4})
			}
			continue
		case 1: // a barrier
			p := r.refPoint(s, edge+side*g.Range(0.7, 1.2))
			st = static{typ: scenarios.StaticObject, pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, length: g.Range(1.5, 3), width: 0.5}
		default: // a car parked on the shoulder
			p := r.refPoint(s, edge+side*g.Range(1.3, 1.7))
			if side > 0 {
				h += math.Pi
			}
			st = static{typ: scenarios.Vehicle, pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, length: g.Range(4.3, 5), width: g.Range(1.8, 2)}
		}
		w.nameSeq++
		prefix := "obj_"
		if st.typ == scenarios.Vehicle {
			prefix = "veh_"
		}
		st.name = prefix + itoa3(w.nameSeq)
		w.statics = append(w.statics, st)
	}
}

// bicycles puts up to n cyclists near the right edge of the outer lanes other than the ego's.
func (w *world) bicycles(r *road, n, egoLane int, from, to float64) {
	g := w.g
	for k := 0; k < n; k++ {
		fwd := g.Bool(0.5)
		i := r.nF - 1
		if !fwd {
			i = r.nB - 1
		}
		if i < 0 || fwd && i == egoLane {
			continue
		}
		s := g.Range(from, to)
		b := w.newVehicle(scenarios.Bicycle, 1.8, 0.6)
		b.lat = -(r.w/2 - 0.6)
		li, u := r.laneAt(w.net, fwd, i, s)
		if !w.laneFreeChain(li, u-15, u+15) {
			w.nameSeq--
			continue
		}
		w.add(b, w.randomRoute(li), u, b.vcapAbs*0.9)
	}
}

// corridorFlows adds spawning flows at every entry of road r.
func (w *world) corridorFlows(r *road, headway, speedFactor float64, fwdOnly bool) {
	if headway <= 0 {
		return
	}
	g := w.g
	last := len(r.cut) - 2
	for i := 0; i < r.nF; i++ {
		w.flows = append(w.flows, flow{lane: r.fwd[0][i], mean: headway * g.Range(0.7, 1.4), min: 1.5,
			speed: r.limit * speedFactor, truckP: 0.06})
	}
	if fwdOnly {
		return
	}
	for i := 0; i < r.nB; i++ {
		w.flows = append(w.flows, flow{lane: r.bwd[last][i], mean: headway * g.Range(0.7, 1.4), min: 1.5,
			speed: r.limit * speedFactor, truckP: 0.06})
	}
}

// egoOn places the ego on road r's forward lane i at reference station s.
func (w *world) egoOn(r *road, i int, s, speed float64) *vehicle {
	e := w.newEgo()
	li, u := r.laneAt(w.net, true, i, s)
	w.ego = w.add(e, w.routeThrough(li, moveStraight), u, speed)
	return w.ego
}

func urbanLimit(g *rng) float64 {
	switch g.Int(0, 3) {
	case 0:
		return 11.18 // 25 mph
	case 1:
		return 13.41 // 30 mph
	case 2:
		return 15.65 // 35 mph
	}
	return 12.5 // 45 km/h
}

func laneWidth(g *rng) float64 { return g.Range(3.3, 3.8) }

var errNotType = errors.New("expert does not show the scenario type")

// tagFrame is the frame at which nuPlan's scenario tag holds: its scenarios start 3 s before the tagged
// event (nuplan-devkit, scenario_mapping: extraction offset -3 s for the challenge types).
const tagFrame = 30

// tagLead reports whether the ego follows a moving vehicle within 55 m in its lane at tagFrame.
func tagLead(w *world) bool {
	i := tagFrame
	f := w.info[i]
	if f.lead == nil || f.lead.fixed || f.gap >= 55 {
		return false
	}
	k := i - f.lead.first
	return k >= 0 && k < len(f.lead.states) && f.lead.states[k].Speed() > 0.5
}

// ---- lane following ----

func followingWithLead(g *rng) (*scene, error) {
	nF := g.Int(1, 3)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle", "gentle"}[g.Int(0, 2)]}
	if g.Bool(0.25) {
		c.limit = g.Range(16, 20) // arterial
	}
	c.length = c.limit*25 + 250
	c.warmup = 4
	// 40%: something at the kerb ahead that the lead and the ego pass by shifting left (in the kerb lane, with
	// a lane to its left).
	obst := g.Bool(0.4)
	if obst && nF == 1 && c.nB == 0 {
		c.nB = 1
	}
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	if obst {
		egoLane = nF - 1
	}
	es := g.Range(60, 100)
	ve := c.limit * g.Range(0.55, 0.85)
	w.egoOn(r, egoLane, es, ve)
	lead := w.car()
	if g.Bool(0.15) {
		w.nameSeq--
		lead = w.longVehicle()
	}
	lead.vdes = g.Range(0.6, 0.9)
	gap := 2 + ve*g.Range(1.3, 2.2)
	w.placeOn(r, lead, true, egoLane, es+egoFront+gap+lead.rear, ve, nil)
	switch {
	case obst:
		w.edgeBlocker(r, egoLane, es+egoFront+ve*c.warmup+g.Range(20, 55), g.IntN(nBlk))
	case g.Bool(0.5):
		// A car from the next lane cuts in ahead of the ego.
		w.addCutIn(r, egoLane, es, ve, g.Int(0, 40), 110, -1)
	}
	density, headway := g.Range(0.8, 2.2), g.Range(4, 10)
	if obst {
		density, headway = g.Range(0.3, 0.8), g.Range(8, 14) // gaps beside the ego to pass the obstacle by
	}
	w.populate(r, density, 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30 && s < es+c.limit*25+80
	})
	w.bicycles(r, g.Int(0, 2), egoLane, es-50, es+200)
	w.roadside(r, g.Int(0, 4), nil)
	w.corridorFlows(r, headway, 0.85, false)
	return &scene{w: w, check: func(w *world) error {
		// nuPlan tags the situation at one instant, 3 s into its 15 s scenario (scenario_mapping: extraction
		// offset -3 s): the ego follows a moving lead in its lane then.
		if !tagLead(w) {
			return errNotType
		}
		return nil
	}}, nil
}

// stoppingWithLead: nuPlan tags stopping_with_lead at the instant the ego, braking, comes below 0.3 m/s with
// a lead within 6 m; its scenarios start 3 s before. The ego is drawn to stop behind its lead then: the
// lead stops for a red light (the queue stays for the run) or for traffic ahead (which moves off again after
// the tag in 60% of the draws).
func stoppingWithLead(g *rng) (*scene, error) {
	if g.Bool(0.4) {
		return junctionRecipe(g, jStopLead) // the lead stops for a red light
	}
	nF := g.Int(1, 3)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = c.limit*20 + 250
	c.warmup = 8
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(40, 70)
	ve := c.limit * g.Range(0.45, 0.75)
	w.egoOn(r, egoLane, es, ve)
	lead := w.car()
	lead.vdes = ve / c.limit
	gap := 2.5 + ve*g.Range(1.3, 2.0)
	w.placeOn(r, lead, true, egoLane, es+egoFront+gap+lead.rear, ve, nil)
	// The lead brakes to a stop (a hazard ahead, a parking manoeuvre), standing from 1.2 s before the run to
	// 0.4 s into it (the ego, behind it, stops about 2 s later), and stays, or moves off again 5-13 s in.
	lead.brakeDecel = g.Range(1.6, 2.8)
	lead.stopFrom = int((g.Range(-1.2, 0.4) - ve/lead.brakeDecel) / dt)
	lead.stopTill = 1 << 30
	if g.Bool(0.6) {
		lead.stopTill = g.Int(50, 130)
	}
	w.populate(r, g.Range(0.6, 2), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30
	})
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(5, 12), 0.85, false)
	return &scene{w: w, check: stoppingCheck}, nil
}

// stoppingCheck asks for nuPlan's stopping_with_lead at its tag instant: the ego below 0.3 m/s at tagFrame,
// having lost at least 0.5 m/s over the 2 s before, with a vehicle ahead within 6 m. (nuPlan asks for a
// deceleration above 0.6 m/s^2 at the instant; the generator's IDM drivers ease the last metres of a stop,
// their speed halving about every second.)
func stoppingCheck(w *world) error {
	f := w.info[tagFrame]
	if w.expert[tagFrame].Speed >= 0.3 || w.expert[tagFrame-20].Speed-w.expert[tagFrame].Speed < 0.5 || f.lead == nil || f.gap > 6 {
		return errNotType
	}
	return nil
}

func highLateral(g *rng) (*scene, error) {
	nF := g.Int(1, 2)
	c := corridorCfg{nF: nF, nB: g.Int(1, 2), w: laneWidth(g), limit: g.Range(13.5, 17.5), style: "curvy"}
	c.length = c.limit*23 + 250
	c.warmup = 3
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(30, 60)
	w.egoOn(r, egoLane, es, 9)
	w.ego.latMax = g.Range(2.3, 3.0)
	w.populate(r, g.Range(0.3, 1), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30 && s < es+c.limit*23+60
	})
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(8, 15), 0.8, false)
	return &scene{w: w, check: func(w *world) error {
		m := 0.0
		for _, e := range w.expert[:151] {
			m = math.Max(m, math.Abs(latAccel(e)))
		}
		if m < 1.5 || m > 3.5 {
			return errNotType
		}
		return nil
	}}, nil
}

// highSpeed: nuPlan tags high_magnitude_speed wherever the ego drives faster than 9 m/s with little
// acceleration, so most of its scenarios are town arterials (35-45 mph), not motorways. Half the draws are an
// arterial (townArterial), half a motorway.
func highSpeed(g *rng) (*scene, error) {
	if g.Bool(0.5) {
		return townArterial(g)
	}
	nF := g.Int(2, 4)
	c := corridorCfg{nF: nF, nB: g.Int(2, 4), w: g.Range(3.5, 3.8), median: g.Range(0.5, 4), limit: g.Range(25, 30), style: "highway"}
	c.length = c.limit*24 + 450
	c.warmup = 3
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(150, 250)
	w.egoOn(r, egoLane, es, c.limit*g.Range(0.82, 0.92))
	w.ego.p.Headway = g.Range(1.4, 1.8)
	if g.Bool(0.5) {
		lead := w.car()
		lead.vdes = g.Range(0.88, 0.97)
		w.placeOn(r, lead, true, egoLane, es+g.Range(50, 90), c.limit*0.9, nil)
	}
	if g.Bool(0.45) {
		w.addCutIn(r, egoLane, es, w.ego.v, g.Int(0, 50), 120, -1)
	}
	w.populate(r, g.Range(0.3, 0.9), 0.9, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-40 && s < es+c.limit*24+40
	})
	w.corridorFlows(r, g.Range(5, 12), 0.9, false)
	return &scene{w: w, check: highSpeedCheck}, nil
}

// townArterial builds a multi-lane town road with a 30-45 mph limit and the ego cruising on it among traffic,
// with a lead in half the draws and a car cutting in in 40%. (A car parked at the kerb reaching into the ego's
// lane, as on following_lane_with_lead, was tried: the expert could not nudge past it at these speeds within
// nuPlan's bounds, and every such draw was redrawn.)
func townArterial(g *rng) (*scene, error) {
	nF := g.Int(2, 3)
	c := corridorCfg{nF: nF, nB: g.Int(1, 3), w: laneWidth(g), limit: g.Range(13.4, 20.1), style: []string{"straight", "gentle", "gentle"}[g.Int(0, 2)]}
	c.length = c.limit*25 + 250
	c.warmup = 4
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(60, 100)
	ve := c.limit * g.Range(0.75, 0.95)
	w.egoOn(r, egoLane, es, ve)
	if g.Bool(0.5) {
		lead := w.car()
		lead.vdes = g.Range(0.8, 0.95)
		w.placeOn(r, lead, true, egoLane, es+egoFront+2+ve*g.Range(1.3, 2.5)+lead.rear, ve, nil)
	}
	if g.Bool(0.4) {
		w.addCutIn(r, egoLane, es, ve, g.Int(0, 40), 110, -1)
	}
	w.populate(r, g.Range(0.6, 1.8), 0.85, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30 && s < es+c.limit*25+80
	})
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(5, 11), 0.85, false)
	return &scene{w: w, check: highSpeedCheck}, nil
}

// highSpeedCheck asks for nuPlan's high_magnitude_speed at its tag instant: the ego faster than 9 m/s with
// little acceleration (its speed changing by less than 1 m/s over the second around tagFrame).
func highSpeedCheck(w *world) error {
	a, b := w.expert[tagFrame-5].Speed, w.expert[tagFrame+5].Speed
	if w.expert[tagFrame].Speed <= 9 || math.Abs(b-a) >= 1 {
		return errNotType
	}
	return nil
}

// lowSpeed: nuPlan tags low_magnitude_speed at an instant the ego moves at 0.3-1.2 m/s without much
// acceleration and without stopping. The ego crawls in a queue that creeps at walking pace until after the
// tag; then the queue goes on in stop-and-go waves, or (in 40% of the draws) picks up speed.
func lowSpeed(g *rng) (*scene, error) {
	nF := g.Int(1, 3)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = 450
	c.warmup = 10
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(70, 100)
	w.egoOn(r, egoLane, es, 1)
	release := -1
	if g.Bool(0.4) {
		release = g.Int(50, 110)
	}
	// A crawling queue in every forward lane: its head creeps at 0.5-1.1 m/s until after the tag, then in
	// stop-and-go waves (0.3-3.2 m/s) or, from release on, at 4-8 m/s.
	for i := 0; i < nF; i++ {
		s := es + egoFront + 3 + g.Range(0, 3)
		if i != egoLane {
			s = es - g.Range(10, 25)
		}
		count := g.Int(3, 7)
		var head *vehicle
		for k := 0; k < count; k++ {
			v := w.car()
			s += v.rear
			w.placeOn(r, v, true, i, s, 1, nil)
			s += v.front + g.Range(2.5, 4.5)
			head = v
		}
		head.sched = append(head.sched, speedStep{tick: w.tick0, v: g.Range(0.5, 1.1)})
		t := tagFrame + g.Int(10, 30)
		for t < logFrames {
			v := g.Range(0.3, 3.2)
			if release >= 0 && t >= release {
				v = g.Range(4, 8)
			}
			head.sched = append(head.sched, speedStep{tick: t, v: v})
			t += int(g.Range(2.5, 6) / dt)
		}
	}
	if c.nB > 0 {
		w.populate(r, g.Range(0.5, 1.5), 0.7, func(fwd bool, i int, s float64) bool { return fwd })
		w.corridorFlows(r, g.Range(6, 12), 0.8, false)
		w.flows = w.flows[nF:]
	}
	return &scene{w: w, check: lowSpeedCheck}, nil
}

// lowSpeedCheck asks for nuPlan's low_magnitude_speed at its tag instant: the ego between 0.3 and 1.2 m/s
// over the second around tagFrame, its speed changing by less than 0.5 m/s in it.
func lowSpeedCheck(w *world) error {
	for i := tagFrame - 5; i <= tagFrame+5; i++ {
		if v := w.expert[i].Speed; v <= 0.3 || v >= 1.2 {
			return errNotType
		}
	}
	if math.Abs(w.expert[tagFrame+5].Speed-w.expert[tagFrame-5].Speed) >= 0.5 {
		return errNotType
	}
	return nil
}

func behindLongVehicle(g *rng) (*scene, error) {
	nF := g.Int(1, 2)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: g.Range(3.4, 3.8), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = c.limit*22 + 250
	c.warmup = 4
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	es := g.Range(60, 90)
	vl := c.limit * g.Range(0.45, 0.75)
	w.egoOn(r, egoLane, es, vl)
	lv := w.longVehicle()
	lv.vcapAbs = vl
	cut := g.Bool(0.35)
	gap := 2.5 + vl*g.Range(1.3, 2.0)
	if cut {
		gap = 8 + vl*g.Range(1.6, 2.2) // room for a car to squeeze in
	}
	w.placeOn(r, lv, true, egoLane, es+egoFront+gap+lv.rear, vl, nil)
	if cut {
		w.addCutIn(r, egoLane, es, vl, g.Int(0, 40), 110, -1)
	}
	w.populate(r, g.Range(0.6, 1.8), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30
	})
	w.bicycles(r, g.Int(0, 1), egoLane, es-50, es+150)
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(5, 12), 0.85, false)
	return &scene{w: w, check: func(w *world) error {
		// At nuPlan's tag instant (tagFrame): a long vehicle within 50 m ahead in the ego's lane; a car that
		// cuts in between later is part of the scenario.
		if f := w.info[tagFrame]; f.lead == nil || f.lead.length <= 7.5 || f.gap >= 50 {
			return errNotType
		}
		return nil
	}}, nil
}

func nearMultipleVehicles(g *rng) (*scene, error) {
	nF := g.Int(2, 4)
	c := corridorCfg{nF: nF, nB: g.Int(1, 3), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	if g.Bool(0.3) {
		c.limit = g.Range(16, 20)
	}
	c.length = c.limit*15 + 300
	c.warmup = 6
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	if nF >= 3 {
		egoLane = g.Int(1, nF-2)
	}
	es := g.Range(80, 110)
	sf := g.Range(0.45, 0.8) // dense traffic flows slower
	w.egoOn(r, egoLane, es, c.limit*sf)
	w.ego.vdes = math.Min(w.ego.vdes, sf+0.1)
	lead := w.car()
	w.placeOn(r, lead, true, egoLane, es+egoFront+4+c.limit*sf*1.2+lead.rear, c.limit*sf, nil)
	lead.vdes = sf
	var cutter *vehicle
	if g.Bool(0.45) {
		cutter = w.addCutIn(r, egoLane, es, c.limit*sf, g.Int(0, 40), 110, -1)
	}
	w.populate(r, g.Range(4, 6), sf, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-15 && s < es+25
	})
	// Some neighbours change lanes.
	for _, v := range w.vehs {
		if v.ego || v == lead || v == cutter || v.fixed || !g.Bool(0.25) {
			continue
		}
		v.lcDir = int(g.Sign())
		v.lcDur = g.Range(3.5, 5)
		v.lcFrom = g.Int(w.tick0+20, 120)
		v.lcTo = v.lcFrom + 60
	}
	w.bicycles(r, g.Int(0, 2), egoLane, es-40, es+120)
	w.corridorFlows(r, g.Range(2.5, 4.5), sf, false)
	return &scene{w: w, check: func(w *world) error {
		tot := 0
		for i := 0; i <= 150; i += 5 {
			e := w.expert[i].Pose
			for _, v := range w.vehs {
				if v.ego || i < v.first || i-v.first >= len(v.states) {
					continue
				}
				p := v.states[i-v.first].Pose
				if math.Hypot(p.X-e.X, p.Y-e.Y) < 30 {
					tot++
				}
			}
		}
		if float64(tot)/31 < 5 {
			return errNotType
		}
		return nil
	}}, nil
}

func changingLane(g *rng) (*scene, error) {
	if g.Bool(0.5) {
		// Half of the lane changes are made for the route: the ego's lane does not go the route's way at the
		// junction ahead.
		return junctionRecipe(g, jChangeLane)
	}
	nF := g.Int(2, 4)
	c := corridorCfg{nF: nF, nB: g.Int(0, 3), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle", "gentle"}[g.Int(0, 2)]}
	if g.Bool(0.35) {
		c.limit = g.Range(16, 27)
	}
	c.length = c.limit*24 + 300
	c.warmup = 4
	w, r := corridor(g, c)
	egoLane := g.Int(0, nF-1)
	dir := 1
	if egoLane == nF-1 || (egoLane > 0 && g.Bool(0.6)) {
		dir = -1
	}
	es := g.Range(80, 120)
	ve := c.limit * g.Range(0.6, 0.85)
	e := w.egoOn(r, egoLane, es, ve)
	e.lcDir, e.lcDur = dir, g.Range(3.5, 5)
	e.lcFrom, e.lcTo = g.Int(5, 50), 110
	// A slower vehicle ahead (the reason to change) when changing to the left.
	if dir < 0 || g.Bool(0.3) {
		lead := w.car()
		lead.vdes = g.Range(0.45, 0.7)
		w.placeOn(r, lead, true, egoLane, es+egoFront+g.Range(15, 35), ve*0.8, nil)
	}
	tgt := egoLane + dir
	if g.Bool(0.3) {
		// A car from the lane on the other side cuts in before the ego leaves.
		w.addCutIn(r, egoLane, es, ve, g.Int(0, 20), 60, tgt)
	}
	w.populate(r, g.Range(0.8, 2), 0.85, func(fwd bool, i int, s float64) bool {
		if !fwd {
			return false
		}
		if i == egoLane && s > es-30 && s < es+60 {
			return true
		}
		// leave a gap in the target lane next to the ego
		return i == tgt && s > es-35 && s < es+45
	})
	w.roadside(r, g.Int(0, 3), nil)
	w.corridorFlows(r, g.Range(5, 12), 0.85, false)
	return &scene{w: w, check: func(w *world) error {
		if !e.lcDone || e.lcStart > 110 || countLaneChanges(w) != 1 {
			return errNotType
		}
		return nil
	}}, nil
}

// countLaneChanges counts the ego's moves to a neighbouring lane over the log.
func countLaneChanges(w *world) int {
	n := 0
	for i := 1; i < len(w.info); i++ {
		a, b := w.info[i-1].lane, w.info[i].lane
		if a != b {
			la := w.net.lanes[a]
			if la.leftN == b || la.rightN == b {
				n++
			}
		}
	}
	return n
}

func pickupDropoff(g *rng) (*scene, error) {
	nF := g.Int(1, 2)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = c.limit*22 + 250
	c.warmup = 4
	es := g.Range(60, 90)
	zs := es + g.Range(15, 60)
	zl := g.Range(30, 75)
	c.keep = [][2]float64{{zs - 10, zs + zl + 10}}
	w, r := corridor(g, c)
	egoLane := nF - 1
	w.egoOn(r, egoLane, es, c.limit*g.Range(0.5, 0.8))
	depth := g.Range(2.6, 3.4)
	edge := r.edgeRight()
	poly := r.bandPolygon(zs, zs+zl, edge-depth, edge)
	// Taper the ends: move the outer corners inwards along the road.
	n := len(poly)
	poly[0], poly[n-1] = r.refPoint(zs, edge), r.refPoint(zs+3, edge)
	poly[n/2-1] = r.refPoint(zs+zl-3, edge-depth)
	poly[n/2] = r.refPoint(zs+zl, edge)
	w.net.areas = append(w.net.areas, scenarios.Area{ID: "pudo_0", Kind: scenarios.AreaPickupDropoff, Polygon: poly})
	// A free slot for a car that pulls in, then parked cars in the rest of the zone.
	pull := zl > 36 && g.Bool(0.7)
	slot := zs + g.Range(25, zl-6) // the pulling car's front stops here, its approach is kept free
	// Half the time a van or a car stopped for a pickup with its hazard lights on stands half in the zone,
	// half in the lane, where the zone has no room for it (or a cyclist rides along the kerb).
	blk, blkS := -1, 0.0
	if canNudgeLeft(r, egoLane) && g.Bool(0.55) {
		pull = false
		blk = []int{blkVan, blkVan, blkParked, blkCyclist}[g.Int(0, 3)]
		blkS = zs + g.Range(6, math.Max(zl-8, 7))
		if blk == blkCyclist {
			blkS = es + egoFront + g.Range(25, 50)
		}
	}
	s := zs + 4 + g.Range(0, 6)
	for s < zs+zl-6 {
		l := g.Range(4.3, 5.1)
		if pull && s+l+1 > slot-26 && s < slot+1 {
			s = slot + 1
			continue
		}
		if blk >= 0 && blk != blkCyclist && s+l+1.5 > blkS-3.5 && s < blkS+5 {
			s = blkS + 5
			continue
		}
		s += l / 2
		if g.Bool(0.7) {
			p := r.refPoint(s, edge-depth/2-g.Range(-0.2, 0.2))
			h := curveAt(r.ref, s, nil).H
			if g.Bool(0.15) {
				h += math.Pi
			}
			w.nameSeq++
			w.statics = append(w.statics, static{name: "veh_" + itoa3(w.nameSeq), typ: scenarios.Vehicle,
				pose: geom.Pose{X: p.X, Y: p.Y, Heading: h}, length: l, width: g.Range(1.8, 2.0)})
		}
		s += l/2 + g.Range(1.5, 8)
	}
	// Cones at the zone's ends.
	for _, cs := range []float64{zs - 1, zs + zl + 1} {
		p := r.refPoint(cs, edge-0.8)
		w.nameSeq++
		w.statics = append(w.statics, static{name: "obj_" + itoa3(w.nameSeq), typ: scenarios.StaticObject,
			pose: geom.Pose{X: p.X, Y: p.Y}, length: 0.4, width: 0.4})
	}
	if blk >= 0 {
		w.edgeBlocker(r, egoLane, blkS, blk)
	}
	// A car ahead pulls into the zone and stops there.
	if pull {
		v := w.car()
		vs := es + egoFront + g.Range(15, 30)
		w.placeOn(r, v, true, egoLane, vs, c.limit*0.6, nil)
		v.pullIn = edge - depth/2 - r.fwdOffset(float64(egoLane)+0.5)
		v.pullAt = slot - v.length/2 - vs + v.s
	}
	w.populate(r, g.Range(0.5, 1.5), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30 && s < zs+zl+40
	})
	w.corridorFlows(r, g.Range(6, 14), 0.85, false)
	return &scene{w: w, check: func(w *world) error {
		md := math.Inf(1)
		for _, e := range w.expert[:151] {
			md = math.Min(md, geom.DistToPolygon(e.Pose.Pos(), poly))
		}
		if md > 4 {
			return errNotType
		}
		return nil
	}}, nil
}

func waitingForPedestrian(g *rng) (*scene, error) {
	nF := g.Int(1, 2)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = c.limit*18 + 250
	c.warmup = 3
	es := g.Range(60, 90)
	ve := c.limit * g.Range(0.5, 0.85)
	cwS := es + egoFront + ve*g.Range(4, 7) + 10
	cwW := g.Range(3, 4.5)
	c.keep = [][2]float64{{cwS - 40, cwS + 40}}
	net := &network{}
	r := net.addRoad("r0", geom.Pose{}, profile(g, c.style, c.length, c.keep), c.nF, c.nB, c.w, 0, c.limit, cuts(g, 0, c.length))
	cw := net.addCrosswalk(r, cwS, cwS+cwW, 20)
	net.crosswalkCrossings()
	for i := 0; i < nF; i++ {
		li, u := r.laneAt(net, true, i, cwS-2)
		net.addStopLine(li, u, scenarios.StopCrosswalk)
	}
	for i := 0; i < c.nB; i++ {
		li, u := r.laneAt(net, false, i, cwS+cwW+2)
		net.addStopLine(li, u, scenarios.StopCrosswalk)
	}
	w := newWorld(net, g, c.warmup)
	egoLane := g.Int(0, nF-1)
	w.egoOn(r, egoLane, es, ve)
	// Pedestrians: a group starting together from one side when the ego comes near.
	k := g.Int(1, 3)
	fromRight := g.Bool(0.7)
	cwd := net.cws[cw]
	a, b := cwd.a, cwd.b
	if !fromRight {
		a, b = b, a
	}
	dir := b.Sub(a).Scale(1 / b.Dist(a))
	along := dir.Perp()
	vmax := c.limit * 0.97
	for j := 0; j < k; j++ {
		off := along.Scale(g.Range(-cwW/2+0.4, cwW/2-0.4))
		st := a.Add(off).Sub(dir.Scale(g.Range(0, 1.5)))
		en := b.Add(off).Add(dir.Scale(g.Range(0, 1)))
		beyond := en.Add(along.Scale(g.Sign() * g.Range(4, 12)))
		pd := &ped{name: "ped_" + strconv.Itoa(len(w.peds)), pl: geom.NewPolyline([]geom.Vec2{st, en, beyond}), cw: cw,
			speed: g.Range(1.1, 1.5), start: w.tick0, egoDist: vmax*vmax/3 + g.Range(3, 15), cautious: true}
		w.peds = append(w.peds, pd)
	}
	// Other pedestrians walking along the walkways.
	w.populate(r, g.Range(0.5, 1.5), 0.8, func(fwd bool, i int, s float64) bool {
		return fwd && i == egoLane && s > es-30 && s < cwS+30
	})
	w.corridorFlows(r, g.Range(6, 14), 0.85, false)
	return &scene{w: w, check: func(w *world) error {
		for i := 0; i <= 150; i++ {
			if w.expert[i].Speed >= 1 {
				continue
			}
			e := w.expert[i].Pose
			for _, pd := range w.peds {
				j := i - pd.first
				if j < 0 || j >= len(pd.states) {
					continue
				}
				q := e.ToLocal(pd.states[j].Pose.Pos())
				if q.X > 0 && q.X < 20 && math.Abs(q.Y) < 3 {
					return nil
				}
			}
		}
		return errNotType
	}}, nil
}

func stationaryInTraffic(g *rng) (*scene, error) {
	if g.Bool(0.6) {
		return junctionRecipe(g, jStationary)
	}
	// A jam on a road of three or four lanes: everyone ahead is stopped, the queues beside the ego reach past
	// it, and a car may come up behind it, so that the ego stands among traffic as in nuPlan's definition
	// (more than six vehicles within 8 m).
	nF := g.Int(3, 4)
	c := corridorCfg{nF: nF, nB: g.Int(0, 2), w: laneWidth(g), limit: urbanLimit(g), style: []string{"straight", "gentle"}[g.Int(0, 1)]}
	c.length = 450
	c.warmup = 12
	w, r := corridor(g, c)
	egoLane := g.Int(1, nF-2) // an inner lane, queues on both sides
	head := g.Range(230, 300)
	// The jam releases after nuPlan's tag instant (stationaryCheck), 4.5-12 s in: the ego may move off.
	release := g.Int(45, 120)
	// queue places a stopped queue in lane i from the head back, n cars, or while its tail is ahead of
	// station until (n < 0); it returns the station of the tail's rear.
	queue := func(i, n int, until float64) float64 {
		s := head
		for k := 0; n < 0 && s > until || k < n; k++ {
			v := w.car()
			s -= v.front
			w.placeOn(r, v, true, i, s, 0, nil)
			v.stopAt, v.stopFrom, v.stopTill = v.s+v.front+0.3, w.tick0, release+g.Int(0, 15)
			if k > 0 {
				v.stopAt = math.Inf(1)
			}
			s -= v.rear + g.Range(1.5, 3.5)
		}
		return s
	}
	tail := queue(egoLane, g.Int(2, 6), 0)
	for i := 0; i < nF; i++ {
		if i != egoLane {
			queue(i, -1, tail-egoFront-egoRear-g.Range(4, 12))
		}
	}
	egoS := tail - egoFront - g.Range(25, 60)
	ve := g.Range(5, 8)
	w.egoOn(r, egoLane, egoS, ve)
	if g.Bool(0.6) {
		// A car coming up behind the ego stops behind it.
		f := w.car()
		w.placeOn(r, f, true, egoLane, egoS-egoRear-f.front-g.Range(12, 30), ve, nil)
	}
	if c.nB > 0 {
		w.populate(r, g.Range(0.5, 1.5), 0.7, func(fwd bool, i int, s float64) bool { return fwd })
		w.corridorFlows(r, g.Range(6, 12), 0.8, false)
		w.flows = w.flows[nF:]
	}
	return &scene{w: w, check: stationaryCheck}, nil
}

// stationaryCheck asks for an ego standing at nuPlan's tag instant (below 0.1 m/s from 0.5 s before
// tagFrame to 0.5 s after): nuPlan tags stationary_in_traffic at one moment, and the ego may move off later.
func stationaryCheck(w *world) error {
	for i := tagFrame - 5; i <= tagFrame+5; i++ {
		if w.expert[i].Speed > 0.1 {
			return errNotType
		}
	}
	return nil
}

// ---- intersections ----

const (
	jStartLeft = iota
	jStartRight
	jStartStraight
	jStationary
	jStopLead
	jChangeLane
)

// junctionRecipe builds a 4-way (or T) intersection with the ego approaching from the south arm, and the
// traffic, lights or stop signs, and pedestrians of the wanted situation.
func junctionRecipe(g *rng, kind int) (*scene, error) {
	move := moveStraight
	switch kind {
	case jStartLeft:
		move = moveLeft
	case jStartRight:
		move = moveRight
	case jChangeLane:
		move = []int{moveStraight, moveStraight, moveLeft, moveRight}[g.Int(0, 3)]
	}
	signal := kind == jStartStraight || kind == jStationary || kind == jStopLead || kind == jChangeLane || g.Bool(0.6)
	w0 := g.Range(3.3, 3.7)
	limit := urbanLimit(g)
	nNB, nSB, nEB, nWB := g.Int(1, 2), g.Int(1, 2), g.Int(1, 2), g.Int(1, 2)
	if g.Bool(0.15) {
		nNB, nSB = 3, g.Int(2, 3)
	}
	if kind == jStationary {
		nNB, nSB = 3, max(nSB, 2) // lanes on both sides of the ego with their own queues (see below)
	}
	if kind == jChangeLane {
		nNB = g.Int(2, 3) // the ego's lane and the one it must move to
	}
	skew := g.Range(-0.25, 0.25)
	exitArm := 2
	switch move {
	case moveLeft:
		exitArm = 3
	case moveRight:
		exitArm = 1
	}
	cw := func() bool { return g.Bool(0.6) }
	bend := func() []seg {
		if g.Bool(0.5) {
			return nil
		}
		k := g.Sign() / g.Range(120, 300)
		d := g.Range(0.1, 0.35)
		lc := 20.0
		la := math.Max(d/math.Abs(k)-lc, 5)
		return []seg{clothoid(lc, 0, k), arc(la, k), clothoid(lc, k, 0)}
	}
	arms := []armSpec{
		{angle: -math.Pi / 2, nOut: nSB, nIn: nNB, length: g.Range(110, 150), straight: g.Range(60, 90), group: 0},
		{angle: skew, nOut: nEB, nIn: nWB, length: g.Range(110, 150), straight: g.Range(40, 70), group: 1},
		{angle: math.Pi / 2, nOut: nNB, nIn: nSB, length: g.Range(110, 150), straight: g.Range(40, 70), group: 0},
		{angle: math.Pi + skew, nOut: nWB, nIn: nEB, length: g.Range(110, 150), straight: g.Range(40, 70), group: 1},
	}
	for i := range arms {
		arms[i].crosswalk = cw()
		arms[i].bend = bend()
		arms[i].extraSetbk = g.Range(0, 2.5)
	}
	arms[0].bend = nil
	arms[exitArm].length = g.Range(330, 420)
	if move != moveStraight && g.Bool(0.5) {
		arms[exitArm].crosswalk = true // turning traffic meets pedestrians crossing the exit arm
	}
	if kind == jStationary || kind == jStopLead {
		arms[0].length = g.Range(200, 260)
		arms[0].straight = arms[0].length
	}
	if kind == jChangeLane {
		arms[0].length = g.Range(230, 280)
		arms[0].straight = arms[0].length
		if move == moveStraight {
			// One lane fewer beyond the junction: the kerb lane of the ego's arm turns right only.
			arms[2].nOut = nNB - 1
		}
	}
	// T junctions: drop an arm that the ego doesn't use.
	if g.Bool(0.25) {
		var cand []int
		for i := 1; i < 4; i++ {
			if i != exitArm && !(kind != jStartRight && kind != jStartLeft && i == 2) {
				cand = append(cand, i)
			}
		}
		if len(cand) > 0 {
			drop := cand[g.IntN(len(cand))]
			arms = append(arms[:drop:drop], arms[drop+1:]...)
			if drop < exitArm {
				exitArm--
			}
		}
	}
	for i := range arms {
		arms[i].cuts = cuts(g, g.Range(25, 45)-30, arms[i].length)
	}
	plan := lightPlan{green: [2]int{g.Int(120, 250), g.Int(120, 250)}, yellow: g.Int(30, 40), allRed: g.Int(10, 20)}
	warm := 12.0
	yellowAt := g.Int(10, 35)
	var stopV0, stopBrake float64
	switch kind {
	case jStopLead:
		// A lead that will stop at the line when the light turns yellow, standing from 1.3 s before the run to
		// 0.2 s into it (braking at 1.6-2.6 m/s^2 from stopV0 over stopBrake metres), the ego following it and
		// stopping behind it about nuPlan's tag instant; the light stays red for the run.
		warm = 12
		stopV0 = limit * g.Range(0.6, 0.8)
		stopBrake = stopV0 * stopV0 / (2 * g.Range(1.6, 2.6))
		yellowAt = int((g.Range(-1.3, 0.2) - 2*stopBrake/stopV0) / dt)
		plan.green[1] = g.Int(300, 400)
		plan.setGreenAt(0, yellowAt-plan.green[0])
	case jStationary:
		warm = 14
		plan.green[1] = g.Int(300, 400)
		plan.setGreenAt(0, g.Int(40, 120)) // green after the tag instant: the queue may move off
	case jChangeLane:
		// A short warm-up, so that the ego starts well before the junction as placed; green from before the
		// start or soon after, long enough for the ego to arrive on it.
		warm = 4
		plan.green[0] = g.Int(180, 260)
		plan.setGreenAt(0, g.Int(-60, 30))
	case jStartLeft:
		// A short green: at worst the ego turns when the oncoming traffic stops for the yellow.
		plan.green[0] = g.Int(60, 110)
		plan.setGreenAt(0, g.Int(0, 45))
	default:
		plan.setGreenAt(0, g.Int(0, 45))
	}
	net := &network{}
	it := net.addIntersection(geom.Vec2{}, arms, w0, limit, g.Range(3, 4), signal, plan)
	net.crosswalkCrossings()
	w := newWorld(net, g, warm)
	w.wStraight, w.wLeft, w.wRight = 0.6, 0.2, 0.2
	a0 := it.arms[0]
	lastSeg := len(a0.rd.cut) - 2
	var egoLaneIdx int
	switch {
	case kind == jChangeLane && move == moveLeft:
		egoLaneIdx = 1
	case kind == jChangeLane && move == moveRight:
		egoLaneIdx = a0.nIn - 2
	case move == moveLeft:
		egoLaneIdx = 0
	case move == moveRight:
		egoLaneIdx = a0.nIn - 1
	default:
		egoLaneIdx = g.Int(0, a0.nIn-1)
		if kind == jChangeLane {
			// A lane with no connector for the route's movement, next to the one that has it.
			egoLaneIdx = a0.nIn - 1
		}
		if kind == jStationary {
			egoLaneIdx = 1 // the middle one of three
		}
	}
	// Queue ahead of the ego at the stop line, then the ego behind it.
	queue := 0
	switch kind {
	case jStationary:
		queue = g.Int(1, 6)
	case jStopLead:
	default:
		if g.Bool(0.3) {
			queue = 1
		}
	}
	s := 0.5 // reference station on arm 0 of the queue's next front bumper (arm stations grow outwards)
	for k := 0; k < queue; k++ {
		v := w.car()
		s += v.front
		w.placeOn(a0.rd, v, false, egoLaneIdx, s, 0, nil)
		if kind == jStationary {
			s += v.rear + g.Range(1.5, 3.5) // a jam's standstill gaps
		} else {
			s += v.rear + g.Range(2.5, 4)
		}
	}
	var egoDist, egoV float64
	if kind == jStopLead {
		v0 := stopV0
		lead := w.car()
		lead.vdes = v0 / limit
		ls := v0*(warm+float64(yellowAt)*dt) + stopBrake + lead.front
		w.placeOn(a0.rd, lead, false, egoLaneIdx, ls, v0, func(li int) []int { return w.routeThrough(li, moveStraight) })
		lead.yieldDecel = 3.5
		s = ls + lead.rear + 2.5 + v0*g.Range(1.3, 1.9)
		egoDist, egoV = 0, v0
	} else if kind == jChangeLane {
		egoV = limit * g.Range(0.65, 0.85)
		egoDist = g.Range(65, 110) + egoV*warm
	} else if signal {
		egoDist, egoV = g.Range(30, 70), g.Range(5, 9)
	} else {
		warm = 8
		w.tick0 = -80
		egoDist, egoV = g.Range(25, 45), g.Range(5, 8)
	}
	es := s + egoFront + egoDist
	li, u := a0.rd.laneAt(net, false, egoLaneIdx, es)
	_ = lastSeg
	e := w.newEgo()
	w.ego = w.add(e, w.routeThrough(li, move), u, egoV)
	tgtLane := -1
	if kind == jChangeLane {
		// The ego's lane has no connector for the route's movement: it moves over to the one that has, into a
		// gap left for it (traffic may still close it; the recipe is redrawn when the change fails).
		e.lcDir = -1
		if move == moveRight {
			e.lcDir = 1
		}
		tgtLane = egoLaneIdx + e.lcDir
		e.lcDur, e.lcMove = g.Range(3.5, 5), move
		e.lcFrom, e.lcTo = g.Int(3, 25), 140
	}
	if kind == jStationary {
		// The ego stands among traffic (nuPlan: more than six vehicles within 8 m): queues at the red light in
		// the arm's other lanes reach past it, and a car may come up behind it.
		for i := 0; i < a0.nIn; i++ {
			if i == egoLaneIdx {
				continue
			}
			qs := 0.5
			for qs < s+egoFront+egoRear+g.Range(6, 14) {
				v := w.car()
				qs += v.front
				w.placeOn(a0.rd, v, false, i, qs, 0, nil)
				qs += v.rear + g.Range(1.5, 3.5)
			}
		}
		if g.Bool(0.6) {
			f := w.car()
			w.placeOn(a0.rd, f, false, egoLaneIdx, es+egoRear+f.front+g.Range(12, 30), egoV, nil)
		}
	}
	oncoming := func(ai int) bool {
		return ai > 0 && math.Abs(geom.AngleDiff(it.arms[ai].angle, it.arms[0].angle+math.Pi)) < 0.5
	}
	// Traffic on every arm except the ego's lane ahead of the ego.
	for ai, a := range it.arms {
		ai := ai
		dens := g.Range(0.6, 1.6)
		if move == moveLeft && oncoming(ai) {
			dens = g.Range(1.4, 2.2)
		}
		if !signal {
			dens *= 0.3
		}
		w.populate(a.rd, dens, 0.6, func(fwd bool, i int, st float64) bool {
			if ai == 0 && !fwd && (i == egoLaneIdx || kind == jStationary || kind == jStopLead) && st < es+20 {
				return true
			}
			if ai == 0 && !fwd && i == tgtLane && st > es-45 && st < es+35 {
				return true // the gap the ego changes into
			}
			return st < 25 // not inside the junction's mouth area
		})
		last := len(a.rd.cut) - 2
		for i := 0; i < a.nIn; i++ {
			mean := g.Range(3, 8)
			if !signal {
				mean = g.Range(15, 30) // all-way stops serve one vehicle at a time
			}
			minGap := 2.0
			if ai == 0 {
				mean = g.Range(6, 14) // the ego's arm
			} else if move == moveLeft && oncoming(ai) {
				// The oncoming arm of a left turn: steady traffic, so that the ego waits for a real gap.
				mean, minGap = g.Range(2.5, 5), 1.6
				if !signal {
					mean = g.Range(6, 12)
				}
			}
			w.flows = append(w.flows, flow{lane: a.rd.bwd[last][i], mean: mean, min: minGap, speed: limit * 0.8, truckP: 0.05})
		}
	}
	// All-way stops: a short queue on a crossing arm that got to its stop line before the ego did; its cars
	// go first, one at a time, in their order of arrival.
	if !signal && kind != jStationary && kind != jStopLead && g.Bool(0.7) {
		var cross []int
		for ai := 1; ai < len(it.arms); ai++ {
			if !oncoming(ai) {
				cross = append(cross, ai)
			}
		}
		if len(cross) > 0 {
			a := it.arms[cross[g.IntN(len(cross))]]
			lane := g.Int(0, a.nIn-1)
			qs := 0.5
			for k, n := 0, g.Int(1, 3); k < n; k++ {
				v := w.car()
				qs += v.front
				if li, u := a.rd.laneAt(net, false, lane, qs); !w.laneFreeChain(li, u-v.rear-2, u+v.front+2) {
					w.nameSeq--
					break
				}
				w.placeOn(a.rd, v, false, lane, qs, 0, nil)
				qs += v.rear + g.Range(2.5, 4)
			}
		}
	}
	// Pedestrians crossing at the crosswalks: for a turn, on the exit arm when the ego's light turns.
	for ai, a := range it.arms {
		if a.cw < 0 {
			continue
		}
		np := 0
		if signal && g.Bool(0.2) || g.Bool(0.08) {
			np = g.Int(1, 2)
		}
		start := g.Int(w.tick0, 120)
		if move != moveStraight && ai == exitArm && g.Bool(0.55) {
			np = g.Int(1, 2)
			start = g.Int(-10, 40)
		}
		if signal && np > 0 {
			// Pedestrians cross an arm while its traffic has red (with the parallel traffic).
			start = -1
			var onsets []int
			for k := w.tick0 + 1; k < 150; k++ {
				if plan.state(a.group, k) == scenarios.Red && plan.state(a.group, k-1) != scenarios.Red &&
					plan.state(a.group, k+110) == scenarios.Red {
					onsets = append(onsets, k)
				}
			}
			if plan.state(a.group, w.tick0) == scenarios.Red && plan.state(a.group, w.tick0+110) == scenarios.Red {
				onsets = append(onsets, w.tick0)
			}
			if len(onsets) == 0 {
				continue
			}
			start = onsets[g.IntN(len(onsets))] + g.Int(5, 30)
		}
		cwd := net.cws[a.cw]
		for j := 0; j < np; j++ {
			pa, pb := cwd.a, cwd.b
			if g.Bool(0.5) {
				pa, pb = pb, pa
			}
			dir := pb.Sub(pa).Scale(1 / pb.Dist(pa))
			along := dir.Perp()
			off := along.Scale(g.Range(-1, 1))
			st := pa.Add(off)
			en := pb.Add(off)
			w.peds = append(w.peds, &ped{name: "ped_" + strconv.Itoa(len(w.peds)), pl: geom.NewPolyline([]geom.Vec2{st, en, en.Add(along.Scale(g.Sign() * 6))}),
				cw: a.cw, speed: g.Range(1.1, 1.5), start: start + g.Int(0, 15)})
		}
	}
	sn := &scene{w: w, mirror: false}
	switch kind {
	case jStationary:
		sn.check = stationaryCheck
	case jStopLead:
		sn.check = stoppingCheck
	case jChangeLane:
		sn.check = func(w *world) error {
			if e := w.ego; !e.lcDone || e.lcStart > 110 || countLaneChanges(w) != 1 {
				return fmt.Errorf("%w: no lane change", errNotType)
			}
			if !entersMovement(w, move) {
				return fmt.Errorf("%w: never enters the intersection", errNotType)
			}
			return nil
		}
	default:
		sn.check = func(w *world) error {
			minV := math.Inf(1)
			for _, e := range w.expert[:31] {
				minV = math.Min(minV, e.Speed)
			}
			if minV > 1.0 {
				return fmt.Errorf("%w: not starting (min speed %.1f)", errNotType, minV)
			}
			d := 0.0
			for i := 1; i < len(w.expert); i++ {
				d += geom.AngleDiff(w.expert[i].Pose.Heading, w.expert[i-1].Pose.Heading)
			}
			if move == moveLeft && d < 1 || move == moveRight && d > -1 || move == moveStraight && math.Abs(d) > 0.4 {
				return fmt.Errorf("%w: heading change %.2f", errNotType, d)
			}
			if !entersMovement(w, move) {
				return fmt.Errorf("%w: never enters the intersection", errNotType)
			}
			return nil
		}
	}
	return sn, nil
}

// entersMovement reports whether the ego enters a junction connector of movement move within the scored 15 s.
func entersMovement(w *world, move int) bool {
	for i := 0; i <= 150; i++ {
		if l := w.net.lanes[w.info[i].lane]; l.conn && l.move == move {
			return true
		}
	}
	return false
}
