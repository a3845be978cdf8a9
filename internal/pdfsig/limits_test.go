package pdfsig

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"signet/internal/pdfsig/pdfbomb"
)

func TestPDFBombZlib(t *testing.T) {
	t.Parallel()
	data := pdfbomb.Zlib([]byte("prefix"), 3<<20+5)
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("inflate: %v", err) // the checksum too
	}
	if len(out) != 6+3<<20+5 || string(out[:6]) != "prefix" || bytes.ContainsFunc(out[6:], func(r rune) bool { return r != 0 }) {
		t.Fatalf("inflated %d bytes starting %q", len(out), out[:min(len(out), 16)])
	}
	if len(data) > 8<<10 {
		t.Errorf("%d bytes for 3 MiB of zeros", len(data))
	}
}

// TestDecompressionBombs reads each bomb as the routes that take untrusted
// PDFs do. Before the limits, Inspect read them all without complaint
// after inflating every byte (a gibibyte for the chained filters, from two
// kilobytes), and Verify inflated the cross-reference and object streams.
func TestDecompressionBombs(t *testing.T) {
	const big = 1 << 30
	for _, tc := range []struct {
		name string
		pdf  []byte
		read func([]byte) error
	}{
		{"ChainedFlate", pdfbomb.ChainedFlate(big), inspectErr},
		{"ChainedFlateFindText", pdfbomb.ChainedFlate(big), findTextErr},
		{"ContentFlate", pdfbomb.Content([]string{"FlateDecode"}, pdfbomb.Zlib(nil, 256<<20)), inspectErr},
		{"ContentHexFlate", pdfbomb.Content([]string{"ASCIIHexDecode", "FlateDecode"}, hexOf(pdfbomb.Zlib(nil, 256<<20))), inspectErr},
		{"SharedContent", pdfbomb.SharedContent(200, 4<<20), inspectErr},
		{"XRefStream", pdfbomb.XRefStream(big), verifyErr},
		{"XRefStreamInspect", pdfbomb.XRefStream(big), inspectErr},
		{"ObjectStream", pdfbomb.ObjectStream(big), verifyErr},
		{"ObjectStreamInspect", pdfbomb.ObjectStream(big), inspectErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := tc.read(tc.pdf)
			if !errors.Is(err, ErrTooComplex) {
				t.Fatalf("%d-byte bomb: %v, want ErrTooComplex", len(tc.pdf), err)
			}
			t.Logf("%d-byte bomb: %v in %v", len(tc.pdf), err, time.Since(start))
		})
	}
}

func inspectErr(pdf []byte) error {
	_, err := Inspect(pdf)
	return err
}

func findTextErr(pdf []byte) error {
	_, err := FindText(pdf, "甲方")
	return err
}

func verifyErr(pdf []byte) error {
	_, err := Verify(pdf, VerifyOptions{})
	return err
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b)+1)
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return append(out, '>')
}

