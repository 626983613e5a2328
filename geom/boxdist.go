package geom

import "math"

// BoxDistance returns the distance between two oriented boxes: 0 when they overlap, otherwise the smallest
// distance between their outlines.
func BoxDistance(a, b Box) float64 {
	if a.Overlaps(b) {
		return 0
	}
	ca, cb := a.Corners(), b.Corners()
	d := math.Inf(1)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if v := SegmentDist(ca[i], cb[j], cb[(j+1)%4]); v < d {
				d = v
			}
			if v := SegmentDist(cb[i], ca[j], ca[(j+1)%4]); v < d {
				d = v
			}
		}
	}
	return d
}
