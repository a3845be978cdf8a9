package verify

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"signet/internal/ses"
)

// TestSamePicture: only the exact pixels of the seal's picture count.
func TestSamePicture(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(40 * i)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	pic := ses.PictrueInfo{Type: "png", Data: b.Bytes()}
	other := image.NewNRGBA(img.Rect)
	copy(other.Pix, img.Pix)
	other.SetNRGBA(2, 1, color.NRGBA{1, 2, 3, 4})
	for _, tc := range []struct {
		name   string
		pic    ses.PictrueInfo
		widget *image.NRGBA
		ok     bool
	}{
		{"OK", pic, img, true},
		{"NoWidgetImage", pic, nil, false},
		{"OnePixel", pic, other, false},
		{"OtherSize", pic, image.NewNRGBA(image.Rect(0, 0, 2, 3)), false},
		{"NotPNG", ses.PictrueInfo{Type: "svg", Data: []byte("<svg/>")}, img, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := samePicture(tc.pic, tc.widget); (err == nil) != tc.ok {
				t.Fatalf("samePicture: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
