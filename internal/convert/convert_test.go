package convert_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/convert"
	"signet/internal/testenv"
)

// requireOffice stops a test that needs LibreOffice when it is missing: a
// failure in CI (deploy/scripts/tools.sh installs it), a loud skip elsewhere.
func requireOffice(tb testing.TB) {
	tb.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	msg := "LIBREOFFICE UNAVAILABLE: document conversion not tested (Debian: apt-get install libreoffice-writer-nogui, or run deploy/scripts/tools.sh)"
	if testenv.CI() {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// zipOf builds a zip of the given parts, in order; stored marks parts
// written uncompressed (ODF's mimetype must be).
func zipOf(tb testing.TB, parts [][2]string, stored ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		h := &zip.FileHeader{Name: p[0], Method: zip.Deflate}
		for _, s := range stored {
			if s == p[0] {
				h.Method = zip.Store
			}
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(p[1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// minimalDOCX is the smallest DOCX Word and LibreOffice open: content
// types, the package relationship to the main part, and one paragraph.
func minimalDOCX(tb testing.TB, text string) []byte {
	tb.Helper()
	return zipOf(tb, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body>
</w:document>`},
	})
}

// minimalODT is the smallest ODT LibreOffice opens: the stored mimetype
// first, a manifest, and one paragraph.
func minimalODT(tb testing.TB, text string) []byte {
	tb.Helper()
	return zipOf(tb, [][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:text><text:p>` + text + `</text:p></office:text></office:body>
</office:document-content>`},
	}, "mimetype")
}

// pdfText returns the text of pdf by pdftotext, or false when Poppler is
// not installed.
func pdfText(tb testing.TB, pdf []byte) (string, bool) {
	tb.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		tb.Logf("pdftotext not installed: converted text not checked")
		return "", false
	}
	path := filepath.Join(tb.TempDir(), "out.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

func TestToPDF(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		requireOffice(t)
		// The two run at once: each has its own profile, so neither
		// waits for or breaks the other.
		var wg sync.WaitGroup
		for _, c := range []struct {
			name string
			data []byte
			text string
		}{
			// Misleading names: the content decides.
			{"contract.odt", minimalDOCX(t, "Signet DOCX test 合同 1234"), "Signet DOCX test"},
			{"contract.docx", minimalODT(t, "Signet ODT test 合同 5678"), "Signet ODT test"},
		} {
			wg.Go(func() {
				pdf, err := convert.ToPDF(t.Context(), c.name, c.data)
				if err != nil {
					t.Errorf("%s: %v", c.text, err)
					return
				}
				if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
					t.Errorf("%s: output starts %q", c.text, pdf[:min(len(pdf), 16)])
					return
				}
				got, ok := pdfText(t, pdf)
				if !ok {
					return
				}
				if !strings.Contains(got, c.text) || !strings.Contains(got, "合同") {
					t.Errorf("%s: pdf text is %q", c.text, got)
				}
			})
		}
		wg.Wait()
	})

	t.Run("ErrUnavailable", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		for _, data := range [][]byte{minimalDOCX(t, "x"), minimalODT(t, "x")} {
			_, err := convert.ToPDF(t.Context(), "a.docx", data)
			if !errors.Is(err, convert.ErrUnavailable) {
				t.Errorf("%v, want ErrUnavailable", err)
			}
		}
	})

	t.Run("ErrUnsupported", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			data []byte
		}{
			{"empty.docx", nil},
			{"text.docx", []byte("Signet contract, plain text")},
			{"scan.docx", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")},
			{"archive.docx", zipOf(t, [][2]string{{"readme.txt", "hello"}})},
			{"no-content-types.docx", zipOf(t, [][2]string{{"word/document.xml", "<w:document/>"}})},
			{"sheet.odt", zipOf(t, [][2]string{{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}}, "mimetype")},
			{"truncated.docx", minimalDOCX(t, "x")[:100]},
		} {
			if _, err := convert.ToPDF(t.Context(), c.name, c.data); !errors.Is(err, convert.ErrUnsupported) {
				t.Errorf("%s: %v, want ErrUnsupported", c.name, err)
			}
		}
	})

	t.Run("ErrUnsupportedTooLarge", func(t *testing.T) {
		t.Parallel()
		data := make([]byte, convert.MaxInputSize+1)
		copy(data, minimalDOCX(t, "x"))
		if _, err := convert.ToPDF(t.Context(), "big.docx", data); !errors.Is(err, convert.ErrUnsupported) {
			t.Errorf("%v, want ErrUnsupported", err)
		}
	})

	t.Run("ErrFailed", func(t *testing.T) {
		requireOffice(t)
		// A DOCX whose main part is not XML: LibreOffice cannot load it.
		bad := zipOf(t, [][2]string{
			{"[Content_Types].xml", "not xml"},
			{"word/document.xml", "\x00\x01 not xml"},
		})
		_, err := convert.ToPDF(t.Context(), "bad.docx", bad)
		if !errors.Is(err, convert.ErrFailed) {
			t.Errorf("%v, want ErrFailed", err)
		}
	})

	t.Run("ErrFailedTimeout", func(t *testing.T) {
		requireOffice(t)
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp) // to see that the temporary files go
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := convert.ToPDF(ctx, "slow.docx", minimalDOCX(t, "x"))
		if !errors.Is(err, convert.ErrFailed) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v, want ErrFailed and DeadlineExceeded", err)
		}
		// Killed at once, not after LibreOffice finished on its own.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("returned after %v", d)
		}
		left, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 0 {
			t.Errorf("left behind in TMPDIR: %v", names(left))
		}
	})
}

func names(es []os.DirEntry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Name())
	}
	return fmt.Sprint(s)
}
