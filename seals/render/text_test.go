package render_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode"

	"signet/seals/render"
	"signet/seals/render/rendertest"
)

func TestText(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		const s = "签署日期：2026年11月21日 (Signed, v1.0)"
		d, err := r.Text(s, 5)
		if err != nil {
			t.Fatal(err)
		}
		var want []rune
		for _, ch := range s {
			if ch != ' ' {
				want = append(want, ch)
			}
		}
		parts := texts(d)
		if len(parts) != len(d.Parts) || len(parts) != len(want) {
			t.Fatalf("%d parts, %d text parts, want %d text parts", len(d.Parts), len(parts), len(want))
		}
		prevRight := math.Inf(-1)
		for i, p := range parts {
			if p.Rune != want[i] {
				t.Errorf("part %d is %q, want %q", i, p.Rune, want[i])
			}
			lo, hi := box(p)
			if lo.X < 0 || lo.Y < 0 || hi.X > d.Width+1e-9 || hi.Y > d.Height+1e-9 {
				t.Errorf("%q ink %v–%v outside the %v × %v drawing", p.Rune, lo, hi, d.Width, d.Height)
			}
			// Left to right: a character's ink starts after the previous
			// one's, less a little for overhanging Latin glyphs.
			if lo.X < prevRight-0.1*5 {
				t.Errorf("%q starts at %.3f mm, before the previous ink ends at %.3f mm", p.Rune, lo.X, prevRight)
			}
			prevRight = hi.X
		}
		// CJK glyphs fill most of the em; a font size of 5 mm gives a line
		// between 5 and 8 mm tall and roughly an em per CJK character.
		if d.Height < 5 || d.Height > 8 {
			t.Errorf("line height %v mm at 5 mm, want 5 to 8", d.Height)
		}
		if d.Width < 5*14 || d.Width > 5*30 {
			t.Errorf("width %v mm, want roughly the advances", d.Width)
		}
	})

	t.Run("OKScales", func(t *testing.T) {
		t.Parallel()
		a, err := r.Text("2026-11-21", 4)
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.Text("2026-11-21", 12)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(b.Width-3*a.Width) > 1e-9 || math.Abs(b.Height-3*a.Height) > 1e-9 {
			t.Errorf("12 mm is %v × %v, want three times 4 mm's %v × %v", b.Width, b.Height, a.Width, a.Height)
		}
		// Digits have equal advances in this kind of font: the same text
		// with other digits is exactly as wide.
		c, err := r.Text("1999-08-03", 4)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(c.Width-a.Width) > 1e-9 {
			t.Errorf("1999-08-03 is %v mm wide, 2026-11-21 %v mm", c.Width, a.Width)
		}
		// A space advances the pen without ink.
		sp, err := r.Text("2026 11", 4)
		if err != nil {
			t.Fatal(err)
		}
		nsp, err := r.Text("202611", 4)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Width <= nsp.Width || len(sp.Parts) != len(nsp.Parts) {
			t.Errorf("with a space: %v mm and %d parts; without: %v mm and %d parts", sp.Width, len(sp.Parts), nsp.Width, len(nsp.Parts))
		}
	})

	t.Run("OKPNG", func(t *testing.T) {
		t.Parallel()
		d, err := r.Text("2026年11月21日", 4)
		if err != nil {
			t.Fatal(err)
		}
		img := mustPNG(t, d, render.Options{Color: render.Blue, DPI: 600})
		w, h := d.SizePx(600)
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Fatalf("png is %v, want %d × %d", b, w, h)
		}
		ink, _ := render.Blue.RGB()
		solid, clear := 0, 0
		for y := range h {
			for x := range w {
				cr, cg, cb, a := alpha(img, x, y)
				switch {
				case a == 0:
					clear++
				case a == 255:
					solid++
					if cr != ink.R || cg != ink.G || cb != ink.B {
						t.Fatalf("ink at %d,%d is %d,%d,%d, want %v", x, y, cr, cg, cb, ink)
					}
				}
			}
		}
		// Text covers a fraction of its box; most of the rest is clear.
		if solid < w*h/20 || clear < w*h/3 {
			t.Errorf("%d solid and %d clear pixels of %d", solid, clear, w*h)
		}
		// Every character has ink in its own column range: 11 glyphs, none blank.
		for _, p := range texts(d) {
			lo, hi := box(p)
			found := false
			for x := int(lo.X * 600 / 25.4); x < int(hi.X*600/25.4) && !found; x++ {
				for y := range h {
					if _, _, _, a := alpha(img, x, y); a == 255 {
						found = true
						break
					}
				}
			}
			if !found {
				t.Errorf("no ink for %q", p.Rune)
			}
		}
		svg, err := d.SVG(render.Options{Color: render.Blue})
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(svg, []byte("<path ")); n != 11 {
			t.Errorf("svg has %d paths, want 11", n)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			s    string
			size float64
		}{
			{"empty", "", 4},
			{"spaces", "   ", 4},
			{"newline", "2026\n11", 4},
			{"tab", "2026\t11", 4},
			{"control", "2026\x0011", 4},
			{"badUTF8", "2026\xff", 4},
			{"tooLong", strings.Repeat("年", render.MaxTextLen+1), 4},
			{"tooSmall", "2026", 0.5},
			{"tooLarge", "2026", 101},
			{"NaN", "2026", math.NaN()},
			{"missingGlyph", "日期" + string(missingRune(t, r)), 4},
		} {
			d, err := r.Text(c.s, c.size)
			if !errors.Is(err, render.ErrInvalid) {
				t.Errorf("%s: got %v, %v; want ErrInvalid", c.name, d, err)
			}
		}
	})
}

// missingRune returns a printable character the test font has no glyph for.
func missingRune(tb testing.TB, r *render.Renderer) rune {
	tb.Helper()
	// Egyptian hieroglyphs, Linear B and cuneiform: printable, and in no
	// CJK font Signet uses.
	for _, ch := range []rune{0x13000, 0x10000, 0x12000} {
		if !unicode.IsPrint(ch) {
			tb.Fatalf("%U is not printable", ch)
		}
		if _, err := r.Text(string(ch), 4); err != nil {
			return ch
		}
	}
	tb.Fatal("the font has every candidate glyph")
	return 0
}

// box returns the corners of an upright part's box.
func box(p render.Part) (lo, hi render.Point) {
	lo, hi = p.Box[0], p.Box[0]
	for _, v := range p.Box[1:] {
		lo = render.Point{X: math.Min(lo.X, v.X), Y: math.Min(lo.Y, v.Y)}
		hi = render.Point{X: math.Max(hi.X, v.X), Y: math.Max(hi.Y, v.Y)}
	}
	return lo, hi
}
