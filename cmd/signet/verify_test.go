package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/app"
	"signet/contracts"
	"signet/evidence/tsa"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/internal/ses"
	"signet/pki"
)

// sealedPDF makes, with the platform of the data directory, what a seal's
// signing makes: a seal, an SES_Signature over pdf and a PDF signature that
// carries it and draws stamp (the seal's picture unless stamp is given).
func sealedPDF(t *testing.T, getenv func(string) string, pdf, stamp []byte) []byte {
	t.Helper()
	ctx := context.Background()
	cfg, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	org, err := a.PKI.Issue(ctx, pki.IssueRequest{PartyKind: pki.Organisation, PartyID: "01a1ffb0-0000-7000-8000-00000000c11a",
		Name: "命令行测试有限公司", USCC: "91110000600037341L", Algorithm: pki.SM2})
	if err != nil {
		t.Fatal(err)
	}
	maker, err := a.PKI.PlatformCredential(ctx, pki.PurposeSealMaker, pki.SM2)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := 0; i < 40; i++ {
		img.SetNRGBA(i, i, color.NRGBA{R: 0xd0, A: 0xff})
	}
	var picture bytes.Buffer
	png.Encode(&picture, img)
	makerKey, err := maker.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	seal, err := ses.SignSeal(ses.SealInfo{Header: ses.Header{VendorID: "signet"}, ESID: "cli-test-seal",
		Property: ses.PropertyInfo{Type: ses.SealTypeOrganization, Name: "命令行测试章", CertListType: ses.CertListCertificates,
			Certs: [][]byte{org.Certificate.Raw}, CreateDate: now, ValidStart: now, ValidEnd: now.Add(time.Hour)},
		Picture: ses.PictrueInfo{Type: "png", Data: picture.Bytes(), Width: 40, Height: 40}}, maker.Certificate.Raw, makerKey)
	if err != nil {
		t.Fatal(err)
	}
	orgKey, err := org.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ses.SignSignature(ses.TBSSign{Seal: *seal, TimeInfo: now, DataHash: ses.DataHash(pdf)}, org.Certificate.Raw, orgKey)
	if err != nil {
		t.Fatal(err)
	}
	h := sm3.Sum(sig.Signature)
	tok, err := a.Timestamps.Timestamp(ctx, h[:], tsa.SM3)
	if err != nil {
		t.Fatal(err)
	}
	if err := ses.AttachTimestamp(sig, tok.DER); err != nil {
		t.Fatal(err)
	}
	der, err := sig.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if stamp == nil {
		stamp = picture.Bytes()
	}
	out, err := pdfsig.Sign(pdf, pdfsig.Request{Signer: pdfsig.SM2Signer(org.Certificate, org.Chain, orgKey, a.Timestamps), SES: der,
		Placements: []pdfsig.Placement{{Page: 1, Rect: [4]float64{100, 100, 200, 200}, PNG: stamp}}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifySealedDocument(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	pdf := "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
	xref := len(pdf)
	pdf += fmt.Sprintf("xref\n0 4\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		9, strings.Index(pdf, "2 0 obj"), strings.Index(pdf, "3 0 obj"), xref)

	other := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	var otherPNG bytes.Buffer
	png.Encode(&otherPNG, other)
	for _, tc := range []struct {
		name  string
		stamp []byte
		want  []string
		ok    bool
	}{
		{"Matches", nil, []string{"valid, 1 signature(s)", `seal "命令行测试章" (cli-test-seal): signature_valid=true signer_matches=true picture_matches=true`, "[pass] seal ", "[pass] integrity "}, true},
		{"OtherPicture", otherPNG.Bytes(), []string{"invalid, 1 signature(s)", "picture_matches=false", "problem: the electronic seal is not valid: the widget's image differs from the seal's picture", "[fail] seal "}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name+".pdf")
			if err := os.WriteFile(file, sealedPDF(t, getenv, []byte(pdf), tc.stamp), 0o600); err != nil {
				t.Fatal(err)
			}
			mustVerifyOutput(t, getenv, []string{file}, tc.ok, tc.want...)
		})
	}
}

// TestVerifyLongTerm runs `signet verify -at` thirty years ahead, when the
// signer's, the TSA's and the CA's certificates have all expired: an SM2
// document archived as a completed contract's is (validation data and a
// document time-stamp) still verifies from what it carries; the same
// signature without the archive does not.
func TestVerifyLongTerm(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	signed := sealedPDF(t, getenv, pdftest.Document(pdftest.Page{Width: 595, Height: 842}), nil)

	ctx := context.Background()
	cfg, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	archived, until, err := a.Signing.Archive(ctx, contracts.Contract{Algorithm: "sm2"}, signed)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	if until.Before(time.Now()) || until.After(time.Now().AddDate(30, 0, 0)) {
		t.Fatalf("archive renewal due by %s", until)
	}
	later := time.Now().AddDate(30, 0, 0).Format(time.DateOnly)
	for _, tc := range []struct {
		name string
		pdf  []byte
		args []string
		ok   bool
		want []string
	}{
		{"Signed", signed, nil, true, []string{"valid, 1 signature(s)", "PAdES B-T"}},
		{"SignedLater", signed, []string{"-at", later}, false, []string{"expired", "no document time-stamp proves the signature existed"}},
		{"Archived", archived, nil, true, []string{"valid, 2 signature(s)", "PAdES B-LTA", "document time-stamp (archive)", "[pass] longterm"}},
		{"ArchivedLater", archived, []string{"-at", later}, true, []string{"valid, 2 signature(s)", "PAdES B-LTA", "warning: the newest document time-stamp's TSA certificate expired"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name+".pdf")
			if err := os.WriteFile(file, tc.pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			mustVerifyOutput(t, getenv, append([]string{file}, tc.args...), tc.ok, tc.want...)
		})
	}
}

// TestVerifyOFD: `signet verify` reads OFD too: an unsigned one is
// "unsigned", ofdrw's sealed sample is reported with its reasons.
func TestVerifyOFD(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	// A platform must exist for verify to read its roots.
	_ = sealedPDF(t, getenv, pdftest.Document(pdftest.Page{Width: 595, Height: 842}), nil)
	for name, want := range map[string]string{
		"helloworld.ofd":   "unsigned, 0 signature(s)",
		"SESV4SignDoc.ofd": "seal maker certificate",
	} {
		mustVerifyOutput(t, getenv, []string{"../../internal/ofd/testdata/ofdrw/" + name}, false, want)
	}
}

// mustVerifyOutput runs `signet verify args…` and wants it to succeed when
// ok (fail otherwise) with every string of want in its output.
func mustVerifyOutput(t *testing.T, getenv func(string) string, args []string, ok bool, want ...string) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"verify"}, args...), getenv, &out, &out)
	if (err == nil) != ok {
		t.Fatalf("verify %v: err %v, output %s", args, err, out.String())
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Fatalf("verify %v: output lacks %q:\n%s", args, w, out.String())
		}
	}
}
