package sim

import (
	"math"

	"asyncdrive/geom"
)

// Yielding at junctions. IDM agents only see obstacles in their own path corridor, so on their own they
// drive into a vehicle that is already crossing the junction in front of them. An agent on a lane connector,
// or about to enter one, therefore also treats a vehicle (the ego or another agent) whose footprint is
// inside the junction, and whose constant-velocity path over the next few seconds crosses the agent's path
// through the junction, as a stopped leader at the conflict point, unless the agent is past that point
// before the other arrives or gets there after the other has left.
const (
	yieldApproach     = 10.0 // m: agents whose front is this close to a connector's start look into the junction
	yieldHorizon      = 3.0  // s: forecast of the vehicles in the junction, at least ...
	yieldHorizonMax   = 6.0  // s: ... and at most (the agent's time to stop plus a second in between)
	yieldForecastMaxV = 12.0 // m/s: a vehicle accelerating through a junction is forecast up to this speed
	yieldStep         = 0.25 // s between forecast samples
	yieldMinSpeed     = 0.5  // m/s: slower vehicles are left to the path-corridor check
	yieldBefore       = 1.0  // s: the agent yields when the other reaches the conflict less than this after it
	yieldAfter        = 0.5  // s: ... and it would arrive less than this after the other has left the conflict
	yieldAgentTie     = 0.3  // s: between two agents the one arriving later yields (ties: the higher index)
	yieldSameCos      = 0.8  // vehicles heading within about 37 degrees of the path are leaders or followers
	yieldExitSlack    = 2.0  // m past the connector's end still counted as the junction
	yieldMargin       = 1.5  // m kept clear of the other's forecast footprint (forecasts of turning vehicles are off by about this)
)

// junctionCache remembers per step which obstacles have their footprint inside a junction (on a lane
// connector): 0 not yet known, 1 inside, 2 outside; for those inside, the connector they follow (the one
// under their centre that best matches their heading, -1 if none does) and their station on it.
type junctionCache struct {
	state []int8
	conn  []int32
	s     []float64
	buf   []int
	// The ego's acceleration, from its speed at the previous step.
	egoV, egoAcc float64
	egoSeen      bool
}

func (c *junctionCache) reset(n int, egoV, dt float64) {
	if cap(c.state) < n {
		c.state = make([]int8, n)
		c.conn = make([]int32, n)
		c.s = make([]float64, n)
	}
	c.state, c.conn, c.s = c.state[:n], c.conn[:n], c.s[:n]
	clear(c.state)
	if c.egoSeen && dt > 0 {
		c.egoAcc = (egoV - c.egoV) / dt
	}
	c.egoV, c.egoSeen = egoV, true
}

// inJunction reports whether the centre or a corner of obstacle k lies on a lane connector.
func (r *reactiveAgents) inJunction(k int, o *obstacle) bool {
	c := &r.jct
	if c.state[k] == 0 {
		c.state[k] = 2
		c.conn[k] = -1
		// The connector it follows (the ego's; agents follow their own paths): one under its centre or its
		// front, heading within 30 degrees of its own, preferring the connectors of the ego's route (its turn
		// signal shows which way it goes).
		if k == 0 {
			best := math.Inf(1)
			fwd := o.box.Center.Forward().Scale(o.box.Length / 2)
			for _, q := range [2]geom.Vec2{o.box.Center.Pos(), o.box.Center.Pos().Add(fwd)} {
				c.buf = r.mx.LanesAt(q, c.buf[:0])
				for _, l := range c.buf {
					if !r.mx.Lane(l).Connector {
						continue
					}
					pl := r.mx.Path(l)
					s, lat, _ := pl.ProjectDist(o.box.Center.Pos())
					dh := math.Abs(geom.AngleDiff(pl.HeadingAt(s), o.box.Center.Heading))
					score := math.Abs(lat) + 4*dh
					if !r.onRoute[l] {
						score += 10
					}
					if dh < 0.52 && score < best {
						best, c.conn[k], c.s[k] = score, int32(l), s
					}
				}
			}
		}
		pts := o.box.Corners()
		for _, p := range [5]geom.Vec2{o.box.Center.Pos(), pts[0], pts[1], pts[2], pts[3]} {
			c.buf = r.mx.LanesAt(p, c.buf[:0])
			for _, l := range c.buf {
				if r.mx.Lane(l).Connector {
					c.state[k] = 1
					break
				}
			}
			if c.state[k] == 1 {
				break
			}
		}
	}
	return c.state[k] == 1
}

