package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// poppler runs a poppler tool with the file holding pdf in place of "FILE"
// among args. A missing tool skips the test locally and fails it in CI.
// Warnings are allowed: without the poppler-data package, poppler warns
// that it lacks the Adobe-GB1 CMaps, and still reads the document.
func poppler(t *testing.T, pdf []byte, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (run deploy/scripts/tools.sh)", tool)
		}
		t.Skipf("SKIPPING poppler interop: %s is missing (run deploy/scripts/tools.sh)", tool)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "FILE" {
			args[i] = file
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", tool, args, err, out, stderr.Bytes())
	}
	return string(out)
}

var testPages = []Page{
	{Texts: []Text{{X: 72, Y: 760, Size: 14, S: "Contract (No. 42)"}, {X: 72, Y: 700, S: "甲方（盖章）: Signet"}}},
	{Width: 842, Height: 595, Texts: []Text{{X: 100, Y: 100, S: "乙方（盖章）"}}},
}

func TestDocument(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pdf   []byte
		pages string
		text  []string
	}{
		// Extracting UniGB-UCS2-H text needs poppler-data, which tests do not require.
		{"OK", Document(testPages...), "2", []string{"Contract (No. 42)"}},
		{"OKToUnicode", WithToUnicode(testPages...), "2", []string{"Contract (No. 42)", "甲方（盖章）: Signet", "乙方（盖章）"}},
		{"OKEmpty", Document(), "1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info := poppler(t, tc.pdf, "pdfinfo", "FILE")
			if !regexp.MustCompile(`(?m)^Pages:\s+` + tc.pages + `$`).MatchString(info) {
				t.Errorf("pdfinfo, want %s pages:\n%s", tc.pages, info)
			}
			text := poppler(t, tc.pdf, "pdftotext", "-q", "-enc", "UTF-8", "FILE", "-")
			for _, s := range tc.text {
				if !strings.Contains(text, s) {
					t.Errorf("pdftotext: no %q in\n%s", s, text)
				}
			}
			poppler(t, tc.pdf, "pdftoppm", "-r", "20", "-png", "FILE", filepath.Join(t.TempDir(), "page"))
		})
	}
}

func TestEncrypted(t *testing.T) {
	pdf := Encrypted()
	for _, s := range []string{"%PDF-", "/Encrypt 4 0 R", "/Filter /Standard", "%%EOF"} {
		if !bytes.Contains(pdf, []byte(s)) {
			t.Errorf("no %q in Encrypted()", s)
		}
	}
}
