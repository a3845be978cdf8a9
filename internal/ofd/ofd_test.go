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
