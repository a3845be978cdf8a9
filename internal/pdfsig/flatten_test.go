package pdfsig

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"signet/internal/pdftest"
)

// solidPNG returns a w×h image of one colour.
func solidPNG(t testing.TB, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var red = color.NRGBA{R: 0xff, A: 0xff}

// leakyPDF has a page whose content changes the CTM without restoring it,
// and one that has no content at all and inherits its resources.
func leakyPDF() []byte {
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 400 300] /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /Contents [6 0 R] >>",
		"<< /Type /Page /Parent 2 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		rawStream("", "0.5 0 0 0.5 200 150 cm BT /F1 12 Tf 10 10 Td (Leaky) Tj ET"),
	)
}

func TestFlatten(t *testing.T) {
	p := newTestPKI(t)
	stamps := []Placement{
		{Page: 1, Rect: [4]float64{100, 100, 160, 130}, PNG: solidPNG(t, 20, 10, red)},
		{Page: 2, Rect: [4]float64{20, 20, 80, 80}, PNG: stampPNG(t)},
		{Page: 1, Rect: [4]float64{300, 200, 350, 250}, PNG: stampPNG(t)},
	}
	for _, tc := range []struct {
		name  string
		pdf   []byte
		pages int
	}{
		{"OK", pdftest.Document(pdftest.Page{Texts: []pdftest.Text{{X: 72, Y: 700, S: "甲方（盖章）"}}}, pdftest.Page{}), 2},
		{"OKLeakyCTM", leakyPDF(), 2},
		{"OKXRefStream", xrefStreamPDF(), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Flatten(tc.pdf, stamps)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, tc.pdf) {
				t.Fatal("Flatten changed the original bytes")
			}
			info, err := Inspect(out)
			if err != nil || info.Pages != tc.pages {
				t.Fatalf("Inspect: %+v, %v", info, err)
			}
			before, _ := FindText(tc.pdf, "e")
			after, err := FindText(out, "e")
			if err != nil || len(after) != len(before) {
				t.Errorf("FindText after Flatten: %d hits, %v; before: %d", len(after), err, len(before))
			}
			if tc.name == "OKLeakyCTM" {
				doc, catalog, _ := openPDF(out)
				pages, _ := pageTree(doc, catalog)
				content, _ := pageContent(doc, pages[0].dict)
				if !bytes.HasPrefix(content, []byte("q\n")) || !bytes.Contains(content, []byte("\nQ\nq 60 0 0 30 100 100 cm /SgnIm0 Do Q")) {
					t.Errorf("page 1 content:\n%s", content)
				}
			}
			if out := pdftest.Poppler(t, out, "pdfinfo", "FILE"); !regexp.MustCompile(`(?m)^Pages:\s+2$`).MatchString(out) {
				t.Errorf("pdfinfo:\n%s", out)
			}
			signVerify(t, p, out)
			if img := render(t, out, 1); img != nil {
				wantRed(t, img, 130, 115) // where the placement is, whatever the page's CTM
			}
		})
	}
}

func TestFlattenErr(t *testing.T) {
	doc := pdftest.Document()
	for _, tc := range []struct {
		name   string
		pdf    []byte
		stamps []Placement
		err    error
	}{
		{"ErrBadPlacementPage", doc, []Placement{{Page: 2, Rect: [4]float64{0, 0, 10, 10}, PNG: pngBytes(t)}}, ErrBadPlacement},
		{"ErrBadPlacementRect", doc, []Placement{{Page: 1, Rect: [4]float64{10, 0, 10, 10}, PNG: pngBytes(t)}}, ErrBadPlacement},
		{"ErrBadPlacementPNG", doc, []Placement{{Page: 1, Rect: [4]float64{0, 0, 10, 10}, PNG: []byte("GIF89a")}}, ErrBadPlacement},
		{"ErrEncrypted", pdftest.Encrypted(), nil, ErrEncrypted},
		{"ErrNotPDF", []byte("PK\x03\x04"), nil, ErrNotPDF},
		{"ErrCorrupt", doc[:len(doc)-40], nil, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Flatten(tc.pdf, tc.stamps); !errors.Is(err, tc.err) {
				t.Errorf("Flatten: %v, want %v", err, tc.err)
			}
			if tc.err == ErrBadPlacement {
				return
			}
			if _, err := AppendPage(tc.pdf, [4]float64{0, 0, 100, 100}, tc.stamps); !errors.Is(err, tc.err) {
				t.Errorf("AppendPage: %v, want %v", err, tc.err)
			}
		})
	}
}

