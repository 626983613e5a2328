package viz

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"asyncdrive/geom"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// Route is what the ego was sent to do: the roadblocks from its start to its goal, in order, and the goal.
// Either may be missing (a run log that does not say). GoalSpan, when set, is how far the goal reaches along
// its lane (scenarios.Scenario.GoalSpan: a goal given as lanelets).
type Route struct {
	Roadblocks []string
	Goal       *geom.Pose
	GoalSpan   *scenarios.Span
}

// MapBatch draws a map: drivable lanes (connectors a shade lighter), extra areas, the route's lanes tinted,
// crosswalks, lane lines, stop lines and the goal. It is built once per run.
func MapBatch(m *scenarios.Map, route Route) Batch {
	var b Batch
	if m != nil {
		for _, a := range m.Areas {
			c := ColorArea
			if a.Kind.Drivable() {
				c = ColorDrivable
			}
			b.Polygon(a.Polygon, c)
		}
		for i := range m.Lanes {
			l := &m.Lanes[i]
			c := ColorDrivable
			if l.Connector {
				c = ColorConnector
			}
			b.Strip(l.Left, l.Right, c)
		}
		onRoute := make(map[string]bool, len(route.Roadblocks))
		for _, id := range route.Roadblocks {
			onRoute[id] = true
		}
		for i := range m.Lanes {
			if l := &m.Lanes[i]; onRoute[l.Roadblock] {
				b.Strip(l.Left, l.Right, ColorRoute)
			}
		}
		for _, cw := range m.Crosswalks {
			b.Polygon(cw.Polygon, ColorCrosswalk)
		}
		for i := range m.Lanes {
			l := &m.Lanes[i]
			if l.Connector {
				continue // connectors' boundaries cross inside intersections: leave them out
			}
			b.Polyline(simplePolyline(l.Left), ColorLaneLine)
			b.Polyline(simplePolyline(l.Right), ColorLaneLine)
		}
		for _, s := range m.StopLines {
			b.Polygon(s.Polygon, ColorStopLine)
		}
	}
	if g := route.Goal; g != nil && g.IsFinite() {
		if m != nil && route.GoalSpan != nil {
			b.ThickPolyline(goalStretch(m.Index(), *g, *route.GoalSpan), 0.5, ColorGoal)
		}
		goalMark(&b, *g)
	}
	return b
}

// goalStretch returns the centreline of the lanes around goal g from span.Behind before it to span.Ahead past
// it, along the lane under g and the first of its predecessors and successors (sampled every metre, at most
// 2 km); nil when no lane lies under g or the span is not finite.
func goalStretch(mx *scenarios.MapIndex, g geom.Pose, span scenarios.Span) []geom.Vec2 {
	const step, most = 1.0, 2000.0
	behind, ahead := min(span.Behind, most), min(span.Ahead, most)
	lane, s, _, ok := mx.NearestLane(g, 5)
	if !ok || !(behind >= 0) || !(ahead >= 0) {
		return nil
	}
	lanes := []int{lane}
	for n := 0; s < behind && n < 100; n++ {
		pred := mx.Predecessors(lanes[0])
		if len(pred) == 0 || slices.Contains(lanes, pred[0]) {
			break
		}
		lanes = slices.Insert(lanes, 0, pred[0])
		s += mx.Path(pred[0]).Length()
	}
	end := 0.0 // the lanes' length: where the last one ends
	for _, l := range lanes {
		end += mx.Path(l).Length()
	}
	for n := 0; end-s < ahead && n < 100; n++ {
		succ := mx.Successors(lanes[len(lanes)-1])
		if len(succ) == 0 || slices.Contains(lanes, succ[0]) {
			break
		}
		lanes = append(lanes, succ[0])
		end += mx.Path(succ[0]).Length()
	}
	path := mx.JoinPaths(lanes)
	from, to := max(s-behind, 0), min(s+ahead, path.Length())
	var pts []geom.Vec2
	for d := from; d < to; d += step {
		pts = append(pts, path.At(d))
	}
	return append(pts, path.At(to))
}

// goalMark draws the goal: a ring of 2.5 m radius with a chevron pointing the goal's heading.
func goalMark(b *Batch, g geom.Pose) {
	const r, n = 2.5, 32
	ring := make([]geom.Vec2, 0, n+1)
	for i := 0; i <= n; i++ {
		ring = append(ring, g.Pos().Add(geom.Unit(2*math.Pi*float64(i)/n).Scale(r)))
	}
	b.ThickPolyline(ring, 0.4, ColorGoal)
	f, l := g.Forward(), g.Forward().Perp()
	c := g.Pos()
	b.Triangle(c.Add(f.Scale(1.6)), c.Sub(f.Scale(0.8)).Add(l.Scale(1.1)), c.Sub(f.Scale(0.8)).Sub(l.Scale(1.1)), ColorGoal)
}

