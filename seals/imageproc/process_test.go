package imageproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
)

func TestProcess(t *testing.T) {
	noisy := stamp(t, white)
	addNoise(noisy, 10)
	cases := []struct {
		name string
		data []byte
	}{
		{"white-png", encodePNG(t, stamp(t, white))},
		{"yellow-png", encodePNG(t, stamp(t, yellowish))},
		{"noisy-jpeg", encodeJPEG(t, noisy, 70)},
		{"yellow-jpeg", encodeJPEG(t, stamp(t, yellowish), 60)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Process(bytes.NewReader(tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			save(tc.name, res.PNG)
			img := decodeResult(t, res)
			w, h := res.WidthPx, res.HeightPx
			// Cropped to the ring (diameter 300) plus a small margin.
			if d := 2 * ringOuter; w < int(d) || w > int(d)+24 || h < int(d) || h > int(d)+24 {
				t.Errorf("output %d×%d, want the ring's %v px plus a small margin", w, h, d)
			}
			cx, cy := w/2, h/2
			for _, p := range []image.Point{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {cx + 80, cy - 80}} {
				if a := alphaAt(img, p.X, p.Y); a != 0 {
					t.Errorf("paper at %v has alpha %d, want 0", p, a)
				}
			}
			r := int((ringOuter + ringInner) / 2)
			for _, p := range []image.Point{{cx + r, cy}, {cx - r, cy}, {cx, cy + r}, {cx, cy - r}, {cx, cy}} {
				if a := alphaAt(img, p.X, p.Y); a < 200 {
					t.Errorf("ink at %v has alpha %d, want >= 200", p, a)
				}
			}
			zero, partial, solid := alphaStats(img)
			// The ring's two edges are about 1800 px long; a hard threshold
			// would leave almost no partial pixels.
			if partial < 600 {
				t.Errorf("%d partially transparent pixels, want anti-aliased edges (>= 600)", partial)
			}
			if solid < 12000 || zero < w*h/2 {
				t.Errorf("solid=%d zero=%d of %d pixels: ink or paper missing", solid, zero, w*h)
			}
			// Without recolouring the ink keeps its own red.
			if c := img.NRGBAAt(cx+r, cy); c.R < 150 || c.G > 90 || c.B > 100 {
				t.Errorf("ink colour %v, want the stamp's red", c)
			}
		})
	}
}

func TestProcessRecolor(t *testing.T) {
	data := encodeJPEG(t, stamp(t, yellowish), 75)
	want := color.NRGBA{R: 0x10, G: 0x30, B: 0xC0, A: 0xFF}
	for _, tc := range []struct {
		name string
		opt  color.NRGBA
		want color.NRGBA
	}{{"Blue", want, want}, {"DefaultRed", color.NRGBA{}, SealRed}} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Process(bytes.NewReader(data), Options{Recolor: true, Color: tc.opt})
			if err != nil {
				t.Fatal(err)
			}
			save("recolor-"+tc.name, res.PNG)
			img := decodeResult(t, res)
			inked := 0
			for y := range res.HeightPx {
				for x := range res.WidthPx {
					c := img.NRGBAAt(x, y)
					if c.A == 0 {
						continue
					}
					inked++
					if c.R != tc.want.R || c.G != tc.want.G || c.B != tc.want.B {
						t.Fatalf("pixel (%d,%d) is %v, want %v with any alpha", x, y, c, tc.want)
					}
				}
			}
			if inked < 12000 {
				t.Errorf("%d inked pixels, want the whole stamp", inked)
			}
		})
	}
}

func TestProcessDeterministic(t *testing.T) {
	img := stamp(t, yellowish)
	addNoise(img, 12)
	data := encodeJPEG(t, img, 80)
	a, err := Process(bytes.NewReader(data), Options{Recolor: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Process(bytes.NewReader(data), Options{Recolor: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.PNG, b.PNG) {
		t.Error("same input gave different bytes")
	}
}

// hugePNG is a PNG of only a signature and an IHDR that claims w×h pixels;
// it has no pixel data, so decoding it would fail with a different error.
func hugePNG(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		buf.Write(body)
		_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return buf.Bytes()
}

func TestProcessErrors(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, stamp(t, white), nil); err != nil {
		t.Fatal(err)
	}
	blank := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	noisyBlank := image.NewRGBA(image.Rect(0, 0, 300, 200))
	copy(noisyBlank.Pix, blank.Pix)
	addNoise(noisyBlank, 8)
	dot := image.NewRGBA(image.Rect(0, 0, 300, 200))
	copy(dot.Pix, blank.Pix)
	for y := 100; y < 110; y++ {
		for x := 100; x < 110; x++ {
			dot.Set(x, y, inkRed)
		}
	}
	cases := []struct {
		name string
		data []byte
		opts Options
		want error
	}{
		{"ErrNotImage/Text", []byte(strings.Repeat("not an image\n", 20)), Options{}, ErrNotImage},
		{"ErrNotImage/GIF", gifBuf.Bytes(), Options{}, ErrNotImage},
		{"ErrNotImage/Empty", nil, Options{}, ErrNotImage},
		{"ErrNotImage/TruncatedPNG", encodePNG(t, stamp(t, white))[:300], Options{}, ErrNotImage},
		{"ErrTooLarge/Header", hugePNG(5000, 5000), Options{}, ErrTooLarge},
		{"ErrTooLarge/OneSide", hugePNG(4097, 100), Options{}, ErrTooLarge},
		{"ErrTooLarge/MaxBytes", encodePNG(t, stamp(t, white)), Options{MaxBytes: 1000}, ErrTooLarge},
		{"ErrTooSmall/16px", encodePNG(t, image.NewRGBA(image.Rect(0, 0, 16, 16))), Options{}, ErrTooSmall},
		{"ErrTooSmall/TinyInk", encodePNG(t, dot), Options{}, ErrTooSmall},
		{"ErrEmpty/White", encodePNG(t, blank), Options{}, ErrEmpty},
		{"ErrEmpty/NoisyJPEG", encodeJPEG(t, noisyBlank, 70), Options{}, ErrEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Process(bytes.NewReader(tc.data), tc.opts)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, %v; want %v wrapping ErrInvalid", res, err, tc.want)
			}
		})
	}
}

func BenchmarkProcess(b *testing.B) {
	img := stamp(b, yellowish)
	addNoise(img, 10)
	data := encodeJPEG(b, img, 80)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), Options{Recolor: true}); err != nil {
			b.Fatal(err)
		}
	}
}
