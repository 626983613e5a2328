// Package geom holds the small geometric value types the rest of asyncdrive is built on: vectors, poses,
// polylines with arc length and projection, oriented boxes with overlap tests, convex quads (separating-axis
// intersection and distance) and the corridors of quads along a path, and polygon queries.
//
// Everything is a plain value or a slice, in metres and radians, with headings counter-clockwise from +X.
// Nothing here allocates unless it returns a new slice.
package geom
