package render

import (
	"fmt"
	"math"
)

// Round is a round official seal (公章): a ring, a five-pointed star in the
// middle, the organisation's name along the upper arc, optional horizontal
// text under the star and an optional security code along the lower arc.
type Round struct {
	// Name runs clockwise along the upper arc: 2 to 30 characters.
	Name string
	// Text sits under the star, e.g. 合同专用章: at most 10 characters.
	Text string
	// Code is the security code (防伪码) along the lower arc: at most 20
	// ASCII letters and digits.
	Code string
	// Diameter is 38, 40 or 42 mm; zero means 42.
	Diameter float64
}

// Proportions of the round seal, as fractions of the diameter D. They follow
// the 42 mm official seal: a 1.2 mm ring, a 14 mm star, 6.5 mm name glyphs.
const (
	roundRing      = 0.03  // ring width
	roundGap       = 0.025 // clearance between the ring and any text
	roundStar      = 0.17  // star radius
	roundNameH     = 0.155 // name glyph height, up to roundNameFull characters
	roundNameFull  = 12
	roundNameSpan  = 240.0 // degrees of upper arc the name may take
	roundTextY     = 0.235 // horizontal text centre, below the seal centre
	roundTextH     = 0.1
	roundTextW     = 0.5 // width the horizontal text may take
	roundCodeH     = 0.055
	roundCodeSpan  = 90.0 // degrees of lower arc the code may take
	glyphNarrowing = 0.8  // width of a CJK glyph cell relative to its height at full size
)

// Round lays out a round seal.
//
// The name rule: glyphs are roundNameH·D tall for up to 12 characters and
// shrink by sqrt(12/n) beyond. Glyph centres are spaced by the smaller of
// the natural pitch (glyph width plus a third of its height) and 240°/n, so
// the name never takes more than 240° of arc. A glyph's width is the smaller
// of 0.8 × its height and 85% of the arc between neighbours at the glyph's
// inner edge, so neighbours never touch. The arc radius puts each glyph's
// outer corners a clearance inside the ring.
func (r *Renderer) Round(s Round) (*Drawing, error) {
	d := s.Diameter
	if d == 0 {
		d = 42
	}
	if d != 38 && d != 40 && d != 42 {
		return nil, fmt.Errorf("%w: round seal diameter %v mm (want 38, 40 or 42)", ErrInvalid, s.Diameter)
	}
	if err := checkOfficial(s.Name, s.Text, s.Code); err != nil {
		return nil, err
	}
	b := r.newBuilder(d, d)
	c := Point{d / 2, d / 2}
	var ring path
	ring.ellipse(c, d/2, d/2, false)
	ring.ellipse(c, d/2-roundRing*d, d/2-roundRing*d, true)
	b.shape(PartBorder, ring)
	var st path
	st.polygon(star(c, roundStar*d))
	b.shape(PartStar, st)

	inner := d/2 - roundRing*d - roundGap*d // text stays inside this radius
	if err := r.arcName(b, s.Name, c, inner, inner, d*roundNameH, roundNameSpan); err != nil {
		return nil, err
	}
	if err := r.lineText(b, s.Text, Point{c.X, c.Y + roundTextY*d}, roundTextH*d, roundTextW*d); err != nil {
		return nil, err
	}
	if err := r.arcCode(b, s.Code, c, inner, roundCodeH*d, roundCodeSpan); err != nil {
		return nil, err
	}
	return &b.d, nil
}

// arcName lays name clockwise along the upper arc of the circle of radius
// inner (rx = ry) around c, glyph tops outward; see Round for the rule.
func (r *Renderer) arcName(b *builder, name string, c Point, rx, ry, h0, spanDeg float64) error {
	gs, err := r.glyphs(name)
	if err != nil {
		return err
	}
	n := float64(len(gs))
	h := h0
	if n > roundNameFull {
		h = h0 * math.Sqrt(roundNameFull/n)
	}
	span := spanDeg * math.Pi / 180
	rOut := math.Min(rx, ry)
	rc, w, pitch := rOut-h/2, glyphNarrowing*h, 0.0
	for range 4 { // w and rc depend on each other; this settles in a few rounds
		pitch = math.Min((glyphNarrowing*h+h/3)/rc, span/n)
		w = math.Min(glyphNarrowing*h, 0.85*(rc-h/2)*pitch)
		rc = math.Sqrt(rOut*rOut-w*w/4) - h/2
	}
	for i, g := range gs {
		a := (float64(i) - (n-1)/2) * pitch // clockwise from 12 o'clock
		at := Point{c.X + rc*math.Sin(a), c.Y - rc*math.Cos(a)}
		b.text([]rune(name)[i], g, b.tf.cjk, at, w, h, a)
	}
	return nil
}

// lineText centres text horizontally at c, glyphs h tall, within width.
func (r *Renderer) lineText(b *builder, text string, c Point, h, width float64) error {
	if text == "" {
		return nil
	}
	gs, err := r.glyphs(text)
	if err != nil {
		return err
	}
	n := float64(len(gs))
	pitch := math.Min(1.05*h, width/n)
	w := math.Min(0.85*h, 0.88*pitch)
	for i, g := range gs {
		x := c.X + (float64(i)-(n-1)/2)*pitch
		b.text([]rune(text)[i], g, b.tf.cjk, Point{x, c.Y}, w, h, 0)
	}
	return nil
}

// arcCode lays code left to right along the lower arc inside radius inner,
// glyph bottoms outward, within spanDeg degrees.
func (r *Renderer) arcCode(b *builder, code string, c Point, inner, h, spanDeg float64) error {
	if code == "" {
		return nil
	}
	gs, err := r.glyphs(code)
	if err != nil {
		return err
	}
	ref := b.tf.digit
	n := float64(len(gs))
	w0 := h * (ref.max.X - ref.min.X) / (ref.max.Y - ref.min.Y) // natural width of 0 at height h
	advance := h * ref.advance / (ref.max.Y - ref.min.Y)
	rc := math.Sqrt(inner*inner-advance*advance/4) - h/2
	pitch := math.Min(1.1*advance/rc, spanDeg*math.Pi/180/n)
	w := w0 * math.Min(1, pitch*rc/(1.1*advance))
	for i, g := range gs {
		a := math.Pi + ((n-1)/2-float64(i))*pitch // from 12 o'clock; left of 6 o'clock first
		at := Point{c.X + rc*math.Sin(a), c.Y - rc*math.Cos(a)}
		b.text(rune(code[i]), g, ref, at, w, h, a-math.Pi)
	}
	return nil
}
