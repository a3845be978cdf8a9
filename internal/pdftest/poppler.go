package pdftest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"signet/internal/testenv"
)

// Poppler runs one of poppler's tools (pdfinfo, pdftotext, pdftoppm, …)
// with the file holding pdf in place of "FILE" among args, and returns its
// standard output. A missing tool fails the test in CI and skips it
// elsewhere. Warnings on standard error are allowed: without the
// poppler-data package poppler warns that it lacks the Adobe-GB1 CMaps,
// and still reads the document.
func Poppler(tb testing.TB, pdf []byte, tool string, args ...string) string {
	tb.Helper()
	bin := testenv.Tool(tb, tool)
	file := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	args = append([]string(nil), args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "FILE", file)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s %v: %v\n%s%s", tool, args, err, out, stderr.Bytes())
	}
	return string(out)
}

// CheckSignatures runs poppler's pdfsig on pdf with an NSS database that
// trusts rootPEM and wants exactly n signatures, each "Signature is Valid."
// and "Certificate is Trusted.": what an ordinary reader would say.
func CheckSignatures(tb testing.TB, pdf, rootPEM []byte, n int) {
	tb.Helper()
	pdfsig, certutil := testenv.Tool(tb, "pdfsig"), testenv.Tool(tb, "certutil")
	dir := tb.TempDir()
	run := func(bin string, args ...string) string {
		tb.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			tb.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, out)
		}
		return string(out)
	}
	root, file := filepath.Join(dir, "root.pem"), filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(root, rootPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	run(certutil, "-N", "-d", "sql:"+dir, "--empty-password")
	run(certutil, "-A", "-d", "sql:"+dir, "-n", "root", "-t", "CT,C,C", "-i", root)
	// poppler (NSS) asks the OCSP responder a certificate names and calls
	// the certificate an "Unknown issue" when it cannot reach it; its
	// -no-ocsp fails every certificate (22.12). Serve the responder where
	// the certificates say (see the app's contract flow test).
	out := run(pdfsig, "-nssdir", "sql:"+dir, file)
	if got := strings.Count(out, "Signature is Valid."); got != n {
		tb.Errorf("pdfsig: %d valid signatures, want %d:\n%s", got, n, out)
	}
	if got := strings.Count(out, "Certificate is Trusted."); got != n {
		tb.Errorf("pdfsig: %d trusted certificates, want %d:\n%s", got, n, out)
	}
	if testing.Verbose() {
		tb.Log(out)
	}
}

// CheckQPDF runs `qpdf --check` on pdf and fails the test unless qpdf
// finds the structure sound ("No syntax or stream encoding errors"):
// incremental updates, cross-reference sections and streams as written.
func CheckQPDF(tb testing.TB, pdf []byte) {
	tb.Helper()
	bin := testenv.Tool(tb, "qpdf")
	file := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(bin, "--check", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		tb.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// MutoolVerify runs mupdf's `mutool sign -v` on pdf and returns its
// report, one block per signature field.
func MutoolVerify(tb testing.TB, pdf []byte) string {
	tb.Helper()
	bin := testenv.Tool(tb, "mutool")
	file := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(bin, "sign", "-v", file).CombinedOutput()
	if err != nil {
		tb.Fatalf("mutool sign -v: %v\n%s", err, out)
	}
	return string(out)
}

// DigitorusSigner is one signature as github.com/digitorus/pdfsign's
// verifier reports it (see internal/pdftest/digitorus).
type DigitorusSigner struct {
	ValidSignature, TrustedIssuer, Revoked, TSTrusted bool
	TimestampStatus, TimeSource                       string
	Certificates                                      []struct {
		Subject, VerifyError, RevocationWarning string
		OCSPEmbedded, CRLEmbedded, Revoked      bool
	}
}

var digitorusBin = struct {
	sync.Mutex
	path string
}{}

// Digitorus runs digitorus/pdfsign's verifier on pdf, offline, in a
// process whose only trusted root is rootPEM, and returns what it says of
// each signature. The verifier is built once per test process from the
// version in go.mod.
func Digitorus(tb testing.TB, pdf, rootPEM []byte) []DigitorusSigner {
	tb.Helper()
	digitorusBin.Lock()
	if digitorusBin.path == "" {
		// One binary per machine, replaced atomically: go build's cache
		// makes building it again cheap when nothing changed.
		dir := filepath.Join(os.TempDir(), "signet-digitorus")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			digitorusBin.Unlock()
			tb.Fatal(err)
		}
		tmp, err := os.CreateTemp(dir, "build-*")
		if err != nil {
			digitorusBin.Unlock()
			tb.Fatal(err)
		}
		tmp.Close()
		if out, err := exec.Command("go", "build", "-o", tmp.Name(), "signet/internal/pdftest/digitorus").CombinedOutput(); err != nil {
			os.Remove(tmp.Name())
			digitorusBin.Unlock()
			tb.Fatalf("build the digitorus verifier: %v\n%s", err, out)
		}
		bin := filepath.Join(dir, "digitorus")
		if err := os.Rename(tmp.Name(), bin); err != nil {
			digitorusBin.Unlock()
			tb.Fatal(err)
		}
		digitorusBin.path = bin
	}
	bin := digitorusBin.path
	digitorusBin.Unlock()
	dir := tb.TempDir()
	file, root := filepath.Join(dir, "doc.pdf"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(root, rootPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, file)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+root, "SSL_CERT_DIR="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("digitorus verifier: %v\n%s", err, stderr.Bytes())
	}
	var resp struct{ Signers []DigitorusSigner }
	if err := json.Unmarshal(out, &resp); err != nil {
		tb.Fatalf("digitorus verifier output: %v\n%s", err, out)
	}
	if testing.Verbose() {
		tb.Logf("digitorus: %s", out)
	}
	return resp.Signers
}

// CheckDigitorus wants n signatures that digitorus/pdfsign's verifier
// finds valid, with a trusted issuer and a trusted time-stamp, and with
// revocation data for the signer found in the document; and no other
// entries but document time-stamps (docTimeStamps of them), which that
// verifier does not implement: it checks their token as if it were a
// signature over the document and reports a digest mismatch.
func CheckDigitorus(tb testing.TB, pdf, rootPEM []byte, n, docTimeStamps int) {
	tb.Helper()
	valid, other := 0, 0
	for _, s := range Digitorus(tb, pdf, rootPEM) {
		switch {
		case s.ValidSignature && s.TrustedIssuer && s.TSTrusted && !s.Revoked && len(s.Certificates) > 0 &&
			(s.Certificates[0].OCSPEmbedded || s.Certificates[0].CRLEmbedded) && s.Certificates[0].VerifyError == "":
			valid++
		case !s.ValidSignature && len(s.Certificates) == 0:
			other++
		default:
			tb.Errorf("digitorus: a signature that is not valid, trusted, time-stamped and with its revocation data: %+v", s)
		}
	}
	if valid != n || other != docTimeStamps {
		tb.Errorf("digitorus: %d valid signatures and %d other entries, want %d and %d", valid, other, n, docTimeStamps)
	}
}
