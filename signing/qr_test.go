package signing_test

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"signet/seals/render/rendertest"
	"signet/signing"
)

// decodeQR reads the one QR code in img, laid on white paper as it would be
// printed, with an independent decoder (ZXing's port).
func decodeQR(tb testing.TB, img image.Image) string {
	tb.Helper()
	paper := image.NewGray(img.Bounds())
	draw.Draw(paper, paper.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(paper, paper.Bounds(), img, img.Bounds().Min, draw.Over)
	bmp, err := gozxing.NewBinaryBitmapFromImage(paper)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		tb.Fatalf("decode qr code: %v", err)
	}
	return res.GetText()
}

// scan averages k × k pixel blocks, as a scanner at 1/k of the resolution sees the page.
func scan(img image.Image, k int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()/k, b.Dy()/k))
	for y := range out.Bounds().Dy() {
		for x := range out.Bounds().Dx() {
			sum := 0
			for dy := range k {
				for dx := range k {
					sum += int(color.GrayModel.Convert(img.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy)).(color.Gray).Y)
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(sum / (k * k))})
		}
	}
	return out
}

var verifyURLs = []string{
	"https://sign.example.com/v/7KQ2-MX9D",
	"http://localhost:8080/verify?code=7KQ2-MX9D&lang=zh-CN",
	"https://签署.example.cn/verify/%E5%90%88%E5%90%8C?id=01HZX3",
	"https://sign.example.com/verify/" + strings.Repeat("a1B2-", 90), // near MaxURLLen
}

func TestQR(t *testing.T) {
	t.Parallel()

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		for _, u := range verifyURLs {
			b, err := signing.QR(u)
			if err != nil {
				t.Fatalf("%q: %v", u, err)
			}
			img := decodePNG(t, b)
			if got := decodeQR(t, img); got != u {
				t.Errorf("qr code reads %q, want %q", got, u)
			}
			// Whole 12 px modules, and a white quiet zone of 4 modules.
			bd := img.Bounds()
			if bd.Dx() != bd.Dy() || bd.Dx()%12 != 0 || bd.Dx()/12 < 21+8 {
				t.Fatalf("%q: qr image is %v", u, bd)
			}
			for y := range bd.Dy() {
				for x := range bd.Dx() {
					if x >= 48 && x < bd.Dx()-48 && y >= 48 && y < bd.Dy()-48 {
						continue
					}
					if c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA); c != (color.NRGBA{255, 255, 255, 255}) {
						t.Fatalf("%q: quiet zone at %d,%d is %v", u, x, y, c)
					}
				}
			}
		}
	})

	t.Run("OKScanned", func(t *testing.T) {
		t.Parallel()
		// Printed at 600 dpi and scanned at 200 dpi, modules are 4 px.
		u := verifyURLs[1]
		b, err := signing.QR(u)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, scan(decodePNG(t, b), 3)); got != u {
			t.Errorf("scanned qr code reads %q, want %q", got, u)
		}
	})

	t.Run("ErrURL", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{
			"", "sign.example.com/v/1", "/v/7KQ2", "https://", "https:///v/1", "ftp://example.com/v",
			"javascript:alert(1)", "https://exa mple.com/", "https://example.com/" + strings.Repeat("x", signing.MaxURLLen),
		} {
			if _, err := signing.QR(u); !errors.Is(err, signing.ErrURL) {
				t.Errorf("%q: %v, want ErrURL", u, err)
			}
		}
	})
}

func TestVerificationBlock(t *testing.T) {
	t.Parallel()
	r := rendertest.Renderer(t)

	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		for _, u := range verifyURLs[:2] {
			b, err := signing.VerificationBlock(r, u, "7KQ2-MX9D")
			if err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, b)
			if got := decodeQR(t, img); got != u {
				t.Errorf("block's qr code reads %q, want %q", got, u)
			}
			qrb, err := signing.QR(u)
			if err != nil {
				t.Fatal(err)
			}
			side := decodePNG(t, qrb).Bounds().Dx()
			bd := img.Bounds()
			// The code and the caption, both wider than the QR code's
			// modules, sit under it: two separate bands of black ink.
			if bd.Dy() <= side+100 {
				t.Fatalf("block is %v for a %d px qr code", bd, side)
			}
			var bands []int
			inBand := false
			for y := side; y < bd.Dy(); y++ {
				ink := 0
				for x := range bd.Dx() {
					c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
					if c.A == 255 {
						if c.R != 0 || c.G != 0 || c.B != 0 {
							t.Fatalf("text ink at %d,%d is %v, want black", x, y, c)
						}
						ink++
					}
				}
				if ink > 0 && !inBand {
					bands = append(bands, y)
				}
				inBand = ink > 0
			}
			if len(bands) != 2 {
				t.Errorf("%d bands of text ink under the qr code at rows %v, want 2", len(bands), bands)
			}
			// Outside the QR code the background is transparent.
			for _, p := range []image.Point{{0, bd.Dy() - 1}, {bd.Dx() - 1, bd.Dy() - 1}, {bd.Dx() / 2, side + 2}} {
				if _, _, _, a := img.At(p.X, p.Y).RGBA(); a != 0 {
					t.Errorf("background at %v has alpha %d", p, a>>8)
				}
			}
		}
	})

	t.Run("ErrShortCode", func(t *testing.T) {
		t.Parallel()
		for _, code := range []string{"", strings.Repeat("A", 33), "7KQ2 MX9D", "验证码", "7KQ2/MX9D", "7KQ2\n"} {
			if _, err := signing.VerificationBlock(r, verifyURLs[0], code); !errors.Is(err, signing.ErrShortCode) {
				t.Errorf("%q: %v, want ErrShortCode", code, err)
			}
		}
	})

	t.Run("ErrURL", func(t *testing.T) {
		t.Parallel()
		if _, err := signing.VerificationBlock(r, "/v/7KQ2", "7KQ2"); !errors.Is(err, signing.ErrURL) {
			t.Errorf("relative url: %v, want ErrURL", err)
		}
	})
}
