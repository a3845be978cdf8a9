package pdfsig

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed means the input is not a PDF this package can read.
var ErrMalformed = errors.New("pdfsig: malformed pdf")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// parser reads PDF objects from data starting at pos. doc, when set,
// resolves indirect stream lengths.
type parser struct {
	data []byte
	pos  int
	doc  *document
	nest int // open arrays and dictionaries, bounded against crafted input
	// budget is charged for what the parser builds; nil means doc's, if any.
	budget *budget
}

// charge takes n bytes from the parse's budget.
func (p *parser) charge(n int) error {
	b := p.budget
	if b == nil && p.doc != nil {
		b = p.doc.budget
	}
	return b.take(n)
}

// maxNesting bounds nested arrays and dictionaries; real files stay far below it.
const maxNesting = 100

// charClass marks PDF white space and delimiters (PDF 32000-1 §7.2.2): the
// parser asks for every byte of a file, so it is a table, not a search.
var charClass = func() (t [256]byte) {
	for _, c := range []byte(" \n\r\t\f\x00") {
		t[c] = classSpace
	}
	for _, c := range []byte("()<>[]{}/%") {
		t[c] = classDelim
	}
	return t
}()

const (
	classSpace = 1
	classDelim = 2
)

func isSpace(c byte) bool { return charClass[c] == classSpace }

func isDelim(c byte) bool { return charClass[c] == classDelim }

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case isSpace(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// token returns the next regular token (keyword or number) without consuming delimiters.
func (p *parser) token() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.data) && !isSpace(p.data[p.pos]) && !isDelim(p.data[p.pos]) {
		p.pos++
	}
	return string(p.data[start:p.pos])
}

// keyword consumes kw if it comes next.
func (p *parser) keyword(kw string) bool {
	save := p.pos
	if p.token() == kw {
		return true
	}
	p.pos = save
	return false
}

// object parses the next value. An "n g R" is read as a ref.
func (p *parser) object() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, malformed("unexpected end of data")
	}
	switch c := p.data[p.pos]; {
	case c == '/':
		return p.name(), nil
	case c == '(':
		return p.literalString()
	case c == '<' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '<':
		if p.nest >= maxNesting {
			return nil, malformed("objects nest too deep at %d", p.pos)
		}
		p.pos += 2
		p.nest++
		defer func() { p.nest-- }()
		return p.dict()
	case c == '<':
		return p.hexString()
	case c == '[':
		if p.nest >= maxNesting {
			return nil, malformed("objects nest too deep at %d", p.pos)
		}
		p.pos++
		p.nest++
		defer func() { p.nest-- }()
		var a array
		for {
			p.skipSpace()
			if p.pos < len(p.data) && p.data[p.pos] == ']' {
				p.pos++
				return a, nil
			}
			if err := p.charge(elementCost); err != nil {
				return nil, err
			}
			v, err := p.object()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	}
	start := p.pos
	tok := p.token()
	switch tok {
	case "":
		return nil, malformed("unexpected %q at %d", p.data[p.pos], p.pos)
	case "true", "false":
		return tok == "true", nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
		// Maybe "num gen R".
		save := p.pos
		if g, err := strconv.Atoi(p.token()); err == nil && g >= 0 && p.keyword("R") {
			return ref{int(n), g}, nil
		}
		p.pos = save
		return n, nil
	}
	if f, err := strconv.ParseFloat(tok, 64); err == nil {
		return f, nil
	}
	return nil, malformed("unexpected token %q at %d", tok, start)
}

func (p *parser) name() name {
	p.pos++ // '/'
	// Most names have no # escapes: take them as they are.
	end := p.pos
	for end < len(p.data) && charClass[p.data[end]] == 0 && p.data[end] != '#' {
		end++
	}
	if end == len(p.data) || charClass[p.data[end]] != 0 {
		n := name(p.data[p.pos:end])
		p.pos = end
		return n
	}
	var b []byte
	for p.pos < len(p.data) && !isSpace(p.data[p.pos]) && !isDelim(p.data[p.pos]) {
		c := p.data[p.pos]
		if c == '#' && p.pos+2 < len(p.data) {
			if v, err := strconv.ParseUint(string(p.data[p.pos+1:p.pos+3]), 16, 8); err == nil {
				b = append(b, byte(v))
				p.pos += 3
				continue
			}
		}
		b = append(b, c)
		p.pos++
	}
	return name(b)
}

