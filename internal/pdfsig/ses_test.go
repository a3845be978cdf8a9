package pdfsig

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// fakeSES is a DER SEQUENCE standing in for an SES_Signature: pdfsig only
// carries it.
func fakeSES(t testing.TB, note string) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct{ Note string }{note})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// nrgba decodes a PNG the way imageXObject reads it.
func nrgba(t testing.TB, data []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.SetNRGBA(x-b.Min.X, y-b.Min.Y, color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA))
		}
	}
	return out
}

func samePixels(a, b *image.NRGBA) bool {
	return a != nil && b != nil && a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix)
}

// opaquePNG is an image without transparency: no soft mask is written.
func opaquePNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 37)
		if i%4 == 3 {
			img.Pix[i] = 0xff
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSignSES(t *testing.T) {
	p := newTestPKI(t)
	stamp := stampPNG(t)
	for _, tc := range testDocuments {
		t.Run(tc.name, func(t *testing.T) {
			pdf := tc.pdf()
			ses := fakeSES(t, "seal applied to "+tc.name)
			once, err := Sign(pdf, Request{Signer: p.signer(t, "Org A"), SES: ses,
				Placements: []Placement{{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stamp}}})
			if err != nil {
				t.Fatal(err)
			}
			twice, err := Sign(once, Request{Signer: p.signer(t, "Person B"),
				Placements: []Placement{{Page: 2, Rect: [4]float64{100, 80, 170, 130}, PNG: opaquePNG(t)}}})
			if err != nil {
				t.Fatal(err)
			}
			r := mustVerify(t, twice, p.options(t), FurtherSignaturesOnly, Unchanged)
			if !bytes.Equal(r[0].SES, ses) || r[0].RevisionStart != int64(len(pdf)) {
				t.Errorf("first signature: SES %x, revision start %d, want %x and %d", r[0].SES, r[0].RevisionStart, ses, len(pdf))
			}
			if !samePixels(r[0].WidgetImage, nrgba(t, stamp)) {
				t.Error("first widget image is not the stamp's pixels")
			}
			if r[1].SES != nil || r[1].RevisionStart != int64(len(once)) {
				t.Errorf("second signature: SES %x, revision start %d, want none and %d", r[1].SES, r[1].RevisionStart, len(once))
			}
			// Only a signature with an SES has its picture read back.
			if r[1].WidgetImage != nil {
				t.Error("a signature without an SES had its widget image read")
			}
		})
	}
}

func TestSignSESRevisionWithoutLineEnd(t *testing.T) {
	p := newTestPKI(t)
	pdf := bytes.TrimRight(classicPDF(), "\n")
	signed, err := Sign(pdf, Request{Signer: p.signer(t, "Org A"), SES: fakeSES(t, "x")})
	if err != nil {
		t.Fatal(err)
	}
	r := mustVerify(t, signed, p.options(t), Unchanged)
	// Sign added the line end; only the written length tells.
	if r[0].RevisionStart != int64(len(pdf)) {
		t.Fatalf("revision start %d, want %d", r[0].RevisionStart, len(pdf))
	}
	if r[0].WidgetImage != nil {
		t.Fatal("an invisible signature has a widget image")
	}
}

func TestSignSESTampered(t *testing.T) {
	p := newTestPKI(t)
	ses := fakeSES(t, "original")
	signed, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"), SES: ses})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"SESChanged", string(ses), string(fakeSES(t, "forgery!"))},
		{"RangeChanged", "/Signet.SESByteRange [0 ", "/Signet.SESByteRange [1 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(signed, []byte(tc.old)) {
				t.Fatalf("%q not in the signed file", tc.old)
			}
			bad := bytes.Replace(signed, []byte(tc.old), []byte(tc.new), 1)
			reps, err := Verify(bad, p.options(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != 1 || reps[0].Intact || reps[0].Err == nil {
				t.Fatalf("tampered SES entry verifies: %+v", reps)
			}
		})
	}
	if _, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"), SES: []byte("not DER")}); err == nil {
		t.Fatal("Sign embedded an SES that is not DER")
	}
}

