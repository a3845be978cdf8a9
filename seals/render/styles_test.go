package render_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"signet/seals/render"
	"signet/seals/render/rendertest"
)

// checkParts fails unless every text box lies inside (strictly) and no two
// text boxes overlap.
func checkParts(t *testing.T, d *render.Drawing, inside func(render.Point) bool) {
	t.Helper()
	parts := texts(d)
	for i, p := range parts {
		for _, v := range p.Box {
			if !inside(v) {
				t.Errorf("%q box corner %v outside", p.Rune, v)
			}
		}
		for _, q := range parts[i+1:] {
			if overlap(p.Box, q.Box) {
				t.Errorf("%q and %q overlap", p.Rune, q.Rune)
			}
		}
	}
}

func centre(p render.Part) render.Point {
	return render.Point{X: (p.Box[0].X + p.Box[2].X) / 2, Y: (p.Box[0].Y + p.Box[2].Y) / 2}
}

func TestOval(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	for _, n := range []int{2, 8, 15, 30} {
		for _, w := range []float64{40, 45} {
			d, err := r.Oval(render.Oval{Name: name(n), Text: "合同专用章甲乙丙丁戊", Code: "A1B2C3D4E5F6G7H8J9K0", Width: w})
			if err != nil {
				t.Fatal(err)
			}
			if len(texts(d)) != n+30 {
				t.Fatalf("%d text parts", len(texts(d)))
			}
			a, b := w/2-0.9, 15-0.9 // inside the ring
			checkParts(t, d, func(v render.Point) bool {
				x, y := (v.X-w/2)/a, (v.Y-15)/b
				return x*x+y*y < 1
			})
		}
	}
	img := mustPNG(t, mustDrawing(t)(r.Oval(render.Oval{Name: name(8)})), render.Options{})
	if want := 45 * 400 / 25.4; math.Abs(float64(img.Bounds().Dx())-want) > 1 || math.Abs(float64(img.Bounds().Dy())-30*400/25.4) > 1 {
		t.Errorf("oval is %v", img.Bounds())
	}
	if _, err := r.Oval(render.Oval{Name: name(8), Width: 50}); !errors.Is(err, render.ErrInvalid) {
		t.Errorf("width 50: %v", err)
	}
}

func mustDrawing(t *testing.T) func(*render.Drawing, error) *render.Drawing {
	return func(d *render.Drawing, err error) *render.Drawing {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
}

func TestNameSeal(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	inside := func(size float64) func(render.Point) bool {
		frame := 0.05 * size
		return func(v render.Point) bool { return v.X > frame && v.Y > frame && v.X < size-frame && v.Y < size-frame }
	}
	t.Run("2x1", func(t *testing.T) {
		d := mustDrawing(t)(r.NameSeal(render.NameSeal{Name: "李四"}))
		p := texts(d)
		checkParts(t, d, inside(20))
		if len(p) != 2 || centre(p[0]).X <= centre(p[1]).X || math.Abs(centre(p[0]).Y-centre(p[1]).Y) > 1 {
			t.Fatalf("李 should be right of 四 on one row: %v", describe(p))
		}
	})
	t.Run("3", func(t *testing.T) {
		d := mustDrawing(t)(r.NameSeal(render.NameSeal{Name: "王小明", Size: 16}))
		p := texts(d)
		checkParts(t, d, inside(16))
		h := func(q render.Part) float64 { return q.Box[2].Y - q.Box[0].Y }
		if len(p) != 3 || centre(p[0]).X <= centre(p[1]).X || centre(p[1]).Y >= centre(p[2]).Y ||
			h(p[0]) < 1.5*h(p[1]) || math.Abs(centre(p[1]).X-centre(p[2]).X) > 0.5 {
			t.Fatalf("王 should fill the right column, 小 over 明 on the left: %v", describe(p))
		}
	})
	t.Run("2x2", func(t *testing.T) {
		d := mustDrawing(t)(r.NameSeal(render.NameSeal{Name: "张三", Suffix: render.SuffixZhiYin, Size: 18}))
		p := texts(d)
		checkParts(t, d, inside(18))
		if len(p) != 4 || string(runes(p)) != "张三之印" ||
			centre(p[0]).X <= centre(p[2]).X || centre(p[0]).Y >= centre(p[1]).Y || centre(p[2]).Y >= centre(p[3]).Y {
			t.Fatalf("张三 should be the right column, 之印 the left: %v", describe(p))
		}
	})
	t.Run("NoBorder", func(t *testing.T) {
		for _, border := range []bool{true, false} {
			d := mustDrawing(t)(r.NameSeal(render.NameSeal{Name: "张三", Suffix: render.SuffixYin, NoBorder: !border}))
			if got := len(d.Parts) - len(texts(d)); got != map[bool]int{true: 1, false: 0}[border] {
				t.Errorf("border %v: %d border parts", border, got)
			}
		}
	})
	for what, s := range map[string]render.NameSeal{
		"Empty":     {},
		"OneChar":   {Name: "张"},
		"FiveChars": {Name: "欧阳娜娜", Suffix: render.SuffixYin},
		"Suffix":    {Name: "张三", Suffix: "章"},
		"Size17":    {Name: "张三", Size: 17},
	} {
		if _, err := r.NameSeal(s); !errors.Is(err, render.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", what, err)
		}
	}
}

func TestFinanceAndSignature(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)
	d := mustDrawing(t)(r.FinanceSquare(render.FinanceSquare{Name: "北京示例科技有限公司"}))
	if string(runes(texts(d))) != "北京示例科技有限公司财务专用章" {
		t.Fatalf("finance text %q", string(runes(texts(d))))
	}
	checkParts(t, d, func(v render.Point) bool { return v.X > 1.1 && v.Y > 1.1 && v.X < 20.9 && v.Y < 20.9 })
	if img := mustPNG(t, d, render.Options{DPI: 360}); math.Abs(float64(img.Bounds().Dx())-22*360/25.4) > 1 {
		t.Errorf("finance seal is %v", img.Bounds())
	}
	s := mustDrawing(t)(r.Signature(render.Signature{Name: "张三丰"}))
	checkParts(t, s, func(v render.Point) bool { return v.X > 0.5 && v.Y > 0.5 && v.X < 19.5 && v.Y < 9.5 })
	p := texts(s)
	if len(p) != 3 || centre(p[0]).X >= centre(p[1]).X || centre(p[1]).X >= centre(p[2]).X {
		t.Fatalf("signature should read left to right: %v", describe(p))
	}
	if img := mustPNG(t, s, render.Options{}); math.Abs(float64(img.Bounds().Dx())-20*400/25.4) > 1 || math.Abs(float64(img.Bounds().Dy())-10*400/25.4) > 1 {
		t.Errorf("signature is %v", img.Bounds())
	}
	if _, err := r.Signature(render.Signature{Name: "张"}); !errors.Is(err, render.ErrInvalid) {
		t.Errorf("one character: %v", err)
	}
	if _, err := r.FinanceSquare(render.FinanceSquare{Name: "公"}); !errors.Is(err, render.ErrInvalid) {
		t.Errorf("one character: %v", err)
	}
}

// describe lists parts' characters and box centres.
func describe(parts []render.Part) string {
	var b strings.Builder
	for _, p := range parts {
		c := centre(p)
		fmt.Fprintf(&b, "%c@(%.1f,%.1f) ", p.Rune, c.X, c.Y)
	}
	return b.String()
}