func TestAppendPage(t *testing.T) {
	p := newTestPKI(t)
	box := [4]float64{0, 0, 300, 200}
	stamps := []Placement{
		{Rect: [4]float64{20, 20, 120, 70}, PNG: solidPNG(t, 10, 5, red)},
		{Page: 3, Rect: [4]float64{150, 50, 270, 170}, PNG: stampPNG(t)},
	}
	for _, tc := range []struct {
		name string
		pdf  []byte
	}{
		{"OK", pdftest.Document(pdftest.Page{}, pdftest.Page{Width: 842, Height: 595})},
		// The root passes a crop box and rotation down; the new page must not take them.
		{"OKInherited", rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 400 300] /CropBox [0 0 10 10] /Rotate 90 >>",
			"<< /Type /Page /Parent 2 0 R >>",
			"<< /Type /Page /Parent 2 0 R >>",
		)},
		{"OKXRefStream", xrefStreamPDF()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := AppendPage(tc.pdf, box, stamps)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, tc.pdf) {
				t.Fatal("AppendPage changed the original bytes")
			}
			info, err := Inspect(out)
			if err != nil || info.Pages != 3 || info.Boxes[2] != box || info.Rotate[2] != 0 {
				t.Fatalf("Inspect: %+v, %v", info, err)
			}
			if out := pdftest.Poppler(t, out, "pdfinfo", "FILE"); !regexp.MustCompile(`(?m)^Pages:\s+3$`).MatchString(out) {
				t.Errorf("pdfinfo:\n%s", out)
			}
			signVerify(t, p, out)
			if img := render(t, out, 3); img != nil {
				wantRed(t, img, 70, 45)
			}
		})
	}
	t.Run("ErrBadPlacement", func(t *testing.T) {
		t.Parallel()
		doc := pdftest.Document()
		if _, err := AppendPage(doc, [4]float64{0, 0, 0, 100}, nil); !errors.Is(err, ErrBadPlacement) {
			t.Errorf("empty box: %v", err)
		}
		if _, err := AppendPage(doc, box, []Placement{{Page: 1, Rect: [4]float64{0, 0, 1, 1}, PNG: pngBytes(t)}}); !errors.Is(err, ErrBadPlacement) {
			t.Errorf("placement on page 1: %v", err)
		}
	})
}

// signVerify signs pdf with a stamp on its last page and wants the
// signature valid and the document unchanged since.
func signVerify(t *testing.T, p *testPKI, pdf []byte) {
	t.Helper()
	info, err := Inspect(pdf)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := Sign(pdf, Request{
		Signer:     p.signer(t, "Party A"),
		Placements: []Placement{{Page: info.Pages, Rect: [4]float64{10, 10, 40, 40}, PNG: stampPNG(t)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, signed, p.options(t), Unchanged)
	if _, err := Inspect(signed); err != nil {
		t.Errorf("Inspect after Sign: %v", err)
	}
}

// render draws page n at 72 dpi with pdftoppm, so that a pixel is a point.
func render(t *testing.T, pdf []byte, n int) image.Image {
	t.Helper()
	dir := t.TempDir()
	page := strconv.Itoa(n)
	pdftest.Poppler(t, pdf, "pdftoppm", "-r", "72", "-png", "-f", page, "-l", page, "-singlefile", "FILE", filepath.Join(dir, "page"))
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// wantRed checks the pixel at x, y in PDF points (origin bottom-left).
func wantRed(t *testing.T, img image.Image, x, y int) {
	t.Helper()
	b := img.Bounds()
	c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Max.Y-1-y)).(color.NRGBA)
	if c.R < 0xe0 || c.G > 0x30 || c.B > 0x30 {
		t.Errorf("pixel at %d,%d is %v, want red", x, y, c)
	}
}

// TestFlattenAfterSigning shows why Flatten is for unsigned documents:
// drawing into a signed page is a modification.
func TestFlattenAfterSigning(t *testing.T) {
	p := newTestPKI(t)
	signed, err := Sign(pdftest.Document(), Request{Signer: p.signer(t, "Party A")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Flatten(signed, []Placement{{Page: 1, Rect: [4]float64{10, 10, 50, 50}, PNG: stampPNG(t)}})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, out, p.options(t), Modified)
}
