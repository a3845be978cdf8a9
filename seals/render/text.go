package render

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Bounds of [Renderer.Text]: the font size in millimetres and the length of
// the line in characters.
const (
	MinTextSize = 1.0
	MaxTextSize = 100.0
	MaxTextLen  = 200
)

// Text lays out s as one line of upright text whose font size (the em
// square) is sizeMM millimetres, for the visible parts of a signature such
// as its date. Glyphs follow each other by the font's advances, with the
// font's kerning where it has a kern table.
//
// The Drawing is as tall as the font's ascent plus descent, widened where a
// glyph's ink reaches beyond them, and as wide as the advances, widened
// where ink overhangs the first or last advance; so no ink is ever cut off.
// Every printing character is a [Part] of kind [PartText]; spaces advance
// but add no Part.
//
// s must be 1 to [MaxTextLen] printable characters, not all spaces (ASCII
// spaces are allowed; tabs, line breaks and other spaces are not), and
// sizeMM from [MinTextSize] to [MaxTextSize]; otherwise, or when the font
// lacks a character, the error wraps [ErrInvalid].
func (r *Renderer) Text(s string, sizeMM float64) (*Drawing, error) {
	if !(sizeMM >= MinTextSize && sizeMM <= MaxTextSize) {
		return nil, fmt.Errorf("%w: text size %v mm (want %v to %v)", ErrInvalid, sizeMM, MinTextSize, MaxTextSize)
	}
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < 1 || n > MaxTextLen {
		return nil, fmt.Errorf("%w: text %q has %d characters (want 1 to %d)", ErrInvalid, s, n, MaxTextLen)
	}
	for _, ch := range s {
		if !unicode.IsPrint(ch) { // IsPrint allows U+0020 but no other space
			return nil, fmt.Errorf("%w: text %q contains %q", ErrInvalid, s, ch)
		}
	}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: text %q has nothing to draw", ErrInvalid, s)
	}
	gs, err := r.glyphs(s)
	if err != nil {
		return nil, err
	}

	var buf sfnt.Buffer
	f := r.tf.font
	m, err := f.Metrics(&buf, fixed.I(em), font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("text %q: font metrics: %w", s, err)
	}
	// The line box in glyph space (em units, y down, baseline at 0), widened
	// below to cover all ink.
	top, bottom := -float64(m.Ascent)/64, float64(m.Descent)/64
	left, right := 0.0, 0.0
	pens := make([]float64, len(gs))
	pen := 0.0
	runes := []rune(s)
	for i, g := range gs {
		if i > 0 {
			pen += kern(f, &buf, runes[i-1], runes[i])
		}
		pens[i] = pen
		if len(g.outline) > 0 {
			left, right = math.Min(left, pen+g.min.X), math.Max(right, pen+g.max.X)
			top, bottom = math.Min(top, g.min.Y), math.Max(bottom, g.max.Y)
		}
		pen += g.advance
	}
	right = math.Max(right, pen)

	scale := sizeMM / em
	b := r.newBuilder((right-left)*scale, (bottom-top)*scale)
	for i, g := range gs {
		if len(g.outline) == 0 {
			continue
		}
		tr := func(a Point) Point { return Point{(pens[i] + a.X - left) * scale, (a.Y - top) * scale} }
		out := make(path, len(g.outline))
		for j, sg := range g.outline {
			out[j].op = sg.op
			for k := range sg.pts[:sg.op.points()] {
				out[j].pts[k] = tr(sg.pts[k])
			}
		}
		b.d.Parts = append(b.d.Parts, Part{
			Kind: PartText, Rune: runes[i], outline: out,
			Box: [4]Point{tr(g.min), tr(Point{g.max.X, g.min.Y}), tr(g.max), tr(Point{g.min.X, g.max.Y})},
		})
	}
	return &b.d, nil
}

// kern returns the kerning between a and b in em units: zero when the font
// has no kern table or no pair for them, which is the common case for CJK
// fonts and not an error.
func kern(f *sfnt.Font, buf *sfnt.Buffer, a, b rune) float64 {
	ia, err := f.GlyphIndex(buf, a)
	if err != nil {
		return 0
	}
	ib, err := f.GlyphIndex(buf, b)
	if err != nil {
		return 0
	}
	k, err := f.Kern(buf, ia, ib, fixed.I(em), font.HintingNone)
	if err != nil {
		return 0
	}
	return float64(k) / 64
}

// Line draws text as a transparent PNG, heightPt points tall (the font's
// full line, ascent plus descent) at dpi, in ink, and returns it with its
// width in points: what a date or a filled-in form value needs to sit on
// a PDF page. Errors wrap [ErrInvalid].
func (r *Renderer) Line(text string, heightPt float64, ink Color, dpi int) ([]byte, float64, error) {
	if !(heightPt > 0 && heightPt <= 1000) {
		return nil, 0, fmt.Errorf("%w: line height %v pt", ErrInvalid, heightPt)
	}
	// A Drawing's size is proportional to the font size, so one drawing at
	// a reference size gives the font size for the wanted height.
	const refMM = 10.0
	ref, err := r.Text(text, refMM)
	if err != nil {
		return nil, 0, err
	}
	d, err := r.Text(text, heightPt*25.4/72*refMM/ref.Height)
	if err != nil {
		return nil, 0, err
	}
	b, err := d.PNG(Options{Color: ink, DPI: dpi})
	if err != nil {
		return nil, 0, err
	}
	return b, d.Width * 72 / 25.4, nil
}
