package viz

import (
	"fmt"
	"image"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Atlas is a glyph atlas: the printable ASCII characters of the Go Mono font (fixed width, so that the
// panels' columns line up) rasterised once into an alpha image, with each glyph's place in it.
type Atlas struct {
	Image      *image.Alpha
	LineHeight int // pixels between baselines
	Ascent     int
	glyphs     [128]glyph
}

type glyph struct {
	x, y, w, h int // in the atlas
	dx, dy     int // offset of the bitmap from the pen position (dy from the baseline, down)
	advance    int
	ok         bool
}

// NewAtlas rasterises the Go Mono font at size pixels.
func NewAtlas(size float64) (*Atlas, error) {
	ft, err := opentype.Parse(gomono.TTF)
	if err != nil {
		return nil, fmt.Errorf("viz: font: %w", err)
	}
	face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("viz: font: %w", err)
	}
	defer face.Close()
	m := face.Metrics()
	a := &Atlas{LineHeight: m.Height.Ceil(), Ascent: m.Ascent.Ceil()}
	const side = 256
	a.Image = image.NewAlpha(image.Rect(0, 0, side, side))
	x, y, rowH := 1, 1, 0
	for ch := rune(32); ch < 127; ch++ {
		dr, mask, mp, adv, ok := face.Glyph(fixed.P(0, 0), ch)
		if !ok {
			continue
		}
		w, h := dr.Dx(), dr.Dy()
		if x+w+1 > side {
			x, y, rowH = 1, y+rowH+1, 0
		}
		if y+h+1 > side {
			return nil, fmt.Errorf("viz: font size %.0f too large for the atlas", size)
		}
		draw.Draw(a.Image, image.Rect(x, y, x+w, y+h), mask, mp, draw.Src)
		a.glyphs[ch] = glyph{x: x, y: y, w: w, h: h, dx: dr.Min.X, dy: dr.Min.Y, advance: adv.Round(), ok: true}
		x += w + 1
		rowH = max(rowH, h)
	}
	return a, nil
}

// textFloats is the size of a text vertex: x, y (pixels), u, v (atlas), r, g, b, a.
const textFloats = 8

// Text appends to dst the quads (two triangles each) drawing s with its top-left corner at pixel (x, y), and
// returns dst and the text's width in pixels. Characters outside printable ASCII are drawn as '?'.
func (a *Atlas) Text(dst []float32, s string, x, y float64, c Color) ([]float32, float64) {
	pen := x
	base := y + float64(a.Ascent)
	W, H := float32(a.Image.Rect.Dx()), float32(a.Image.Rect.Dy())
	for _, r := range s {
		if r < 32 || r >= 127 || !a.glyphs[r].ok {
			r = '?'
		}
		g := a.glyphs[r]
		if g.w > 0 && g.h > 0 {
			x0, y0 := float32(pen)+float32(g.dx), float32(base)+float32(g.dy)
			x1, y1 := x0+float32(g.w), y0+float32(g.h)
			u0, v0 := float32(g.x)/W, float32(g.y)/H
			u1, v1 := float32(g.x+g.w)/W, float32(g.y+g.h)/H
			q := [4][4]float32{{x0, y0, u0, v0}, {x1, y0, u1, v0}, {x1, y1, u1, v1}, {x0, y1, u0, v1}}
			for _, k := range [6]int{0, 1, 2, 0, 2, 3} {
				dst = append(dst, q[k][0], q[k][1], q[k][2], q[k][3], c.R, c.G, c.B, c.A)
			}
		}
		pen += float64(g.advance)
	}
	return dst, pen - x
}

// Width returns the width of s in pixels.
func (a *Atlas) Width(s string) float64 {
	w := 0
	for _, r := range s {
		if r < 32 || r >= 127 || !a.glyphs[r].ok {
			r = '?'
		}
		w += a.glyphs[r].advance
	}
	return float64(w)
}
