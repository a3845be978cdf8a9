package render_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"testing"

	"signet/seals/render"
	"signet/seals/render/rendertest"
)

func TestRoundSize(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	for _, mm := range []float64{38, 40, 42} {
		d, err := r.Round(render.Round{Name: name(8), Diameter: mm})
		if err != nil {
			t.Fatal(err)
		}
		for _, dpi := range []int{360, 400, 600} {
			img := mustPNG(t, d, render.Options{DPI: dpi})
			want := mm * float64(dpi) / 25.4
			if b := img.Bounds(); math.Abs(float64(b.Dx())-want) > 1 || math.Abs(float64(b.Dy())-want) > 1 {
				t.Errorf("%v mm at %d dpi: %v, want %.1f px", mm, dpi, b, want)
			}
		}
	}
}

func TestRoundPixels(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	d, err := r.Round(render.Round{Name: name(10), Text: "合同专用章", Code: "1101050123456"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []render.Color{render.Red, render.Blue, render.Black, render.Purple} {
		t.Run(string(c), func(t *testing.T) {
			img := mustPNG(t, d, render.Options{Color: c})
			ink, _ := c.RGB()
			b := img.Bounds()
			px := func(fx, fy float64) (uint8, uint8, uint8, uint8) {
				return alpha(img, int(fx*float64(b.Dx())), int(fy*float64(b.Dy())))
			}
			for _, at := range [][2]float64{{0, 0}, {0.999, 0}, {0, 0.999}, {0.999, 0.999}, {0.5, 0.5 - 0.23}, {0.5 - 0.23, 0.5}} {
				if _, _, _, a := px(at[0], at[1]); a != 0 {
					t.Errorf("background at %v has alpha %d", at, a)
				}
			}
			if cr, cg, cb, a := px(0.5, 0.015); a != 255 || cr != ink.R || cg != ink.G || cb != ink.B {
				t.Errorf("ring pixel %d,%d,%d,%d, want %v", cr, cg, cb, a, ink)
			}
			solid := 0
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					cr, cg, cb, a := alpha(img, x, y)
					if a == 255 {
						solid++
						if cr != ink.R || cg != ink.G || cb != ink.B {
							t.Fatalf("solid pixel %d,%d is %d,%d,%d, want %v", x, y, cr, cg, cb, ink)
						}
					}
				}
			}
			if solid < b.Dx()*b.Dy()/20 {
				t.Errorf("only %d solid pixels", solid)
			}
		})
	}
	t.Run("Opacity", func(t *testing.T) {
		img := mustPNG(t, d, render.Options{Opacity: 0.5})
		// 128, rounded to the nearest of inkpng's 16 levels (8 × 17).
		if _, _, _, a := alpha(img, img.Bounds().Dx()/2, img.Bounds().Dy()/2); a != 136 {
			t.Errorf("star centre alpha %d at opacity 0.5, want 136", a)
		}
	})
}

// TestRoundLayout checks, for names of 2 to 30 characters with the longest
// text and code, that every glyph's ink box lies inside the ring, that no
// two glyph boxes (nor a glyph and the star) overlap, and that each glyph's
// rasterised ink lies within its box.
func TestRoundLayout(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	for _, n := range []int{2, 8, 15, 30} {
		for _, mm := range []float64{38, 42} {
			s := render.Round{Name: name(n), Text: "合同专用章甲乙丙丁戊", Code: "A1B2C3D4E5F6G7H8J9K0", Diameter: mm}
			d, err := r.Round(s)
			if err != nil {
				t.Fatal(err)
			}
			parts := texts(d)
			if want := n + 10 + 20; len(parts) != want {
				t.Fatalf("%d characters: %d text parts, want %d", n, len(parts), want)
			}
			if got := string(runes(parts[:n])); got != s.Name {
				t.Errorf("name laid out as %q", got)
			}
			inner := mm/2 - 0.03*mm
			var starBox [4]render.Point
			for _, p := range d.Parts {
				if p.Kind == render.PartStar {
					starBox = p.Box
				}
			}
			for i, p := range parts {
				for _, v := range p.Box {
					if math.Hypot(v.X-mm/2, v.Y-mm/2) >= inner {
						t.Errorf("%d chars, %v mm: %q box corner %v outside the ring", n, mm, p.Rune, v)
					}
				}
				if overlap(p.Box, starBox) {
					t.Errorf("%d chars: %q overlaps the star", n, p.Rune)
				}
				for _, q := range parts[i+1:] {
					if overlap(p.Box, q.Box) {
						t.Errorf("%d chars, %v mm: %q and %q overlap", n, mm, p.Rune, q.Rune)
					}
				}
			}
			if mm == 42 {
				inkInsideBoxes(t, d, parts)
			}
		}
	}
}

func runes(parts []render.Part) []rune {
	out := make([]rune, len(parts))
	for i, p := range parts {
		out[i] = p.Rune
	}
	return out
}

