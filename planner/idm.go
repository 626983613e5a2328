package planner

import (
	"errors"
	"math"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/idm"
	"asyncdrive/scenarios"
)

// IDMConfig holds the IDM planner's settings; zero fields take nuPlan's idm_planner.yaml values, and the
// two corrections of nuPlan's behaviour that EulerStep and LeadersBehind describe (NuPlanIDMConfig undoes
// them).
type IDMConfig struct {
	Params          idm.Params // target speed (used when the lane has no speed limit), gap, headway, accel, decel
	Samples         int        // planned states after the current one (16)
	SampleInterval  float64    // s between planned states (0.5)
	OccupancyRadius float64    // m: objects further from the ego centre are ignored (40)
	RouteDepth      int        // lanes searched along the route (30)
	// EulerStep (s) is the forward-Euler step the IDM is integrated with inside a planned sample (0.1).
	// nuPlan takes one step per sample (0.5 s), advancing the position at the speed the sample starts
	// with, so its plans overshoot into stopped leaders.
	EulerStep float64
	// LeadersBehind takes objects whose centre is behind the ego's centre as candidate leaders, as nuPlan
	// does (every object touching the ego's footprint or its path corridor): a replayed car driving into the
	// ego from behind becomes a leader at distance 0 and the ego brakes for it. false: they are left out.
	LeadersBehind bool
	// RedInside keeps a red connector the ego has entered as a stopped leader at distance 0 until the ego
	// has left it, as nuPlan's occupancy map (the connector's polygon touches the ego's footprint) does: the
	// ego brakes inside the junction. false: a red connector counts only ahead of the front bumper.
	RedInside bool
}

// NuPlanIDMConfig returns the settings of nuPlan's IDM planner exactly, its integration and its choice of
// leaders included: one Euler step per planned sample, objects behind the ego's centre as leaders, a red
// connector the ego is in as a leader, and the desired gap unclamped (idm.Params.RawDesiredGap).
func NuPlanIDMConfig() IDMConfig {
	c := IDMConfig{EulerStep: 0.5, LeadersBehind: true, RedInside: true, Params: idm.Planner()}
	c.Params.RawDesiredGap = true
	return c
}

func (c IDMConfig) withDefaults() IDMConfig {
	if c.Params == (idm.Params{}) {
		c.Params = idm.Planner()
	}
	if c.Samples == 0 {
		c.Samples = 16
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = 0.5
	}
	if c.OccupancyRadius == 0 {
		c.OccupancyRadius = 40
	}
	if c.RouteDepth == 0 {
		c.RouteDepth = 30
	}
	if !(c.EulerStep > 0) {
		c.EulerStep = 0.1
	}
	c.EulerStep = min(c.EulerStep, c.SampleInterval)
	return c
}

// IDM is nuPlan's IDM planner baseline: it follows the route's lane centerlines (found once, at the first
// iteration, by a search along lane successors within the route roadblocks) with the Intelligent Driver
// Model, treating the nearest object in its path corridor, or a red-light lane connector on its path, as the
// leader. It never changes lanes.
type IDM struct {
	name    string
	cfg     IDMConfig
	vehicle dynamics.VehicleParams
	mx      *scenarios.MapIndex
	route   []string

	ready    bool
	path     geom.Polyline
	lanes    []int
	laneFrom []float64 // arc length where each path lane starts
	target   float64

	cands []idmCandidate
	out   dynamics.Trajectory
}

type idmCandidate struct {
	box        geom.Box
	speedAlong float64 // object speed projected on the ego heading, 0 for static objects
	sMin, sMax float64 // path arc-length range where it touches the corridor
}

// NewIDM returns an IDM planner.
func NewIDM(cfg IDMConfig) *IDM { return &IDM{name: "idm", cfg: cfg.withDefaults()} }

// NewNuPlanIDM returns nuPlan's IDM planner exactly (NuPlanIDMConfig), named "idm_nuplan".
func NewNuPlanIDM() *IDM {
	p := NewIDM(NuPlanIDMConfig())
	p.name = "idm_nuplan"
	return p
}

