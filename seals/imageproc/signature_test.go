package imageproc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"signet/seals/render/rendertest"
)

// zigzag is a test signature: a horizontal line and a wave under it.
func zigzag(timed bool) [][]Point {
	var line, wave []Point
	for i := range 21 {
		line = append(line, Point{X: float64(i * 10), Y: 0})
	}
	for i := range 41 {
		p := Point{X: float64(i * 5), Y: 60 + 20*math.Sin(float64(i)/3)}
		if timed {
			p.T = int64(i*i) * 2 // slowing down: the pen thickens
		}
		wave = append(wave, p)
	}
	return [][]Point{line, wave}
}

func TestStrokes(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		res, err := Strokes(zigzag(true), SignatureOptions{})
		if err != nil {
			t.Fatal(err)
		}
		save("strokes", res.PNG)
		img := decodeResult(t, res)
		if res.WidthPx != 600 || res.HeightPx != 300 {
			t.Fatalf("size %d×%d, want the default 600×300", res.WidthPx, res.HeightPx)
		}
		// Drawing bounds (0,0)-(200,80) are fitted into 600×300 with a
		// margin of 30+pen: scale min(530/200, 230/80) = 2.65.
		s := 530.0 / 200
		dx, dy := 300-s*100, 150-s*40
		for _, x := range []float64{0, 50, 100, 150, 200} {
			px, py := int(dx+s*x), int(dy)
			if c := img.NRGBAAt(px, py); c.A < 200 || c.R != 0 || c.G != 0 || c.B != 0 {
				t.Errorf("line pixel (%d,%d) is %v, want solid black", px, py, c)
			}
		}
		for _, p := range []image.Point{{0, 0}, {599, 299}, {300, int(dy) - 20}, {300, int(dy + s*30)}} {
			if a := alphaAt(img, p.X, p.Y); a != 0 {
				t.Errorf("pixel %v off the path has alpha %d, want 0", p, a)
			}
		}
		if _, partial, _ := alphaStats(img); partial < 200 {
			t.Errorf("%d partial pixels, want anti-aliased edges", partial)
		}
	})
	t.Run("SpeedThinsPen", func(t *testing.T) {
		timed, err := Strokes(zigzag(true), SignatureOptions{})
		if err != nil {
			t.Fatal(err)
		}
		untimed, err := Strokes(zigzag(false), SignatureOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ink := func(r *Result) int {
			_, p, s := alphaStats(decodeResult(t, r))
			return p + s
		}
		if a, b := ink(timed), ink(untimed); a == b {
			t.Errorf("timed and untimed strokes drew the same %d pixels", a)
		}
	})
	t.Run("ColourAndSize", func(t *testing.T) {
		blue := color.NRGBA{B: 200}
		res, err := Strokes(zigzag(false), SignatureOptions{Color: blue, WidthPx: 300, HeightPx: 120})
		if err != nil {
			t.Fatal(err)
		}
		img := decodeResult(t, res)
		if res.WidthPx != 300 || res.HeightPx != 120 {
			t.Fatalf("size %d×%d, want 300×120", res.WidthPx, res.HeightPx)
		}
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i+3] != 0 && (img.Pix[i] != 0 || img.Pix[i+1] != 0 || img.Pix[i+2] != 200) {
				t.Fatalf("pixel %v, want blue", img.Pix[i:i+4])
			}
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		a, _ := Strokes(zigzag(true), SignatureOptions{})
		b, _ := Strokes(zigzag(true), SignatureOptions{})
		if a == nil || b == nil || !bytes.Equal(a.PNG, b.PNG) {
			t.Error("same strokes gave different bytes")
		}
	})
	many := [][]Point{make([]Point, MaxStrokePoints+1)}
	for i := range many[0] {
		many[0][i] = Point{X: float64(i % 300), Y: float64(i % 7)}
	}
	for _, tc := range []struct {
		name    string
		strokes [][]Point
		opts    SignatureOptions
		want    error
	}{
		{"ErrEmpty/Nil", nil, SignatureOptions{}, ErrEmpty},
		{"ErrEmpty/EmptyStrokes", [][]Point{{}, {}}, SignatureOptions{}, ErrEmpty},
		{"ErrEmpty/OnePoint", [][]Point{{{X: 1, Y: 1}}}, SignatureOptions{}, ErrEmpty},
		{"ErrInvalid/NaN", [][]Point{{{X: 1}, {X: math.NaN()}}}, SignatureOptions{}, ErrInvalid},
		{"ErrInvalid/Inf", [][]Point{{{X: 1}, {Y: math.Inf(-1)}}}, SignatureOptions{}, ErrInvalid},
		{"ErrInvalid/Absurd", [][]Point{{{X: 1}, {X: 1e12}}}, SignatureOptions{}, ErrInvalid},
		{"ErrInvalid/TooManyPoints", many, SignatureOptions{}, ErrInvalid},
		{"ErrInvalid/Canvas", zigzag(false), SignatureOptions{WidthPx: 10000}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Strokes(tc.strokes, tc.opts); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestTyped(t *testing.T) {
	fonts := Fonts()
	if len(fonts) == 0 {
		rendertest.Renderer(t) // fails in CI, skips loudly elsewhere: no CJK font
	}
	if slices.Contains(fonts, "") {
		t.Fatalf("Fonts() = %q", fonts)
	}
	t.Run("OK", func(t *testing.T) {
		for _, font := range append([]string{""}, fonts...) {
			res, err := Typed("张三 Zhang", font, SignatureOptions{})
			if err != nil {
				t.Fatalf("font %q: %v", font, err)
			}
			save("typed-"+font, res.PNG)
			img := decodeResult(t, res)
			zero, partial, solid := alphaStats(img)
			if solid < 1000 || partial < 200 || zero < res.WidthPx*res.HeightPx/2 {
				t.Errorf("font %q: zero=%d partial=%d solid=%d, want anti-aliased ink on transparency", font, zero, partial, solid)
			}
			for _, p := range []image.Point{{0, 0}, {599, 0}, {0, 299}, {599, 299}} {
				if a := alphaAt(img, p.X, p.Y); a != 0 {
					t.Errorf("corner %v alpha %d, want 0", p, a)
				}
			}
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		a, err := Typed("李四", fonts[0], SignatureOptions{Color: color.NRGBA{R: 20, G: 20, B: 120}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Typed("李四", fonts[0], SignatureOptions{Color: color.NRGBA{R: 20, G: 20, B: 120}})
		if b == nil || !bytes.Equal(a.PNG, b.PNG) {
			t.Error("same text gave different bytes")
		}
	})
	for _, tc := range []struct{ name, text, font string }{
		{"ErrInvalid/Empty", "   ", ""},
		{"ErrInvalid/TooLong", strings.Repeat("签", MaxTypedRunes+1), ""},
		{"ErrInvalid/Control", "a\x00b", ""},
		{"ErrInvalid/BadUTF8", "a\xffb", ""},
		{"ErrInvalid/UnknownFont", "张三", "no-such-font"},
		{"ErrInvalid/MissingGlyph", "张\U0001F600", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Typed(tc.text, tc.font, SignatureOptions{}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}
