package signing_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/seals/render"
	"signet/seals/render/rendertest"
	"signet/signing"
)

// decodePNG decodes b and, with STAMP_PNG_DIR set, writes it there to look at.
func decodePNG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	if dir := os.Getenv("STAMP_PNG_DIR"); dir != "" {
		name := strings.NewReplacer("/", "-", " ", "-").Replace(tb.Name())
		_ = os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	}
	return img
}

func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

func TestFormatDate(t *testing.T) {
	t.Parallel()
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 21, 9, 5, 7, 0, time.UTC).In(shanghai) // 17:05:07 in Shanghai
	early := time.Date(2007, 3, 4, 0, 0, 0, 0, shanghai)

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			layout string
			t      time.Time
			want   string
		}{
			{"yyyy年MM月dd日", at, "2026年11月21日"},
			{"yyyy年M月d日", early, "2007年3月4日"},
			{"yyyy年MM月dd日", early, "2007年03月04日"},
			{"yyyy-MM-dd", at, "2026-11-21"},
			{"yyyy/MM/dd HH:mm:ss", at, "2026/11/21 17:05:07"},
			{"yy.M.d", early, "07.3.4"},
			{"dd.MM.yyyy", early, "04.03.2007"},
			{"HH:mm", early, "00:00"},
			{"yyyy-MM-dd'T'HH:mm", at, "2026-11-21T17:05"},
			{"'Date:' yyyy-MM-dd", at, "Date: 2026-11-21"},
			{"yyyy''MM", at, "2026'11"},
			{"签署于 yyyy 年", at, "签署于 2026 年"},
		} {
			got, err := signing.FormatDate(c.layout, c.t)
			if err != nil || got != c.want {
				t.Errorf("FormatDate(%q) = %q, %v; want %q", c.layout, got, err, c.want)
			}
		}
	})

	t.Run("ErrLayout", func(t *testing.T) {
		t.Parallel()
		for _, layout := range []string{
			"", "  ",
			"YYYY-MM-DD", // week year and day of year: the classic typo
			"yyyy-MM-DD",
			"yyy-MM-dd", "y-M-d", "yyyyy",
			"hh:mm", "H:mm", "HH:mm a", "MMM d", "ddd",
			"yyyy-mm-dd x",
			"yyyy-MM-dd'T", // unterminated quote
		} {
			if got, err := signing.FormatDate(layout, at); !errors.Is(err, signing.ErrLayout) {
				t.Errorf("FormatDate(%q) = %q, %v; want ErrLayout", layout, got, err)
			}
		}
	})
}

