package signing

// The QR encoder is github.com/boombuler/barcode/qr. Of the pure-Go
// encoders considered it is the one that is both maintained (v1.1.0, July
// 2025) and small with no dependencies of its own: rsc.io/qr (2018) and
// github.com/skip2/go-qrcode (2020) are unmaintained, and
// github.com/yeqown/go-qrcode/v2 pulls in a Reed-Solomon module and needs
// separate writer modules (with their own image dependencies) to get pixels.
// Only its qr package is imported, so the other symbologies in the module
// are not compiled in. Signet draws the modules itself, so the quiet zone,
// module size and colours are ours, not the library's defaults.

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"net/url"

	"github.com/boombuler/barcode/qr"

	"signet/internal/inkpng"
	"signet/seals/render"
)

// ErrURL is returned, wrapped with the reason, for a verification URL that
// is not an absolute http or https URL of at most [MaxURLLen] bytes.
var ErrURL = errors.New("invalid verification url")

// ErrShortCode is returned, wrapped with the reason, for a short code that
// is not 1 to 32 ASCII letters, digits and hyphens.
var ErrShortCode = errors.New("invalid verification short code")

// MaxURLLen bounds the verification URL, so that the QR code keeps modules
// large enough to scan from paper.
const MaxURLLen = 512

// Sizes of the QR code and the verification block at [StampDPI]. A 12 px
// module is 0.51 mm, comfortably above what phone cameras read from paper;
// the quiet zone is the 4 modules the QR standard asks for.
const (
	qrModulePx  = 12
	qrQuiet     = 4
	codeSizeMM  = 3.5 // font size of the short code
	labelSizeMM = 2.2 // font size of the caption
	blockGapMM  = 0.8 // between the QR code, the code and the caption
	verifyLabel = "扫码验证 / Scan to verify"
)

// QR returns a PNG of a QR code (error correction level M) for link, black
// modules on white with the standard 4-module quiet zone, at 12 pixels a
// module, meant to be placed at [StampDPI] (0.51 mm modules). The light
// modules are opaque so that the code scans over any page background.
// A link that is not an absolute http or https URL is an error wrapping
// [ErrURL].
func QR(link string) ([]byte, error) {
	img, err := qrImage(link)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// VerificationBlock returns a PNG, at [StampDPI], for the last page of a
// completed contract: a QR code of link (as [QR] draws it), and under it
// shortCode and the caption "扫码验证 / Scan to verify", centred, in black.
// Everything that is not black ink is transparent, the QR code's light
// modules and quiet zone included: it is an ink picture (internal/inkpng)
// for a white page. Its size in points is
// the PNG's pixel size × 72 / StampDPI; about 25 mm wide for a typical URL.
//
// The errors wrap [ErrURL], [ErrShortCode], or [render.ErrInvalid] when the
// font cannot draw the caption.
func VerificationBlock(r *render.Renderer, link, shortCode string) ([]byte, error) {
	if len(shortCode) < 1 || len(shortCode) > 32 {
		return nil, fmt.Errorf("%w: %d characters (want 1 to 32)", ErrShortCode, len(shortCode))
	}
	for _, c := range shortCode {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-') {
			return nil, fmt.Errorf("%w: %q contains %q", ErrShortCode, shortCode, c)
		}
	}
	code, err := qrImage(link)
	if err != nil {
		return nil, err
	}
	lines := make([]*image.RGBA, 0, 2)
	for _, l := range []struct {
		text string
		mm   float64
	}{{shortCode, codeSizeMM}, {verifyLabel, labelSizeMM}} {
		d, err := r.Text(l.text, l.mm)
		if err != nil {
			return nil, fmt.Errorf("verification block: %w", err)
		}
		img, err := d.Image(render.Options{Color: render.Black, DPI: StampDPI})
		if err != nil {
			return nil, fmt.Errorf("verification block: %w", err)
		}
		lines = append(lines, img)
	}

	gap := int(math.Round(blockGapMM * StampDPI / 25.4))
	w, h := code.Bounds().Dx(), code.Bounds().Dy()
	for _, l := range lines {
		w = max(w, l.Bounds().Dx())
		h += gap + l.Bounds().Dy()
	}
	block := image.NewNRGBA(image.Rect(0, 0, w, h))
	y := 0
	for _, part := range append([]image.Image{code}, lines[0], lines[1]) {
		b := part.Bounds()
		at := image.Rect((w-b.Dx())/2, y, (w-b.Dx())/2+b.Dx(), y+b.Dy())
		draw.Draw(block, at, part, b.Min, draw.Over)
		y += b.Dy() + gap
	}
	// An ink picture of black: a pixel's coverage is how much darker than
	// the paper it is, so the QR code's light modules and quiet zone are
	// the page's own white (the block goes on a blank page of its own).
	// PDFs carry such a picture without compressing it again, which for a
	// block unique to every contract is most of what placing it cost.
	alpha := make([]byte, w*h)
	for i := range alpha {
		px := block.Pix[4*i : 4*i+4]
		lum := (299*int(px[0]) + 587*int(px[1]) + 114*int(px[2])) / 1000
		alpha[i] = uint8(int(px[3]) * (255 - lum) / 255)
	}
	return inkpng.Encode(color.NRGBA{A: 0xff}, alpha, w, h)
}

// qrImage draws the QR code of u with its quiet zone, qrModulePx a module.
func qrImage(u string) (*image.Gray, error) {
	if len(u) > MaxURLLen {
		return nil, fmt.Errorf("%w: %d bytes (want at most %d)", ErrURL, len(u), MaxURLLen)
	}
	p, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	if p.Scheme != "https" && p.Scheme != "http" || p.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an absolute http or https URL", ErrURL, u)
	}
	bc, err := qr.Encode(u, qr.M, qr.Unicode) // byte mode: the URL's bytes as they are
	if err != nil {
		return nil, fmt.Errorf("encode qr code: %w", err)
	}
	n := bc.Bounds().Dx()
	side := (n + 2*qrQuiet) * qrModulePx
	img := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for my := range n {
		for mx := range n {
			if color.GrayModel.Convert(bc.At(bc.Bounds().Min.X+mx, bc.Bounds().Min.Y+my)).(color.Gray).Y >= 128 {
				continue
			}
			x, y := (qrQuiet+mx)*qrModulePx, (qrQuiet+my)*qrModulePx
			draw.Draw(img, image.Rect(x, y, x+qrModulePx, y+qrModulePx), image.Black, image.Point{}, draw.Src)
		}
	}
	return img, nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
