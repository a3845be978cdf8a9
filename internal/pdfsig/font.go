package pdfsig

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// font is what text extraction needs of a font: how to split a string
// into codes, and each code's text and advance width.
type font struct {
	composite bool
	// Simple fonts.
	enc     [256]rune
	widths  map[int]float64 // code → width in glyph units (1/1000 em)
	metrics *[95]int16      // standard-14 metrics for codes without /Widths
	fixed   float64         // the width of every glyph of Courier
	missing float64
	// Composite fonts.
	space    []codeRange
	encoding *cmap // an embedded encoding CMap, or nil
	identity bool  // Identity-H/V: CID = code
	unicode  int   // predefined Unicode CMaps: 2 for UCS-2, 16 for UTF-16, 32 for UTF-32
	cidW     map[int]float64
	cidWR    []cidWidths
	dw       float64
	// Both.
	toUnicode       *cmap
	scale           float64 // glyph units to text space: 0.001, or a Type3 /FontMatrix
	ascent, descent float64 // in glyph units
}

type cidWidths struct {
	lo, hi int
	w      float64
}

// glyphCode is one code of a shown string.
type glyphCode struct {
	code  uint32
	n     int     // bytes
	text  []rune  // nil when unknown
	width float64 // in text space units, before the font size
}

// loadFont reads a font dictionary. It never fails: what cannot be read
// falls back to defaults, so that one odd font does not hide a page's text.
func loadFont(doc *document, fd dict) *font {
	f := &font{scale: 0.001, ascent: 800, descent: -200}
	subtype, _ := fd["Subtype"].(name)
	base, _ := doc.resolve(fd["BaseFont"]).(name)
	if cm, ok := doc.resolve(fd["ToUnicode"]).(*stream); ok {
		if data, err := doc.decode(cm); err == nil {
			f.toUnicode, _ = parseCMap(data)
		}
	}
	if subtype == "Type0" {
		f.loadComposite(doc, fd)
		return f
	}
	f.enc = baseEncoding(doc, fd, string(base))
	family := strings.ToLower(strings.SplitN(stripSubset(string(base)), ",", 2)[0])
	switch {
	case strings.HasPrefix(family, "courier"):
		f.fixed, f.ascent, f.descent = 600, 629, -157
	case strings.HasPrefix(family, "helvetica") || strings.HasPrefix(family, "arial"):
		f.metrics, f.ascent, f.descent = &helveticaWidths, 718, -207
	case strings.HasPrefix(family, "times"):
		f.metrics, f.ascent, f.descent = &timesWidths, 683, -217
	}
	f.missing = 500
	if desc, ok := doc.resolve(fd["FontDescriptor"]).(dict); ok {
		f.readDescriptor(doc, desc)
	}
	if ws, ok := doc.resolve(fd["Widths"]).(array); ok {
		first, _ := number(doc.resolve(fd["FirstChar"]))
		f.widths = map[int]float64{}
		for i, w := range ws {
			if c := int(first) + i; c >= 0 && c < 256 {
				if v, ok := number(doc.resolve(w)); ok {
					f.widths[c] = v
				}
			}
		}
	}
	if subtype == "Type3" {
		if m, ok := doc.resolve(fd["FontMatrix"]).(array); ok && len(m) == 6 {
			if a, ok := number(m[0]); ok && a != 0 {
				f.scale = a
				f.ascent, f.descent = 0.8/a, -0.2/a
			}
		}
	}
	return f
}

func (f *font) readDescriptor(doc *document, desc dict) {
	if a, ok := number(doc.resolve(desc["Ascent"])); ok && a > 0 {
		f.ascent = a
	}
	if d, ok := number(doc.resolve(desc["Descent"])); ok && d < 0 {
		f.descent = d
	}
	if m, ok := number(doc.resolve(desc["MissingWidth"])); ok && m > 0 {
		f.missing = m
	}
}

// stripSubset removes a subset tag such as "ABCDEF+".
func stripSubset(base string) string {
	if len(base) > 7 && base[6] == '+' {
		return base[7:]
	}
	return base
}

