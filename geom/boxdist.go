package geom

import "math"

// BoxDistance returns the distance between two oriented boxes: 0 when they overlap, otherwise the smallest
// distance between their outlines.
func BoxDistance(a, b Box) float64 {
	if a.Overlaps(b) {
		return 0
	}
	return outlineDist(a.Corners(), b.Corners())
}

// outlineDist returns the smallest distance between the outlines of two quadrilaterals (vertices in order).
func outlineDist(a, b [4]Vec2) float64 {
	d := math.Inf(1)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			d = math.Min(d, SegmentDist(a[i], b[j], b[(j+1)%4]))
			d = math.Min(d, SegmentDist(b[i], a[j], a[(j+1)%4]))
		}
	}
	return d
}
