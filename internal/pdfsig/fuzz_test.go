package pdfsig

import (
	"errors"
	"testing"

	"signet/internal/pdfsig/pdfbomb"
)

// FuzzVerify reads any input as POST /api/verify does: it never panics,
// fails only with the parser's sentinels, and reports each signature with
// its own outcome.
func FuzzVerify(f *testing.F) {
	p := newTestPKI(f)
	signed, err := Sign(classicPDF(), Request{Signer: p.signer(f, "Fuzz Signer"), Name: "Fuzz Signer",
		Placements: []Placement{{Page: 1, Rect: [4]float64{100, 100, 200, 200}, PNG: stampPNG(f)}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add(classicPDF())
	f.Add(xrefStreamPDF())
	f.Add(pdfbomb.XRefStream(1 << 20))
	f.Add(pdfbomb.ObjectStream(1 << 20))
	f.Add([]byte("%PDF-1.7\n"))
	opts := p.options(f)
	f.Fuzz(func(t *testing.T, pdf []byte) {
		reports, err := Verify(pdf, opts)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooComplex) {
				t.Fatalf("error outside the sentinels: %v", err)
			}
			return
		}
		for _, r := range reports {
			if r.Err == nil && !(r.Intact && r.Trusted) {
				t.Fatalf("report without an error that is not intact and trusted: %+v", r)
			}
		}
	})
}

// filterNames are the filters FuzzStreamFilters chains, by the fuzzer's
// choice; the last is one no reader here knows.
var filterNames = []string{"/FlateDecode", "/Fl", "/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85", "/LZWDecode"}

// FuzzStreamFilters decodes any data through any chain of filters, with
// and without a PNG predictor: never a panic, never more than the
// stream's limit, and only the parser's sentinels as errors.
func FuzzStreamFilters(f *testing.F) {
	f.Add(uint8(0), uint8(0), deflateTest([]byte("BT (Hello) Tj ET")))
	f.Add(uint8(1), uint8(12), deflateTest([]byte{2, 1, 2, 2, 0, 0}))
	f.Add(uint8(2), uint8(0), []byte("48656c6c6f>"))
	f.Add(uint8(4), uint8(0), []byte("<~87cURD]i,\"Ebo80~>"))
	f.Add(uint8(0x20), uint8(0), hexOf(deflateTest([]byte("chained"))))
	f.Add(uint8(0), uint8(0), pdfbomb.Zlib(nil, 8<<20))
	f.Fuzz(func(t *testing.T, chain, predictor uint8, data []byte) {
		// chain holds up to two filters, three bits each, plus a count.
		var filters array
		for i := range int(chain>>6) + 1 {
			filters = append(filters, name(filterNames[int(chain>>(3*i))&7%len(filterNames)][1:]))
		}
		d := dict{"Filter": filters}
		if predictor >= 10 {
			d["DecodeParms"] = array{dict{"Predictor": int64(predictor), "Columns": int64(predictor % 7), "Colors": int64(predictor % 3)}}
		}
		doc := &document{objStms: map[int]*objStm{}, budget: newBudget(len(data))}
		out, err := doc.decode(&stream{dict: d, raw: data})
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooComplex) {
				t.Fatalf("%v: error outside the sentinels: %v", filters, err)
			}
			return
		}
		if int64(len(out)) > streamLimit(len(data)) {
			t.Fatalf("%v: %d bytes from %d, over the limit", filters, len(out), len(data))
		}
	})
}
