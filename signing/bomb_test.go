package signing

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"testing"

	"signet/contracts"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
)

// bombPNG is a w×h 1-bit greyscale PNG of zeros: a few KB on the wire.
func bombPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, greyscale
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+(w+7)/8)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TestDecompressionBomb: a signature picture is a few KB on the wire but
// may claim any size; the mark check refuses big ones by their header, and
// pdfsig refuses to draw anything over MaxPlacementPixels, so no request
// can make the server decode gigabytes.
func TestDecompressionBomb(t *testing.T) {
	big := bombPNG(t, 30000, 30000)
	if err := (Mark{SignaturePNG: big}).check(contracts.Party{Kind: contracts.Person}); err == nil {
		t.Fatalf("a %d-byte signature of 30000×30000 pixels passes the mark check", len(big))
	}
	if err := (Mark{SignaturePNG: bombPNG(t, 1200, 400)}).check(contracts.Party{Kind: contracts.Person}); err != nil {
		t.Fatalf("an ordinary signature is refused: %v", err)
	}
	pdf := pdftest.Document(pdftest.Page{Width: 595, Height: 842})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := pdfsig.AppendPage(pdf, [4]float64{0, 0, 595, 842}, []pdfsig.Placement{{Page: 2, Rect: [4]float64{10, 10, 100, 60}, PNG: bombPNG(t, 6000, 6000)}})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a 6000×6000 placement was drawn")
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 32 {
		t.Fatalf("refusing the placement allocated %d MB", mb)
	}
}
