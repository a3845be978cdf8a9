// Package pdfbomb builds small PDFs that decompress to far more than their
// size, for tests of the limits internal/pdfsig puts on reading: a
// cross-reference stream, an object stream, a content stream behind
// chained filters, and one content stream shared by many pages. Each is
// valid PDF apart from its size: the inflated data is zero bytes, which
// PDF reads as white space and cross-reference streams as free entries.
package pdfbomb

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
)

const chunk = 1 << 20

// zeroChunk is one mebibyte of zeros as non-final deflate blocks ending on
// a byte boundary. Its first byte is a literal and its copies reach back
// only within it, so repeating it decodes to more zeros.
var zeroChunk = sync.OnceValue(func() []byte { return deflateBlocks(make([]byte, chunk)) })

// deflateBlocks compresses data into non-final deflate blocks that end on
// a byte boundary (a flush), so that more blocks may follow.
func deflateBlocks(data []byte) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(data)
	fw.Flush()
	return b.Bytes()
}

// Zlib returns zlib data that inflates to prefix followed by n zero bytes,
// about a thousandth of their size, built in milliseconds.
func Zlib(prefix []byte, n int64) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x78, 0xda})
	if len(prefix) > 0 {
		b.Write(deflateBlocks(prefix))
	}
	for range n / chunk {
		b.Write(zeroChunk())
	}
	if r := n % chunk; r > 0 {
		b.Write(deflateBlocks(make([]byte, r)))
	}
	b.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // a final, empty stored block
	// Adler-32 of the whole output: zeros add nothing to the first sum
	// and the first sum to the second once per byte.
	const mod = 65521
	s1, s2 := uint64(1), uint64(0)
	for _, c := range prefix {
		s1 = (s1 + uint64(c)) % mod
		s2 = (s2 + s1) % mod
	}
	s2 = (s2 + s1*(uint64(n)%mod)) % mod
	binary.Write(&b, binary.BigEndian, uint32(s2<<16|s1))
	return b.Bytes()
}

// compress zlib-compresses data at the best level.
func compress(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// file writes numbered objects and a cross-reference section.
type file struct {
	b       bytes.Buffer
	offsets map[int]int
}

func newFile() *file {
	f := &file{offsets: map[int]int{}}
	f.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return f
}

func (f *file) object(num int, body string) {
	f.offsets[num] = f.b.Len()
	fmt.Fprintf(&f.b, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (f *file) stream(num int, dict string, data []byte) {
	f.offsets[num] = f.b.Len()
	fmt.Fprintf(&f.b, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	f.b.Write(data)
	f.b.WriteString("\nendstream\nendobj\n")
}

// classic ends the file with a cross-reference table for objects 1..size-1.
func (f *file) classic(size int) []byte {
	xref := f.b.Len()
	fmt.Fprintf(&f.b, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for n := 1; n < size; n++ {
		fmt.Fprintf(&f.b, "%010d 00000 n\r\n", f.offsets[n])
	}
	fmt.Fprintf(&f.b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return f.b.Bytes()
}

const (
	catalog = "<< /Type /Catalog /Pages 2 0 R >>"
	box     = "/MediaBox [0 0 595 842]"
)

// Content returns a one-page PDF whose page content is data under filters
// (names without the slash, such as "FlateDecode").
func Content(filters []string, data []byte) []byte {
	f := newFile()
	f.object(1, catalog)
	f.object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	f.object(3, "<< /Type /Page /Parent 2 0 R "+box+" /Contents 4 0 R >>")
	f.stream(4, "/Filter ["+filterNames(filters)+"]", data)
	return f.classic(5)
}

func filterNames(filters []string) string {
	var s []string
	for _, n := range filters {
		s = append(s, "/"+n)
	}
	return strings.Join(s, " ")
}

// ChainedFlate returns a one-page PDF of about 2 KB whose content stream,
// /Filter [/FlateDecode /FlateDecode], inflates to n bytes: the first
// stage to a thousandth of that, the second to all of it.
func ChainedFlate(n int64) []byte {
	return Content([]string{"FlateDecode", "FlateDecode"}, compress(Zlib(nil, n)))
}

// SharedContent returns a PDF of pages pages that all draw one content
// stream, which inflates to n bytes: each stream stays within its own
// limit, while reading every page decodes pages × n.
func SharedContent(pages int, n int64) []byte {
	f := newFile()
	f.object(1, catalog)
	var kids strings.Builder
	for i := range pages {
		fmt.Fprintf(&kids, "%d 0 R ", 4+i)
	}
	f.object(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), pages))
	f.stream(3, "/Filter /FlateDecode", Zlib(nil, n))
	for i := range pages {
		f.object(4+i, "<< /Type /Page /Parent 2 0 R "+box+" /Contents 3 0 R >>")
	}
	return f.classic(4 + pages)
}

// xrefRow is one cross-reference stream row of /W [1 4 2].
func xrefRow(kind byte, a uint32, b uint16) []byte {
	return []byte{kind, byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a), byte(b >> 8), byte(b)}
}

const rowLen = 7

// XRefStream returns a one-page PDF whose cross-reference stream inflates
// to n bytes more than its real rows: /Size counts every row, so all of
// them are entries to read. About n/1000 bytes long.
func XRefStream(n int64) []byte {
	f := newFile()
	f.object(1, catalog)
	f.object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	f.object(3, "<< /Type /Page /Parent 2 0 R "+box+" >>")
	xref := f.b.Len()
	var rows []byte
	rows = append(rows, xrefRow(0, 0, 0xffff)...)
	for num := 1; num <= 3; num++ {
		rows = append(rows, xrefRow(1, uint32(f.offsets[num]), 0)...)
	}
	rows = append(rows, xrefRow(1, uint32(xref), 0)...)
	n -= n % rowLen
	size := int64(len(rows))/rowLen + n/rowLen
	data := Zlib(rows, n)
	fmt.Fprintf(&f.b, "4 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", size, len(data))
	f.b.Write(data)
	fmt.Fprintf(&f.b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return f.b.Bytes()
}

// ObjectStream returns a one-page PDF whose catalog and page tree lie in an
// object stream that inflates to n bytes more than they take.
func ObjectStream(n int64) []byte {
	f := newFile()
	objs := []string{catalog, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R " + box + " >>"}
	var header, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&header, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
	}
	data := Zlib(append(header.Bytes(), body.Bytes()...), n)
	f.stream(4, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(objs), header.Len()), data)
	xref := f.b.Len()
	var rows []byte
	rows = append(rows, xrefRow(0, 0, 0xffff)...)
	for i := range objs {
		rows = append(rows, xrefRow(2, 4, uint16(i))...)
	}
	rows = append(rows, xrefRow(1, uint32(f.offsets[4]), 0)...)
	rows = append(rows, xrefRow(1, uint32(xref), 0)...)
	fmt.Fprintf(&f.b, "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", len(rows))
	f.b.Write(rows)
	fmt.Fprintf(&f.b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return f.b.Bytes()
}