func (p *parser) literalString() ([]byte, error) {
	p.pos++ // '('
	var b []byte
	depth := 1
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return b, nil
			}
		case '\\':
			if p.pos >= len(p.data) {
				return nil, malformed("unterminated string")
			}
			e := p.data[p.pos]
			p.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if p.pos < len(p.data) && p.data[p.pos] == '\n' {
					p.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '7'; i++ {
						v = v*8 + int(p.data[p.pos]-'0')
						p.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		b = append(b, c)
	}
	return nil, malformed("unterminated string")
}

// hexValue maps an ASCII hex digit to its value, anything else to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c], t["0123456789ABCDEF"[i]] = byte(i), byte(i)
	}
	return t
}()

func (p *parser) hexString() ([]byte, error) {
	p.pos++ // '<'
	end := bytes.IndexByte(p.data[p.pos:], '>')
	if end < 0 {
		return nil, malformed("unterminated hex string")
	}
	raw := p.data[p.pos : p.pos+end]
	p.pos += end + 1
	// One pass, two digits to a byte, white space skipped; a missing last
	// digit is 0 (PDF 32000-1 §7.3.4.3).
	out := make([]byte, 0, (len(raw)+1)/2)
	var hi byte
	half := false
	for _, c := range raw {
		if isSpace(c) {
			continue
		}
		v := hexValue[c]
		if v == 0xff {
			return nil, malformed("bad hex string")
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out, nil
}

// dict parses a dictionary after "<<", and the stream that may follow it.
func (p *parser) dict() (any, error) {
	d := dict{}
	for {
		p.skipSpace()
		if p.pos+1 < len(p.data) && p.data[p.pos] == '>' && p.data[p.pos+1] == '>' {
			p.pos += 2
			break
		}
		if p.pos >= len(p.data) || p.data[p.pos] != '/' {
			return nil, malformed("dictionary key expected at %d", p.pos)
		}
		if err := p.charge(elementCost); err != nil {
			return nil, err
		}
		k := p.name()
		v, err := p.object()
		if err != nil {
			return nil, err
		}
		d[k] = v
	}
	save := p.pos
	if !p.keyword("stream") {
		p.pos = save
		return d, nil
	}
	if p.pos < len(p.data) && p.data[p.pos] == '\r' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '\n' {
		p.pos++
	}
	start := p.pos
	n, ok := d.get(p.doc, "Length").(int64)
	if !ok || n < 0 || n > int64(len(p.data)-start) {
		// Fall back on the keyword when the length is missing or wrong.
		e := bytes.Index(p.data[start:], []byte("endstream"))
		if e < 0 {
			return nil, malformed("stream without endstream")
		}
		n = int64(len(bytes.TrimRight(p.data[start:start+e], "\r\n")))
	}
	p.pos = start + int(n)
	if !p.keyword("endstream") {
		return nil, malformed("endstream expected at %d", p.pos)
	}
	return &stream{dict: d, raw: p.data[start : start+int(n)]}, nil
}

// indirect parses "num gen obj value endobj" at pos.
func (p *parser) indirect() (ref, any, error) {
	num, err1 := strconv.Atoi(p.token())
	gen, err2 := strconv.Atoi(p.token())
	if err1 != nil || err2 != nil || !p.keyword("obj") {
		return ref{}, nil, malformed("object header expected at %d", p.pos)
	}
	v, err := p.object()
	if err != nil {
		return ref{}, nil, err
	}
	p.keyword("endobj")
	return ref{num, gen}, v, nil
}
