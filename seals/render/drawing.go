package render

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"golang.org/x/image/vector"

	"signet/internal/inkpng"
)

// ErrInvalid is returned, wrapped with the field and reason, for seal
// specifications and options that cannot be drawn.
var ErrInvalid = errors.New("invalid seal")

// Color is an ink colour.
type Color string

// The ink colours seals come in; the zero Color is Red.
const (
	Red    Color = "red"
	Blue   Color = "blue"
	Black  Color = "black"
	Purple Color = "purple"
)

// RGB returns the colour's ink, or false for an unknown colour.
func (c Color) RGB() (color.RGBA, bool) {
	switch c {
	case Red, "":
		return color.RGBA{0xE6, 0x00, 0x12, 0xFF}, true
	case Blue:
		return color.RGBA{0x1E, 0x50, 0xA2, 0xFF}, true
	case Black:
		return color.RGBA{0x00, 0x00, 0x00, 0xFF}, true
	case Purple:
		return color.RGBA{0x7B, 0x1F, 0xA2, 0xFF}, true
	}
	return color.RGBA{}, false
}

// DefaultDPI is the resolution used when Options.DPI is zero; MinDPI and
// MaxDPI bound the others.
const (
	DefaultDPI = 400
	MinDPI     = 360
	MaxDPI     = 2400
)

// Options say how a Drawing is output. The zero Options mean red, opaque,
// 400 DPI.
type Options struct {
	// Color is the ink; zero means Red.
	Color Color
	// Opacity is in (0, 1]; zero means 1.
	Opacity float64
	// DPI is the raster resolution, MinDPI to MaxDPI; zero means DefaultDPI.
	DPI int
}

func (o Options) resolve() (color.RGBA, float64, int, error) {
	ink, ok := o.Color.RGB()
	if !ok {
		return ink, 0, 0, fmt.Errorf("%w: colour %q (want red, blue, black or purple)", ErrInvalid, o.Color)
	}
	opacity, dpi := o.Opacity, o.DPI
	if opacity == 0 {
		opacity = 1
	}
	if dpi == 0 {
		dpi = DefaultDPI
	}
	if !(opacity > 0 && opacity <= 1) {
		return ink, 0, 0, fmt.Errorf("%w: opacity %v (want 0 < opacity <= 1)", ErrInvalid, o.Opacity)
	}
	if dpi < MinDPI || dpi > MaxDPI {
		return ink, 0, 0, fmt.Errorf("%w: dpi %d (want %d to %d)", ErrInvalid, dpi, MinDPI, MaxDPI)
	}
	return ink, opacity, dpi, nil
}

// PartKind says what a Part of a drawing is.
type PartKind int

// The kinds of Part.
const (
	PartBorder PartKind = iota // the ring, oval or frame
	PartStar                   // the five-pointed star
	PartText                   // one character
)

// Part is one shape of a seal.
type Part struct {
	// Kind is what the part is.
	Kind PartKind
	// Rune is the character of a PartText.
	Rune rune
	// Box is the part's ink bounding box in seal space, turned with the
	// part: four corners in order around the box.
	Box [4]Point

	outline path
}

// Drawing is a laid-out seal, in millimetres, ready to be output.
type Drawing struct {
	// Width and Height are the seal's size in millimetres.
	Width, Height float64
	// Parts are the seal's shapes, in drawing order.
	Parts []Part
}

// SizePx returns the raster size at dpi: millimetres × dpi / 25.4, rounded.
func (d *Drawing) SizePx(dpi int) (w, h int) {
	s := float64(dpi) / 25.4
	return int(math.Round(d.Width * s)), int(math.Round(d.Height * s))
}

