package render

import (
	"fmt"
	"math"
)

// Oval is an oval seal, 45 × 30 mm (or 40 × 30): the name along the upper
// arc, optional horizontal text in the middle, an optional security code
// along the lower arc.
type Oval struct {
	// Name runs clockwise along the upper arc: 2 to 30 characters.
	Name string
	// Text sits in the middle: at most 10 characters.
	Text string
	// Code is the security code along the lower arc: at most 20 ASCII
	// letters and digits.
	Code string
	// Width is 45 or 40 mm; zero means 45. The height is 30 mm.
	Width float64
}

// Proportions of the oval seal, as fractions of its height H.
const (
	ovalRing     = 0.03
	ovalGap      = 0.04
	ovalNameH    = 0.16 // up to ovalNameFull characters, then × sqrt(full/n)
	ovalNameFull = 10
	ovalNameSpan = 220.0 // degrees of the ellipse's parameter
	ovalTextH    = 0.16
	ovalTextW    = 0.55 // × W, the width the middle text may take
	ovalCodeH    = 0.085
	ovalCodeSpan = 70.0
)

// ellipseArc places glyphs along an ellipse of radii a, b around c by arc
// length. The parameter t runs clockwise from 12 o'clock: the point is
// (a sin t, -b cos t) from c.
type ellipseArc struct {
	c    Point
	a, b float64
}

func (e ellipseArc) at(t float64) Point {
	return Point{e.c.X + e.a*math.Sin(t), e.c.Y - e.b*math.Cos(t)}
}

// normal is the clockwise angle from 12 o'clock of the outward normal at t.
func (e ellipseArc) normal(t float64) float64 {
	return math.Atan2(math.Sin(t)/e.a, math.Cos(t)/e.b)
}

// spread returns n parameters centred on t0 whose neighbours are pitch
// apart along the curve, measured by stepping in small increments.
func (e ellipseArc) spread(t0 float64, n int, pitch float64) []float64 {
	const step = 1e-4
	ts := make([]float64, n)
	walk := func(from, dist, dir float64) float64 {
		t, l := from, 0.0
		for l < dist {
			p, q := e.at(t), e.at(t+dir*step)
			l += math.Hypot(q.X-p.X, q.Y-p.Y)
			t += dir * step
		}
		return t
	}
	first := walk(t0, pitch*float64(n-1)/2, -1)
	ts[0] = first
	for i := 1; i < n; i++ {
		ts[i] = walk(ts[i-1], pitch, 1)
	}
	return ts
}

// length is the arc length from t0 to t1.
func (e ellipseArc) length(t0, t1 float64) float64 {
	l, steps := 0.0, 2000
	for i := range steps {
		p := e.at(t0 + (t1-t0)*float64(i)/float64(steps))
		q := e.at(t0 + (t1-t0)*float64(i+1)/float64(steps))
		l += math.Hypot(q.X-p.X, q.Y-p.Y)
	}
	return l
}

// Oval lays out an oval seal. The name follows Round's rule, measured
// along the ellipse, with widths reduced further by the tightest curvature
// (b²/a) so that neighbours on the ends of the oval do not touch.
func (r *Renderer) Oval(s Oval) (*Drawing, error) {
	W, H := s.Width, 30.0
	if W == 0 {
		W = 45
	}
	if W != 45 && W != 40 {
		return nil, fmt.Errorf("%w: oval width %v mm (want 45 or 40)", ErrInvalid, s.Width)
	}
	if err := checkOfficial(s.Name, s.Text, s.Code); err != nil {
		return nil, err
	}
	b := r.newBuilder(W, H)
	c := Point{W / 2, H / 2}
	ring, gap := ovalRing*H, ovalGap*H
	var p path
	p.ellipse(c, W/2, H/2, false)
	p.ellipse(c, W/2-ring, H/2-ring, true)
	b.shape(PartBorder, p)

	gs, err := r.glyphs(s.Name)
	if err != nil {
		return nil, err
	}
	n := len(gs)
	h := ovalNameH * H
	if n > ovalNameFull {
		h *= math.Sqrt(ovalNameFull / float64(n))
	}
	mid := ellipseArc{c, W/2 - ring - gap - h/2, H/2 - ring - gap - h/2}
	span := ovalNameSpan * math.Pi / 180
	pitch := math.Min(glyphNarrowing*h+h/3, mid.length(-span/2, span/2)/float64(n))
	rho := mid.b * mid.b / mid.a // tightest radius of curvature
	w := math.Min(glyphNarrowing*h, 0.85*pitch*(rho-h/2)/rho)
	for i, t := range mid.spread(0, n, pitch) {
		b.text([]rune(s.Name)[i], gs[i], b.tf.cjk, mid.at(t), w, h, mid.normal(t))
	}
	if err := r.lineText(b, s.Text, Point{c.X, c.Y + 0.05*H}, ovalTextH*H, ovalTextW*W); err != nil {
		return nil, err
	}
	if s.Code != "" {
		cg, err := r.glyphs(s.Code)
		if err != nil {
			return nil, err
		}
		ref, hc := b.tf.digit, ovalCodeH*H
		adv := hc * ref.advance / (ref.max.Y - ref.min.Y)
		w0 := hc * (ref.max.X - ref.min.X) / (ref.max.Y - ref.min.Y)
		low := ellipseArc{c, W/2 - ring - gap - hc/2, H/2 - ring - gap - hc/2}
		cspan := ovalCodeSpan * math.Pi / 180
		cp := math.Min(1.1*adv, low.length(math.Pi-cspan/2, math.Pi+cspan/2)/float64(len(cg)))
		wc := w0 * math.Min(1, cp/(1.1*adv))
		ts := low.spread(-math.Pi, len(cg), cp) // runs left to right along the bottom
		for i, t := range ts {
			// Going clockwise from -π walks the bottom right to left, so
			// read the parameters backwards.
			t = ts[len(ts)-1-i]
			b.text(rune(s.Code[i]), cg[i], ref, low.at(t), wc, hc, low.normal(t)-math.Pi)
		}
	}
	return &b.d, nil
}
