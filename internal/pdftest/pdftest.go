// Package pdftest builds small, valid PDF documents for tests in other
// packages: real page trees, real fonts and real text, with classic
// cross-reference tables, so that pdfinfo and pdftoppm accept them.
//
// ASCII text is set in Helvetica with WinAnsiEncoding. Text with any other
// character is set in STSong-Light, a Type0 font with the predefined
// UniGB-UCS2-H CMap over a CIDFontType0 of the Adobe-GB1 collection: it is
// not embedded, so Chinese text is legal without carrying a font file, and
// readers substitute a local one. Characters outside the Basic
// Multilingual Plane cannot be written with UCS-2 and become U+FFFD.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Text is a run of text on a page.
type Text struct {
	// X and Y are the start of the baseline, in PDF points from the
	// bottom-left corner of the page.
	X, Y float64
	// Size is the font size in points; zero means 12.
	Size float64
	// S is the text.
	S string
}

// Page is one page of a test document.
type Page struct {
	// Width and Height are the MediaBox size in points; zero means A4
	// (595 × 842).
	Width, Height float64
	// Texts are drawn in order.
	Texts []Text
}

// Document returns a PDF with the given pages, or one empty A4 page when
// none are given.
func Document(pages ...Page) []byte { return build(pages, false) }

// WithToUnicode is Document with every string, ASCII or not, set in a
// Type0 font with the Identity-H encoding and a /ToUnicode CMap, the way
// most PDF producers write embedded subsets. The CIDs are made up (ASCII
// keeps its Adobe-GB1 CIDs 1–95, other characters get CIDs from 1000 on in
// order of first use), so a reader draws the wrong glyphs for non-ASCII
// text; only the text extracted through the CMap is right. The CMap uses
// both forms of bfrange: a start value for ASCII, an array for the rest.
func WithToUnicode(pages ...Page) []byte { return build(pages, true) }

// Encrypted returns a one-page PDF whose trailer has a standard security
// handler /Encrypt dictionary. Its strings are not actually encrypted: it
// is for testing that readers refuse encrypted documents.
func Encrypted() []byte {
	w := newWriter()
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>")
	o := strings.Repeat("A1", 32)
	u := strings.Repeat("B2", 32)
	w.obj(4, fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -3904 /O <%s> /U <%s> >>", o, u))
	return w.finish("/Encrypt 4 0 R")
}

const (
	objCatalog = 1 + iota
	objPages
	objHelvetica
	objType0
	objCIDFont
	objDescriptor
	objToUnicode
	objFirstPage
)

func build(pages []Page, toUnicode bool) []byte {
	if len(pages) == 0 {
		pages = []Page{{}}
	}
	cids := map[rune]int{}
	next := 1000
	cid := func(r rune) int {
		if r >= 0x20 && r <= 0x7e {
			return int(r) - 0x1f // Adobe-GB1 CIDs 1–95 are ASCII
		}
		c, ok := cids[r]
		if !ok {
			c, next = next, next+1
			cids[r] = c
		}
		return c
	}

	w := newWriter()
	w.obj(objCatalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", objPages))
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", objFirstPage+2*i))
	}
	w.obj(objPages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	w.obj(objHelvetica, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	encoding := "/UniGB-UCS2-H"
	if toUnicode {
		encoding = fmt.Sprintf("/Identity-H /ToUnicode %d 0 R", objToUnicode)
	}
	w.obj(objType0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding %s /DescendantFonts [%d 0 R] >>", encoding, objCIDFont))
	w.obj(objCIDFont, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "+
		"/FontDescriptor %d 0 R /DW 1000 /W [1 95 500] >>", objDescriptor))
	w.obj(objDescriptor, "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "+
		"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")

	for i, pg := range pages {
		width, height := pg.Width, pg.Height
		if width <= 0 || height <= 0 {
			width, height = 595, 842
		}
		var content bytes.Buffer
		for _, t := range pg.Texts {
			size := t.Size
			if size <= 0 {
				size = 12
			}
			ascii := !toUnicode
			for _, r := range t.S {
				ascii = ascii && r < 0x80
			}
			font := "/F2"
			if ascii {
				font = "/F1"
			}
			fmt.Fprintf(&content, "BT %s %s Tf %s %s Td ", font, num(size), num(t.X), num(t.Y))
			switch {
			case ascii:
				content.WriteString(literal(t.S))
			case toUnicode:
				content.WriteByte('<')
				for _, r := range t.S {
					fmt.Fprintf(&content, "%04X", cid(r))
				}
				content.WriteByte('>')
			default:
				content.WriteByte('<')
				for _, r := range t.S {
					if utf16.IsSurrogate(r) || r > 0xffff {
						r = 0xfffd
					}
					fmt.Fprintf(&content, "%04X", r)
				}
				content.WriteByte('>')
			}
			content.WriteString(" Tj ET\n")
		}
		pageNum, contentNum := objFirstPage+2*i, objFirstPage+2*i+1
		w.obj(pageNum, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Contents %d 0 R "+
			"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>",
			objPages, num(width), num(height), contentNum, objHelvetica, objType0))
		packed := deflate(content.Bytes())
		w.obj(contentNum, fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(packed), packed))
	}
	if toUnicode {
		cmap := toUnicodeCMap(cids)
		w.obj(objToUnicode, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cmap), cmap))
	} else {
		w.obj(objToUnicode, "null") // keeps the numbering of both variants the same
	}
	return w.finish("")
}

// toUnicodeCMap maps ASCII with one bfrange and the other CIDs with
// array-form bfranges of up to 100 entries.
func toUnicodeCMap(cids map[rune]int) string {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		"1 beginbfrange\n<0001> <005F> <0020>\nendbfrange\n")
	runes := make([]rune, 0, len(cids))
	for r := range cids {
		runes = append(runes, r)
	}
	slices.SortFunc(runes, func(a, b rune) int { return cids[a] - cids[b] })
	for len(runes) > 0 {
		chunk := runes[:min(len(runes), 100)]
		runes = runes[len(chunk):]
		fmt.Fprintf(&b, "1 beginbfrange\n<%04X> <%04X> [", cids[chunk[0]], cids[chunk[len(chunk)-1]])
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('<')
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteByte('>')
		}
		b.WriteString("]\nendbfrange\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.String()
}

// writer lays out numbered objects and a classic cross-reference table.
type writer struct {
	b       bytes.Buffer
	offsets map[int]int
}

func newWriter() *writer {
	w := &writer{offsets: map[int]int{}}
	w.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return w
}

func (w *writer) obj(n int, body string) {
	w.offsets[n] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\n", n, body)
}

// finish writes the cross-reference table, covering objects 1..max, and
// the trailer with extra entries.
func (w *writer) finish(extra string) []byte {
	size := 0
	for n := range w.offsets {
		size = max(size, n+1)
	}
	xref := w.b.Len()
	fmt.Fprintf(&w.b, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for n := 1; n < size; n++ {
		if off, ok := w.offsets[n]; ok {
			fmt.Fprintf(&w.b, "%010d 00000 n\r\n", off)
		} else {
			w.b.WriteString("0000000000 00000 f\r\n")
		}
	}
	fmt.Fprintf(&w.b, "trailer\n<< /Size %d /Root %d 0 R /ID [<5369676E6574546573744944> <5369676E6574546573744944>] %s >>\nstartxref\n%d\n%%%%EOF\n",
		size, objCatalog, extra, xref)
	return w.b.Bytes()
}

// literal writes s as a PDF literal string.
func literal(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, "\\%03o", c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte(')')
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func deflate(data []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}
