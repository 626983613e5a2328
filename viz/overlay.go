package viz

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/runlog"
	"asyncdrive/scenarios"
)

// Overlay layout, pixels.
const (
	timelineHeight = 28
	margin         = 8
	panelChars     = 52 // panel lines are wrapped at this many characters
	maxLabels      = 150
	labelMinZoom   = 5 // pixels per metre below which detections are not labelled
)

// TimelineRect returns the timeline bar's rectangle (x0, y0, x1, y1) in a w x h viewport.
func TimelineRect(w, h int) (x0, y0, x1, y1 float64) {
	return margin, float64(h) - timelineHeight + 6, float64(w) - margin, float64(h) - 10
}

// TextLine is a line of a panel and its colour.
type TextLine struct {
	Text  string
	Color Color
}

// Overlay builds the screen-space overlay of the frame shown: the labels of the raw detections, the side
// panel, the timeline with the cursor at the time shown and the collisions marked, and the help box when
// asked. Geometry goes to b (pixels), glyph quads to the returned slice (text vertices, see Atlas.Text).
func Overlay(b *Batch, text []float32, a *Atlas, cam *Camera, sc *Scene, st *State) []float32 {
	b.Reset()
	text = text[:0]
	w, h := cam.Width, cam.Height
	run := sc.Run
	k := st.Frame()
	if k >= 0 && st.Layers.Perception {
		for _, l := range Labels(&run.Frames[k], cam, sc, a) {
			text, _ = a.Text(text, l.Text, l.X, l.Y, l.Color)
		}
	}
	// Timeline.
	x0, y0, x1, y1 := TimelineRect(w, h)
	b.Quad(geom.V(x0, y0), geom.V(x1, y0), geom.V(x1, y1), geom.V(x0, y1), ColorTimeline)
	if k >= 0 {
		start, end := run.Frames[0].T, run.Duration()
		at := func(t float64) float64 {
			if end <= start {
				return x0
			}
			return x0 + (t-start)/(end-start)*(x1-x0)
		}
		for _, t := range sc.Collisions {
			cx := at(t)
			b.Quad(geom.V(cx-1, y0), geom.V(cx+1, y0), geom.V(cx+1, y1), geom.V(cx-1, y1), ColorRed)
		}
		cx := at(st.T)
		b.Quad(geom.V(cx-2, y0-4), geom.V(cx+2, y0-4), geom.V(cx+2, y1+4), geom.V(cx-2, y1+4), ColorCursor)
	}
	var lines []TextLine
	switch {
	case !st.Panel:
	case k < 0:
		lines = []TextLine{{"no frames in this run", ColorText}}
		for _, w := range run.Warnings {
			lines = append(lines, TextLine{"warning: " + w, ColorWarning})
		}
	default:
		lines = PanelLines(sc, &run.Frames[k], st)
	}
	lines = wrap(lines, panelChars)
	if len(lines) > 0 {
		pw := 0.0
		for _, l := range lines {
			pw = max(pw, a.Width(l.Text))
		}
		pw += 2 * margin
		ph := float64(len(lines)*a.LineHeight + 2*margin)
		b.Quad(geom.V(0, 0), geom.V(pw, 0), geom.V(pw, ph), geom.V(0, ph), ColorPanel)
	}
	for i, l := range lines {
		text, _ = a.Text(text, l.Text, margin, margin+float64(i*a.LineHeight), l.Color)
	}
	if st.Help {
		help := HelpText(st)
		hw := 0.0
		for _, l := range help {
			hw = max(hw, a.Width(l))
		}
		hw += 2 * margin
		hh := float64(len(help)*a.LineHeight + 2*margin)
		hx, hy := float64(w)-hw-margin, float64(margin)
		b.Quad(geom.V(hx, hy), geom.V(hx+hw, hy), geom.V(hx+hw, hy+hh), geom.V(hx, hy+hh), ColorPanel)
		for i, l := range help {
			text, _ = a.Text(text, l, hx+margin, hy+margin+float64(i*a.LineHeight), ColorText)
		}
	} else {
		hint := "H: help"
		text, _ = a.Text(text, hint, float64(w)-a.Width(hint)-margin, margin, ColorText)
	}
	return text
}

