package seals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"signet/seals/imageproc"
)

// The styles of personal signatures, carried as personal seals.
const (
	// StyleTyped is a name typed in a chosen font.
	StyleTyped Style = "typed"
	// StyleDrawn is a hand-drawn signature: stroke points or a PNG from
	// the signing page.
	StyleDrawn Style = "drawn"
)

// SignatureWidthMM is the printed width of a personal signature; its
// height follows the image (300 × 150 px canvases give 40 × 20 mm).
const SignatureWidthMM = 40

// SignatureInput is one way to make a personal signature: exactly one of
// Typed, Strokes or PNG.
type SignatureInput struct {
	// Typed is the text of a typed signature, in Font (a name from
	// [SignatureFonts]; empty is the first).
	Typed string
	Font  string
	// Strokes are the points of a signature drawn on a pad.
	Strokes [][]imageproc.Point
	// PNG is a signature drawn on the signing page, processed like an
	// uploaded seal (paper made transparent, cropped).
	PNG []byte
}

// SignatureFonts lists the fonts a typed signature may use.
func SignatureFonts() []string { return imageproc.Fonts() }

// SignatureImage draws a signature as a transparent PNG and says which
// style it is. Bad input is a field error.
func SignatureImage(in SignatureInput) ([]byte, Style, error) {
	var (
		res   *imageproc.Result
		err   error
		style = StyleDrawn
		n     = 0
	)
	for _, set := range []bool{in.Typed != "", len(in.Strokes) > 0, len(in.PNG) > 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, "", fieldErr("typed", "required", "give exactly one of typed, strokes or a PNG")
	}
	opts := imageproc.SignatureOptions{}
	switch {
	case in.Typed != "":
		style = StyleTyped
		if in.Font != "" && !slices.Contains(imageproc.Fonts(), in.Font) {
			// A font path is opened as given: only names from the list.
			return nil, "", fieldErr("font", "invalid", "not one of the signature fonts")
		}
		res, err = imageproc.Typed(in.Typed, in.Font, opts)
	case len(in.Strokes) > 0:
		res, err = imageproc.Strokes(in.Strokes, opts)
	default:
		res, err = imageproc.Process(bytes.NewReader(in.PNG), imageproc.Options{Recolor: true, Color: imageproc.SealRed, MaxBytes: 5 << 20})
	}
	if errors.Is(err, imageproc.ErrInvalid) {
		return nil, "", fieldErr("signature", "invalid", err.Error())
	}
	if err != nil {
		return nil, "", fmt.Errorf("draw signature: %w", err)
	}
	return res.PNG, style, nil
}

// CreateSignature makes the caller's personal signature from in. Like
// every personal seal it is approved at once and needs the caller to be
// verified ([ErrUnverified]).
func (s *Service) CreateSignature(ctx context.Context, a Actor, name string, in SignatureInput) (Seal, error) {
	img, style, err := SignatureImage(in)
	if err != nil {
		return Seal{}, err
	}
	return s.Apply(ctx, a, Application{Kind: Personal, Purpose: "signature",
		Design: Design{Style: style, Name: name, Image: img, SizeMM: SignatureWidthMM}})
}

// DefaultSignature makes the caller's signature by typing their verified
// name (the caller passes it from identity) in the default font.
func (s *Service) DefaultSignature(ctx context.Context, a Actor, verifiedName string) (Seal, error) {
	return s.CreateSignature(ctx, a, verifiedName, SignatureInput{Typed: verifiedName})
}
