package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