// Label is a text drawn beside something in the world, at pixel (X, Y) (its top-left corner).
type Label struct {
	Text  string
	X, Y  float64
	Color Color
}

// Labels returns the labels of a frame's raw detections (sender and age, in the sender's colour), placed
// right of each box's projected centre, or a line above or below that when the place is taken (several
// senders seeing the same object); none when zoomed out below labelMinZoom, only those on screen that find
// a free place, at most maxLabels.
func Labels(f *runlog.Frame, cam *Camera, sc *Scene, a *Atlas) []Label {
	if f.Perception == nil || cam.PixelsPerMeter < labelMinZoom {
		return nil
	}
	var out []Label
	type rect struct{ x0, y0, x1, y1 float64 }
	var taken []rect
	free := func(r rect) bool {
		for _, t := range taken {
			if r.x0 < t.x1 && t.x0 < r.x1 && r.y0 < t.y1 && t.y0 < r.y1 {
				return false
			}
		}
		return true
	}
	lh := float64(a.LineHeight)
	for _, d := range f.Perception.Detections {
		if len(out) == maxLabels {
			break
		}
		x, y := cam.Project(geom.Vec2{X: d.X, Y: d.Y})
		if !(x >= 0 && y >= 0 && x < float64(cam.Width) && y < float64(cam.Height)) {
			continue
		}
		text := fmt.Sprintf("%s %.2fs", d.Sender, d.AgeS)
		w := a.Width(text)
		x += 0.5*math.Hypot(d.Length, d.Width)*cam.PixelsPerMeter + 2
		for _, dy := range []float64{0, 1, -1, 2, -2} {
			r := rect{x, y - lh/2 + dy*lh, x + w, y + lh/2 + dy*lh}
			if free(r) {
				taken = append(taken, r)
				out = append(out, Label{Text: text, X: r.x0, Y: r.y0, Color: detectionColor(sc.SenderColor(d.Sender), d.AgeS)})
				break
			}
		}
	}
	return out
}