// sealPNG draws a real round seal, the input a cross-page seal is cut from.
func sealPNG(tb testing.TB) []byte {
	tb.Helper()
	d, err := rendertest.Renderer(tb).Round(render.Round{Name: "北京示例科技有限公司", Text: "合同专用章", Diameter: 40})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := d.PNG(render.Options{DPI: 400})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestCrossPage(t *testing.T) {
	t.Parallel()
	a4 := [4]float64{0, 0, 595.28, 841.89}
	letter := [4]float64{0, 0, 612, 792}
	cropped := [4]float64{30, 40, 580, 800}

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		seal := sealPNG(t)
		orig := toNRGBA(decodePNG(t, seal))
		W, H := orig.Bounds().Dx(), orig.Bounds().Dy()
		boxes := [][4]float64{a4, letter, cropped, a4, a4}
		const width, centreY = 113.39, 420.0 // a 40 mm seal
		for _, pages := range [][]int{{1, 2}, {2, 3, 4}, {1, 2, 3, 4, 5}, {5, 1, 3}} {
			t.Run(fmt.Sprint(pages), func(t *testing.T) {
				ps, err := signing.CrossPage(seal, boxes, pages, width, centreY)
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) != len(pages) {
					t.Fatalf("%d placements for %d pages", len(ps), len(pages))
				}
				stitched := image.NewNRGBA(image.Rect(0, 0, W, H))
				x, sumW := 0, 0.0
				for i, p := range ps {
					box := boxes[pages[i]-1]
					if p.Page != pages[i] {
						t.Errorf("slice %d on page %d, want %d", i, p.Page, pages[i])
					}
					w, h := p.Rect[2]-p.Rect[0], p.Rect[3]-p.Rect[1]
					if p.Rect[2] != box[2] {
						t.Errorf("slice %d ends at x %v, want the page's right edge %v", i, p.Rect[2], box[2])
					}
					if math.Abs(w-width/float64(len(pages))) > width/float64(W) {
						t.Errorf("slice %d is %v pt wide, want %v", i, w, width/float64(len(pages)))
					}
					if math.Abs(h-width*float64(H)/float64(W)) > 1e-9 {
						t.Errorf("slice %d is %v pt tall, want the seal's %v", i, h, width*float64(H)/float64(W))
					}
					if c := (p.Rect[1] + p.Rect[3]) / 2; math.Abs(c-centreY) > 1e-9 {
						t.Errorf("slice %d centred at y %v, want %v", i, c, centreY)
					}
					sumW += w

					img := decodePNG(t, p.PNG)
					if _, ok := img.(*image.NRGBA); !ok {
						t.Errorf("slice %d decodes as %T, want *image.NRGBA", i, img)
					}
					b := img.Bounds()
					if b.Dy() != H {
						t.Errorf("slice %d is %d px tall, want %d", i, b.Dy(), H)
					}
					// The slice's aspect is its rectangle's, so it is not stretched.
					if math.Abs(float64(b.Dx())/float64(b.Dy())-w/h) > 1e-9 {
						t.Errorf("slice %d is %v px for a %v × %v pt rect", i, b, w, h)
					}
					draw.Draw(stitched, b.Add(image.Pt(x, 0)), img, b.Min, draw.Src)
					x += b.Dx()
				}
				if x != W || math.Abs(sumW-width) > 1e-9 {
					t.Errorf("slices are %d px and %v pt wide together, want %d px and %v pt", x, sumW, W, width)
				}
				if !bytes.Equal(stitched.Pix, orig.Pix) {
					t.Error("slices stitched side by side differ from the seal")
				}
				// Transparency is kept: the seal's corners stay clear.
				if a := stitched.NRGBAAt(0, 0).A; a != 0 {
					t.Errorf("corner alpha %d, want 0", a)
				}
			})
		}
	})

	t.Run("OKClamped", func(t *testing.T) {
		t.Parallel()
		seal := sealPNG(t)
		boxes := [][4]float64{a4, cropped}
		for _, c := range []struct {
			centreY, wantLow, wantHigh float64 // lly on a4 and on cropped
		}{
			{10, 0, 40},                           // below the page: moved up onto it
			{900, 841.89 - 113.39, 800 - 113.39},  // above: moved down
			{-1e6, 0, 40},                         // far off
			{400, 400 - 113.39/2, 400 - 113.39/2}, // inside: unchanged
			{41 + 113.39/2, 41, 41},               // just inside the cropped box
		} {
			ps, err := signing.CrossPage(seal, boxes, []int{1, 2}, 113.39, c.centreY)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []float64{c.wantLow, c.wantHigh} {
				if math.Abs(ps[i].Rect[1]-want) > 1e-9 {
					t.Errorf("centreY %v: page %d slice at lly %v, want %v", c.centreY, i+1, ps[i].Rect[1], want)
				}
				box := boxes[i]
				if r := ps[i].Rect; r[0] < box[0] || r[1] < box[1] || r[2] > box[2] || r[3] > box[3] {
					t.Errorf("centreY %v: page %d slice %v outside its box %v", c.centreY, i+1, r, box)
				}
			}
		}
	})

	t.Run("ErrPlacement", func(t *testing.T) {
		t.Parallel()
		seal := sealPNG(t)
		boxes := [][4]float64{a4, a4, a4}
		var tiny bytes.Buffer
		if err := png.Encode(&tiny, image.NewNRGBA(image.Rect(0, 0, 2, 2))); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			seal  []byte
			boxes [][4]float64
			pages []int
			width float64
		}{
			{"onePage", seal, boxes, []int{1}, 113},
			{"noPages", seal, boxes, nil, 113},
			{"pageZero", seal, boxes, []int{0, 1}, 113},
			{"pageBeyond", seal, boxes, []int{3, 4}, 113},
			{"pageTwice", seal, boxes, []int{1, 2, 1}, 113},
			{"zeroWidth", seal, boxes, []int{1, 2}, 0},
			{"NaNWidth", seal, boxes, []int{1, 2}, math.NaN()},
			{"tallerThanPage", seal, [][4]float64{{0, 0, 200, 100}, a4}, []int{1, 2}, 113},
			{"notPNG", []byte("GIF89a"), boxes, []int{1, 2}, 113},
			{"fewerColumnsThanPages", tiny.Bytes(), boxes, []int{1, 2, 3}, 113},
		} {
			if ps, err := signing.CrossPage(c.seal, c.boxes, c.pages, c.width, 400); !errors.Is(err, signing.ErrPlacement) {
				t.Errorf("%s: got %d placements, %v; want ErrPlacement", c.name, len(ps), err)
			}
		}
	})
}

