package imageproc

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// Signature canvas defaults and limits.
const (
	// DefaultSignatureWidthPx and DefaultSignatureHeightPx are the canvas
	// size when SignatureOptions leaves it 0.
	DefaultSignatureWidthPx  = 600
	DefaultSignatureHeightPx = 300
	// minCanvasPx bounds a signature canvas side from below; MaxSidePx
	// bounds it from above.
	minCanvasPx = 32
)

// Point is one sample of a hand-drawn stroke, in the drawing pad's
// coordinates (any scale; the drawing is fitted to the canvas).
type Point struct {
	X, Y float64
	T    int64 // milliseconds, optional: when increasing, fast strokes draw thinner
}

// SignatureOptions controls [Typed] and [Strokes].
type SignatureOptions struct {
	Color             color.NRGBA // zero value = black; alpha is ignored
	WidthPx, HeightPx int         // 0 = 600×300
}

// resolve applies the defaults and checks the canvas size.
func (o SignatureOptions) resolve() (color.NRGBA, int, int, error) {
	c := o.Color
	c.A = 0xFF
	w, h := o.WidthPx, o.HeightPx
	if w == 0 {
		w = DefaultSignatureWidthPx
	}
	if h == 0 {
		h = DefaultSignatureHeightPx
	}
	if w < minCanvasPx || h < minCanvasPx || w > MaxSidePx || h > MaxSidePx {
		return c, 0, 0, fmt.Errorf("canvas %d×%d outside %d..%d px: %w", w, h, minCanvasPx, MaxSidePx, ErrInvalid)
	}
	return c, w, h, nil
}

// fit is the uniform scale and offset that centres a box of the given
// bounds in a w×h canvas with margin m on every side.
type fit struct{ scale, dx, dy float64 }

func newFit(minX, minY, maxX, maxY float64, w, h int, m, maxScale float64) fit {
	bw, bh := maxX-minX, maxY-minY
	s := maxScale
	if bw > 0 {
		s = min(s, (float64(w)-2*m)/bw)
	}
	if bh > 0 {
		s = min(s, (float64(h)-2*m)/bh)
	}
	return fit{
		scale: s,
		dx:    float64(w)/2 - s*(minX+maxX)/2,
		dy:    float64(h)/2 - s*(minY+maxY)/2,
	}
}

func (f fit) apply(x, y float64) (float32, float32) {
	return float32(x*f.scale + f.dx), float32(y*f.scale + f.dy)
}

// paint fills the rasterised coverage with c on a transparent canvas.
func paint(z *vector.Rasterizer, c color.NRGBA) *image.NRGBA {
	w, h := z.Size().X, z.Size().Y
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	out := image.NewNRGBA(mask.Bounds())
	for i, a := range mask.Pix {
		if a == 0 {
			continue
		}
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = c.R, c.G, c.B, a
	}
	return out
}

// disc adds a circle of radius r at (x, y). It winds the same way as the
// quads of [capsule], so overlapping pieces add up instead of cancelling.
func disc(z *vector.Rasterizer, x, y, r float64) {
	n := max(12, min(64, int(r*4)))
	z.MoveTo(float32(x+r), float32(y))
	for i := 1; i < n; i++ {
		t := -2 * math.Pi * float64(i) / float64(n)
		z.LineTo(float32(x+r*math.Cos(t)), float32(y+r*math.Sin(t)))
	}
	z.ClosePath()
}

// capsule adds the quad between two pen positions of radius r0 and r1.
func capsule(z *vector.Rasterizer, x0, y0, r0, x1, y1, r1 float64) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l, dx/l
	z.MoveTo(float32(x0+nx*r0), float32(y0+ny*r0))
	z.LineTo(float32(x1+nx*r1), float32(y1+ny*r1))
	z.LineTo(float32(x1-nx*r1), float32(y1-ny*r1))
	z.LineTo(float32(x0-nx*r0), float32(y0-ny*r0))
	z.ClosePath()
}