// PanelLines returns the side panel of a frame: the run and the time, the ego, the planner's decision, the
// routing instruction, the guide (instruction, decision, feature age, inference latency), the perception
// (tracks, and detections by sender with their ages), the per-step metrics and the run log's warnings.
func PanelLines(sc *Scene, f *runlog.Frame, st *State) []TextLine {
	run := sc.Run
	h := &run.Header
	var out []TextLine
	add := func(c Color, format string, args ...any) {
		out = append(out, TextLine{fmt.Sprintf(format, args...), c})
	}
	add(ColorText, "%s (%s)", h.ScenarioID, h.Type)
	if len(h.Flags) > 0 {
		add(ColorTextDim, "flagged on import: %s", strings.Join(h.Flags, ", "))
	}
	state := "paused"
	if st.Playing {
		state = "playing"
	}
	if st.Live {
		state += ", live"
	}
	add(ColorText, "t %5.1f / %.1f s  x%g %s", f.T, run.Duration(), st.Speed, state)
	add(ColorEgo, "ego %5.1f m/s  a %+5.1f m/s2  steer %+.2f", f.Ego.Speed, f.Ego.Accel, f.Ego.Steering)
	mode := f.Mode
	if mode == "" {
		mode = "-"
	}
	add(ColorPlan, "planner %s: %s  %.2f ms", h.Planner, mode, f.PlannerMS)
	if sc.Compare != nil && st.Layers.Compare {
		ch := &sc.Compare.Header
		if cf := sc.CompareFrame(f.T); cf != nil {
			cm := cf.Mode
			if cm == "" {
				cm = "-"
			}
			add(ColorCompare, "compared: %s (%s) %s  %.1f m/s", ch.Planner, ch.Agents, cm, cf.Ego.Speed)
		} else {
			add(ColorCompare, "compared: %s (%s) has no frame now", ch.Planner, ch.Agents)
		}
	}
	if n := len(f.Proposals); n > 0 {
		best := math.Inf(-1)
		for _, p := range f.Proposals {
			if p.Chosen {
				best = p.Score
			}
		}
		if math.IsInf(best, -1) {
			add(ColorProposal, "  %d proposals", n)
		} else {
			add(ColorProposal, "  %d proposals, chosen score %.2f", n, best)
		}
		for _, line := range proposalLines(f.Proposals) {
			add(ColorProposal, "%s", line)
		}
	}
	if instr, _ := scenarios.InstructionAt(h.Instructions, f.T); instr != "" {
		add(ColorText, "route: %s", instr)
	}
	if st.LastCommand != "" {
		add(ColorText, "operator sent: %s", st.LastCommand)
	}
	if g := f.Guidance; g != nil {
		instr := g.Instruction
		if instr == "" {
			instr = "-"
		}
		add(ColorGuide, "guide: %s", instr)
		decision := fmt.Sprintf("lane %s", orDash(g.Lane))
		if t := g.Turn; t != "" && t != "any" {
			decision += "  turn " + t
		}
		if g.SpeedCap > 0 {
			decision += fmt.Sprintf("  cap %.1f m/s", g.SpeedCap)
		}
		if g.TargetSpeed > 0 {
			decision += fmt.Sprintf("  target %.1f m/s", g.TargetSpeed)
		}
		if g.HeadwayS > 0 {
			decision += fmt.Sprintf("  headway %.1f s", g.HeadwayS)
		}
		if g.Stop {
			decision += "  STOP"
		}
		if g.PullOver {
			decision += "  PULL OVER"
		}
		add(ColorGuide, "  decision: %s  p(stop) %.2f", decision, g.StopProb)
		if p := g.LaneProbs; p != [3]float64{} || g.PullOverProb > 0 {
			add(ColorGuide, "  p(lane) L %.2f K %.2f R %.2f  p(pull over) %.2f", p[0], p[1], p[2], g.PullOverProb)
		}
		add(ColorGuide, "  feature age %.2f s  inference %.1f ms", g.AgeS, g.LatencyMS)
	} else {
		add(ColorTextDim, "guide: none")
	}
	if p := f.Perception; p != nil {
		add(ColorTrack, "perception: %d tracks, %d detections", len(p.Tracks), len(p.Detections))
		type senderStat struct {
			n        int
			min, max float64
		}
		stats := map[string]*senderStat{}
		var names []string
		for _, d := range p.Detections {
			s := stats[d.Sender]
			if s == nil {
				s = &senderStat{min: math.Inf(1), max: math.Inf(-1)}
				stats[d.Sender] = s
				names = append(names, d.Sender)
			}
			s.n++
			s.min, s.max = math.Min(s.min, d.AgeS), math.Max(s.max, d.AgeS)
		}
		sort.Strings(names)
		for _, n := range names {
			s := stats[n]
			add(sc.SenderColor(n), "  %-12s %3d  age %.2f-%.2f s", n, s.n, s.min, s.max)
		}
	}
	keys := make([]string, 0, len(f.Metrics))
	for k := range f.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kw := 0
	for _, k := range keys {
		kw = max(kw, len(k))
	}
	for _, k := range keys {
		c := ColorText
		if k == runlog.MetricCollisions && f.Metrics[k] > 0 {
			c = ColorRed
		}
		add(c, "%-*s %9.2f", kw, k, f.Metrics[k])
	}
	for _, w := range run.Warnings {
		add(ColorWarning, "warning: %s", w)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// HelpLines lists the viewer's keys.
var HelpLines = []string{
	"space       play / pause",
	"left/right  step one frame (shift: 1 s)",
	"up/down     play faster / slower",
	"home/end    first / last frame",
	"timeline    click or drag to scrub",
	"drag        pan (stops following)",
	"scroll      zoom",
	"F           follow the ego on/off",
	"P           proposals on/off",
	"O           perception overlay on/off",
	"E           the expert (where it was, its drive) on/off",
	"C           the compared run (view --compare) on/off",
	"I           the side panel on/off",
	"H           this help",
	"Q, Esc      quit",
}

// HelpText returns the help box's lines: HelpLines, then the operator commands the state offers.
func HelpText(st *State) []string {
	if len(st.Commands) == 0 {
		return HelpLines
	}
	out := append(slices.Clip(HelpLines), "operator commands to the guide:")
	for i, c := range st.Commands[:min(len(st.Commands), 9)] {
		if c == "" {
			c = "(back to the route's instructions)"
		}
		out = append(out, fmt.Sprintf("%d           %s", i+1, c))
	}
	return out
}

// wrap cuts lines longer than n characters, indenting the continuation.
func wrap(lines []TextLine, n int) []TextLine {
	var out []TextLine
	for _, l := range lines {
		s := l.Text
		for len(s) > n {
			cut := strings.LastIndexByte(s[:n], ' ')
			if cut <= 2 {
				cut = n
			}
			out = append(out, TextLine{s[:cut], l.Color})
			s = "  " + strings.TrimLeft(s[cut:], " ")
		}
		out = append(out, TextLine{s, l.Color})
	}
	return out
}

// proposalLines describes, from the proposals' terms (PDM's), the chosen proposal and the best one of each
// other path, with what held each back: "  chosen centerline +1.0 m 5.4 m/s" and "  left_lane 15.1 m/s
// 0.00: collides with 42 in 2.5 s". None without terms.
func proposalLines(props []runlog.Proposal) []string {
	var chosen *runlog.Proposal
	best := map[string]*runlog.Proposal{}
	var paths []string
	for i := range props {
		p := &props[i]
		if p.Terms == nil {
			return nil
		}
		if p.Chosen {
			chosen = p
		}
		if b, ok := best[p.Terms.Path]; !ok || p.Score > b.Score {
			if !ok {
				paths = append(paths, p.Terms.Path)
			}
			best[p.Terms.Path] = p
		}
	}
	var out []string
	if chosen != nil {
		out = append(out, "  chosen "+describeProposal(chosen))
	}
	for _, path := range paths {
		if chosen == nil || path != chosen.Terms.Path {
			out = append(out, "  "+describeProposal(best[path]))
		}
	}
	return out
}

// describeProposal says what a proposal is and which terms of its score fell short.
func describeProposal(p *runlog.Proposal) string {
	t := p.Terms
	s := t.Path
	if t.Offset != 0 {
		s += fmt.Sprintf(" %+.1f m", t.Offset)
	}
	if t.Kind == "stop" {
		s += " stop"
	} else {
		s += fmt.Sprintf(" %.1f m/s", t.TargetSpeed)
	}
	s += fmt.Sprintf(" %.2f", p.Score)
	var why []string
	if t.CollideWith != "" {
		why = append(why, fmt.Sprintf("collides with %s in %.1f s", t.CollideWith, t.CollideAt))
	}
	if !t.Drivable {
		why = append(why, "leaves the road")
	}
	if t.Direction < 1 {
		why = append(why, "against the traffic")
	}
	switch {
	case t.TTC >= 1:
	case t.TTCWith != "" && t.TTCWith != t.CollideWith:
		why = append(why, fmt.Sprintf("time to collision with %s in %.1f s", t.TTCWith, t.TTCAt))
	default:
		why = append(why, "time to collision")
	}
	if t.Comfort == 0 {
		why = append(why, "uncomfortable")
	}
	if t.LaneWeight < 1 {
		why = append(why, fmt.Sprintf("lane weight %.2f", t.LaneWeight))
	}
	if len(why) > 0 {
		s += ": " + strings.Join(why, ", ")
	}
	return s
}
