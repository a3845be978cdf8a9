package pdfsig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/big"
	mathrand "math/rand/v2"
	"os"
	"sync"
	"testing"

	"signet/evidence/tsa"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

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

// contract200K is a document of about 200 KB laid out as a contract is:
// ten pages of dense text (numbers that do not compress away).
var contract200K = sync.OnceValue(func() []byte {
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	pages := make([]pdftest.Page, 10)
	for i := range pages {
		for line := range 560 {
			pages[i].Texts = append(pages[i].Texts, pdftest.Text{X: 72, Y: float64(820 - line*3/2), Size: 1.5,
				S: fmt.Sprintf("第%d条 金额 %016x 元，账号 %016x。", line, rng.Uint64(), rng.Uint64())})
		}
	}
	pages[0].Texts = append(pages[0].Texts, pdftest.Text{X: 72, Y: 100, S: "甲方（盖章）"})
	return pdftest.Document(pages...)
})

// BenchmarkFloorECDSA is the least any ECDSA signing of a 200 KB document
// costs: SHA-256 over it and one P-256 signature.
func BenchmarkFloorECDSA(b *testing.B) {
	doc := contract200K()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		h := sha256.Sum256(doc)
		if _, err := ecdsa.SignASN1(rand.Reader, key, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorSM2 is the same floor for SM2: SM3 over the document and
// one SM2 signature.
func BenchmarkFloorSM2(b *testing.B) {
	doc := contract200K()
	key, _ := sm2.GenerateKey(rand.Reader)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		h := sm3.Sum(doc)
		if _, err := key.Sign(rand.Reader, h[:], nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignSeal signs a 200 KB document with a seal picture, as a
// company stamp does (appearance, CMS, and a time-stamp from an
// in-process TSA): the picture is the same every time.
func BenchmarkSignSeal(b *testing.B) {
	p := newTestPKI(b)
	signer := p.signer(b, "甲方科技有限公司")
	doc := contract200K()
	seal := sealPNG(b)
	req := Request{Signer: signer, Placements: []Placement{{Page: 1, Rect: [4]float64{300, 100, 420, 220}, PNG: seal}}}
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

// BenchmarkLongTerm is what long-term validation adds to a signing of the
// same 200 KB document as BenchmarkSignSeal: reading the certificates its
// signatures carry, and appending the /DSS (chains, a CRL) after it; and,
// at completion, the document time-stamp with its own /DSS.
func BenchmarkLongTerm(b *testing.B) {
	p := newTestPKI(b)
	cert, key := p.leaf(b, "甲方科技有限公司")
	crl := p.crl(b, nil)
	signed, err := Sign(contract200K(), Request{Signer: CAdESSigner(cert, []*x509.Certificate{p.root}, key, p.tsa, Revocation{CRLs: [][]byte{crl}}),
		SubFilter: SubFilterCAdES, Placements: []Placement{{Page: 1, Rect: [4]float64{300, 100, 420, 220}, PNG: sealPNG(b)}}})
	if err != nil {
		b.Fatal(err)
	}
	dss := DSS{Certs: [][]byte{p.root.Raw, cert.Raw}, CRLs: [][]byte{crl}}
	b.Run("DSS", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EmbeddedCertificates(signed); err != nil {
				b.Fatal(err)
			}
			if _, err := AddDSS(signed, dss); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Archive", func(b *testing.B) {
		lt, _ := AddDSS(signed, dss)
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := AddDocTimeStamp(context.Background(), lt, p.tsa, tsa.SHA256)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := AddDSS(out, DSS{CRLs: [][]byte{crl}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