// MapBounds returns the bounding box of a map's lanes and areas.
func MapBounds(m *scenarios.Map) geom.AABB {
	box := geom.EmptyAABB()
	if m == nil {
		return box
	}
	for i := range m.Lanes {
		for _, p := range m.Lanes[i].Left {
			box.Extend(p)
		}
		for _, p := range m.Lanes[i].Right {
			box.Extend(p)
		}
	}
	for _, a := range m.Areas {
		for _, p := range a.Polygon {
			box.Extend(p)
		}
	}
	return box
}

// Layers says what a frame draws.
type Layers struct {
	Proposals  bool
	Perception bool
	Expert     bool // the expert's drive and where it was at the frame's time (runlog.Header.Expert)
	Compare    bool // the compared run's ego and plan (Scene.Compare)
}

// AgentColor returns the colour of an agent type.
func AgentColor(typ string) Color {
	switch typ {
	case string(scenarios.Vehicle):
		return ColorVehicle
	case string(scenarios.Pedestrian):
		return ColorPedestrian
	case string(scenarios.Bicycle):
		return ColorBicycle
	}
	return ColorStatic
}

// LightColor returns the colour of a traffic-light state.
func LightColor(state string) Color {
	switch state {
	case string(scenarios.Green):
		return ColorGreen
	case string(scenarios.Yellow):
		return ColorYellow
	case string(scenarios.Red):
		return ColorRed
	}
	return ColorUnknown
}

// Scene is what the viewer knows about a run beyond its frames: the map batch, the lanes by id, where each
// lane connector's light is drawn, the colours of the detections' senders and the timeline's events. Frames
// appended to the run later (a live run) are taken in by Observe.
type Scene struct {
	Run *runlog.Run
	// Map is the static map batch (MapBatch).
	Map   Batch
	lanes map[string]*scenarios.Lane
	// lightBars is, for each connector, its share of the edge where it starts: connectors leaving a lane
	// together split that edge, the leftmost turn on the left.
	lightBars map[string][2]geom.Vec2
	senders   map[string]int
	// Compare is a second run of the scenario drawn beside this one (Options.Compare), or nil.
	Compare *runlog.Run
	// Collisions are the times of frames in which the ego overlaps an agent (marked on the timeline).
	Collisions []float64
	observed   int
}

// NewScene prepares the drawing of run with its route (which may be empty).
func NewScene(run *runlog.Run, route Route) *Scene {
	s := &Scene{Run: run, Map: MapBatch(run.Map, route), lanes: map[string]*scenarios.Lane{},
		lightBars: map[string][2]geom.Vec2{}, senders: map[string]int{}}
	if m := run.Map; m != nil {
		groups := map[[4]float64][]*scenarios.Lane{}
		for i := range m.Lanes {
			l := &m.Lanes[i]
			s.lanes[l.ID] = l
			if !l.Connector || len(l.Left) == 0 || len(l.Right) == 0 || !l.Left[0].IsFinite() || !l.Right[0].IsFinite() {
				continue
			}
			q := func(x float64) float64 { return math.Round(x * 4) }
			k := [4]float64{q(l.Left[0].X), q(l.Left[0].Y), q(l.Right[0].X), q(l.Right[0].Y)}
			groups[k] = append(groups[k], l)
		}
		for _, g := range groups {
			slices.SortStableFunc(g, func(a, b *scenarios.Lane) int { return cmp.Compare(turn(b), turn(a)) })
			for i, l := range g {
				u0, u1 := float64(i)/float64(len(g)), float64(i+1)/float64(len(g))
				s.lightBars[l.ID] = [2]geom.Vec2{geom.Lerp(l.Left[0], l.Right[0], u0), geom.Lerp(l.Left[0], l.Right[0], u1)}
			}
		}
	}
	s.Observe()
	return s
}

// CompareFrame returns the compared run's frame at time t (within one of its periods), or nil when there is
// no compared run or it has no frame then.
func (s *Scene) CompareFrame(t float64) *runlog.Frame {
	c := s.Compare
	if c == nil {
		return nil
	}
	k := c.FrameAt(t)
	if k < 0 || math.Abs(c.Frames[k].T-t) > max(c.Header.DT, 0.1) {
		return nil
	}
	return &c.Frames[k]
}