// Image rasterises d, anti-aliased, onto a transparent RGBA image.
func (d *Drawing) Image(o Options) (*image.RGBA, error) {
	ink, opacity, dpi, err := o.resolve()
	if err != nil {
		return nil, err
	}
	w, h := d.SizePx(dpi)
	sx, sy := float64(w)/d.Width, float64(h)/d.Height
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	var z vector.Rasterizer
	for _, p := range d.Parts {
		// Each part is rasterised over its own box only: a full-size
		// rasterizer per glyph costs more than the glyph.
		lo, hi := p.Box[0], p.Box[0]
		for _, v := range p.Box[1:] {
			lo = Point{min(lo.X, v.X), min(lo.Y, v.Y)}
			hi = Point{max(hi.X, v.X), max(hi.Y, v.Y)}
		}
		r := image.Rect(int(math.Floor(lo.X*sx))-1, int(math.Floor(lo.Y*sy))-1, int(math.Ceil(hi.X*sx))+1, int(math.Ceil(hi.Y*sy))+1).Intersect(mask.Bounds())
		if r.Empty() {
			continue
		}
		z.Reset(r.Dx(), r.Dy())
		pt := func(a Point) (float32, float32) {
			return float32(a.X*sx - float64(r.Min.X)), float32(a.Y*sy - float64(r.Min.Y))
		}
		for _, s := range p.outline {
			switch s.op {
			case opMove:
				z.MoveTo(pt(s.pts[0]))
			case opLine:
				z.LineTo(pt(s.pts[0]))
			case opQuad:
				x1, y1 := pt(s.pts[0])
				x2, y2 := pt(s.pts[1])
				z.QuadTo(x1, y1, x2, y2)
			case opCube:
				x1, y1 := pt(s.pts[0])
				x2, y2 := pt(s.pts[1])
				x3, y3 := pt(s.pts[2])
				z.CubeTo(x1, y1, x2, y2, x3, y3)
			case opClose:
				z.ClosePath()
			}
		}
		z.Draw(mask, r, image.Opaque, image.Point{})
	}
	img := image.NewRGBA(mask.Bounds())
	for i, a := range mask.Pix {
		if a == 0 {
			continue
		}
		alpha := uint32(math.Round(float64(a) * opacity)) // premultiplied RGBA
		img.Pix[4*i+0] = uint8((uint32(ink.R)*alpha + 127) / 255)
		img.Pix[4*i+1] = uint8((uint32(ink.G)*alpha + 127) / 255)
		img.Pix[4*i+2] = uint8((uint32(ink.B)*alpha + 127) / 255)
		img.Pix[4*i+3] = uint8(alpha)
	}
	return img, nil
}

// PNG returns d as a transparent PNG: an ink picture ([inkpng]), the ink
// colour with 16 levels of coverage, which PDFs carry without decoding it.
// The encoder settings are fixed and PNG carries no time, so the same
// drawing and options give the same bytes.
func (d *Drawing) PNG(o Options) ([]byte, error) {
	img, err := d.Image(o)
	if err != nil {
		return nil, err
	}
	ink, _, _, _ := o.resolve()
	b := img.Bounds()
	alpha := make([]byte, b.Dx()*b.Dy())
	for i := range alpha {
		alpha[i] = img.Pix[4*i+3]
	}
	data, err := inkpng.Encode(color.NRGBA{ink.R, ink.G, ink.B, 0xff}, alpha, b.Dx(), b.Dy())
	if err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return data, nil
}

// SVG returns d as an SVG document sized in millimetres. Options.DPI is
// checked but otherwise unused.
func (d *Drawing) SVG(o Options) ([]byte, error) {
	ink, opacity, _, err := o.resolve()
	if err != nil {
		return nil, err
	}
	num := func(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%smm" height="%smm" viewBox="0 0 %s %s">`,
		num(d.Width), num(d.Height), num(d.Width), num(d.Height))
	fmt.Fprintf(&b, "\n<g fill=\"#%02X%02X%02X\" fill-opacity=\"%s\" fill-rule=\"nonzero\">\n", ink.R, ink.G, ink.B, num(opacity))
	for _, p := range d.Parts {
		b.WriteString(`<path d="`)
		for i, s := range p.outline {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString([]string{"M", "L", "Q", "C", "Z"}[s.op])
			for j, a := range s.pts[:s.op.points()] {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(num(a.X) + "," + num(a.Y))
			}
		}
		b.WriteString("\"/>\n")
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes(), nil
}

// builder collects parts while a style lays out its seal.
type builder struct {
	tf *typeface
	d  Drawing
}

func (b *builder) shape(kind PartKind, p path) {
	first := true
	var lo, hi Point
	for _, s := range p {
		for _, a := range s.pts[:s.op.points()] {
			if first {
				lo, hi, first = a, a, false
			}
			lo = Point{min(lo.X, a.X), min(lo.Y, a.Y)}
			hi = Point{max(hi.X, a.X), max(hi.Y, a.Y)}
		}
	}
	b.d.Parts = append(b.d.Parts, Part{Kind: kind, Box: [4]Point{lo, {hi.X, lo.Y}, hi, {lo.X, hi.Y}}, outline: p})
}

// text adds g, a glyph of the reference ref, so that ref's ink box would
// fill a w × h mm cell centred at c, turned clockwise by angle radians.
func (b *builder) text(ch rune, g, ref glyph, c Point, w, h, angle float64) {
	sx := w / (ref.max.X - ref.min.X)
	sy := h / (ref.max.Y - ref.min.Y)
	cx, cy := g.advance/2, (ref.min.Y+ref.max.Y)/2
	m := newAffine(c, sx, sy, angle)
	tr := func(a Point) Point { return m.apply(a.X-cx, a.Y-cy) }
	out := make(path, len(g.outline))
	for i, s := range g.outline {
		out[i].op = s.op
		for j := range s.pts[:s.op.points()] {
			out[i].pts[j] = tr(s.pts[j])
		}
	}
	b.d.Parts = append(b.d.Parts, Part{
		Kind: PartText, Rune: ch, outline: out,
		Box: [4]Point{tr(g.min), tr(Point{g.max.X, g.min.Y}), tr(g.max), tr(Point{g.min.X, g.max.Y})},
	})
}
