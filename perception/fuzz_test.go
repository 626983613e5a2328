package perception

import (
	"math"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// FuzzReceive feeds the fusion messages with arbitrary numbers (NaN, infinities, huge values, bad senders,
// stamps anywhere): it must neither panic nor output non-finite tracks.
func FuzzReceive(f *testing.F) {
	f.Add(0, 0.0, 0.1, 10.0, 2.0, 0.3, 4.5, 1.9, 0.04, 0.0, 0.04, 0.9)
	f.Add(1, 3.0, 0.0, math.NaN(), 0.0, 0.0, -1.0, 2.0, math.Inf(1), 0.0, 1.0, 0.5)
	f.Add(9, -5.0, 1e300, 1e308, -1e308, 7.0, 40.0, 9.0, 1.0, 2.0, 1.0, 2.0)
	f.Fuzz(func(t *testing.T, sender int, capture, arrival, x, y, h, l, w, cxx, cxy, cyy, score float64) {
		fu := NewFuser(DefaultFusion(), synthSenders(3))
		base := newSynthWorld(4, 0.2, 1)
		var m Message
		for k := 0; k < 12; k++ {
			tk := float64(k) * 0.1
			base.message(0, tk, &m)
			fu.Receive(&m, tk)
			if k == 6 {
				bad := Message{Sender: sender, Capture: capture, Pose: geom.Pose{X: x, Y: y}, Range: l * 10, FOV: w,
					Dets: []Detection{{Box: geom.Box{Center: geom.Pose{X: x, Y: y, Heading: h}, Length: l, Width: w},
						Type: scenarios.Vehicle, Score: score, Cov: Cov2{cxx, cxy, cyy}, HeadingVar: cxx}}}
				fu.Receive(&bad, tk+arrival)
			}
			for _, tr := range fu.Fuse(tk) {
				if !tr.Box.Center.IsFinite() || !tr.Cov.Valid() || math.IsNaN(tr.Existence) || math.IsNaN(tr.Score) {
					t.Fatalf("non-finite track %+v", tr)
				}
			}
		}
	})
}
