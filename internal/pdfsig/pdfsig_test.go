package pdfsig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"signet/internal/testenv"
)

var testDocuments = []struct {
	name string
	pdf  func() []byte
}{
	{"ClassicXref", classicPDF},
	{"XrefStream", xrefStreamPDF},
}

// signTwice signs pdf as two signers, each with a stamp, and returns the
// once- and twice-signed files.
func signTwice(t *testing.T, p *testPKI, pdf []byte) (once, twice []byte) {
	t.Helper()
	stamp := stampPNG(t)
	once, err := Sign(pdf, Request{
		Signer: p.signer(t, "Party A"), Name: "Party A", Reason: "同意", Location: "Shanghai",
		Placements: []Placement{
			{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stamp},
			{Page: 2, Rect: [4]float64{535, 400, 595, 520}, PNG: stamp}, // a cross-page slice
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(once, pdf) {
		t.Fatal("Sign changed the original bytes")
	}
	twice, err = Sign(once, Request{
		Signer: p.signer(t, "Party B"), Name: "Party B",
		Placements: []Placement{{Page: 2, Rect: [4]float64{100, 80, 220, 200}, PNG: stamp}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(twice, once) {
		t.Fatal("the second Sign changed the signed bytes")
	}
	return once, twice
}

func mustVerify(t *testing.T, pdf []byte, opts VerifyOptions, want ...Change) []SignatureReport {
	t.Helper()
	reports, err := Verify(pdf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != len(want) {
		t.Fatalf("got %d signatures, want %d", len(reports), len(want))
	}
	for i, r := range reports {
		if r.Err != nil || !r.Intact || !r.Trusted || r.Timestamp == nil {
			t.Errorf("signature %d (%s): err %v, intact %v, trusted %v", i+1, r.Field, r.Err, r.Intact, r.Trusted)
		}
		if r.Change != want[i] {
			t.Errorf("signature %d: change %v (%s), want %v", i+1, r.Change, r.ChangeDetail, want[i])
		}
	}
	return reports
}

func TestSignVerify(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range testDocuments {
		t.Run(tc.name, func(t *testing.T) {
			once, twice := signTwice(t, p, tc.pdf())
			r := mustVerify(t, once, p.options(t), Unchanged)
			if r[0].Field != "Signature1" || r[0].Reason != "同意" || r[0].Certificate.Subject.CommonName != "Party A" {
				t.Errorf("report: field %q reason %q signer %v", r[0].Field, r[0].Reason, r[0].Certificate.Subject)
			}
			mustVerify(t, twice, p.options(t), FurtherSignaturesOnly, Unchanged)
		})
	}
}

func TestVerifyModifiedAfterSigning(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range testDocuments {
		t.Run(tc.name, func(t *testing.T) {
			_, twice := signTwice(t, p, tc.pdf())
			doc, err := readDocument(twice)
			if err != nil {
				t.Fatal(err)
			}
			// A later update that changes page 1's media box.
			u := newUpdate(doc)
			page, _ := doc.object(3)
			page = page.(dict).clone()
			page.(dict)["MediaBox"] = array{int64(0), int64(0), int64(612), int64(792)}
			u.set(3, page)
			changed := append(bytes.Clone(twice), u.bytes()...)
			r := mustVerify(t, changed, p.options(t), Modified, Modified)
			t.Log(r[0].ChangeDetail)

			// A later update that drops the first signature from the form:
			// that signature is still found and reported.
			u = newUpdate(doc)
			root := doc.trailer()["Root"].(ref)
			catalog, _ := doc.object(root.num)
			catalog = catalog.(dict).clone()
			form := catalog.(dict)["AcroForm"].(dict).clone()
			form["Fields"] = form["Fields"].(array)[1:]
			catalog.(dict)["AcroForm"] = form
			u.set(root.num, catalog)
			r = mustVerify(t, append(bytes.Clone(twice), u.bytes()...), p.options(t), Modified, Modified)
			t.Log(r[0].ChangeDetail)

			// Bytes appended outside any revision count as well.
			r = mustVerify(t, append(bytes.Clone(twice), "junk\n"...), p.options(t), FurtherSignaturesOnly, Modified)
			t.Log(r[1].ChangeDetail)
		})
	}
}

func TestVerifyTampered(t *testing.T) {
	p := newTestPKI(t)
	once, twice := signTwice(t, p, classicPDF())
	reports := mustVerify(t, twice, p.options(t), FurtherSignaturesOnly, Unchanged)
	first, second := reports[0].ByteRange, reports[1].ByteRange

	// Offsets in both of each signature's ranges, in the first
	// signature's update (its image stream lies there) and in the second's.
	imageAt := int64(bytes.Index(twice[len(classicPDF()):], []byte("/Subtype /Image"))) + int64(len(classicPDF()))
	offsets := []int64{0, 10, 100, int64(len(classicPDF())) - 1, imageAt + 40, imageAt + 400,
		first[1] - 1, first[2], first[2] + 1, int64(len(once)) - 1, int64(len(once)) + 5,
		second[1] - 1, second[2], int64(len(twice)) - 2}
	for i := int64(0); i < int64(len(twice)); i += 997 {
		offsets = append(offsets, i)
	}
	checked := 0
	for _, off := range offsets {
		inFirst := off < first[1] || (off >= first[2] && off < first[2]+first[3])
		inSecond := off < second[1] || off >= second[2]
		if !inFirst && !inSecond {
			continue // a signature's own /Contents
		}
		tampered := bytes.Clone(twice)
		tampered[off] ^= 0x01
		reports, err := Verify(tampered, p.options(t))
		if err != nil || len(reports) != 2 {
			continue // the file no longer reads: also a failure to verify
		}
		checked++
		if inFirst && reports[0].Err == nil {
			t.Errorf("byte %d flipped in the first signature's range: still verifies", off)
		}
		if inSecond && reports[1].Err == nil {
			t.Errorf("byte %d flipped in the second signature's range: still verifies", off)
		}
	}
	// Most flips leave a readable file, so the signatures themselves caught them.
	if checked < len(offsets)/2 {
		t.Errorf("only %d of %d tampered files could be read", checked, len(offsets))
	}
	t.Logf("%d tampered files read and rejected", checked)
}

func TestSignContentsTooLarge(t *testing.T) {
	p := newTestPKI(t)
	// A 200-byte placeholder cannot hold an ECDSA CMS with a certificate and
	// a time-stamp: Sign must refuse, never truncate or spill past it.
	out, err := Sign(classicPDF(), Request{Signer: p.signer(t, "A"), ContentsSize: 200})
	if !errors.Is(err, ErrContentsTooLarge) || out != nil {
		t.Fatalf("got %d bytes, %v; want nothing and ErrContentsTooLarge", len(out), err)
	}
}

func TestSignSM2(t *testing.T) {
	p := newTestPKI(t)
	signer, roots := sm2Signer(t, p.tsa)
	signed, err := Sign(classicPDF(), Request{Signer: signer, Placements: []Placement{{Page: 1, Rect: [4]float64{50, 50, 170, 170}, PNG: stampPNG(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{Roots: roots, TSARoots: p.roots()}
	r := mustVerify(t, signed, opts, Unchanged)
	if r[0].Timestamp.Hash.String() != "SM3" {
		t.Errorf("timestamp imprint %v, want SM3", r[0].Timestamp.Hash)
	}
	signed[len(classicPDF())+50] ^= 1
	if r, err := Verify(signed, opts); err == nil && len(r) == 1 && r[0].Err == nil {
		t.Error("tampered SM2-signed file still verifies")
	}
}

// TestSignSystemPDF signs PDFs from the system's documentation, which come
// from real tools (pdfTeX with xref and object streams).
func TestSignSystemPDF(t *testing.T) {
	p := newTestPKI(t)
	for _, path := range systemPDFs {
		data := systemPDF(t, path)
		signed, err := Sign(data, Request{Signer: p.signer(t, "Party A"), Placements: []Placement{{Page: 1, Rect: [4]float64{400, 40, 520, 160}, PNG: stampPNG(t)}}})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		mustVerify(t, signed, p.options(t), Unchanged)
		if path == systemPDFs[0] {
			checkSignatures(t, p, signed, 1)
		}
	}
}

// systemPDFs are real documents of another producer, from Debian's
// libtasn1-doc and shared-mime-info (deploy/scripts/tools.sh installs them).
var systemPDFs = []string{
	"/usr/share/doc/libtasn1-doc/libtasn1.pdf",
	"/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
}

// systemPDF reads one of systemPDFs. A missing file fails the test in CI
// and skips it loudly elsewhere, as a missing tool does.
func systemPDF(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "SYSTEM PDF UNAVAILABLE: " + err.Error() + " (run deploy/scripts/tools.sh)"
		if testenv.CI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return data
}

func TestVerifyUnsigned(t *testing.T) {
	reports, err := Verify(classicPDF(), VerifyOptions{})
	if err != nil || len(reports) != 0 {
		t.Fatalf("got %d reports, err %v", len(reports), err)
	}
}

// TestVerifyGap re-signs a file whose ByteRange was shortened to leave the
// bytes before /Contents out: the CMS verifies, the gap must still fail it.
func TestVerifyGap(t *testing.T) {
	p := newTestPKI(t)
	signer := p.signer(t, "Party A")
	signed, err := Sign(classicPDF(), Request{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	r := mustVerify(t, signed, p.options(t), Unchanged)[0]
	a, b := r.ByteRange[1]-10, r.ByteRange[2]
	at := bytes.LastIndex(signed, []byte("/ByteRange ")) + len("/ByteRange ")
	forged := bytes.Clone(signed)
	br := fmt.Sprintf("[0 %d %d %d]", a, b, int64(len(forged))-b)
	copy(forged[at:], br+strings.Repeat(" ", byteRangeWidth-len(br)))
	der, err := signer(context.Background(), io.MultiReader(bytes.NewReader(forged[:a]), bytes.NewReader(forged[b:])))
	if err != nil {
		t.Fatal(err)
	}
	hole := forged[r.ByteRange[1]+1 : r.ByteRange[2]-1]
	copy(hole, bytes.Repeat([]byte("0"), len(hole)))
	hex.Encode(hole, der)

	reports, err := Verify(forged, p.options(t))
	if err != nil {
		t.Fatal(err)
	}
	// The CMS itself verifies (the report names its signer); only the gap fails it.
	if got := reports[0]; got.Err == nil || !strings.Contains(got.Err.Error(), "gaps") || got.Certificate == nil || got.Intact || len(got.Gaps) != 1 || got.Gaps[0] != [2]int64{a, b} {
		t.Errorf("gap not reported: err %v, intact %v, gaps %v", got.Err, got.Intact, got.Gaps)
	}
}

// TestSignContentsRoom: with no room asked for, a CMS that fits the default
// is signed once in it; one that does not (a long chain) is signed again in
// room of its own size, not refused; either way the file verifies and
// little room is left over.
func TestSignContentsRoom(t *testing.T) {
	p := newTestPKI(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := p.issue(t, &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "A"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}, key.Public())
	for _, tc := range []struct {
		name  string
		chain int // copies of the root sent along
		calls int
	}{{"FitsDefault", 1, 1}, {"LongChain", 20, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			chain := make([]*x509.Certificate, tc.chain)
			for i := range chain {
				chain[i] = p.root
			}
			signer := ECDSASigner(cert, chain, key, p.tsa)
			calls, size := 0, 0
			counting := func(ctx context.Context, r io.Reader) ([]byte, error) {
				calls++
				der, err := signer(ctx, r)
				size = len(der)
				return der, err
			}
			out, err := Sign(classicPDF(), Request{Signer: counting})
			if err != nil || calls != tc.calls {
				t.Fatalf("%d calls, %v; want %d", calls, err, tc.calls)
			}
			mustVerify(t, out, p.options(t), Unchanged)
			room := max(DefaultContentsSize, size+contentsSlack)
			if len(out)-len(classicPDF()) > room*2+4096 {
				t.Fatalf("the update is %d bytes for a CMS of %d", len(out)-len(classicPDF()), size)
			}
		})
	}
}
