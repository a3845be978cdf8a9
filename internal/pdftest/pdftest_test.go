package pdftest

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
			info := Poppler(t, tc.pdf, "pdfinfo", "FILE")
			if !regexp.MustCompile(`(?m)^Pages:\s+` + tc.pages + `$`).MatchString(info) {
				t.Errorf("pdfinfo, want %s pages:\n%s", tc.pages, info)
			}
			text := Poppler(t, tc.pdf, "pdftotext", "-q", "-enc", "UTF-8", "FILE", "-")
			for _, s := range tc.text {
				if !strings.Contains(text, s) {
					t.Errorf("pdftotext: no %q in\n%s", s, text)
				}
			}
			Poppler(t, tc.pdf, "pdftoppm", "-r", "20", "-png", "FILE", filepath.Join(t.TempDir(), "page"))
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