// turn returns how far a lane turns from its start to its end (radians, left positive).
func turn(l *scenarios.Lane) float64 {
	c := l.Centerline
	if len(c) < 2 {
		return 0
	}
	a, b := c[1].Sub(c[0]), c[len(c)-1].Sub(c[len(c)-2])
	return math.Atan2(a.Cross(b), a.Dot(b))
}

// Observe takes in the frames added to the run since the last call: new detection senders get the next
// colour, collisions are marked.
func (s *Scene) Observe() {
	for ; s.observed < len(s.Run.Frames); s.observed++ {
		f := &s.Run.Frames[s.observed]
		if f.Perception != nil {
			for _, d := range f.Perception.Detections {
				if _, ok := s.senders[d.Sender]; !ok {
					s.senders[d.Sender] = len(s.senders)
				}
			}
		}
		if f.Metrics[runlog.MetricCollisions] > 0 {
			s.Collisions = append(s.Collisions, f.T)
		}
	}
}

// SenderColor returns the colour of a detection sender: senders take the palette's colours in the order
// they first appear in the run.
func (s *Scene) SenderColor(sender string) Color {
	k, ok := s.senders[sender]
	if !ok {
		return ColorUnknown
	}
	return SenderPalette[k%len(SenderPalette)]
}

// FrameBatch draws frame f into b (after resetting it): the light states of the lane connectors, proposals,
// agents as boxes with a heading mark (and a lit turn signal), perception tracks with their 2-sigma
// ellipses and raw detections in their sender's colour (fading with age), the ego and its plan.
func (s *Scene) FrameBatch(b *Batch, f *runlog.Frame, ly Layers) {
	b.Reset()
	for _, l := range f.Lights {
		ln := s.lanes[l.Lane]
		if ln == nil {
			continue
		}
		c := LightColor(l.State)
		band := c
		band.A = 0.45
		b.ThickPolyline(ln.Centerline, 0.35, band)
		bar, ok := s.lightBars[l.Lane]
		if !ok && len(ln.Left) > 0 && len(ln.Right) > 0 {
			bar, ok = [2]geom.Vec2{ln.Left[0], ln.Right[0]}, true // a light on a lane, not a connector
		}
		if !ok || len(ln.Centerline) < 2 {
			continue
		}
		d := ln.Centerline[1].Sub(ln.Centerline[0])
		if n := d.Norm(); n > 0 {
			d = d.Scale(1.5 / n)
		}
		b.Quad(bar[0], bar[1], bar[1].Add(d), bar[0].Add(d), c)
	}
	if ly.Proposals {
		for _, p := range f.Proposals {
			if !p.Chosen {
				b.Polyline(pointsXY(p.Points), ProposalColor(p.Score))
			}
		}
	}
	for _, a := range f.Agents {
		box := geom.Box{Center: geom.Pose{X: a.X, Y: a.Y, Heading: a.Heading}, Length: a.Length, Width: a.Width}
		if !box.Center.IsFinite() || !(box.Length > 0) || !(box.Width > 0) {
			continue
		}
		b.Box(box, AgentColor(a.Type))
		headingMark(b, box)
		if a.Indicator != 0 {
			signalMarks(b, box, a.Indicator > 0)
		}
	}
	if ly.Perception && f.Perception != nil {
		for _, t := range f.Perception.Tracks {
			box := geom.Box{Center: geom.Pose{X: t.X, Y: t.Y, Heading: t.Heading}, Length: t.Length, Width: t.Width}
			if !box.Center.IsFinite() {
				continue
			}
			b.BoxOutline(box, ColorTrack)
			b.Ellipse(geom.Vec2{X: t.X, Y: t.Y}, t.Cov, 2, ColorTrack)
		}
		for _, d := range f.Perception.Detections {
			box := geom.Box{Center: geom.Pose{X: d.X, Y: d.Y, Heading: d.Heading}, Length: d.Length, Width: d.Width}
			if !box.Center.IsFinite() {
				continue
			}
			b.BoxOutline(box, detectionColor(s.SenderColor(d.Sender), d.AgeS))
		}
	}
	if ly.Expert {
		s.expertBatch(b, f.T)
	}
	if ly.Compare {
		s.compareBatch(b, f.T)
	}
	plan := pointsXY(f.Plan)
	b.ThickPolyline(plan, 0.3, ColorPlan)
	b.Polyline(plan, ColorPlan) // visible however far out the zoom
	if ego := EgoBox(f, &s.Run.Header); ego.Center.IsFinite() {
		b.Box(ego, ColorEgo)
		headingMark(b, ego)
	}
}

