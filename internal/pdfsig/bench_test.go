package pdfsig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/big"
	"os"
	"testing"
	"time"

	"signet/internal/pdftest"
)

// sealPNG is a 600×600 red ring with transparency, the size of a 42 mm seal
// at about 360 dpi.
func sealPNG(tb testing.TB) []byte {
	tb.Helper()
	const size = 600
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			r := math.Hypot(float64(x-size/2), float64(y-size/2))
			if r > 260 && r < 290 || (x+y)%37 == 0 && r < 260 {
				img.Set(x, y, color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkSignSeal signs a 20-page document with a seal picture, as a
// company stamp does: the picture is the same every time.
func BenchmarkSignSeal(b *testing.B) {
	p := newTestPKI(b)
	signer := p.signer(b, "甲方科技有限公司")
	var pages []pdftest.Page
	for range 20 {
		pages = append(pages, pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "甲方（盖章）"}}})
	}
	doc := pdftest.Document(pages...)
	seal := sealPNG(b)
	req := Request{Signer: signer, Placements: []Placement{{Page: 20, Rect: [4]float64{300, 100, 420, 220}, PNG: seal}}}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Sign(doc, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeImageCold is what a stamp paid for its picture before
// encoded pictures were kept: decoding and compressing it every time.
func BenchmarkEncodeImageCold(b *testing.B) {
	seal := sealPNG(b)
	b.ReportAllocs()
	for b.Loop() {
		imageCache.Lock()
		clear(imageCache.m)
		imageCache.order, imageCache.bytes = nil, 0
		imageCache.Unlock()
		if _, err := encodeImage(seal); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignSystemPDF signs a real document with object streams
// (libtasn1's manual, when installed) invisibly: parsing dominates.
func BenchmarkSignSystemPDF(b *testing.B) {
	pdf, err := os.ReadFile("/usr/share/doc/libtasn1-doc/libtasn1.pdf")
	if err != nil {
		b.Skip("libtasn1-doc is not installed")
	}
	p := newTestPKI(b)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := p.issue(b, &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "A"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}, key.Public())
	req := Request{Signer: ECDSASigner(cert, nil, key, nil)}
	b.ReportAllocs()
	b.SetBytes(int64(len(pdf)))
	for b.Loop() {
		if _, err := Sign(pdf, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify10 verifies a document with ten time-stamped signatures,
// each with a seal picture, as a contract with ten parties has.
func BenchmarkVerify10(b *testing.B) {
	p := newTestPKI(b)
	signer := p.signer(b, "甲方科技有限公司")
	var pages []pdftest.Page
	for range 10 {
		pages = append(pages, pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "甲方（盖章）"}}})
	}
	doc := pdftest.Document(pages...)
	seal := sealPNG(b)
	for i := range 10 {
		var err error
		doc, err = Sign(doc, Request{Signer: signer, Placements: []Placement{{Page: i + 1, Rect: [4]float64{300, 100, 420, 220}, PNG: seal}}})
		if err != nil {
			b.Fatal(err)
		}
	}
	opts := p.options(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ReportMetric(float64(len(doc)), "file-bytes")
	for b.Loop() {
		reps, err := Verify(doc, opts)
		if err != nil || len(reps) != 10 {
			b.Fatalf("%d reports, %v", len(reps), err)
		}
	}
}