// baseEncoding returns a simple font's code → Unicode table: the base
// encoding (StandardEncoding unless named otherwise) with /Differences.
func baseEncoding(doc *document, fd dict, base string) [256]rune {
	var enc [256]rune
	encName, _ := doc.resolve(fd["Encoding"]).(name)
	encDict, _ := doc.resolve(fd["Encoding"]).(dict)
	if encDict != nil {
		encName, _ = doc.resolve(encDict["BaseEncoding"]).(name)
	}
	for c := 0x20; c < 0x7f; c++ {
		enc[c] = rune(c)
	}
	switch stripSubset(base) {
	case "Symbol", "ZapfDingbats":
		// Their built-in encodings are not text; leave the ASCII guess.
		encName = "Symbol"
	}
	switch encName {
	case "WinAnsiEncoding":
		for c := 0x80; c < 0x100; c++ {
			enc[c] = winAnsiHigh[c-0x80]
			if c >= 0xa0 {
				enc[c] = rune(c)
			}
		}
	case "MacRomanEncoding":
		for c := 0x80; c < 0x100; c++ {
			enc[c] = macRomanHigh[c-0x80]
		}
	case "Symbol":
	default: // StandardEncoding, also when the font's built-in encoding is meant
		enc['\''], enc['`'] = '\u2019', '\u2018'
		for c := 0x80; c < 0x100; c++ {
			enc[c] = standardHigh[c-0x80]
		}
	}
	diffs, _ := doc.resolve(encDict["Differences"]).(array)
	code := 0
	for _, d := range diffs {
		switch d := doc.resolve(d).(type) {
		case int64:
			code = int(d)
		case name:
			if code >= 0 && code < 256 {
				if r := []rune(glyphText(string(d))); len(r) == 1 {
					enc[code] = r[0]
				} else {
					enc[code] = 0 // ligatures are spelled out by glyphText
				}
			}
			code++
		}
	}
	return enc
}

// glyphNames maps glyph names to text.
var glyphNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for i, n := range asciiGlyphs {
		m[n] = string(rune(0x20 + i))
	}
	for i, n := range latin1Glyphs {
		m[n] = string(rune(0xa0 + i))
	}
	for n, s := range extraGlyphs {
		m[n] = s
	}
	return m
})

// glyphText returns the text of a glyph name (Adobe Glyph List
// conventions: uniXXXX, uXXXX[XX], suffixes after a period, ligatures
// joined by underscores), or "" when unknown.
func glyphText(gn string) string {
	if i := strings.IndexByte(gn, '.'); i > 0 {
		gn = gn[:i]
	}
	if s, ok := glyphNames()[gn]; ok {
		return s
	}
	if parts := strings.Split(gn, "_"); len(parts) > 1 {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(glyphText(p))
		}
		return b.String()
	}
	hexRunes := func(h string, size int) string {
		if len(h) == 0 || len(h)%size != 0 {
			return ""
		}
		var b strings.Builder
		for i := 0; i < len(h); i += size {
			v, err := strconv.ParseUint(h[i:i+size], 16, 32)
			if err != nil || v > 0x10ffff || (v >= 0xd800 && v < 0xe000) {
				return ""
			}
			b.WriteRune(rune(v))
		}
		return b.String()
	}
	switch {
	case strings.HasPrefix(gn, "uni"):
		return hexRunes(gn[3:], 4)
	case strings.HasPrefix(gn, "u") && len(gn) >= 5 && len(gn) <= 7:
		return hexRunes(gn[1:], len(gn)-1)
	}
	return ""
}

