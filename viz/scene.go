package viz

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// MapBatch draws a map: drivable lanes (connectors a shade lighter), extra areas, crosswalks, lane lines and
// stop lines. It is built once per run.
func MapBatch(m *scenarios.Map) Batch {
	var b Batch
	if m == nil {
		return b
	}
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
	for _, cw := range m.Crosswalks {
		b.Polygon(cw.Polygon, ColorCrosswalk)
	}
	for i := range m.Lanes {
		l := &m.Lanes[i]
		if l.Connector {
			continue // connectors' boundaries cross inside intersections: leave them out
		}
		b.Polyline(l.Left, ColorLaneLine)
		b.Polyline(l.Right, ColorLaneLine)
	}
	for _, s := range m.StopLines {
		b.Polygon(s.Polygon, ColorStopLine)
	}
	return b
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

// FrameBatch draws one frame into b (after resetting it): light states at the start of the lanes they
// control, proposals, agents as boxes with a heading mark, perception tracks with their 2-sigma ellipses and
// raw detections, the ego and its plan. lanes maps lane ids to lanes (for the lights).
func FrameBatch(b *Batch, f *runlog.Frame, h *runlog.Header, lanes map[string]*scenarios.Lane, ly Layers) {
	b.Reset()
	for _, l := range f.Lights {
		ln := lanes[l.Lane]
		if ln == nil || len(ln.Left) == 0 || len(ln.Right) == 0 {
			continue
		}
		p, q := ln.Left[0], ln.Right[0]
		d := geom.Vec2{}
		if len(ln.Centerline) > 1 {
			d = ln.Centerline[1].Sub(ln.Centerline[0])
			if n := d.Norm(); n > 0 {
				d = d.Scale(1.2 / n)
			}
		}
		b.Quad(p, q, q.Add(d), p.Add(d), LightColor(l.State))
	}
	if ly.Proposals {
		for _, p := range f.Proposals {
			if !p.Chosen {
				b.Polyline(pointsXY(p.Points), ColorProposal)
			}
		}
	}
	for _, a := range f.Agents {
		box := geom.Box{Center: geom.Pose{X: a.X, Y: a.Y, Heading: a.Heading}, Length: a.Length, Width: a.Width}
		if !box.Center.IsFinite() {
			continue
		}
		b.Box(box, AgentColor(a.Type))
		headingMark(b, box)
	}
	if ly.Perception && f.Perception != nil {
		for _, t := range f.Perception.Tracks {
			box := geom.Box{Center: geom.Pose{X: t.X, Y: t.Y, Heading: t.Heading}, Length: t.Length, Width: t.Width}
			b.BoxOutline(box, ColorTrack)
			b.Ellipse(geom.Vec2{X: t.X, Y: t.Y}, t.Cov, 2, ColorTrack)
		}
		for _, d := range f.Perception.Detections {
			box := geom.Box{Center: geom.Pose{X: d.X, Y: d.Y, Heading: d.Heading}, Length: d.Length, Width: d.Width}
			c := ColorDetection
			c.A = float32(max(0.25, 1-d.AgeS)) // older detections fade
			b.BoxOutline(box, c)
		}
	}
	b.Polyline(pointsXY(f.Plan), ColorPlan)
	ego := EgoBox(f, h)
	b.Box(ego, ColorEgo)
	headingMark(b, ego)
}

// EgoBox returns the ego's footprint in a frame.
func EgoBox(f *runlog.Frame, h *runlog.Header) geom.Box {
	v := h.Vehicle
	if !(v.Length > 0) || !(v.Width > 0) {
		v = runlog.Vehicle{Length: 5.18, Width: 2.30, RearToCenter: 1.46}
	}
	s, c := math.Sincos(f.Ego.Heading)
	return geom.Box{Center: geom.Pose{X: f.Ego.X + c*v.RearToCenter, Y: f.Ego.Y + s*v.RearToCenter, Heading: f.Ego.Heading},
		Length: v.Length, Width: v.Width}
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

// LaneIndex maps a map's lane ids to its lanes.
func LaneIndex(m *scenarios.Map) map[string]*scenarios.Lane {
	out := map[string]*scenarios.Lane{}
	if m == nil {
		return out
	}
	for i := range m.Lanes {
		out[m.Lanes[i].ID] = &m.Lanes[i]
	}
	return out
}

// PanelLines returns the text of the side panel for a frame: time and ego, the planner, the guide, the
// perception and the per-step metrics.
func PanelLines(run *runlog.Run, f *runlog.Frame, st *State) []string {
	h := &run.Header
	lines := []string{
		fmt.Sprintf("%s  (%s)", h.ScenarioID, h.Type),
		fmt.Sprintf("t %6.1f / %.1f s   x%.2g %s", f.T, run.Duration(), st.Speed, map[bool]string{true: "playing", false: "paused"}[st.Playing]),
		fmt.Sprintf("ego %5.1f m/s  a %+.1f m/s2", f.Ego.Speed, f.Ego.Accel),
		fmt.Sprintf("planner %s  %s  %.2f ms", h.Planner, f.Mode, f.PlannerMS),
	}
	if g := f.Guidance; g != nil {
		instr := g.Instruction
		if instr == "" {
			instr = "-"
		}
		lines = append(lines,
			"guide: "+instr,
			fmt.Sprintf("  lane %s  cap %.1f  stop %.2f", g.Lane, g.SpeedCap, g.StopProb),
			fmt.Sprintf("  feature age %.2f s  inference %.1f ms", g.AgeS, g.LatencyMS))
	} else {
		lines = append(lines, "guide: none")
	}
	if p := f.Perception; p != nil {
		lines = append(lines, fmt.Sprintf("perception: %d tracks, %d detections", len(p.Tracks), len(p.Detections)))
	}
	keys := make([]string, 0, len(f.Metrics))
	for k := range f.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("%-15s %8.2f", k, f.Metrics[k]))
	}
	for _, w := range run.Warnings {
		lines = append(lines, "warning: "+w)
	}
	return lines
}

// HelpLines lists the viewer's keys.
var HelpLines = []string{
	"space      play / pause",
	"left/right step one frame (hold shift: 1 s)",
	"up/down    faster / slower",
	"home/end   first / last frame",
	"click bar  scrub the timeline",
	"drag       pan (stops following)",
	"scroll     zoom",
	"F          follow the ego",
	"P          proposals on/off",
	"O          perception overlay on/off",
	"H          this help",
	"Q, Esc     quit",
}

// wrap cuts lines longer than n characters.
func wrap(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		for len(l) > n {
			out = append(out, l[:n])
			l = "  " + strings.TrimLeft(l[n:], " ")
		}
		out = append(out, l)
	}
	return out
}