// junctionLeader returns the gap to the nearest conflict point with a vehicle in the junction that agent a
// (index self, front bumper at path station front) must yield to, and that vehicle's speed along a's path;
// ok is false when there is none. cand are the obstacles near a's path (obs[0], the ego, is always looked at).
func (r *reactiveAgents) junctionLeader(a *idmAgent, self int, front float64, obs []obstacle, cand []int32) (gap, leadV float64, ok bool) {
	if len(obs) == 0 {
		return 0, 0, false
	}
	a.advanceLane()
	k := a.cur
	if !r.mx.Lane(a.lanes[k]).Connector {
		approach := math.Max(yieldApproach, a.v*a.v/(2*a.params.DecelMax)+5)
		if k+1 >= len(a.lanes) || !r.mx.Lane(a.lanes[k+1]).Connector || a.laneEnd[k]-front > approach {
			return 0, 0, false
		}
		k++
	}
	end := a.laneEnd[k]
	for k+1 < len(a.lanes) && r.mx.Lane(a.lanes[k+1]).Connector {
		k++
		end = a.laneEnd[k]
	}
	end += yieldExitSlack
	if front >= end {
		return 0, 0, false
	}
	// Look as far ahead as the agent needs to stop comfortably, at least yieldHorizon.
	horizon := math.Min(yieldHorizonMax, math.Max(yieldHorizon, a.v/a.params.DecelMax+1))
	gap = math.Inf(1)
	egoSeen := false
	for i := -1; i < len(cand); i++ {
		var ko int
		if i < 0 {
			ko = 0 // the ego first
		} else {
			ko = int(cand[i])
			if ko == 0 {
				if egoSeen {
					continue
				}
			}
		}
		if ko == 0 {
			egoSeen = true
		}
		o := &obs[ko]
		if o.own == self || ko != 0 && o.own < 0 {
			continue // itself, or not a vehicle driven in the simulation
		}
		speed := o.vel.Norm()
		if speed < yieldMinSpeed {
			if g, blocked := r.wayOutGap(a, front, end, ko, o); blocked && g < gap {
				gap, leadV, ok = g, 0, true
			}
			continue
		}
		c := o.box.Center.Pos()
		if c.Dist(a.pose.Pos()) > end-a.s+a.length+(speed+yieldForecastMaxV)*horizon+o.box.Length {
			continue
		}
		if !r.inJunction(ko, o) {
			continue
		}
		// When does the other's footprint overlap a's corridor ahead, and where first?
		tIn, tOut, so, ph := -1.0, -1.0, 0.0, 0.0
		// Forecast: along its connector (accelerating as now, up to agentForecastMaxV) when it follows one,
		// else at constant velocity.
		acc := 0.0
		if ko == 0 {
			acc = r.jct.egoAcc
		} else if o.own >= 0 {
			acc = r.agents[o.own].accel
		}
		acc = math.Max(0, math.Min(acc, 2.5))
		cp, s0 := r.junctionPath(ko, o)
		for tau := 0.0; tau <= horizon+1e-9; tau += yieldStep {
			var p geom.Vec2
			hd := o.box.Center.Heading
			if cp != nil {
				d := speed*tau + 0.5*acc*tau*tau
				if vmax := math.Max(speed, yieldForecastMaxV); speed+acc*tau > vmax {
					ta := (vmax - speed) / acc
					d = speed*ta + 0.5*acc*ta*ta + vmax*(tau-ta)
				}
				p, hd = poseAlong(cp, s0+d)
			} else {
				p = c.Add(o.vel.Scale(tau))
			}
			s, _, d := a.path.ProjectRange(p, front, end)
			h := a.path.HeadingAt(s)
			dh := hd - h
			cs, sn := math.Cos(dh), math.Abs(math.Sin(dh))
			if cs > yieldSameCos {
				break // going the agent's way: a leader or a follower, not a crossing
			}
			halfAcross := o.box.Length/2*sn + o.box.Width/2*math.Abs(cs)
			if d <= a.width/2+halfAcross && s > front+1e-6 {
				// The conflict starts where the other's footprint first reaches along a's path while it
				// crosses (a turning vehicle may sweep back towards a as it goes).
				near := s - (o.box.Length/2*math.Abs(cs) + o.box.Width/2*sn)
				if tIn < 0 {
					tIn, so, ph = tau, near, h
				}
				tOut = tau
			} else if tIn >= 0 {
				break
			}
		}
		if tIn < 0 {
			continue
		}
		g := so - front - yieldMargin
		if g < -yieldMargin {
			continue // a's front is already in the crossing: go on and clear it
		}
		if tOut >= horizon-1e-9 {
			tOut = math.Inf(1) // still in the way at the end of the forecast
		}
		tA := arrivalTime(g, a.v, a.params.AccelMax, math.Max(a.params.TargetSpeed, a.v))
		if o.own >= 0 {
			// Another agent: the later one yields.
			if tIn > tA+yieldAgentTie || math.Abs(tIn-tA) <= yieldAgentTie && o.own > self {
				continue
			}
		} else if tIn > tA+yieldBefore || tA > tOut+yieldAfter {
			continue
		}
		if g < gap {
			gap, leadV, ok = g, math.Max(0, o.vel.Dot(geom.Unit(ph))), true
		}
	}
	return gap, leadV, ok
}

