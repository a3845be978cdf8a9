package imageproc

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"
	"time"
)

// FuzzProcess feeds arbitrary uploads to Process, as POST /api/seals/upload
// does. Properties: no panic; a refusal always wraps ErrInvalid (a 422, never
// a 500); an accepted upload gives a PNG that decodes to the size Result
// claims, within MaxSidePx; and one call never takes long, since the header
// is checked before any pixel is decoded. The byte limit is kept small so
// the fuzzer's headers, not its bodies, explore the decoders.
func FuzzProcess(f *testing.F) {
	// A small stamp keeps each execution fast: a red ring on paper.
	small := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			small.Set(x, y, yellowish)
			if d := (x-48)*(x-48) + (y-48)*(y-48); d > 30*30 && d < 38*38 {
				small.Set(x, y, inkRed)
			}
		}
	}
	f.Add(encodePNG(f, small), false)
	f.Add(encodeJPEG(f, small, 80), true)
	f.Add(hugePNG(100000, 100000), false)
	f.Add([]byte("\x89PNG\r\n\x1a\n"), false)
	f.Add([]byte{0xFF, 0xD8, 0xFF}, true)
	f.Fuzz(func(t *testing.T, upload []byte, recolor bool) {
		start := time.Now()
		res, err := Process(bytes.NewReader(upload), Options{Recolor: recolor, MaxBytes: 256 << 10})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Process took %v on %d bytes", d, len(upload))
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refusal does not wrap ErrInvalid: %v", err)
			}
			return
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(res.PNG))
		if err != nil {
			t.Fatalf("result is not a PNG: %v", err)
		}
		if cfg.Width != res.WidthPx || cfg.Height != res.HeightPx || cfg.Width > MaxSidePx || cfg.Height > MaxSidePx || cfg.Width == 0 || cfg.Height == 0 {
			t.Fatalf("result %d×%d, claims %d×%d", cfg.Width, cfg.Height, res.WidthPx, res.HeightPx)
		}
		if _, err := png.Decode(bytes.NewReader(res.PNG)); err != nil {
			t.Fatalf("result does not decode: %v", err)
		}
	})
}
