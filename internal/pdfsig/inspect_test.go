package pdfsig

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"

	"signet/internal/pdftest"
)

// rawPDF lays out objects 1..n, object 1 being the catalog, with a classic
// cross-reference table.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs)+1)
	for i, o := range objs {
		offsets[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, off := range offsets[1:] {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// rawStream is a content stream object body for rawPDF.
func rawStream(dict, content string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(content), content)
}

// xrefStmLoop gives pdf's table a /XRefStm pointing at the table itself
// and drops the /Root, so that only the hybrid section could supply it.
func xrefStmLoop(pdf []byte) []byte {
	at := bytes.LastIndex(pdf, []byte("\nxref\n")) + 1
	return bytes.Replace(pdf, []byte("/Root 1 0 R"), []byte(fmt.Sprintf("/XRefStm %d", at)), 1)
}

func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInspect(t *testing.T) {
	a4 := [4]float64{0, 0, 595, 842}
	classic := pdftest.Document(pdftest.Page{}, pdftest.Page{Width: 842, Height: 595}, pdftest.Page{Width: 200, Height: 100})
	truncated := classic[:len(classic)*2/3]
	brokenXref := bytes.Replace(classic, []byte(" 00000 n\r\n"), []byte(" 00000 x\r\n"), 1)
	shiftedXref := bytes.Replace(classic, []byte("65535 f\r\n0000000015 00000 n"), []byte("65535 f\r\n0000000017 00000 n"), 1)
	if bytes.Equal(shiftedXref, classic) || bytes.Equal(brokenXref, classic) {
		t.Fatal("fixture: the cross-reference table was not changed")
	}
	for _, tc := range []struct {
		name string
		pdf  []byte
		want Info
		err  error
	}{
		{"OK", classic, Info{Pages: 3, Boxes: [][4]float64{a4, {0, 0, 842, 595}, {0, 0, 200, 100}}, Rotate: []int{0, 0, 0}}, nil},
		{"OKToUnicode", pdftest.WithToUnicode(pdftest.Page{Texts: []pdftest.Text{{X: 1, Y: 1, S: "甲方"}}}), Info{Pages: 1, Boxes: [][4]float64{a4}, Rotate: []int{0}}, nil},
		{"OKXRefStream", xrefStreamPDF(), Info{Pages: 2, Boxes: [][4]float64{a4, a4}, Rotate: []int{0, 0}}, nil},
		{"OKInherited", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 /MediaBox [0 0 612 792] /Rotate 90 >>",
			"<< /Type /Page /Parent 2 0 R /CropBox [10 20 600 1000] /Rotate -90 >>",
			"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 /CropBox [36 36 576 756] >>",
			"<< /Type /Page /Parent 4 0 R /Contents [7 0 R 7 0 R] >>",
			"<< /Type /Page /Parent 4 0 R /MediaBox [100 100 0 0] /Contents 8 0 R >>",
			rawStream("/Filter /ASCIIHexDecode", "42 54 20 45 54>"),
			rawStream("/Filter [/ASCII85Decode /FlateDecode]", "<~Garg^;/csF!!D$X:]~>"),
		), Info{Pages: 3, Boxes: [][4]float64{{10, 20, 600, 792}, {36, 36, 576, 756}, {36, 36, 100, 100}}, Rotate: []int{270, 90, 90}}, nil},
		{"ErrNotPDFEmpty", nil, Info{}, ErrNotPDF},
		{"ErrNotPDFText", []byte("Dear customer,\nplease sign the contract.\n"), Info{}, ErrNotPDF},
		{"ErrNotPDFPNG", pngBytes(t), Info{}, ErrNotPDF},
		{"ErrNotPDFDOCX", append([]byte("PK\x03\x04\x14\x00\x06\x00"), "[Content_Types].xml word/document.xml"...), Info{}, ErrNotPDF},
		{"ErrEncrypted", pdftest.Encrypted(), Info{}, ErrEncrypted},
		{"ErrCorruptTruncated", truncated, Info{}, ErrCorrupt},
		{"ErrCorruptHeaderOnly", []byte("%PDF-1.7\n"), Info{}, ErrCorrupt},
		{"ErrCorruptXref", brokenXref, Info{}, ErrCorrupt},
		{"ErrCorruptXrefOffset", shiftedXref, Info{}, ErrCorrupt},
		{"ErrCorruptCycle", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 10 10] >>",
			"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
		), Info{}, ErrCorrupt},
		{"ErrCorruptNoPages", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
		), Info{}, ErrCorrupt},
		{"ErrCorruptNoMediaBox", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R >>",
		), Info{}, ErrCorrupt},
		{"ErrCorruptMissingContent", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 10 10] >>",
			"<< /Type /Page /Parent 2 0 R /Contents 9 0 R >>",
		), Info{}, ErrCorrupt},
		{"ErrCorruptContentFilter", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 10 10] >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
			rawStream("/Filter /FlateDecode", "not deflated"),
		), Info{}, ErrCorrupt},
		{"ErrCorruptCatalog", rawPDF("[1 2 3]"), Info{}, ErrCorrupt},
		{"ErrCorruptNesting", rawPDF("<< /Type /Catalog /Pages 2 0 R /X " + strings.Repeat("[", 1000) + " >>"), Info{}, ErrCorrupt},
		// Found by FuzzInspect: a hybrid /XRefStm naming its own table
		// recursed without end, and a negative startxref read no section.
		{"ErrCorruptXRefStmLoop", xrefStmLoop(classic), Info{}, ErrCorrupt},
		{"ErrCorruptStartxref", append(bytes.Clone(classic), "startxref\n-5\n%%EOF\n"...), Info{}, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Inspect(tc.pdf)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Inspect: %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				t.Logf("Inspect: %v", err)
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Inspect = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(pdftest.Document(pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "Hello 甲方"}}}))
	f.Add(pdftest.WithToUnicode(pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "Hello 甲方"}}}))
	f.Add(pdftest.Encrypted())
	f.Add(classicPDF())
	f.Add(xrefStreamPDF())
	f.Add(textFixture())
	f.Add([]byte("%PDF-1.7\n"))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		info, err := Inspect(pdf)
		if err == nil && (info.Pages != len(info.Boxes) || info.Pages != len(info.Rotate) || info.Pages == 0) {
			t.Fatalf("inconsistent info %+v", info)
		}
		if err != nil && !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooComplex) {
			t.Fatalf("error outside the sentinels: %v", err)
		}
		if _, err := FindText(pdf, "甲方"); err != nil && !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooComplex) {
			t.Fatalf("FindText error outside the sentinels: %v", err)
		}
	})
}
