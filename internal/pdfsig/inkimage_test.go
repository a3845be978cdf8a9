package pdfsig

import (
	"bytes"
	"encoding/asn1"
	"image/color"
	"testing"

	"signet/internal/inkpng"
)

// inkRing is an ink picture of a red ring, anti-aliased at its edges.
func inkRing(t testing.TB, size int) []byte {
	t.Helper()
	alpha := make([]byte, size*size)
	for y := range size {
		for x := range size {
			dx, dy := float64(x)-float64(size)/2, float64(y)-float64(size)/2
			d := dx*dx + dy*dy
			inner, outer := 0.2*float64(size), 0.4*float64(size)
			switch {
			case d > inner*inner && d < outer*outer:
				alpha[y*size+x] = 0xff
			case d > (inner-1)*(inner-1) && d < (outer+1)*(outer+1):
				alpha[y*size+x] = 0x80
			}
		}
	}
	data, err := inkpng.Encode(color.NRGBA{0xE6, 0x00, 0x12, 0xff}, alpha, size, size)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sesWithPicture stands in for an SES_Signature that embeds its seal's
// picture, as GB/T 38540's SESeal does.
func sesWithPicture(t testing.TB, pic []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct {
		Note    string
		Picture []byte
		After   string
	}{"seal", pic, "signed"})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestSignInkPicture: a seal whose picture is an ink picture is stored
// once. The widget's soft mask is the PNG's own pixel data, the SES stream
// points to it, and Verify gives back the SES byte for byte and the
// widget's pixels exactly as the PNG's.
func TestSignInkPicture(t *testing.T) {
	p := newTestPKI(t)
	pic := inkRing(t, 400)
	info, ok := inkpng.Parse(pic)
	if !ok {
		t.Fatal("not an ink picture")
	}
	ses := sesWithPicture(t, pic)
	pdf := classicPDF()
	signed, err := Sign(pdf, Request{Signer: p.signer(t, "Org A"), SES: ses,
		Placements: []Placement{{Page: 1, Rect: [4]float64{100, 100, 300, 300}, PNG: pic}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(signed, info.Data); n != 1 {
		t.Fatalf("the picture's pixel data is in the file %d times, want once", n)
	}
	reps, err := Verify(signed, p.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || !reps[0].Intact || reps[0].Err != nil {
		t.Fatalf("reports %+v", reps)
	}
	if !bytes.Equal(reps[0].SES, ses) {
		t.Fatal("the SES read back is not the one signed")
	}
	if !samePixels(reps[0].WidgetImage, nrgba(t, pic)) {
		t.Fatal("the widget's pixels are not the picture's")
	}

	// The picture counts for both signatures: a change to it breaks the
	// PDF signature, and the SES read back changes with it.
	at := bytes.Index(signed, info.Data) + len(info.Data)/2
	bad := bytes.Clone(signed)
	bad[at] ^= 0x01
	reps, err = Verify(bad, p.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Intact {
		t.Fatal("a changed picture still verifies")
	}
	if bytes.Equal(reps[0].SES, ses) {
		t.Fatal("a changed picture left the SES as signed")
	}

	// An ink picture without an SES, or an SES that does not embed it,
	// is shown the same way and the SES kept whole.
	other := sesWithPicture(t, []byte("another picture"))
	signed, err = Sign(pdf, Request{Signer: p.signer(t, "Org A"), SES: other,
		Placements: []Placement{{Page: 1, Rect: [4]float64{100, 100, 300, 300}, PNG: pic}}})
	if err != nil {
		t.Fatal(err)
	}
	reps, err = Verify(signed, p.options(t))
	if err != nil || len(reps) != 1 || !reps[0].Intact || !bytes.Equal(reps[0].SES, other) || !samePixels(reps[0].WidgetImage, nrgba(t, pic)) {
		t.Fatalf("SES not embedding the picture: %v %+v", err, reps)
	}
}

// TestInkPictureRenders: poppler draws an ink picture as the ink where
// the picture covers and the page where it does not.
func TestInkPictureRenders(t *testing.T) {
	p := newTestPKI(t)
	signed, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"),
		Placements: []Placement{{Page: 1, Rect: [4]float64{100, 100, 300, 300}, PNG: inkRing(t, 400)}}})
	if err != nil {
		t.Fatal(err)
	}
	img := render(t, signed, 1)
	wantRed(t, img, 260, 200) // on the ring
	wantRed(t, img, 200, 140)
	for _, pt := range [][2]int{{200, 200}, {105, 105}, {295, 295}} { // the hole, the corners
		b := img.Bounds()
		c := color.NRGBAModel.Convert(img.At(b.Min.X+pt[0], b.Max.Y-1-pt[1])).(color.NRGBA)
		if c.R < 0xf0 || c.G < 0xf0 || c.B < 0xf0 {
			t.Errorf("pixel at %v is %v, want the white page", pt, c)
		}
	}
}
