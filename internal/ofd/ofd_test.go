package ofd

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/ofdrw/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipOf builds a zip of name → content, in the order given.
func zipOf(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	zw.Close()
	return buf.Bytes()
}

func TestInspect(t *testing.T) {
	for name, pages := range map[string]int{"helloworld.ofd": 1, "SESV4SignDoc.ofd": 1, "V4RideRight.ofd": 5} {
		info, _, err := Inspect(fixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(info.Pages) != pages || info.Pages[0].Width != 210 || info.Pages[0].Height != 297 {
			t.Errorf("%s: %+v", name, info.Pages)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	ofdXML := `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`
	deep := strings.Repeat("<a>", MaxXMLDepth+1) + strings.Repeat("</a>", MaxXMLDepth+1)
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"NotZip":      {[]byte("%PDF-1.7"), ErrMalformed},
		"NoOFDXML":    {zipOf(t, [2]string{"Doc_0/Document.xml", "<Document/>"}), ErrMalformed},
		"Traversal":   {zipOf(t, [2]string{"../OFD.xml", ofdXML}), ErrMalformed},
		"Absolute":    {zipOf(t, [2]string{"/OFD.xml", ofdXML}), ErrMalformed},
		"Backslash":   {zipOf(t, [2]string{"Doc_0\\Document.xml", "x"}, [2]string{"OFD.xml", ofdXML}), ErrMalformed},
		"Duplicate":   {zipOf(t, [2]string{"OFD.xml", ofdXML}, [2]string{"OFD.xml", ofdXML}), ErrMalformed},
		"MissingRoot": {zipOf(t, [2]string{"OFD.xml", ofdXML}), ErrMalformed},
		"Deep":        {zipOf(t, [2]string{"OFD.xml", `<OFD>` + deep + `</OFD>`}), ErrMalformed},
		"DTD":         {zipOf(t, [2]string{"OFD.xml", `<!DOCTYPE x [<!ENTITY a "b">]><OFD/>`}), ErrMalformed},
		"WrongRoot":   {zipOf(t, [2]string{"OFD.xml", `<Page/>`}), ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Inspect(tc.data); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("Encrypted", func(t *testing.T) {
		data := zipOf(t, [2]string{"OFD.xml", ofdXML})
		// Set the encryption flag of the local and central headers.
		for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
			i := bytes.Index(data, []byte(sig))
			off := 6
			if sig == "PK\x01\x02" {
				off = 8
			}
			data[i+off] |= 1
		}
		if _, err := Open(data); !errors.Is(err, ErrEncrypted) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("SizeLie", func(t *testing.T) {
		data := zipOf(t, [2]string{"OFD.xml", ofdXML})
		// The central directory claims fewer bytes than the entry holds.
		i := bytes.Index(data, []byte("PK\x01\x02"))
		data[i+24]-- // uncompressed size, low byte
		if _, err := Open(data); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err %v", err)
		}
	})
}

// TestSignStructure seals helloworld twice with a stand-in SES and checks
// the layout: the list, each signature's directory, what is protected,
// and that the first signature's files and OFD.xml stay as they were.
func TestSignStructure(t *testing.T) {
	var calls []string
	fake := func(ctx context.Context, h []byte, prop string) ([]byte, error) {
		calls = append(calls, prop)
		return append([]byte("ses:"), h...), nil
	}
	req := Request{Seal: []byte("seal-1"), Stamps: []Stamp{{PageID: "1", Box: [4]float64{100, 200, 40, 40}}}, SignSES: fake}
	once, err := Sign(context.Background(), fixture(t, "helloworld.ofd"), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Seal = []byte("seal-2")
	twice, err := Sign(context.Background(), once, req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(calls, ",") != "/Doc_0/Signs/Sign_0/Signature.xml,/Doc_0/Signs/Sign_1/Signature.xml" {
		t.Fatalf("SES property infos %v", calls)
	}
	p1, _ := Open(once)
	p2, _ := Open(twice)
	for _, n := range p1.Names {
		a, _ := p1.File(n)
		b, _ := p2.File(n)
		if n != "/Doc_0/Signs/Signatures.xml" && !bytes.Equal(a, b) {
			t.Errorf("%s changed by the second signature", n)
		}
	}
	list, _ := p2.File("/Doc_0/Signs/Signatures.xml")
	if !bytes.Contains(list, []byte(`<ofd:MaxSignId>2</ofd:MaxSignId>`)) || !bytes.Contains(list, []byte(`ID="2" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"`)) {
		t.Errorf("Signatures.xml: %s", list)
	}
	sigs, _, err := Signatures(twice)
	if err != nil || len(sigs) != 2 {
		t.Fatalf("%d signatures, %v", len(sigs), err)
	}
	for i, s := range sigs {
		if len(s.Problems) != 0 {
			t.Errorf("signature %d: %v", i+1, s.Problems)
		}
		if !bytes.Equal(s.Value[4:], sm3Sum(s.XML)) || len(s.Stamps) != 1 || s.Stamps[0].Box != [4]float64{100, 200, 40, 40} {
			t.Errorf("signature %d: value %x, stamps %+v", i+1, s.Value, s.Stamps)
		}
	}
	// The second protects the first's files; neither protects the list.
	if sigs[1].Protected != sigs[0].Protected+3 || bytes.Contains(sigs[0].XML, []byte(`FileRef="/Doc_0/Signs/Signatures.xml"`)) {
		t.Errorf("protected %d then %d", sigs[0].Protected, sigs[1].Protected)
	}
}

// TestSignaturesOfdrw reads the seals ofdrw wrote: every protected file
// matches, nothing was added.
func TestSignaturesOfdrw(t *testing.T) {
	for _, name := range []string{"SESV4SignDoc.ofd", "V4RideRight.ofd"} {
		sigs, _, err := Signatures(fixture(t, name))
		if err != nil || len(sigs) != 1 {
			t.Fatalf("%s: %d signatures, %v", name, len(sigs), err)
		}
		s := sigs[0]
		if len(s.Problems) != 0 || s.Protected < 5 || s.Method != OIDSM2WithSM3 || len(s.Seal) == 0 || len(s.Value) == 0 || s.Provider != "ofdrw-sign" {
			t.Errorf("%s: %+v", name, s.Problems)
		}
	}
}

func FuzzInspect(f *testing.F) {
	for _, n := range []string{"helloworld.ofd", "SESV4SignDoc.ofd"} {
		f.Add(fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Inspect(data)
		Signatures(data)
	})
}

// TestZipBomb: an entry that inflates far beyond its compressed size is
// refused before it is read.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("OFD.xml")
	w.Write(bytes.Repeat([]byte{' '}, 64<<20))
	zw.Close()
	if _, err := Open(buf.Bytes()); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "inflates") {
		t.Fatalf("err %v", err)
	}
}

func TestExtends(t *testing.T) {
	doc := fixture(t, "helloworld.ofd")
	fake := func(ctx context.Context, h []byte, prop string) ([]byte, error) { return h, nil }
	req := Request{Seal: []byte("s"), Stamps: []Stamp{{PageID: "1", Box: [4]float64{1, 1, 10, 10}}}, SignSES: fake}
	once, _ := Sign(context.Background(), doc, req)
	twice, _ := Sign(context.Background(), once, req)
	if !Extends(doc, once) || !Extends(once, twice) || !Extends(doc, twice) {
		t.Fatal("a signing does not extend")
	}
	if Extends(once, doc) || Extends(once, once) {
		t.Fatal("a revision extends itself or an earlier one")
	}
	p, _ := Open(twice)
	content, _ := p.File("/Doc_0/Pages/Page_0/Content.xml")
	names := append([]string(nil), p.Names...)
	files := map[string][]byte{}
	for _, n := range names {
		files[n], _ = p.File(n)
	}
	files["/Doc_0/Pages/Page_0/Content.xml"] = append(bytes.Clone(content), ' ')
	changed, _ := write(append(names, "/extra"), func() map[string][]byte { files["/extra"] = []byte("x"); return files }())
	if Extends(once, changed) || !IsPackage(doc) || IsPackage([]byte("PK\x03\x04 not a zip")) {
		t.Fatal("a changed page passes as an extension, or package detection is wrong")
	}
}

func TestFindText(t *testing.T) {
	// helloworld: "你好呀，OFD Reader&Writer！" at Boundary 31.7 25.4, X 0 Y 3,
	// DeltaX 3 3 3 3 then 1.5 each.
	hits, err := FindText(fixture(t, "helloworld.ofd"), "OFD")
	if err != nil || len(hits) != 1 {
		t.Fatalf("%+v %v", hits, err)
	}
	h := hits[0]
	if h.Page != 1 || h.Box[0] != 31.7+12 || h.Box[2] != 4.5 || h.Box[1] > 28.4 || h.Box[1] < 25 {
		t.Errorf("hit %+v", h)
	}
	if hits, _ := FindText(fixture(t, "V4RideRight.ofd"), "不在文中的词"); len(hits) != 0 {
		t.Errorf("found %+v", hits)
	}
	if d := deltas("g 3 1.5 2"); len(d) != 4 || d[0] != 1.5 || d[3] != 2 {
		t.Errorf("deltas %v", d)
	}
}

// TestRenderPage draws ofdrw's sealed page: its text is dark where the
// TextCode is, its seal red where its stamp is, and the rest white.
func TestRenderPage(t *testing.T) {
	img, err := RenderPage(fixture(t, "SESV4SignDoc.ofd"), 0, RenderOptions{DPI: 96, Font: testFont(t)})
	if err != nil {
		t.Fatal(err)
	}
	scale := 96 / 25.4
	count := func(x, y, w, h float64, want func(r, g, b uint32) bool) int {
		n := 0
		for py := int(y * scale); py < int((y+h)*scale); py++ {
			for px := int(x * scale); px < int((x+w)*scale); px++ {
				r, g, b, _ := img.At(px, py).RGBA()
				if want(r>>8, g>>8, b>>8) {
					n++
				}
			}
		}
		return n
	}
	dark := func(r, g, b uint32) bool { return r < 100 && g < 100 && b < 100 }
	red := func(r, g, b uint32) bool { return r > 180 && g < 90 && b < 90 }
	if n := count(31.7, 25.4, 40.5, 5, dark); n < 50 {
		t.Errorf("%d dark pixels where the text is", n)
	}
	if n := count(50, 50, 40, 40, red); n < 500 {
		t.Errorf("%d red pixels where the stamp is", n)
	}
	if n := count(120, 150, 60, 60, func(r, g, b uint32) bool { return r < 250 }); n != 0 {
		t.Errorf("%d marks on blank paper", n)
	}
	if _, err := RenderPage(fixture(t, "SESV4SignDoc.ofd"), 1, RenderOptions{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("page 2 of 1: %v", err)
	}
}

// TestRenderCrossPage draws ofdrw's cross-page seal: on each page only its
// slice shows, at the page's right edge.
func TestRenderCrossPage(t *testing.T) {
	for page := range 2 {
		img, err := RenderPage(fixture(t, "V4RideRight.ofd"), page, RenderOptions{DPI: 96})
		if err != nil {
			t.Fatal(err)
		}
		scale := 96 / 25.4
		red := func(x0, x1 float64) int {
			n := 0
			for py := int(40 * scale); py < int(80*scale); py++ {
				for px := int(x0 * scale); px < int(x1*scale); px++ {
					r, g, b, _ := img.At(px, py).RGBA()
					if r>>8 > 180 && g>>8 < 90 && b>>8 < 90 {
						n++
					}
				}
			}
			return n
		}
		if edge, inside := red(202, 209.5), red(185, 200); edge < 100 || inside != 0 {
			t.Errorf("page %d: %d red pixels at the edge, %d inside", page+1, edge, inside)
		}
	}
}

func TestBuild(t *testing.T) {
	data, err := Build([]BuildPage{{Width: 210, Height: 297, Texts: []BuildText{{X: 20, Y: 30, Size: 5, S: "甲方（盖章）ABC"}}}, {Width: 210, Height: 297}})
	if err != nil {
		t.Fatal(err)
	}
	info, _, err := Inspect(data)
	if err != nil || len(info.Pages) != 2 {
		t.Fatalf("%+v %v", info, err)
	}
	hits, err := FindText(data, "盖章")
	if err != nil || len(hits) != 1 || hits[0].Box[0] != 20+3*5 || hits[0].Box[2] != 10 {
		t.Fatalf("%+v %v", hits, err)
	}
}
