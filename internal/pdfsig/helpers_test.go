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
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
)

// testObjects are the objects of a two-page document; 5 and 7 are content streams.
var testObjects = map[int]string{
	1: "<< /Type /Catalog /Pages 2 0 R >>",
	2: "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
	3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
	4: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
	6: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
}

func contentStream(text string) string {
	s := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (%s) Tj ET", text)
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// classicPDF returns a two-page PDF with a classic xref table.
func classicPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	objs := map[int]string{5: contentStream("Contract page 1"), 7: contentStream("Contract page 2")}
	for k, v := range testObjects {
		objs[k] = v
	}
	offsets := make([]int, 8)
	for n := 1; n <= 7; n++ {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	xref := b.Len()
	b.WriteString("xref\n0 8\n0000000000 65535 f\r\n")
	for n := 1; n <= 7; n++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offsets[n])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 8 /Root 1 0 R /ID [<0102030405060708> <0102030405060708>] >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// xrefStreamPDF returns the same document with the dictionaries in object
// stream 8 and an xref stream (object 9) with the PNG Up predictor.
func xrefStreamPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	type entry struct{ kind, a, b int }
	entries := make([]entry, 10)
	entries[0] = entry{0, 0, 255}
	for _, n := range []int{5, 7} {
		entries[n] = entry{1, b.Len(), 0}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, contentStream(fmt.Sprintf("Contract page %d", n/2-1)))
	}
	var header, body bytes.Buffer
	for i, n := range []int{1, 2, 3, 4, 6} {
		fmt.Fprintf(&header, "%d %d ", n, body.Len())
		body.WriteString(testObjects[n] + "\n")
		entries[n] = entry{2, 8, i}
	}
	packed := deflateTest(append(header.Bytes(), body.Bytes()...))
	entries[8] = entry{1, b.Len(), 0}
	fmt.Fprintf(&b, "8 0 obj\n<< /Type /ObjStm /N 5 /First %d /Filter /FlateDecode /Length %d >>\nstream\n", header.Len(), len(packed))
	b.Write(packed)
	b.WriteString("\nendstream\nendobj\n")
	entries[9] = entry{1, b.Len(), 0}
	// Rows of W [1 3 1], each PNG-filtered with Up (2) against the one before.
	var rows []byte
	prev := make([]byte, 5)
	for _, e := range entries {
		row := []byte{byte(e.kind), byte(e.a >> 16), byte(e.a >> 8), byte(e.a), byte(e.b)}
		rows = append(rows, 2)
		for i := range row {
			rows = append(rows, row[i]-prev[i])
		}
		prev = row
	}
	packed = deflateTest(rows)
	fmt.Fprintf(&b, "9 0 obj\n<< /Type /XRef /Size 10 /W [1 3 1] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 5 >> /Length %d >>\nstream\n", len(packed))
	b.Write(packed)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", entries[9].a)
	return b.Bytes()
}

func deflateTest(data []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// stampPNG returns a red ring on a transparent background.
func stampPNG(t testing.TB) []byte {
	t.Helper()
	const size = 120
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			dx, dy := x-size/2, y-size/2
			if d := dx*dx + dy*dy; d < 55*55 && (d > 45*45 || (dy > -8 && dy < 8 && dx > -35 && dx < 35)) {
				img.SetNRGBA(x, y, color.NRGBA{R: 0xd0, A: 0xff})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testPKI is a throwaway CA with a time-stamping authority.
type testPKI struct {
	root    *x509.Certificate
	rootKey crypto.Signer
	tsa     *tsa.Client
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Signet Test Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	p := &testPKI{root: root, rootKey: key}

	tsaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tsaCert := p.issue(t, tsa.CertificateTemplate(pkix.Name{CommonName: "Signet Test TSA"}, now.Add(-time.Minute), now.Add(time.Hour)), tsaKey.Public())
	a, err := tsa.NewAuthority(tsa.AuthorityConfig{Signer: tsaKey, Certificate: tsaCert, Chain: []*x509.Certificate{root}})
	if err != nil {
		t.Fatal(err)
	}
	if p.tsa, err = tsa.NewLocalClient(a, p.roots()); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *testPKI) issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, pub, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// signer issues a document-signing certificate for a fresh P-256 key.
func (p *testPKI) signer(t testing.TB, cn string) SignerFunc {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	cert := p.issue(t, &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, key.Public())
	return ECDSASigner(cert, []*x509.Certificate{p.root}, key, p.tsa)
}

func (p *testPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

func (p *testPKI) options(t testing.TB) VerifyOptions {
	t.Helper()
	root, err := smx509.ParseCertificate(p.root.Raw)
	if err != nil {
		t.Fatal(err)
	}
	pool := smx509.NewCertPool()
	pool.AddCert(root)
	return VerifyOptions{Roots: pool, TSARoots: p.roots()}
}

func (p *testPKI) writeRootPEM(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sm2Signer issues an SM2 root and leaf and returns the leaf's signer and the root pool.
func sm2Signer(t testing.TB, ts Timestamper) (SignerFunc, *smx509.CertPool) {
	t.Helper()
	rootKey, _ := sm2.GenerateKey(rand.Reader)
	leafKey, _ := sm2.GenerateKey(rand.Reader)
	now := time.Now()
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Signet SM2 Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: smx509.KeyUsageCertSign,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := smx509.ParseCertificate(der)
	der, err = smx509.CreateCertificate(rand.Reader, &smx509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "SM2 Signer"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		KeyUsage: smx509.KeyUsageDigitalSignature,
	}, root, leafKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := smx509.ParseCertificate(der)
	pool := smx509.NewCertPool()
	pool.AddCert(root)
	return SM2Signer(leaf, []*smx509.Certificate{root}, leafKey, ts), pool
}
