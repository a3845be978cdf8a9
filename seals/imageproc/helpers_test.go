package imageproc

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"golang.org/x/image/vector"
)

// Geometry of the synthetic stamp: a ring centred on the canvas plus a few
// rotated bars standing in for characters.
const (
	stampSize  = 400
	ringOuter  = 150.0
	ringInner  = 138.0
	stampAngle = 7 * math.Pi / 180 // a slightly rotated stamp
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	yellowish = color.RGBA{246, 236, 196, 255}
	inkRed    = color.RGBA{205, 28, 40, 255}
)

// stamp draws the synthetic seal on paper of colour bg.
func stamp(tb testing.TB, bg color.RGBA) *image.RGBA {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, stampSize, stampSize))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	z := vector.NewRasterizer(stampSize, stampSize)
	c := float64(stampSize) / 2
	circle(z, c, c, ringOuter, false)
	circle(z, c, c, ringInner, true)
	// Bars inside the ring, rotated with the stamp, like strokes of text.
	rot := func(x, y float64) (float32, float32) {
		s, co := math.Sincos(stampAngle)
		return float32(c + x*co - y*s), float32(c + x*s + y*co)
	}
	for _, b := range [][4]float64{{-60, -40, 60, -28}, {-6, -40, 6, 50}, {-50, 10, 50, 20}, {-60, 40, 60, 50}} {
		z.MoveTo(rot(b[0], b[1]))
		z.LineTo(rot(b[2], b[1]))
		z.LineTo(rot(b[2], b[3]))
		z.LineTo(rot(b[0], b[3]))
		z.ClosePath()
	}
	z.Draw(img, img.Bounds(), image.NewUniform(inkRed), image.Point{})
	return img
}

// circle adds a circle; a hole winds the other way.
func circle(z *vector.Rasterizer, cx, cy, r float64, hole bool) {
	const n = 256
	dir := 1.0
	if hole {
		dir = -1
	}
	z.MoveTo(float32(cx+r), float32(cy))
	for i := 1; i < n; i++ {
		t := dir * 2 * math.Pi * float64(i) / n
		z.LineTo(float32(cx+r*math.Cos(t)), float32(cy+r*math.Sin(t)))
	}
	z.ClosePath()
}

// addNoise adds deterministic noise of ±amp to every channel.
func addNoise(img *image.RGBA, amp int) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		if i%4 == 3 {
			continue
		}
		v := int(img.Pix[i]) + rng.IntN(2*amp+1) - amp
		img.Pix[i] = uint8(min(255, max(0, v)))
	}
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(tb testing.TB, img image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// decodeResult decodes a Result's PNG and checks its reported size.
func decodeResult(tb testing.TB, r *Result) *image.NRGBA {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(r.PNG))
	if err != nil {
		tb.Fatalf("output is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != r.WidthPx || b.Dy() != r.HeightPx {
		tb.Fatalf("Result says %d×%d, PNG is %v", r.WidthPx, r.HeightPx, b)
	}
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// save writes an output for a human to look at; failures don't matter.
func save(name string, data []byte) { _ = os.WriteFile("/tmp/imageproc-"+name+".png", data, 0o644) }

func alphaAt(img *image.NRGBA, x, y int) uint8 { return img.NRGBAAt(x, y).A }

// alphaStats counts transparent, partial and solid pixels.
func alphaStats(img *image.NRGBA) (zero, partial, solid int) {
	for i := 3; i < len(img.Pix); i += 4 {
		switch a := img.Pix[i]; {
		case a == 0:
			zero++
		case a >= 240:
			solid++
		default:
			partial++
		}
	}
	return
}