func TestDateStamp(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		text, err := signing.FormatDate("yyyy年MM月dd日", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, heightPt := range []float64{12, 24} {
			b, widthPt, err := signing.DateStamp(r, text, heightPt, render.Black)
			if err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, b)
			px := img.Bounds()
			// The PNG at StampDPI has the size the caller places it at.
			if want := heightPt * signing.StampDPI / 72; math.Abs(float64(px.Dy())-want) > 1 {
				t.Errorf("%v pt: %d px tall, want %.1f", heightPt, px.Dy(), want)
			}
			if want := widthPt * signing.StampDPI / 72; math.Abs(float64(px.Dx())-want) > 1 {
				t.Errorf("%v pt: %d px wide, want %.1f for %v pt", heightPt, px.Dx(), want, widthPt)
			}
			// 11 characters, 7 of them digits of about half an em.
			if widthPt < 4*heightPt || widthPt > 11*heightPt {
				t.Errorf("%v pt tall text is %v pt wide", heightPt, widthPt)
			}
			ink, clear := 0, 0
			for y := px.Min.Y; y < px.Max.Y; y++ {
				for x := px.Min.X; x < px.Max.X; x++ {
					c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
					switch {
					case c.A == 0:
						clear++
					case c.A == 255:
						ink++
						if c.R != 0 || c.G != 0 || c.B != 0 {
							t.Fatalf("ink at %d,%d is %v, want black", x, y, c)
						}
					}
				}
			}
			if ink == 0 || clear < px.Dx()*px.Dy()/3 {
				t.Errorf("%d ink and %d clear pixels of %d", ink, clear, px.Dx()*px.Dy())
			}
		}
	})

	t.Run("ErrPlacement", func(t *testing.T) {
		t.Parallel()
		for _, h := range []float64{0, 3.9, 145, math.NaN(), math.Inf(1)} {
			if _, _, err := signing.DateStamp(r, "2026-11-21", h, render.Black); !errors.Is(err, signing.ErrPlacement) {
				t.Errorf("%v pt: %v, want ErrPlacement", h, err)
			}
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		t.Parallel()
		for _, s := range []string{"", "2026\n11", "𓀀"} {
			if _, _, err := signing.DateStamp(r, s, 12, render.Black); !errors.Is(err, render.ErrInvalid) {
				t.Errorf("%q: %v, want render.ErrInvalid", s, err)
			}
		}
		if _, _, err := signing.DateStamp(r, "2026-11-21", 12, "green"); !errors.Is(err, render.ErrInvalid) {
			t.Errorf("green ink: %v, want render.ErrInvalid", err)
		}
	})
}