// TestSignSESLegacyString: files written before the SES became a stream,
// with it as a hex string in the signature dictionary, still verify, and a
// change to that string is caught.
func TestSignSESLegacyString(t *testing.T) {
	legacySESString = true
	signed, err := Sign(classicPDF(), Request{Signer: newTestPKI(t).signer(t, "Org A"), SES: fakeSES(t, "original")})
	legacySESString = false
	if err != nil {
		t.Fatal(err)
	}
	old := "/Signet.SES <" + strings.ToUpper(hex.EncodeToString(fakeSES(t, "original")))
	if !bytes.Contains(signed, []byte(old)) {
		t.Fatalf("%q not in the legacy file", old)
	}
	reps, err := Verify(signed, VerifyOptions{})
	if err != nil || len(reps) != 1 || !bytes.Equal(reps[0].SES, fakeSES(t, "original")) || !reps[0].Intact {
		t.Fatalf("legacy SES: %+v %v", reps, err)
	}
	bad := bytes.Replace(signed, []byte(old), []byte("/Signet.SES <"+strings.ToUpper(hex.EncodeToString(fakeSES(t, "forgery!")))), 1)
	if reps, _ := Verify(bad, VerifyOptions{}); len(reps) != 1 || reps[0].Intact {
		t.Fatalf("a changed legacy SES verifies: %+v", reps)
	}
}

// TestSignSESRedefinedLater: an update after the signature that redefines
// the SES stream's object does not replace the SES that was signed.
func TestSignSESRedefinedLater(t *testing.T) {
	p := newTestPKI(t)
	ses := fakeSES(t, "original")
	signed, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"), SES: ses})
	if err != nil {
		t.Fatal(err)
	}
	reps := mustVerify(t, signed, p.options(t), Unchanged)
	doc, err := readDocument(signed)
	if err != nil {
		t.Fatal(err)
	}
	fields := signatureFields(doc, doc.resolve(doc.resolve(doc.resolve(doc.trailer()["Root"]).(dict)["AcroForm"]).(dict)["Fields"]).(array))
	sesRef := fields[0].sig[sesKey].(ref)
	u := newUpdate(doc)
	u.set(sesRef.num, &stream{dict: dict{"Type": name(sesKey)}, raw: fakeSES(t, "forgery!")})
	later := append(bytes.Clone(signed), u.bytes()...)
	after, err := Verify(later, p.options(t))
	if err != nil || len(after) != 1 {
		t.Fatalf("verify: %v", err)
	}
	if !bytes.Equal(after[0].SES, reps[0].SES) || after[0].Change != Modified {
		t.Fatalf("the later update's SES was read (%q), or the change not seen (%v)", after[0].SES, after[0].Change)
	}
}

func TestWidgetImageOnlyForSignsOwnAppearance(t *testing.T) {
	p := newTestPKI(t)
	stamp := stampPNG(t)
	signed, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"),
		Placements: []Placement{{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stamp}}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := readDocument(signed)
	if err != nil {
		t.Fatal(err)
	}
	catalog, _ := doc.resolve(doc.trailer()["Root"]).(dict)
	acroForm, _ := doc.resolve(catalog["AcroForm"]).(dict)
	fields := signatureFields(doc, doc.resolve(acroForm["Fields"]).(array))
	if len(fields) != 1 {
		t.Fatalf("%d signature fields", len(fields))
	}
	ap := doc.resolve(fields[0].field["AP"]).(dict)
	form := doc.resolve(ap["N"]).(*stream)
	if !samePixels(widgetImage(doc, fields[0].field), nrgba(t, stamp)) {
		t.Fatal("the appearance Sign wrote does not decode to the stamp")
	}
	for _, tc := range []struct {
		name    string
		content string
		extra   dict
	}{
		{"DrawsMore", "q 120 0 0 120 0 0 cm /Im0 Do Q 0 0 m 60 60 l S", nil},
		{"DrawsSmaller", "q 60 0 0 60 0 0 cm /Im0 Do Q", nil},
		{"Transformed", "q 120 0 0 120 0 0 cm /Im0 Do Q", dict{"Matrix": array{0.5, 0.0, 0.0, 0.5, 0.0, 0.0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := form.dict.clone()
			delete(d, "Filter")
			for k, v := range tc.extra {
				d[k] = v
			}
			widget := dict{"AP": dict{"N": &stream{dict: d, raw: []byte(tc.content)}}}
			if img := widgetImage(doc, widget); img != nil {
				t.Fatalf("widget image for %q", tc.content)
			}
		})
	}
	t.Run("SameAsWritten", func(t *testing.T) {
		d := form.dict.clone()
		delete(d, "Filter")
		widget := dict{"AP": dict{"N": &stream{dict: d, raw: []byte("q 120 0 0 120 0 0 cm /Im0 Do Q")}}}
		if !samePixels(widgetImage(doc, widget), nrgba(t, stamp)) {
			t.Fatal("the hand-written equivalent appearance does not decode")
		}
	})
}
