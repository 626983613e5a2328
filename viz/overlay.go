package viz

import (
	"asyncdrive/geom"
	"asyncdrive/runlog"
)

// Overlay layout, pixels.
const (
	panelWidth     = 330
	timelineHeight = 28
	margin         = 8
)

// TimelineRect returns the timeline bar's rectangle (x0, y0, x1, y1) in a w x h viewport.
func TimelineRect(w, h int) (x0, y0, x1, y1 float64) {
	return margin, float64(h) - timelineHeight + 6, float64(w) - margin, float64(h) - 10
}

// Overlay builds the screen-space overlay of a frame: the side panel (text), the timeline with the cursor at
// the time shown, and the help box when asked. Geometry goes to b (pixels), glyph quads to the returned
// slice (text vertices, see Atlas.Text).
func Overlay(b *Batch, text []float32, a *Atlas, w, h int, run *runlog.Run, st *State) []float32 {
	b.Reset()
	text = text[:0]
	k := st.Frame()
	// Timeline.
	x0, y0, x1, y1 := TimelineRect(w, h)
	b.Quad(geom.V(x0, y0), geom.V(x1, y0), geom.V(x1, y1), geom.V(x0, y1), ColorTimeline)
	if d := run.Duration(); d > 0 && k >= 0 {
		start := run.Frames[0].T
		u := 0.0
		if d > start {
			u = (st.T - start) / (d - start)
		}
		cx := x0 + u*(x1-x0)
		b.Quad(geom.V(cx-2, y0-4), geom.V(cx+2, y0-4), geom.V(cx+2, y1+4), geom.V(cx-2, y1+4), ColorCursor)
	}
	if k < 0 {
		text, _ = a.Text(text, "no frames in this run", margin, margin, ColorText)
		return text
	}
	lines := wrap(PanelLines(run, &run.Frames[k], st), 44)
	ph := float64(len(lines)*a.LineHeight + 2*margin)
	b.Quad(geom.V(0, 0), geom.V(panelWidth, 0), geom.V(panelWidth, ph), geom.V(0, ph), ColorPanel)
	for i, l := range lines {
		text, _ = a.Text(text, l, margin, margin+float64(i*a.LineHeight), ColorText)
	}
	if st.Help {
		hw, hh := 360.0, float64(len(HelpLines)*a.LineHeight+2*margin)
		hx, hy := float64(w)-hw-margin, float64(margin)
		b.Quad(geom.V(hx, hy), geom.V(hx+hw, hy), geom.V(hx+hw, hy+hh), geom.V(hx, hy+hh), ColorPanel)
		for i, l := range HelpLines {
			text, _ = a.Text(text, l, hx+margin, hy+margin+float64(i*a.LineHeight), ColorText)
		}
	} else {
		hint := "H: help"
		text, _ = a.Text(text, hint, float64(w)-a.Width(hint)-margin, margin, ColorText)
	}
	return text
}