// loadComposite reads a Type0 font: its encoding CMap and its descendant's widths.
func (f *font) loadComposite(doc *document, fd dict) {
	f.composite = true
	f.ascent, f.descent, f.dw = 880, -120, 1000
	switch enc := doc.resolve(fd["Encoding"]).(type) {
	case name:
		s := string(enc)
		switch {
		case s == "Identity-H" || s == "Identity-V":
			f.identity = true
		case strings.Contains(s, "-UCS2-"):
			f.unicode = 2
		case strings.Contains(s, "-UTF16-"):
			f.unicode = 16
		case strings.Contains(s, "-UTF32-"):
			f.unicode = 32
		}
	case *stream:
		if data, err := doc.decode(enc); err == nil {
			f.encoding, _ = parseCMap(data)
		}
	}
	switch {
	case f.encoding != nil && len(f.encoding.space) > 0:
		f.space = f.encoding.space
	case f.unicode == 16:
		f.space = []codeRange{
			{n: 2, lo: [4]byte{0, 0}, hi: [4]byte{0xd7, 0xff}},
			{n: 4, lo: [4]byte{0xd8, 0, 0xdc, 0}, hi: [4]byte{0xdb, 0xff, 0xdf, 0xff}},
			{n: 2, lo: [4]byte{0xe0, 0}, hi: [4]byte{0xff, 0xff}},
		}
	case f.unicode == 32:
		f.space = []codeRange{{n: 4, lo: [4]byte{0, 0, 0, 0}, hi: [4]byte{0, 0x10, 0xff, 0xff}}}
	default:
		f.space = []codeRange{{n: 2, hi: [4]byte{0xff, 0xff}}}
	}
	kids, _ := doc.resolve(fd["DescendantFonts"]).(array)
	if len(kids) == 0 {
		return
	}
	cf, _ := doc.resolve(kids[0]).(dict)
	if desc, ok := doc.resolve(cf["FontDescriptor"]).(dict); ok {
		f.readDescriptor(doc, desc)
	}
	if dw, ok := number(doc.resolve(cf["DW"])); ok {
		f.dw = dw
	}
	ws, _ := doc.resolve(cf["W"]).(array)
	f.cidW = map[int]float64{}
	for i := 0; i < len(ws); {
		first, ok := doc.resolve(ws[i]).(int64)
		if !ok || i+1 >= len(ws) {
			break
		}
		if list, ok := doc.resolve(ws[i+1]).(array); ok {
			for j, w := range list {
				if v, ok := number(doc.resolve(w)); ok {
					f.cidW[int(first)+j] = v
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(ws) {
			break
		}
		last, ok1 := doc.resolve(ws[i+1]).(int64)
		w, ok2 := number(doc.resolve(ws[i+2]))
		if ok1 && ok2 {
			f.cidWR = append(f.cidWR, cidWidths{int(first), int(last), w})
		}
		i += 3
	}
}

// decode splits s into codes, with their text and widths.
func (f *font) decode(s []byte) []glyphCode {
	var out []glyphCode
	for len(s) > 0 {
		n := 1
		if f.composite {
			n = f.codeLength(s)
		}
		code, _ := codeValue(s[:n])
		g := glyphCode{code: code, n: n}
		if f.toUnicode != nil {
			g.text = f.toUnicode.unicode(code, n)
		}
		if f.composite {
			f.compositeGlyph(&g)
		} else {
			f.simpleGlyph(&g)
		}
		g.width *= f.scale
		out = append(out, g)
		s = s[n:]
	}
	return out
}

// codeLength is the length of the code at the start of s: the codespace
// range that holds it, else the shortest range's length.
func (f *font) codeLength(s []byte) int {
	shortest := 4
	for _, r := range f.space {
		if r.n <= len(s) && r.holds(s[:r.n]) {
			return r.n
		}
		shortest = min(shortest, r.n)
	}
	return min(shortest, len(s))
}

func (f *font) simpleGlyph(g *glyphCode) {
	r := f.enc[g.code&0xff]
	if g.text == nil && r != 0 {
		g.text = []rune{r}
	}
	switch w, ok := f.widths[int(g.code)]; {
	case ok:
		g.width = w
	case f.fixed > 0:
		g.width = f.fixed
	case f.metrics != nil:
		g.width = float64(f.metrics['n'-0x20]) // about the average, for non-ASCII
		if r >= 0x20 && r < 0x7f {
			g.width = float64(f.metrics[r-0x20])
		} else if r == '\u2019' || r == '\u2018' {
			g.width = float64(f.metrics['\''-0x20])
		}
	default:
		g.width = f.missing
	}
}

func (f *font) compositeGlyph(g *glyphCode) {
	cid, known := -1, false
	switch {
	case f.encoding != nil:
		cid, known = f.encoding.cid(g.code, g.n)
	case f.identity:
		cid, known = int(g.code), true
	}
	if f.unicode != 0 {
		var r []rune
		switch {
		case f.unicode == 16 && g.n == 4:
			r = utf16.Decode([]uint16{uint16(g.code >> 16), uint16(g.code)})
		case g.code <= 0x10ffff:
			r = []rune{rune(g.code)}
		}
		if g.text == nil {
			g.text = r
		}
		// The Adobe CJK collections put proportional ASCII at CIDs 1–95;
		// other CIDs would need the collection's tables.
		if g.code >= 0x20 && g.code <= 0x7e {
			cid, known = int(g.code)-0x1f, true
		}
	}
	g.width = f.dw
	if !known {
		return
	}
	if w, ok := f.cidW[cid]; ok {
		g.width = w
		return
	}
	for _, r := range f.cidWR {
		if cid >= r.lo && cid <= r.hi {
			g.width = r.w
			return
		}
	}
}
