package viz

import (
	"math"

	"asyncdrive/geom"
)

// Camera maps world metres to the pixels of a Width x Height viewport: Center at the viewport's centre,
// PixelsPerMeter zoom, north (+y) up.
type Camera struct {
	Center         geom.Vec2
	PixelsPerMeter float64
	Width, Height  int
}

// Project returns the pixel position of world point p: x to the right, y down from the top-left corner.
func (c *Camera) Project(p geom.Vec2) (x, y float64) {
	x = float64(c.Width)/2 + (p.X-c.Center.X)*c.PixelsPerMeter
	y = float64(c.Height)/2 - (p.Y-c.Center.Y)*c.PixelsPerMeter
	return x, y
}

// Unproject returns the world point under pixel (x, y).
func (c *Camera) Unproject(x, y float64) geom.Vec2 {
	return geom.Vec2{
		X: c.Center.X + (x-float64(c.Width)/2)/c.PixelsPerMeter,
		Y: c.Center.Y - (y-float64(c.Height)/2)/c.PixelsPerMeter,
	}
}

// Pan moves the view by (dx, dy) pixels (dragging the world with the mouse).
func (c *Camera) Pan(dx, dy float64) {
	c.Center.X -= dx / c.PixelsPerMeter
	c.Center.Y += dy / c.PixelsPerMeter
}

// Zoom scales the view by factor about pixel (x, y), keeping the world point under it in place. The zoom
// stays within 0.2 to 200 pixels per metre.
func (c *Camera) Zoom(factor, x, y float64) {
	if !(factor > 0) || math.IsInf(factor, 0) {
		return
	}
	before := c.Unproject(x, y)
	c.PixelsPerMeter = min(200, max(0.2, c.PixelsPerMeter*factor))
	after := c.Unproject(x, y)
	c.Center = c.Center.Add(before.Sub(after))
}

// WorldMatrix returns the column-major 4x4 matrix taking world metres to OpenGL clip space.
func (c *Camera) WorldMatrix() [16]float32 {
	sx := 2 * c.PixelsPerMeter / float64(c.Width)
	sy := 2 * c.PixelsPerMeter / float64(c.Height)
	return [16]float32{
		float32(sx), 0, 0, 0,
		0, float32(sy), 0, 0,
		0, 0, 1, 0,
		float32(-c.Center.X * sx), float32(-c.Center.Y * sy), 0, 1,
	}
}

// PixelMatrix returns the matrix taking pixels (origin top-left, y down) to clip space.
func (c *Camera) PixelMatrix() [16]float32 {
	sx, sy := 2/float64(c.Width), -2/float64(c.Height)
	return [16]float32{
		float32(sx), 0, 0, 0,
		0, float32(sy), 0, 0,
		0, 0, 1, 0,
		-1, 1, 0, 1,
	}
}

// FitBounds centres the camera on box and zooms so that it fills the viewport (with a margin).
func (c *Camera) FitBounds(box geom.AABB) {
	if !(box.Max.X > box.Min.X) || !(box.Max.Y > box.Min.Y) {
		return
	}
	c.Center = geom.Lerp(box.Min, box.Max, 0.5)
	c.PixelsPerMeter = 0.9 * min(float64(c.Width)/(box.Max.X-box.Min.X), float64(c.Height)/(box.Max.Y-box.Min.Y))
}
