package imageproc

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/image/vector"
)

// Bounds on hand-drawn input.
const (
	// MaxStrokePoints bounds the total number of points of a signature.
	MaxStrokePoints = 20000
	// maxCoord bounds a coordinate's magnitude; drawing pads report a few
	// thousand at most.
	maxCoord = 1e6
)

// Strokes renders a hand-drawn signature: each stroke is smoothed with a
// Catmull-Rom spline, drawn anti-aliased with a pen that thins mildly when
// the stroke is fast (if T is given), and the drawing is scaled and centred
// into the canvas with a margin. It returns [ErrEmpty] when there is
// nothing to draw and [ErrInvalid] for non-finite or absurd coordinates,
// more than [MaxStrokePoints] points or a bad canvas size.
func Strokes(strokes [][]Point, opts SignatureOptions) (*Result, error) {
	c, w, h, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("draw signature: %w", err)
	}
	total := 0
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range strokes {
		total += len(s)
		if total > MaxStrokePoints {
			return nil, fmt.Errorf("draw signature: more than %d points: %w", MaxStrokePoints, ErrInvalid)
		}
		for _, p := range s {
			if !(math.Abs(p.X) <= maxCoord && math.Abs(p.Y) <= maxCoord) { // also catches NaN
				return nil, fmt.Errorf("draw signature: coordinate (%g, %g) out of range: %w", p.X, p.Y, ErrInvalid)
			}
			minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
		}
	}
	if total < 2 {
		return nil, fmt.Errorf("draw signature: %d points: %w", total, ErrEmpty)
	}
	side := float64(min(w, h))
	pen := max(1.5, side/70) // pen radius in canvas pixels
	// A tiny scribble is enlarged at most 20 pen widths per pad unit so a
	// dot stays a dot.
	f := newFit(minX, minY, maxX, maxY, w, h, side/10+pen, 20*pen)

	z := vector.NewRasterizer(w, h)
	for _, s := range strokes {
		drawStroke(z, dedupe(s), f, pen)
	}
	return encode(paint(z, c))
}

// dedupe drops consecutive repeats, which carry no direction.
func dedupe(s []Point) []Point {
	return slices.CompactFunc(slices.Clone(s), func(a, b Point) bool { return a.X == b.X && a.Y == b.Y })
}

// widths gives each point a pen-radius factor from the local speed: about
// 1.2 when slow, 0.75 when fast, relative to this stroke's median speed,
// and 1 everywhere without usable timestamps.
func widths(s []Point) []float64 {
	k := make([]float64, len(s))
	for i := range k {
		k[i] = 1
	}
	speeds := make([]float64, 0, len(s))
	for i := 1; i < len(s); i++ {
		dt := s[i].T - s[i-1].T
		if dt <= 0 {
			return k // no timestamps, or not increasing: constant width
		}
		speeds = append(speeds, math.Hypot(s[i].X-s[i-1].X, s[i].Y-s[i-1].Y)/float64(dt))
	}
	if len(speeds) == 0 {
		return k
	}
	sorted := slices.Sorted(slices.Values(speeds))
	med := sorted[len(sorted)/2]
	if med <= 0 {
		return k
	}
	for i := range k {
		// A point's speed is the mean of its two segments, which smooths
		// the jitter of pad timestamps.
		v := speeds[min(i, len(speeds)-1)]
		if i > 0 && i < len(speeds) {
			v = (speeds[i-1] + speeds[i]) / 2
		}
		k[i] = min(1.2, max(0.75, 1.3-0.3*v/med))
	}
	return k
}

// drawStroke samples the Catmull-Rom spline through the stroke's points
// about every pixel and sweeps a round pen along it.
func drawStroke(z *vector.Rasterizer, s []Point, f fit, pen float64) {
	if len(s) == 0 {
		return
	}
	k := widths(s)
	pt := func(i int) (float64, float64) {
		i = min(max(i, 0), len(s)-1)
		x, y := f.apply(s[i].X, s[i].Y)
		return float64(x), float64(y)
	}
	x0, y0 := pt(0)
	r0 := pen * k[0]
	disc(z, x0, y0, r0)
	for i := 0; i+1 < len(s); i++ {
		ax, ay := pt(i - 1)
		bx, by := pt(i)
		cx, cy := pt(i + 1)
		dx, dy := pt(i + 2)
		n := max(1, int(math.Ceil(math.Hypot(cx-bx, cy-by))))
		for j := 1; j <= n; j++ {
			t := float64(j) / float64(n)
			x, y := catmullRom(ax, bx, cx, dx, t), catmullRom(ay, by, cy, dy, t)
			r := pen * (k[i] + (k[i+1]-k[i])*t)
			capsule(z, x0, y0, r0, x, y, r)
			disc(z, x, y, r)
			x0, y0, r0 = x, y, r
		}
	}
}

// catmullRom evaluates the uniform Catmull-Rom segment from p1 to p2.
func catmullRom(p0, p1, p2, p3, t float64) float64 {
	t2, t3 := t*t, t*t*t
	return 0.5 * (2*p1 + (-p0+p2)*t + (2*p0-5*p1+4*p2-p3)*t2 + (-p0+3*p1-3*p2+p3)*t3)
}