// inkInsideBoxes draws each glyph alone and checks that it has ink and that
// all of it is within one pixel of the glyph's box.
func inkInsideBoxes(t *testing.T, d *render.Drawing, parts []render.Part) {
	t.Helper()
	const dpi = 400
	scale := dpi / 25.4
	for _, p := range parts {
		one := &render.Drawing{Width: d.Width, Height: d.Height, Parts: []render.Part{p}}
		img, err := one.Image(render.Options{DPI: dpi})
		if err != nil {
			t.Fatal(err)
		}
		box := p.Box
		for i := range box {
			box[i] = render.Point{X: box[i].X * scale, Y: box[i].Y * scale}
		}
		ink := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if img.RGBAAt(x, y).A == 0 {
					continue
				}
				ink++
				px := [4]render.Point{{X: float64(x) + 1, Y: float64(y) + 1}, {X: float64(x), Y: float64(y) + 1}, {X: float64(x), Y: float64(y)}, {X: float64(x) + 1, Y: float64(y)}}
				if !overlap(grow(box, 1), px) {
					t.Fatalf("%q has ink at pixel %d,%d outside its box", p.Rune, x, y)
				}
			}
		}
		if ink == 0 {
			t.Errorf("%q has no ink", p.Rune)
		}
	}
}

// grow pushes every corner of a convex box d away from its centre.
func grow(b [4]render.Point, d float64) [4]render.Point {
	cx, cy := (b[0].X+b[2].X)/2, (b[0].Y+b[2].Y)/2
	for i, v := range b {
		l := math.Hypot(v.X-cx, v.Y-cy)
		if l > 0 {
			b[i] = render.Point{X: v.X + (v.X-cx)/l*d*1.5, Y: v.Y + (v.Y-cy)/l*d*1.5}
		}
	}
	return b
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	var outs [2][]byte
	var svgs [2][]byte
	for i := range outs {
		d, err := r.Round(render.Round{Name: name(15), Text: "合同专用章", Code: "12345"})
		if err != nil {
			t.Fatal(err)
		}
		if outs[i], err = d.PNG(render.Options{Color: render.Blue, Opacity: 0.9}); err != nil {
			t.Fatal(err)
		}
		if svgs[i], err = d.SVG(render.Options{Color: render.Blue, Opacity: 0.9}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(svgs[0], svgs[1]) {
		t.Fatal("the same seal rendered twice gives different bytes")
	}
}

func TestSVG(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	d, err := r.Round(render.Round{Name: name(8), Text: "合同专用章"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.SVG(render.Options{Color: render.Purple})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Width string `xml:"width,attr"`
		G     struct {
			Fill  string `xml:"fill,attr"`
			Paths []struct {
				D string `xml:"d,attr"`
			} `xml:"path"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.Width != "42mm" || doc.G.Fill != "#7B1FA2" || len(doc.G.Paths) != len(d.Parts) {
		t.Fatalf("width %q fill %q with %d paths for %d parts", doc.Width, doc.G.Fill, len(doc.G.Paths), len(d.Parts))
	}
	for _, p := range doc.G.Paths {
		if !strings.HasPrefix(p.D, "M") || !strings.HasSuffix(p.D, "Z") {
			t.Fatalf("path %.40q", p.D)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	ok := render.Round{Name: name(8)}
	for what, s := range map[string]render.Round{
		"EmptyName":    {},
		"OneChar":      {Name: "甲"},
		"31Chars":      {Name: longName + "甲"},
		"SpaceInName":  {Name: "北京 科技"},
		"11CharText":   {Name: ok.Name, Text: "合同专用章甲乙丙丁戊己"},
		"CodeHyphen":   {Name: ok.Name, Code: "12-34"},
		"CodeCJK":      {Name: ok.Name, Code: "12三4"},
		"21CharCode":   {Name: ok.Name, Code: strings.Repeat("1", 21)},
		"Diameter41":   {Name: ok.Name, Diameter: 41},
		"MissingGlyph": {Name: "北京\U0010FFFD"},
	} {
		if _, err := r.Round(s); !errors.Is(err, render.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", what, err)
		}
	}
	d, err := r.Round(ok)
	if err != nil {
		t.Fatal(err)
	}
	for what, o := range map[string]render.Options{
		"Colour":   {Color: "green"},
		"DPI300":   {DPI: 300},
		"DPI5000":  {DPI: 5000},
		"Opacity2": {Opacity: 2},
		"Negative": {Opacity: -0.5},
	} {
		if _, err := d.PNG(o); !errors.Is(err, render.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", what, err)
		}
	}
	if _, err := render.New("/nonexistent/font.ttc"); err == nil {
		t.Error("missing font file accepted")
	}
}

func TestNoFont(t *testing.T) {
	saved := render.FontPaths
	render.FontPaths = []string{"/nonexistent/a.ttc"}
	defer func() { render.FontPaths = saved }()
	_, err := render.New("")
	if !errors.Is(err, render.ErrNoFont) || !strings.Contains(err.Error(), "fonts-wqy-microhei") {
		t.Fatalf("got %v", err)
	}
}

func BenchmarkRenderRound(b *testing.B) {
	r := rendertest.Renderer(b)
	s := render.Round{Name: name(15), Text: "合同专用章", Code: "1101050123456"}
	for b.Loop() {
		d, err := r.Round(s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.PNG(render.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
