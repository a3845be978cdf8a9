package pdfsig

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"signet/internal/pdftest"
)

// textFixture is a two-page document whose text exercises TJ kerning and
// gaps, text split over Tj, cm and Tm, a form XObject with a /Matrix, T*
// and ', and /Differences.
func textFixture() []byte {
	res := "/Resources << /Font << /F1 6 0 R /F2 7 0 R >> /XObject << /X1 8 0 R >> >>"
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 600 800] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 5 0 R "+res+" >>",
		"<< /Type /Page /Parent 2 0 R /Contents 9 0 R "+res+" >>",
		rawStream("", "BT /F1 12 Tf 72 700 Td [(Par) -20 (ty A)] TJ ET\n"+
			"BT /F1 12 Tf 72 680 Td (Party) Tj ( A) Tj ET\n"+
			"q 1 0 0 1 300 0 cm BT /F1 10 Tf 2 0 0 2 0 500 Tm (Party A) Tj ET Q\n"+
			"BI /W 2 /H 1 /CS /G /BPC 8 ID \x00EI\nEI\n"+
			"/X1 Do\n"+
			"BT /F2 12 Tf 72 400 Td (\\200\\201 Tx) Tj ET"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [128 /Euro /eacute] >> >>",
		rawStream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Matrix [2 0 0 2 100 100] /Resources << /Font << /F1 6 0 R >> >>",
			"BT /F1 10 Tf 0 0 Td (Seal here) Tj ET"),
		rawStream("", "BT /F1 12 Tf 72 700 Td [(Party)-300(A)] TJ ET\n"+
			"BT /F1 12 Tf 14 TL 72 600 Td (first) Tj (Sign) ' ( here) Tj ET"),
	)
}

func TestFindText(t *testing.T) {
	cjkPages := []pdftest.Page{
		{Texts: []pdftest.Text{{X: 72, Y: 700, S: "甲方（盖章）"}, {X: 300, Y: 700, S: "乙方（盖章）"}, {X: 72, Y: 200, Size: 10, S: "甲方（盖章）: Signet"}}},
		{Texts: []pdftest.Text{{X: 100, Y: 100, Size: 20, S: "甲方（盖章）"}}},
	}
	cjkHits := []TextHit{
		{1, [4]float64{72, 698.56, 144, 710.56}},
		{1, [4]float64{72, 198.8, 132, 208.8}},
		{2, [4]float64{100, 97.6, 220, 117.6}},
	}
	for _, tc := range []struct {
		name, keyword string
		pdf           []byte
		want          []TextHit
		err           error
	}{
		{"OKASCII", "Contract", pdftest.Document(pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "The Contract"}}}),
			[]TextHit{{1, [4]float64{96.012, 697.516, 141.36, 708.616}}}, nil},
		{"OKAcrossTJAndPages", "Party A", textFixture(), []TextHit{
			{1, [4]float64{72, 697.516, 111.588, 708.616}},
			{1, [4]float64{72, 677.516, 111.348, 688.616}},
			{1, [4]float64{300, 495.86, 365.58, 514.36}},
			{2, [4]float64{72, 697.516, 111.612, 708.616}},
		}, nil},
		{"OKForm", "Seal here", textFixture(), []TextHit{{1, [4]float64{100, 95.86, 185.6, 114.36}}}, nil},
		{"OKNextLine", "Sign here", textFixture(), []TextHit{{2, [4]float64{72, 583.516, 123.36, 594.616}}}, nil},
		{"OKDifferences", "€é T", textFixture(), []TextHit{{1, [4]float64{72, 398.116, 72 + 4*7.2, 407.548}}}, nil},
		{"OKCJK", "甲方（盖章）", pdftest.Document(cjkPages...), cjkHits, nil},
		{"OKToUnicode", "甲方（盖章）", pdftest.WithToUnicode(cjkPages...), cjkHits, nil},
		{"OKMixed", "（盖章）: Sign", pdftest.WithToUnicode(cjkPages...), []TextHit{{1, [4]float64{92, 198.8, 72 + 60 + 5*6, 208.8}}}, nil},
		{"OKNone", "丙方", pdftest.Document(cjkPages...), nil, nil},
		{"ErrNoKeyword", " ", pdftest.Document(), nil, ErrNoKeyword},
		{"ErrEncrypted", "x", pdftest.Encrypted(), nil, ErrEncrypted},
		{"ErrNotPDF", "x", []byte("hello"), nil, ErrNotPDF},
		{"ErrCorrupt", "x", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 10 10] >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>",
			rawStream("", "/X Do"),
			rawStream("/Subtype /Form /BBox [0 0 1 1]", "/X Do"),
		), nil, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := FindText(tc.pdf, tc.keyword)
			if !errors.Is(err, tc.err) {
				t.Fatalf("FindText: %v, want %v", err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("FindText = %v, want %v", got, tc.want)
			}
			for i, h := range got {
				w := tc.want[i]
				if h.Page != w.Page || !closeRect(h.Rect, w.Rect) {
					t.Errorf("hit %d = %v, want %v", i, h, w)
				}
			}
		})
	}
}

func closeRect(a, b [4]float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6 {
			return false
		}
	}
	return true
}

// TestFindTextSystemPDF compares FindText with poppler's pdftotext on
// real documents of other producers: page counts and the number of
// occurrences of a word must agree.
func TestFindTextSystemPDF(t *testing.T) {
	for _, path := range systemPDFs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := systemPDF(t, path)
			info, err := Inspect(data)
			if err != nil {
				t.Fatal(err)
			}
			if out := pdftest.Poppler(t, data, "pdfinfo", "FILE"); !regexp.MustCompile(fmt.Sprintf(`(?m)^Pages:\s+%d$`, info.Pages)).MatchString(out) {
				t.Errorf("Inspect: %d pages; pdfinfo:\n%s", info.Pages, out)
			}
			hits, err := FindText(data, "the")
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Count(pdftest.Poppler(t, data, "pdftotext", "-enc", "UTF-8", "FILE", "-"), "the")
			if len(hits) != want || want == 0 {
				t.Errorf("FindText: %d hits, pdftotext: %d", len(hits), want)
			}
			for _, h := range hits {
				b := info.Boxes[h.Page-1]
				if h.Rect[0] < b[0] || h.Rect[1] < b[1] || h.Rect[2] > b[2] || h.Rect[3] > b[3] {
					t.Errorf("hit %v outside page box %v", h, b)
					break
				}
			}
		})
	}
}
