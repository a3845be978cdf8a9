package convert_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/convert"
	"signet/internal/convert/converttest"
	"signet/internal/pdftest"
	"signet/internal/testenv"
)

func TestToPDF(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		converttest.RequireOffice(t)
		testenv.Tool(t, "pdftotext")
		// The two run at once: each has its own profile, so neither
		// waits for or breaks the other.
		var wg sync.WaitGroup
		for _, c := range []struct {
			name string
			data []byte
			text string
		}{
			// Misleading names: the content decides.
			{"contract.odt", converttest.DOCX(t, "Signet DOCX test 合同 1234"), "Signet DOCX test"},
			{"contract.docx", converttest.ODT(t, "Signet ODT test 合同 5678"), "Signet ODT test"},
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
				got := pdftest.Poppler(t, pdf, "pdftotext", "-enc", "UTF-8", "FILE", "-")
				if !strings.Contains(got, c.text) || !strings.Contains(got, "合同") {
					t.Errorf("%s: pdf text is %q", c.text, got)
				}
			})
		}
		wg.Wait()
	})

	t.Run("ErrUnavailable", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		for _, data := range [][]byte{converttest.DOCX(t, "x"), converttest.ODT(t, "x")} {
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
			{"archive.docx", converttest.Zip(t, [][2]string{{"readme.txt", "hello"}})},
			{"no-content-types.docx", converttest.Zip(t, [][2]string{{"word/document.xml", "<w:document/>"}})},
			{"sheet.odt", converttest.Zip(t, [][2]string{{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}}, "mimetype")},
			{"truncated.docx", converttest.DOCX(t, "x")[:100]},
		} {
			if _, err := convert.ToPDF(t.Context(), c.name, c.data); !errors.Is(err, convert.ErrUnsupported) {
				t.Errorf("%s: %v, want ErrUnsupported", c.name, err)
			}
		}
	})

	t.Run("ErrUnsupportedTooLarge", func(t *testing.T) {
		t.Parallel()
		data := make([]byte, convert.MaxInputSize+1)
		copy(data, converttest.DOCX(t, "x"))
		if _, err := convert.ToPDF(t.Context(), "big.docx", data); !errors.Is(err, convert.ErrUnsupported) {
			t.Errorf("%v, want ErrUnsupported", err)
		}
	})

	t.Run("ErrFailed", func(t *testing.T) {
		converttest.RequireOffice(t)
		// A DOCX whose main part is not XML: LibreOffice cannot load it.
		bad := converttest.Zip(t, [][2]string{
			{"[Content_Types].xml", "not xml"},
			{"word/document.xml", "\x00\x01 not xml"},
		})
		_, err := convert.ToPDF(t.Context(), "bad.docx", bad)
		if !errors.Is(err, convert.ErrFailed) {
			t.Errorf("%v, want ErrFailed", err)
		}
	})

	t.Run("ErrFailedTimeout", func(t *testing.T) {
		converttest.RequireOffice(t)
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp) // to see that the temporary files go
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := convert.ToPDF(ctx, "slow.docx", converttest.DOCX(t, "x"))
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
