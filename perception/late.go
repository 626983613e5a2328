package perception

import (
	"slices"

	"asyncdrive/geom"
)

// LateFusion is the naive late-fusion baseline (as OpenCOOD's late fusion): at every frame it pools the
// newest message of every sender, whatever its age, transformed into the ego's (world) frame with the
// sender's own pose, and keeps the highest-scoring boxes by rotated non-maximum suppression. No delay
// compensation, no trust, no tracking; the velocity it reports is the change of the nearest kept box of the
// previous frame, for planners that forecast.
type LateFusion struct {
	// NMS is the IoU above which a lower-scoring box is suppressed (OpenCOOD: 0.15).
	NMS float64
	// MaxAge drops a sender's last message when it is older than this, s (a sender that went silent).
	MaxAge float64
	frame  float64
	latest []lateMsg
	pool   []lateDet
	out    []Track
	prev   []Track
	Stats  FusionStats
}

type lateMsg struct {
	ok      bool
	capture float64
	dets    []Detection
}

type lateDet struct {
	Detection
	sender int
}

// NewLateFusion returns the baseline for n senders at the given frame period.
func NewLateFusion(n int, frame float64) *LateFusion {
	return &LateFusion{NMS: 0.15, MaxAge: 1.0, frame: frame, latest: make([]lateMsg, n)}
}

// Receive keeps m when it is the sender's newest.
func (l *LateFusion) Receive(m *Message, arrival float64) {
	l.Stats.Messages++
	if m.Sender < 0 || m.Sender >= len(l.latest) {
		l.Stats.BadSender++
		return
	}
	if !finite(m.Capture) || m.Capture > arrival+0.05 {
		l.Stats.FutureStamped++
		return
	}
	lm := &l.latest[m.Sender]
	if lm.ok && m.Capture <= lm.capture {
		l.Stats.TooOld++
		return
	}
	lm.ok, lm.capture = true, m.Capture
	lm.dets = lm.dets[:0]
	for i := range m.Dets {
		d := &m.Dets[i]
		if !validDetection(d) {
			l.Stats.InvalidDetections++
			continue
		}
		lm.dets = append(lm.dets, *d)
		l.Stats.Detections++
	}
}

// Fuse returns the suppressed pool at time t. Existence is the detection score.
func (l *LateFusion) Fuse(t float64) []Track {
	l.pool = l.pool[:0]
	for s := range l.latest {
		lm := &l.latest[s]
		if !lm.ok || t-lm.capture > l.MaxAge {
			continue
		}
		for _, d := range lm.dets {
			l.pool = append(l.pool, lateDet{Detection: d, sender: s})
		}
	}
	slices.SortStableFunc(l.pool, func(a, b lateDet) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	l.prev, l.out = l.out, l.prev[:0]
	for i := range l.pool {
		d := &l.pool[i]
		keep := true
		for _, o := range l.out {
			if geom.BoxIoU(o.Box, d.Box) > l.NMS {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		tr := Track{ID: len(l.out), Type: d.Type, Box: d.Box, Cov: d.Cov, Existence: d.Score, Score: d.Score, LastUpdate: t, Indicator: d.Indicator,
			Senders: 1 << uint(d.sender)}
		// Velocity from the nearest box of the previous frame (within 3 m).
		best, bd := -1, 3.0
		for pi := range l.prev {
			if dd := l.prev[pi].Box.Center.Pos().Dist(d.Box.Center.Pos()); dd < bd {
				best, bd = pi, dd
			}
		}
		if best >= 0 && l.frame > 0 {
			p := l.prev[best]
			v := d.Box.Center.Pos().Sub(p.Box.Center.Pos()).Scale(1 / l.frame)
			tr.Vel = p.Vel.Scale(0.7).Add(v.Scale(0.3))
			if !tr.Vel.IsFinite() || tr.Vel.Norm() > 60 {
				tr.Vel = geom.Vec2{}
			}
		}
		tr.VelCov = Cov2{4, 0, 4}
		l.out = append(l.out, tr)
	}
	return l.out
}

// Tracks returns the last output of Fuse.
func (l *LateFusion) Tracks() []Track { return l.out }