// Name returns "idm", or "idm_nuplan" for NewNuPlanIDM's.
func (p *IDM) Name() string { return p.name }

// Initialize stores the map and the route; the path is built at the first iteration.
func (p *IDM) Initialize(init Initialization) error {
	mx, v, err := init.mapFollowing("idm")
	if err != nil {
		return err
	}
	p.mx, p.route, p.vehicle, p.ready = mx, init.Route, v, false
	return nil
}

func (p *IDM) initPath(center geom.Pose, speed float64) error {
	p.lanes = p.mx.RouteLanes(p.route, center, p.cfg.RouteDepth)
	if len(p.lanes) == 0 {
		return errors.New("idm: no lane near the ego to start the route from")
	}
	p.path = p.mx.JoinPaths(p.lanes)
	if len(p.path.Pts) < 2 {
		return errors.New("idm: route path is degenerate")
	}
	p.laneFrom = p.laneFrom[:0]
	var s float64
	for _, l := range p.lanes {
		p.laneFrom = append(p.laneFrom, s)
		s += p.mx.Path(l).Length()
	}
	limit := p.mx.Lane(p.lanes[0]).SpeedLimit
	if limit <= 0 {
		limit = p.cfg.Params.TargetSpeed
	}
	p.target = math.Max(limit, speed)
	p.ready = true
	return nil
}

// ComputeTrajectory plans 8 s of IDM motion along the route path from the current state.
func (p *IDM) ComputeTrajectory(in *Input) (dynamics.Trajectory, error) {
	ego, err := currentEgo(in, "idm")
	if err != nil {
		return nil, err
	}
	foot := p.vehicle.Footprint(ego.Pose)
	if !p.ready {
		if err := p.initPath(foot.Center, ego.Speed); err != nil {
			return nil, err
		}
	}
	s, _ := p.path.Project(foot.Center.Pos())
	v := ego.Speed
	params := p.cfg.Params
	params.TargetSpeed = p.target
	halfW := p.vehicle.Width / 2
	horizon := float64(p.cfg.Samples) * p.cfg.SampleInterval
	// The corridor reaches target*horizon ahead of wherever the ego is during the horizon.
	lookEnd := s + 2*p.target*horizon
	p.collect(in, foot, s-halfW, lookEnd+halfW)
	red, redEnd := p.redLightStart(in, s+p.vehicle.Length()/2, s-p.vehicle.Length()/2)

	p.out = p.out[:0]
	t := in.Time
	p.out = append(p.out, p.point(t, s, v, 0))
	for k := 0; k < p.cfg.Samples; k++ {
		center := p.path.PoseAt(clamp(s, 0, p.path.Length()))
		box := geom.Box{Center: center, Length: p.vehicle.Length(), Width: p.vehicle.Width}
		// Free road: the end of the path acts as a stopped leader behind which the ego stops.
		gap := p.path.Length() - s - p.vehicle.Length()/2
		leadV := 0.0
		corridorFrom, corridorTo := s-halfW, s+p.target*horizon+halfW
		for i := range p.cands {
			c := &p.cands[i]
			if c.sMax < corridorFrom || c.sMin > corridorTo {
				continue
			}
			if d := geom.BoxDistance(box, c.box); d < gap {
				gap, leadV = d, c.speedAlong
			}
		}
		// A red connector ahead, or (RedInside) one the ego's footprint is still in.
		if red >= 0 && red <= corridorTo && (red >= corridorFrom || p.cfg.RedInside && redEnd > s-p.vehicle.Length()/2) {
			if d := math.Max(0, red-(s+p.vehicle.Length()/2)); d < gap {
				gap, leadV = d, 0
			}
		}
		// Integrate the IDM over the sample in forward-Euler steps of EulerStep (nuPlan: one step per
		// sample), with the leader moving at constant speed.
		n := int(math.Ceil(p.cfg.SampleInterval/p.cfg.EulerStep - 1e-9))
		h := p.cfg.SampleInterval / float64(n)
		s0, acc := s, 0.0
		for j := 0; j < n; j++ {
			g := gap - (s - s0) + leadV*float64(j)*h
			// nuPlan's IDM model clamps the gap from below at the minimum gap.
			acc = params.Accel(v, math.Max(g, params.MinGap), leadV)
			acc = clamp(acc, -params.DecelMax, params.AccelMax)
			s += h * v
			v = math.Max(0, v+h*acc)
		}
		t += p.cfg.SampleInterval
		p.out = append(p.out, p.point(t, s, v, acc))
	}
	return p.out, nil
}

