package pdfsig

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"math/big"
	mathrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// producerPDF is a PDF 1.5 file as today's producers write them: the
// page dictionaries in object streams of 100, a cross-reference stream,
// and per page a Flate-compressed content stream of perPage bytes of text
// that does not compress away.
func producerPDF(pages, perPage int) []byte {
	rng := mathrand.New(mathrand.NewPCG(7, 7))
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	// Objects: 1 catalog, 2 pages, 3 font, then per page its content
	// stream (4+i); the page dictionaries (4+pages+i) live in object
	// streams numbered after them.
	type entry struct {
		kind      byte
		off, gen  int
		stm, idx_ int
	}
	firstPage := 4 + pages
	firstStm := firstPage + pages
	nStm := (pages + 99) / 100
	size := firstStm + nStm + 1 // and the cross-reference stream
	xref := make([]entry, size)
	obj := func(n int, body string) {
		xref[n] = entry{kind: 1, off: b.Len()}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	stream := func(n int, dict string, data []byte) {
		xref[n] = entry{kind: 1, off: b.Len()}
		fmt.Fprintf(&b, "%d 0 obj\n<< %s /Length %d >>\nstream\n", n, dict, len(data))
		b.Write(data)
		b.WriteString("\nendstream\nendobj\n")
	}
	deflate := func(data []byte) []byte {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(data)
		w.Close()
		return z.Bytes()
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	kids := new(bytes.Buffer)
	for i := range pages {
		fmt.Fprintf(kids, "%d 0 R ", firstPage+i)
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", pages, kids))
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := range pages {
		var c bytes.Buffer
		for y := 800; c.Len() < perPage; y -= 9 {
			fmt.Fprintf(&c, "BT /F1 7 Tf 40 %d Td (Clause %d: %016x %016x %016x) Tj ET\n", y%800+20, y, rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		stream(4+i, "/Filter /FlateDecode", deflate(c.Bytes()))
	}
	for s := range nStm {
		var head, body bytes.Buffer
		n := 0
		for i := s * 100; i < min(pages, (s+1)*100); i++ {
			fmt.Fprintf(&head, "%d %d ", firstPage+i, body.Len())
			fmt.Fprintf(&body, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>\n", 4+i)
			xref[firstPage+i] = entry{kind: 2, stm: firstStm + s, idx_: n}
			n++
		}
		data := append(head.Bytes(), body.Bytes()...)
		stream(firstStm+s, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", n, head.Len()), deflate(data))
	}
	xrefAt := b.Len()
	xref[size-1] = entry{kind: 1, off: xrefAt}
	var rows bytes.Buffer
	for n, e := range xref {
		row := make([]byte, 7)
		switch {
		case n == 0:
			row[0] = 0
			binary.BigEndian.PutUint16(row[5:], 65535)
		case e.kind == 1:
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:], uint32(e.off))
		case e.kind == 2:
			row[0] = 2
			binary.BigEndian.PutUint32(row[1:], uint32(e.stm))
			binary.BigEndian.PutUint16(row[5:], uint16(e.idx_))
		}
		rows.Write(row)
	}
	data := deflate(rows.Bytes())
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", size-1, size, len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefAt)
	return b.Bytes()
}

// pdf7MB is a 7 MB document of 700 pages with cross-reference and object
// streams.
var pdf7MB = sync.OnceValue(func() []byte { return producerPDF(700, 27000) })

// ecdsaSigner is a P-256 key with a certificate from p.
func ecdsaSigner(tb testing.TB, p *testPKI) (*ecdsa.PrivateKey, *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := p.issue(tb, &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Bench Org"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}, key.Public())
	return key, cert
}

// TestProducerPDF: the generated document is one that pdfsig and
// digitorus/pdfsign both sign, and that both signatures verify, so that
// BenchmarkSign7MB compares like with like.
func TestProducerPDF(t *testing.T) {
	doc := producerPDF(30, 2000)
	info, err := Inspect(doc)
	if err != nil || info.Pages != 30 {
		t.Fatalf("Inspect: %d pages, %v", info.Pages, err)
	}
	p := newTestPKI(t)
	key, cert := ecdsaSigner(t, p)
	ours, err := Sign(doc, Request{Signer: ECDSASigner(cert, nil, key, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for who, signed := range map[string][]byte{"pdfsig": ours, "digitorus/pdfsign": signDigitorus(t, doc, key, cert)} {
		reps, err := Verify(signed, p.options(t))
		if err != nil || len(reps) != 1 || !reps[0].Intact || !reps[0].Trusted {
			t.Fatalf("%s's signature: %+v %v", who, reps, err)
		}
	}
}

func signDigitorus(tb testing.TB, doc []byte, key crypto.Signer, cert *x509.Certificate) []byte {
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sign.SignData{
		Signature:       sign.SignDataSignature{CertType: sign.ApprovalSignature, Info: sign.SignDataSignatureInfo{Name: "Bench Org", Date: time.Now()}},
		Signer:          key,
		DigestAlgorithm: crypto.SHA256,
		Certificate:     cert,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkSign7MB signs the 7 MB document invisibly with ECDSA P-256
// and SHA-256, no time-stamp, with pdfsig and with digitorus/pdfsign, in
// one run.
func BenchmarkSign7MB(b *testing.B) {
	doc := pdf7MB()
	p := newTestPKI(b)
	key, cert := ecdsaSigner(b, p)
	b.Run("signet", func(b *testing.B) {
		req := Request{Signer: ECDSASigner(cert, nil, key, nil)}
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := Sign(doc, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("digitorus", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			signDigitorus(b, doc, key, cert)
		}
	})
}
