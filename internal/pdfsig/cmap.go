package pdfsig

import (
	"io"
	"strconv"
	"unicode/utf16"
)

// lexer reads the operands and operators of a content stream or CMap.
type lexer struct{ p parser }

func newLexer(data []byte) *lexer { return &lexer{p: parser{data: data}} }

// next returns the next operand, or with op set the next operator, or io.EOF.
func (l *lexer) next() (v any, op string, err error) {
	p := &l.p
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, "", io.EOF
		}
		switch c := p.data[p.pos]; c {
		case '/', '(', '<', '[':
			v, err := p.object()
			return v, "", err
		case ']', ')', '>', '{', '}':
			p.pos++ // stray delimiters (and PostScript procedures in CMaps) carry nothing here
			continue
		}
		tok := p.token()
		if tok == "" { // cannot happen after the cases above, but never loop on it
			p.pos++
			continue
		}
		if c := tok[0]; c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
			if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
				return n, "", nil
			}
			if f, err := strconv.ParseFloat(tok, 64); err == nil {
				return f, "", nil
			}
		}
		return nil, tok, nil
	}
}

// skipInlineImage moves past the data of an inline image, after BI: to
// the whitespace-delimited EI that ends it.
func (l *lexer) skipInlineImage() {
	p := &l.p
	for {
		v, op, err := l.next()
		if err != nil || op == "ID" {
			break
		}
		_ = v
	}
	p.pos++ // the single whitespace after ID
	for p.pos+2 <= len(p.data) {
		if p.data[p.pos] == 'E' && p.data[p.pos+1] == 'I' && p.pos > 0 && isSpace(p.data[p.pos-1]) &&
			(p.pos+2 == len(p.data) || isSpace(p.data[p.pos+2]) || isDelim(p.data[p.pos+2])) {
			p.pos += 2
			return
		}
		p.pos++
	}
	p.pos = len(p.data)
}

// codeRange is a codespace range: codes of n bytes, each byte within its bounds.
type codeRange struct {
	n      int
	lo, hi [4]byte
}

func (r codeRange) holds(b []byte) bool {
	if len(b) != r.n {
		return false
	}
	for i, c := range b {
		if c < r.lo[i] || c > r.hi[i] {
			return false
		}
	}
	return true
}

// cmap is what this package reads of a CMap: codespace ranges, CID
// mappings (an encoding CMap) and Unicode mappings (a ToUnicode CMap).
type cmap struct {
	space    []codeRange
	cidChar  map[uint64]int // key: code | length<<32
	cidRange []cmapRange
	uniChar  map[uint64][]rune
	uniRange []cmapRange
}

// cmapRange maps codes lo..hi of n bytes: to CIDs from cid, or to Unicode
// from the UTF-16 dst (last unit incremented), or to the entries of list.
type cmapRange struct {
	n      int
	lo, hi uint32
	cid    int
	dst    []uint16
	list   []any
}

func codeKey(code uint32, n int) uint64 { return uint64(code) | uint64(n)<<32 }

// codeValue reads a code of one to four bytes.
func codeValue(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v, true
}

// parseCMap reads the sections of a CMap that matter for text; usecmap and
// everything else is ignored.
func parseCMap(data []byte) (*cmap, error) {
	m := &cmap{cidChar: map[uint64]int{}, uniChar: map[uint64][]rune{}}
	l := newLexer(data)
	var args []any
	for {
		v, op, err := l.next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, corrupt(err)
		}
		if op == "" {
			if len(args) < 1<<16 {
				args = append(args, v)
			}
			continue
		}
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(args); i += 2 {
				lo, _ := args[i].([]byte)
				hi, _ := args[i+1].([]byte)
				if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				r := codeRange{n: len(lo)}
				copy(r.lo[:], lo)
				copy(r.hi[:], hi)
				m.space = append(m.space, r)
			}
		case "endcidchar", "endbfchar":
			for i := 0; i+1 < len(args); i += 2 {
				src, _ := args[i].([]byte)
				code, ok := codeValue(src)
				if !ok {
					continue
				}
				if op == "endcidchar" {
					if cid, ok := args[i+1].(int64); ok && cid >= 0 && cid < 1<<20 {
						m.cidChar[codeKey(code, len(src))] = int(cid)
					}
				} else if r := dstRunes(args[i+1]); r != nil {
					m.uniChar[codeKey(code, len(src))] = r
				}
			}
		case "endcidrange", "endbfrange":
			for i := 0; i+2 < len(args); i += 3 {
				lo, _ := args[i].([]byte)
				hi, _ := args[i+1].([]byte)
				a, ok1 := codeValue(lo)
				b, ok2 := codeValue(hi)
				if !ok1 || !ok2 || len(lo) != len(hi) || b < a {
					continue
				}
				r := cmapRange{n: len(lo), lo: a, hi: b}
				switch dst := args[i+2].(type) {
				case int64:
					if op != "endcidrange" || dst < 0 || dst >= 1<<20 {
						continue
					}
					r.cid = int(dst)
					m.cidRange = append(m.cidRange, r)
					continue
				case []byte:
					if len(dst) < 2 || len(dst)%2 != 0 {
						continue
					}
					for j := 0; j+1 < len(dst); j += 2 {
						r.dst = append(r.dst, uint16(dst[j])<<8|uint16(dst[j+1]))
					}
				case array:
					r.list = dst
				default:
					continue
				}
				if op == "endbfrange" {
					m.uniRange = append(m.uniRange, r)
				}
			}
		}
		args = args[:0]
	}
}

// dstRunes decodes a bfchar destination: UTF-16BE, or a glyph name.
func dstRunes(v any) []rune {
	switch v := v.(type) {
	case []byte:
		if len(v) == 1 {
			return []rune{rune(v[0])}
		}
		u := make([]uint16, 0, len(v)/2)
		for j := 0; j+1 < len(v); j += 2 {
			u = append(u, uint16(v[j])<<8|uint16(v[j+1]))
		}
		return utf16.Decode(u)
	case name:
		return []rune(glyphText(string(v)))
	}
	return nil
}

// unicode returns the text a code maps to, or nil.
func (m *cmap) unicode(code uint32, n int) []rune {
	if r, ok := m.uniChar[codeKey(code, n)]; ok {
		return r
	}
	for _, r := range m.uniRange {
		if r.n != n || code < r.lo || code > r.hi {
			continue
		}
		k := code - r.lo
		if r.list != nil {
			if int(k) < len(r.list) {
				return dstRunes(r.list[k])
			}
			return nil
		}
		dst := append([]uint16(nil), r.dst...)
		dst[len(dst)-1] += uint16(k)
		return utf16.Decode(dst)
	}
	return nil
}

// cid returns the CID a code maps to.
func (m *cmap) cid(code uint32, n int) (int, bool) {
	if c, ok := m.cidChar[codeKey(code, n)]; ok {
		return c, true
	}
	for _, r := range m.cidRange {
		if r.n == n && code >= r.lo && code <= r.hi {
			return r.cid + int(code-r.lo), true
		}
	}
	return 0, false
}