// TestBudgetKeepsRealDocuments reads documents that compress well but
// within the limits: they must read as before.
func TestBudgetKeepsRealDocuments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		pdf  []byte
	}{
		// 4 MiB from a few KiB: the floor for one stream.
		{"SmallStreamAtFloor", pdfbomb.Content([]string{"FlateDecode"}, pdfbomb.Zlib(nil, minStreamOutput-64))},
		// Ten pages sharing 1 MiB of content: 10 MiB within MinBudget.
		{"SharedWithinBudget", pdfbomb.SharedContent(10, 1<<20)},
		{"ClassicTable", classicPDF()},
		{"XRefStream", xrefStreamPDF()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Inspect(tc.pdf); err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if _, err := Verify(tc.pdf, VerifyOptions{}); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestStreamFilters(t *testing.T) {
	t.Parallel()
	hello := []byte("BT (Hello) Tj ET")
	flated := deflateTest(hello)
	// Rows of two bytes, PNG Sub (1) then Up (2) then Paeth (4).
	predicted := deflateTest([]byte{1, 'a', 1, 2, 0, 0, 4, 0, 0})
	for _, tc := range []struct {
		name    string
		filter  string
		parms   string
		data    []byte
		want    string
		wantErr error
	}{
		{"None", "", "", hello, string(hello), nil},
		{"Flate", "/FlateDecode", "", flated, string(hello), nil},
		{"FlateShort", "/Fl", "", flated, string(hello), nil},
		{"FlateNoChecksum", "/FlateDecode", "", flated[:len(flated)-4], string(hello), nil},
		{"FlateGarbage", "/FlateDecode", "", []byte("not deflated"), "", ErrMalformed},
		{"Hex", "/ASCIIHexDecode", "", []byte("42 54\n2028>ignored"), "BT (", nil},
		{"HexOdd", "/AHx", "", []byte("4142434>"), "ABC@", nil},
		{"HexBad", "/AHx", "", []byte("4x>"), "", ErrMalformed},
		{"ASCII85", "/ASCII85Decode", "", []byte("<~87cURD]i,\"Ebo80~>"), "Hello World!", nil},
		{"ASCII85NoMarks", "/A85", "", []byte("  87cURD]i,\"Ebo80~>"), "Hello World!", nil},
		{"ASCII85Zeros", "/A85", "", []byte("z~>"), "\x00\x00\x00\x00", nil},
		{"ASCII85Bad", "/A85", "", []byte("<~\x7f~>"), "", ErrMalformed},
		{"Chain", "[/ASCIIHexDecode /FlateDecode]", "", hexOf(flated), string(hello), nil},
		{"Predictor", "/FlateDecode", "<< /Predictor 12 /Columns 2 >>", predicted, "ababab", nil},
		{"PredictorBadRow", "/FlateDecode", "<< /Predictor 12 /Columns 2 >>", deflateTest([]byte{9, 1, 1}), "", ErrMalformed},
		{"PredictorHugeColumns", "/FlateDecode", "<< /Predictor 12 /Columns 999999999 >>", predicted, "", ErrMalformed},
		{"TooManyFilters", "[/AHx /AHx /AHx /AHx /AHx]", "", []byte("00>"), "", ErrMalformed},
		{"Unsupported", "/LZWDecode", "", []byte("x"), "", ErrMalformed},
		{"TooMuch", "/FlateDecode", "", pdfbomb.Zlib(nil, 64<<20), "", ErrTooComplex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pdf := streamDoc(tc.filter, tc.parms, tc.data)
			doc, err := readDocument(pdf)
			if err != nil {
				t.Fatal(err)
			}
			v, err := doc.object(4)
			if err != nil {
				t.Fatal(err)
			}
			got, err := doc.decode(v.(*stream))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("decode: %d bytes, %v; want %v", len(got), err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("decode: %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// streamDoc is a one-page document whose object 4 is a stream with the
// given filter, parameters and data.
func streamDoc(filter, parms string, data []byte) []byte {
	d := ""
	if filter != "" {
		d += " /Filter " + filter
	}
	if parms != "" {
		d += " /DecodeParms " + parms
	}
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 10 10] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		rawStream(d, string(data)),
	)
}

// TestGate: documents wait in order for the memory others hold, and one
// that cannot get in before its context ends fails with ErrBusy.
func TestGate(t *testing.T) {
	t.Parallel()
	t.Run("ErrBusy", func(t *testing.T) {
		t.Parallel()
		g := newGate(100)
		if err := g.acquire(t.Context(), 80); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		if err := g.acquire(ctx, 30); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("acquire over the size: %v", err)
		}
		if err := g.acquire(t.Context(), 20); err != nil {
			t.Fatalf("acquire within the size after a waiter gave up: %v", err)
		}
	})
	t.Run("InOrder", func(t *testing.T) {
		t.Parallel()
		g := newGate(100)
		g.acquire(t.Context(), 100)
		big, small := make(chan error, 1), make(chan error, 1)
		go func() { big <- g.acquire(t.Context(), 100) }()
		for g.waiting() != 1 {
			time.Sleep(time.Millisecond)
		}
		go func() { small <- g.acquire(t.Context(), 1) }()
		for g.waiting() != 2 {
			time.Sleep(time.Millisecond)
		}
		g.release(100)
		if err := <-big; err != nil {
			t.Fatal(err)
		}
		select {
		case <-small:
			t.Fatal("the small one went ahead of the big one's release")
		case <-time.After(10 * time.Millisecond):
		}
		g.release(100)
		if err := <-small; err != nil {
			t.Fatal(err)
		}
	})
}

// TestGateErrBusy holds the whole of the package's gate, so it is not
// parallel: parallel tests wait until the serial ones are done.
func TestGateErrBusy(t *testing.T) {
	if err := parseGate.acquire(t.Context(), parseGate.size); err != nil {
		t.Fatal(err)
	}
	defer parseGate.release(parseGate.size)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := VerifyContext(ctx, classicPDF(), VerifyOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyContext: %v, want ErrBusy", err)
	}
	if _, err := InspectContext(ctx, classicPDF()); !errors.Is(err, ErrBusy) {
		t.Fatalf("InspectContext: %v, want ErrBusy", err)
	}
}

func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiters.Len()
}
