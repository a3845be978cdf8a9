package signing

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"signet/contracts"
	"signet/internal/valid"
)

// TestMarkTruncatedPNG: a signature picture whose header is fine but whose
// pixels are cut off is refused when the code is requested, as a field
// error on signature_png, not accepted and then failed at signing (500).
func TestMarkTruncatedPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 100))
	for x := 0; x < 300; x++ {
		img.SetNRGBA(x, x/3, color.NRGBA{A: 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	person := contracts.Party{Kind: contracts.Person}
	if err := (Mark{SignaturePNG: good}).check(person); err != nil {
		t.Fatalf("a whole PNG is refused: %v", err)
	}
	for name, b := range map[string][]byte{
		"Truncated":   good[:len(good)*2/3],
		"NoIEND":      good[:len(good)-12],
		"HeaderOnly":  good[:33],
		"CorruptIDAT": append(append(bytes.Clone(good[:60]), 0xff, 0xff, 0xff, 0xff), good[64:]...),
	} {
		t.Run(name, func(t *testing.T) {
			err := (Mark{SignaturePNG: b}).check(person)
			var fe valid.Errors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "signature_png" {
				t.Fatalf("check = %v, want a field error on signature_png", err)
			}
		})
	}
}
