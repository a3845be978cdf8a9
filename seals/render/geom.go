package render

import "math"

// Point is a position in millimetres, x to the right and y down, with the
// origin at the top left of the seal.
type Point struct{ X, Y float64 }

// op is a path operation.
type op uint8

const (
	opMove op = iota
	opLine
	opQuad
	opCube
	opClose
)

// points is how many points an operation takes.
func (o op) points() int { return [...]int{opMove: 1, opLine: 1, opQuad: 2, opCube: 3, opClose: 0}[o] }

// seg is one path operation; pts holds 1 (move, line), 2 (quad) or 3 (cube)
// points, the last being the end point.
type seg struct {
	op  op
	pts [3]Point
}

// path is a filled outline, non-zero winding. Holes wind the other way.
type path []seg

func (p *path) moveTo(a Point)       { *p = append(*p, seg{op: opMove, pts: [3]Point{a}}) }
func (p *path) lineTo(a Point)       { *p = append(*p, seg{op: opLine, pts: [3]Point{a}}) }
func (p *path) quadTo(a, b Point)    { *p = append(*p, seg{op: opQuad, pts: [3]Point{a, b}}) }
func (p *path) cubeTo(a, b, c Point) { *p = append(*p, seg{op: opCube, pts: [3]Point{a, b, c}}) }
func (p *path) close()               { *p = append(*p, seg{op: opClose}) }

// kappa places cubic control points that approximate a quarter ellipse.
const kappa = 0.5522847498307936

// ellipse adds a closed ellipse, clockwise on screen, or anticlockwise when
// hole is set so that it cuts out of an enclosing clockwise shape.
func (p *path) ellipse(c Point, rx, ry float64, hole bool) {
	dir := 1.0
	if hole {
		dir = -1
	}
	at := func(t float64) Point { return Point{c.X + rx*math.Cos(t), c.Y + ry*math.Sin(t)} }
	// d is the derivative at t, scaled to a quarter arc's handle length.
	d := func(t float64) Point { return Point{-rx * math.Sin(t) * kappa * dir, ry * math.Cos(t) * kappa * dir} }
	p.moveTo(at(0))
	for i := 0; i < 4; i++ {
		t0, t1 := dir*float64(i)*math.Pi/2, dir*float64(i+1)*math.Pi/2
		a, b, e := at(t0), at(t1), d(t0)
		f := d(t1)
		p.cubeTo(Point{a.X + e.X, a.Y + e.Y}, Point{b.X - f.X, b.Y - f.Y}, b)
	}
	p.close()
}

// rectangle adds a closed rectangle, clockwise, or anticlockwise when hole.
func (p *path) rectangle(min, max Point, hole bool) {
	pts := []Point{min, {max.X, min.Y}, max, {min.X, max.Y}}
	if hole {
		pts = []Point{min, {min.X, max.Y}, max, {max.X, min.Y}}
	}
	p.polygon(pts)
}

func (p *path) polygon(pts []Point) {
	p.moveTo(pts[0])
	for _, a := range pts[1:] {
		p.lineTo(a)
	}
	p.close()
}

// star returns the corners of a five-pointed star with one point up.
func star(c Point, r float64) []Point {
	inner := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10) // ≈ 0.382 r: the points' edges line up
	pts := make([]Point, 10)
	for i := range pts {
		rr := r
		if i%2 == 1 {
			rr = inner
		}
		a := float64(i) * math.Pi / 5
		pts[i] = Point{c.X + rr*math.Sin(a), c.Y - rr*math.Cos(a)}
	}
	return pts
}

// affine maps glyph space to seal space: p' = o + R(angle)·(sx·x, sy·y).
// With y down, a positive angle turns clockwise on screen.
type affine struct {
	o        Point
	sx, sy   float64
	cos, sin float64
}

func newAffine(o Point, sx, sy, angle float64) affine {
	return affine{o: o, sx: sx, sy: sy, cos: math.Cos(angle), sin: math.Sin(angle)}
}

func (a affine) apply(x, y float64) Point {
	x, y = x*a.sx, y*a.sy
	return Point{a.o.X + x*a.cos - y*a.sin, a.o.Y + x*a.sin + y*a.cos}
}