// wayOutReach (m) is how far along its path a vehicle standing in the agent's way is kept a way out.
const wayOutReach = 10.0

// wayOutGap handles a vehicle standing (below yieldMinSpeed) inside the junction with its footprint already
// in agent a's path corridor ahead, as a car stopped across the agent's lane while it waits to turn: the
// agent has to stop for it anyway, and the path-corridor check would take it up to the vehicle's side, where
// it can stand on the vehicle's way out of the junction, each then waiting for the other. Instead the agent
// stops short of where the vehicle's path over the next wayOutReach metres (its connector, or the agent's
// own path) crosses its corridor. It returns the gap from a's front to that stop; blocked is false when the
// vehicle is not in a's way or its path is unknown.
func (r *reactiveAgents) wayOutGap(a *idmAgent, front, end float64, ko int, o *obstacle) (gap float64, blocked bool) {
	if !r.inJunction(ko, o) {
		return 0, false
	}
	cp, s0 := r.junctionPath(ko, o)
	if cp == nil {
		return 0, false
	}
	reach := end + wayOutReach
	overlap := func(p geom.Vec2, hd float64) (float64, bool) {
		s, _, d := a.path.ProjectRange(p, front, reach)
		dh := hd - a.path.HeadingAt(s)
		cs, sn := math.Abs(math.Cos(dh)), math.Abs(math.Sin(dh))
		if d > a.width/2+o.box.Length/2*sn+o.box.Width/2*cs || s <= front+1e-6 {
			return 0, false
		}
		return s - (o.box.Length/2*cs + o.box.Width/2*sn), true
	}
	hd := o.box.Center.Heading
	if math.Cos(hd-a.path.HeadingAt(a.s)) > yieldSameCos {
		return 0, false // going the agent's way: a leader, for the path-corridor check
	}
	first, in := overlap(o.box.Center.Pos(), hd)
	if !in {
		return 0, false
	}
	for d := 1.0; d <= wayOutReach+1e-9; d++ {
		if so, ok := overlap(poseAlong(cp, s0+d)); ok && so < first {
			first = so
		}
	}
	return math.Max(0, first-front-yieldMargin), true
}

// junctionPath returns the path obstacle ko (inside a junction, r.inJunction) follows and its station on it:
// an agent's own path, or the ego's connector; nil when unknown.
func (r *reactiveAgents) junctionPath(ko int, o *obstacle) (*geom.Polyline, float64) {
	if o.own >= 0 {
		return &r.agents[o.own].path, r.agents[o.own].s
	}
	if cl := r.jct.conn[ko]; cl >= 0 {
		return r.mx.Path(int(cl)), r.jct.s[ko]
	}
	return nil, 0
}

// poseAlong returns the point and heading at station s of path cp, extended straight beyond its end.
func poseAlong(cp *geom.Polyline, s float64) (geom.Vec2, float64) {
	if l := cp.Length(); s > l {
		h := cp.HeadingAt(l)
		return cp.At(l).Add(geom.Unit(h).Scale(s - l)), h
	}
	return cp.At(s), cp.HeadingAt(s)
}

// arrivalTime returns the time to cover d metres from speed v accelerating at acc up to vmax.
func arrivalTime(d, v, acc, vmax float64) float64 {
	if d <= 0 {
		return 0
	}
	if acc <= 0 || v >= vmax {
		return d / math.Max(v, 0.1)
	}
	ta := (vmax - v) / acc
	if da := v*ta + 0.5*acc*ta*ta; da < d {
		return ta + (d-da)/vmax
	}
	return (-v + math.Sqrt(v*v+2*acc*d)) / acc
}