// point converts a path progress of the box centre into a rear-axle trajectory point.
func (p *IDM) point(t, s, v, a float64) dynamics.TrajectoryPoint {
	c := p.path.PoseAt(clamp(s, 0, p.path.Length()))
	return dynamics.TrajectoryPoint{Time: t, Pose: c.Translate(-p.vehicle.RearAxleToCenter(), 0), Speed: v, Accel: a}
}

// collect gathers the objects within the occupancy radius that touch the path corridor between arc lengths
// from and to, with the arc-length range where they touch it.
func (p *IDM) collect(in *Input, foot geom.Box, from, to float64) {
	p.cands = p.cands[:0]
	const step = 2.0
	sEgo, _ := p.path.Project(foot.Center.Pos())
	halfW := p.vehicle.Width / 2
	for _, o := range in.CurrentObjects() {
		if o.Box.Center.Pos().Dist(foot.Center.Pos()) > p.cfg.OccupancyRadius {
			continue
		}
		c := idmCandidate{box: o.Box, sMin: math.Inf(1), sMax: math.Inf(-1)}
		if o.Type != scenarios.StaticObject {
			speed := o.Vel.Norm()
			c.speedAlong = speed * math.Cos(o.Box.Center.Heading-foot.Center.Heading)
		}
		if o.Box.Overlaps(foot) {
			c.sMin, c.sMax = sEgo, sEgo
		}
		// Only walk the corridor near the object's projection.
		so, _ := p.path.Project(o.Box.Center.Pos())
		if so < sEgo && !p.cfg.LeadersBehind {
			continue
		}
		reach := math.Hypot(o.Box.Length, o.Box.Width)/2 + step + halfW
		lo, hi := math.Max(from, so-reach), math.Min(to, so+reach)
		for a := lo; a < hi; a += step {
			b := math.Min(a+step, hi)
			pa, pb := p.path.At(a), p.path.At(b)
			d := pb.Sub(pa)
			seg := geom.Box{Center: geom.Pose{X: (pa.X + pb.X) / 2, Y: (pa.Y + pb.Y) / 2, Heading: math.Atan2(d.Y, d.X)},
				Length: d.Norm() + 0.2, Width: p.vehicle.Width}
			if seg.Overlaps(o.Box) {
				c.sMin = math.Min(c.sMin, a)
				c.sMax = math.Max(c.sMax, b)
			}
		}
		if c.sMin <= c.sMax {
			p.cands = append(p.cands, c)
		}
	}
}

// redLightStart returns the arc lengths where the first red-light connector on the path starts and ends,
// ahead of the ego's front bumper at progress front, or -1. A connector the ego has already entered is
// ignored, unless RedInside: then one that still reaches ahead of the ego's rear bumper at progress rear
// counts too.
func (p *IDM) redLightStart(in *Input, front, rear float64) (start, end float64) {
	best, bestEnd := -1.0, -1.0
	for _, ls := range in.Lights {
		if ls.State != scenarios.Red {
			continue
		}
		for k, l := range p.lanes {
			if l != ls.Lane {
				continue
			}
			to := p.laneFrom[k] + p.mx.Path(l).Length()
			ahead := p.laneFrom[k] >= front-0.5 || p.cfg.RedInside && to > rear
			if ahead && (best < 0 || p.laneFrom[k] < best) {
				best, bestEnd = p.laneFrom[k], to
			}
		}
	}
	return best, bestEnd
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