// ProposalColor returns the colour of a proposal with score s (0 to 1, PDM's): olive for the best, shading
// to a dull red for the worst.
func ProposalColor(s float64) Color {
	if !(s >= 0) {
		s = 0
	}
	u := float32(min(s, 1))
	lo, hi := ColorProposalBad, ColorProposal
	return Color{lo.R + u*(hi.R-lo.R), lo.G + u*(hi.G-lo.G), lo.B + u*(hi.B-lo.B), 1}
}

// detectionColor fades a sender's colour with the detection's age: opaque when fresh, a quarter after 1 s.
func detectionColor(c Color, age float64) Color {
	if !(age >= 0) {
		age = 0
	}
	c.A = float32(max(0.25, 1-0.75*min(age, 1)))
	return c
}

// EgoBox returns the ego's footprint in a frame.
func EgoBox(f *runlog.Frame, h *runlog.Header) geom.Box {
	return footprint(f.Ego.X, f.Ego.Y, f.Ego.Heading, h)
}

// footprint returns the ego vehicle's box with its rear axle at (x, y), heading h (the header's vehicle, or
// nuPlan's Pacifica when the header has none).
func footprint(x, y, heading float64, h *runlog.Header) geom.Box {
	v := h.Vehicle
	if !(v.Length > 0) || !(v.Width > 0) {
		v = runlog.Vehicle{Length: 5.18, Width: 2.30, RearToCenter: 1.46}
	}
	s, c := math.Sincos(heading)
	return geom.Box{Center: geom.Pose{X: x + c*v.RearToCenter, Y: y + s*v.RearToCenter, Heading: heading},
		Length: v.Length, Width: v.Width}
}

// compareBatch draws the compared run's ego (an outline with its heading mark) and plan at time t, when it
// has a frame then.
func (s *Scene) compareBatch(b *Batch, t float64) {
	cf := s.CompareFrame(t)
	if cf == nil {
		return
	}
	b.Polyline(pointsXY(cf.Plan), ColorCompare)
	if box := EgoBox(cf, &s.Compare.Header); box.Center.IsFinite() {
		b.BoxOutline(box, ColorCompare)
		headingMark(b, box)
	}
}

// expertBatch draws the expert's drive (runlog.Header.Expert) as a thin line and, while its log lasts, the
// outline of where it was at time t: the ego ahead of the outline is ahead of the recorded driver.
func (s *Scene) expertBatch(b *Batch, t float64) {
	ex := s.Run.Header.Expert
	if len(ex) == 0 {
		return
	}
	line := ColorExpert
	line.A = 0.5
	b.Polyline(pointsXY(ex), line)
	k := sort.Search(len(ex), func(i int) bool { return ex[i].T >= t-1e-6 })
	if k == len(ex) || (k > 0 && t-ex[k-1].T < ex[k].T-t) {
		k--
	}
	step := 0.1
	if len(ex) > 1 && ex[1].T > ex[0].T {
		step = ex[1].T - ex[0].T
	}
	if k < 0 || math.Abs(ex[k].T-t) > step {
		return // the log has ended (or not begun)
	}
	if box := footprint(ex[k].X, ex[k].Y, ex[k].Heading, &s.Run.Header); box.Center.IsFinite() {
		b.BoxOutline(box, ColorExpert)
	}
}

// headingMark draws a dark triangle in the front third of a box, pointing the way it heads.
func headingMark(b *Batch, box geom.Box) {
	f := geom.Unit(box.Center.Heading)
	l := f.Perp()
	c := box.Center.Pos()
	tip := c.Add(f.Scale(box.Length * 0.45))
	back := c.Add(f.Scale(box.Length * 0.15))
	b.Triangle(tip, back.Add(l.Scale(box.Width*0.3)), back.Sub(l.Scale(box.Width*0.3)), ColorHeading)
}

// signalMarks lights the front and rear corners of a box on the side it signals to.
func signalMarks(b *Batch, box geom.Box, left bool) {
	f, l := box.Center.Forward(), box.Center.Forward().Perp()
	side := 1.0
	if !left {
		side = -1
	}
	s := min(0.6, box.Width/3)
	for _, along := range []float64{box.Length/2 - s/2, -box.Length/2 + s/2} {
		p := box.Center.Pos().Add(f.Scale(along)).Add(l.Scale(side * (box.Width/2 - s/2)))
		b.Box(geom.Box{Center: geom.Pose{X: p.X, Y: p.Y, Heading: box.Center.Heading}, Length: s, Width: s}, ColorSignal)
	}
}

func pointsXY(ps []runlog.Point) []geom.Vec2 {
	out := make([]geom.Vec2, 0, len(ps))
	for _, p := range ps {
		q := geom.Vec2{X: p.X, Y: p.Y}
		if q.IsFinite() {
			out = append(out, q)
		}
	}
	return out
}
