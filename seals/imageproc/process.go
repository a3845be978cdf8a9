package imageproc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"signet/internal/inkpng"
)

// Limits on uploaded seal images.
const (
	// DefaultMaxBytes is the upload size limit when Options.MaxBytes is 0.
	DefaultMaxBytes = 5 << 20
	// MaxSidePx is the largest width or height accepted; a header claiming
	// more is refused before decoding (the decompression-bomb guard).
	MaxSidePx = 4096
	// MinSidePx is the smallest width or height accepted.
	MinSidePx = 64
	// minInkPx is the smallest side of the ink's bounding box.
	minInkPx = 16
)

// SealRed is the default ink colour, #E60012.
var SealRed = color.NRGBA{R: 0xE6, G: 0x00, B: 0x12, A: 0xFF}

// Options controls [Process].
type Options struct {
	Recolor  bool        // recolour the ink to Color
	Color    color.NRGBA // zero value = seal red #E60012; alpha is ignored
	MaxBytes int64       // 0 = 5 MiB
}

// Result is a transparent PNG and its size in pixels.
type Result struct {
	PNG               []byte // transparent PNG
	WidthPx, HeightPx int
}

// Process turns an uploaded photo or scan of a physical seal into a clean
// seal image: the paper becomes transparent with anti-aliased edges, the
// ink is optionally recoloured, and the result is cropped to the ink plus a
// small margin. The paper colour is taken from the image's border, so the
// photo must show some paper around the seal (a stamp may touch the edge,
// but most of the border must be paper). Input errors wrap [ErrInvalid]
// and one of [ErrNotImage], [ErrTooLarge], [ErrTooSmall] or [ErrEmpty].
func Process(r io.Reader, opts Options) (*Result, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("process seal: read upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("process seal: upload exceeds %d bytes: %w", limit, ErrTooLarge)
	}
	img, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("process seal: %w", err)
	}
	var ink color.NRGBA
	if opts.Recolor {
		ink = opts.Color
		if ink == (color.NRGBA{}) {
			ink = SealRed
		}
		ink.A = 0xFF
	}
	out, err := extract(img, opts.Recolor, ink)
	if err != nil {
		return nil, fmt.Errorf("process seal: %w", err)
	}
	if opts.Recolor {
		// One ink colour: an ink picture, a quarter of the size, which a
		// PDF carries without decoding it again.
		if data, ok, err := inkpng.FromImage(out); err != nil {
			return nil, fmt.Errorf("process seal: %w", err)
		} else if ok {
			b := out.Bounds()
			return &Result{PNG: data, WidthPx: b.Dx(), HeightPx: b.Dy()}, nil
		}
	}
	return encode(out)
}

// decode sniffs the format from the magic bytes, checks the dimensions in
// the header and only then decodes, returning the pixels flattened onto
// white (a transparent PNG's background is paper too).
func decode(data []byte) (*image.RGBA, error) {
	var decodeConfig func(io.Reader) (image.Config, error)
	var decodeImage func(io.Reader) (image.Image, error)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		decodeConfig, decodeImage = png.DecodeConfig, png.Decode
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		decodeConfig, decodeImage = jpeg.DecodeConfig, func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }
	default:
		return nil, ErrNotImage
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read image header: %v: %w", err, ErrNotImage)
	}
	if cfg.Width > MaxSidePx || cfg.Height > MaxSidePx {
		return nil, fmt.Errorf("image is %d×%d, over %d×%d: %w", cfg.Width, cfg.Height, MaxSidePx, MaxSidePx, ErrTooLarge)
	}
	if cfg.Width < MinSidePx || cfg.Height < MinSidePx {
		return nil, fmt.Errorf("image is %d×%d, under %d×%d: %w", cfg.Width, cfg.Height, MinSidePx, MinSidePx, ErrTooSmall)
	}
	src, err := decodeImage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %v: %w", err, ErrNotImage)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	return dst, nil
}

// encode writes img as a PNG.
func encode(img *image.NRGBA) (*Result, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	b := img.Bounds()
	return &Result{PNG: buf.Bytes(), WidthPx: b.Dx(), HeightPx: b.Dy()}, nil
}
