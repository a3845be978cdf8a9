package pdfsig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// TextHit is where a keyword was found.
type TextHit struct {
	// Page is the page number, from 1.
	Page int
	// Rect is llx, lly, urx, ury of the keyword's glyphs in the page's
	// default user space: PDF points, origin bottom-left, before /Rotate.
	Rect [4]float64
}

// ErrNoKeyword means FindText was asked for an empty keyword.
var ErrNoKeyword = errors.New("pdfsig: empty keyword")

// Limits against crafted content: operators run on one page, including
// those of forms drawn more than once, and nested forms.
const (
	maxOperators = 4_000_000
	maxFormDepth = 12
)

// FindText returns every occurrence of keyword, in page order and on a
// page in content order, so that "the second 甲方（盖章）" is hits[1].
//
// Text is matched line by line: the glyphs that content shows one after
// another along the same baseline, across Tj, TJ, text objects and forms.
// Runs of white space match any run of white space, and a visible gap of
// a fifth of the font size or more counts as a space, except between two
// CJK characters, which documents spread out to justify them.
//
// The text of a code comes from the font's /ToUnicode CMap, else from the
// simple font's encoding (Standard, WinAnsi or MacRoman, with
// /Differences) or from a predefined Unicode CMap such as UniGB-UCS2-H;
// Identity-H text without /ToUnicode is not recoverable and never matches.
// Rectangles use the font's widths (/Widths, /W and /DW, or metrics of
// the standard 14 fonts, approximate for all but Courier) and its
// ascent and descent. It fails like [Inspect].
func FindText(pdf []byte, keyword string) ([]TextHit, error) {
	want := normalizeSpace([]rune(keyword))
	if len(want) == 0 {
		return nil, fmt.Errorf("find text: %w", ErrNoKeyword)
	}
	release, err := admit(context.Background(), len(pdf))
	if err != nil {
		return nil, fmt.Errorf("find text: %w", err)
	}
	defer release()
	hits, err := findText(pdf, want)
	if err != nil {
		return nil, fmt.Errorf("find text: %w", err)
	}
	return hits, nil
}

func findText(pdf []byte, want []rune) (hits []TextHit, err error) {
	doc, catalog, err := openPDF(pdf)
	if err != nil {
		return nil, err
	}
	defer func() {
		if b := doc.budget.exceeded(); b != nil {
			hits, err = nil, b
		}
	}()
	pages, err := pageTree(doc, catalog)
	if err != nil {
		return nil, err
	}
	fonts := map[int]*font{}
	forms := map[int][]byte{}
	for i, pg := range pages {
		content, err := pageContent(doc, pg.dict)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		in := &interpreter{doc: doc, fonts: fonts, forms: forms, gs: graphicsState{ctm: identityMatrix, th: 1}}
		if err := in.run(content, pg.resources, 0); err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		for _, l := range lines(in.glyphs) {
			for _, r := range l.find(want) {
				hits = append(hits, TextHit{Page: i + 1, Rect: r})
			}
		}
	}
	return hits, nil
}

// matrix is a PDF transformation [a b c d e f]; points are row vectors.
type matrix [6]float64

var identityMatrix = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n: first m, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

type graphicsState struct {
	ctm                matrix
	font               *font
	size               float64
	tc, tw, th, tl, ts float64
}

// glyph is one shown code, placed in default user space.
type glyph struct {
	text   []rune
	box    [4]float64
	x, y   float64 // origin on the baseline
	ex, ey float64 // origin of the next glyph, without spacing
	dx, dy float64 // unit baseline direction
	size   float64 // font size in user space
}

type interpreter struct {
	doc      *document
	fonts    map[int]*font  // by object number
	forms    map[int][]byte // decoded form content by object number: a form drawn on every page is decoded once
	gs       graphicsState
	stack    []graphicsState
	tm, tlm  matrix
	glyphs   []glyph
	ops      int
	formPath []int // forms being drawn, against cycles
}

// run interprets content with the given resources.
func (in *interpreter) run(content []byte, res dict, depth int) error {
	l := newLexer(content)
	l.p.budget = in.doc.budget
	var args []any
	for {
		v, op, err := l.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return corrupt(err)
		}
		if op == "" {
			if len(args) < 64 {
				args = append(args, v)
			}
			continue
		}
		if in.ops++; in.ops > maxOperators {
			return corruptf("more than %d content operators", maxOperators)
		}
		nums := func(n int) ([]float64, bool) {
			if len(args) < n {
				return nil, false
			}
			out := make([]float64, n)
			for i, a := range args[len(args)-n:] {
				f, ok := number(a)
				if !ok {
					return nil, false
				}
				out[i] = f
			}
			return out, true
		}
		switch op {
		case "q":
			if len(in.stack) < 256 {
				in.stack = append(in.stack, in.gs)
			}
		case "Q":
			if n := len(in.stack); n > 0 {
				in.gs, in.stack = in.stack[n-1], in.stack[:n-1]
			}
		case "cm":
			if m, ok := nums(6); ok {
				in.gs.ctm = matrix(m).mul(in.gs.ctm)
			}
		case "BT":
			in.tm, in.tlm = identityMatrix, identityMatrix
		case "Tf":
			if len(args) >= 2 {
				fn, _ := args[len(args)-2].(name)
				in.gs.font = in.font(res, fn)
				in.gs.size, _ = number(args[len(args)-1])
			}
		case "Tc", "Tw", "Tz", "TL", "Ts":
			if a, ok := nums(1); ok {
				switch op {
				case "Tc":
					in.gs.tc = a[0]
				case "Tw":
					in.gs.tw = a[0]
				case "Tz":
					in.gs.th = a[0] / 100
				case "TL":
					in.gs.tl = a[0]
				case "Ts":
					in.gs.ts = a[0]
				}
			}
		case "Td", "TD":
			if a, ok := nums(2); ok {
				if op == "TD" {
					in.gs.tl = -a[1]
				}
				in.nextLine(a[0], a[1])
			}
		case "Tm":
			if m, ok := nums(6); ok {
				in.tm, in.tlm = matrix(m), matrix(m)
			}
		case "T*":
			in.nextLine(0, -in.gs.tl)
		case "Tj", "'", "\"":
			if len(args) == 0 {
				break
			}
			s, _ := args[len(args)-1].([]byte)
			if op == "\"" && len(args) >= 3 {
				in.gs.tw, _ = number(args[len(args)-3])
				in.gs.tc, _ = number(args[len(args)-2])
			}
			if op != "Tj" {
				in.nextLine(0, -in.gs.tl)
			}
			in.show(s)
		case "TJ":
			if len(args) == 0 {
				break
			}
			items, _ := args[len(args)-1].(array)
			for _, it := range items {
				switch it := it.(type) {
				case []byte:
					in.show(it)
				default:
					if n, ok := number(it); ok {
						in.tm = matrix{1, 0, 0, 1, -n / 1000 * in.gs.size * in.gs.th, 0}.mul(in.tm)
					}
				}
			}
		case "Do":
			if len(args) > 0 {
				xn, _ := args[len(args)-1].(name)
				if err := in.form(res, xn, depth); err != nil {
					return err
				}
			}
		case "BI":
			l.skipInlineImage()
		}
		args = args[:0]
	}
}

func (in *interpreter) nextLine(tx, ty float64) {
	in.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(in.tlm)
	in.tm = in.tlm
}

// font returns the font named fn in the resources, loaded once per document.
func (in *interpreter) font(res dict, fn name) *font {
	fonts, _ := in.doc.resolve(res["Font"]).(dict)
	v := fonts[fn]
	r, isRef := v.(ref)
	if isRef {
		if f, ok := in.fonts[r.num]; ok {
			return f
		}
	}
	fd, ok := in.doc.resolve(v).(dict)
	if !ok {
		return nil
	}
	f := loadFont(in.doc, fd)
	if isRef {
		in.fonts[r.num] = f
	}
	return f
}

// defaultFont is a simple font with StandardEncoding and Helvetica's widths.
var defaultFont = sync.OnceValue(func() *font {
	f := &font{scale: 0.001, ascent: 718, descent: -207, metrics: &helveticaWidths}
	f.enc = baseEncoding(nil, nil, "")
	return f
})

// show places the glyphs of a string and advances the text matrix.
func (in *interpreter) show(s []byte) {
	gs := &in.gs
	f := gs.font
	if f == nil { // no Tf, or a font that is not there: guess, as readers do
		f = defaultFont()
	}
	asc, desc := f.ascent*f.scale, f.descent*f.scale
	for _, g := range f.decode(s) {
		trm := matrix{gs.size * gs.th, 0, 0, gs.size, 0, gs.ts}.mul(in.tm).mul(gs.ctm)
		gl := glyph{text: g.text}
		gl.x, gl.y = trm.apply(0, 0)
		gl.ex, gl.ey = trm.apply(g.width, 0)
		box := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for _, c := range [4][2]float64{{0, desc}, {g.width, desc}, {0, asc}, {g.width, asc}} {
			x, y := trm.apply(c[0], c[1])
			box = [4]float64{min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)}
		}
		gl.box = box
		gl.dx, gl.dy = trm[0], trm[1]
		if n := math.Hypot(gl.dx, gl.dy); n > 0 {
			gl.dx, gl.dy = gl.dx/n, gl.dy/n
		}
		gl.size = math.Hypot(trm[2], trm[3])
		if gl.size == gl.size && !math.IsInf(gl.size, 0) { // skip NaN and Inf from crafted matrices
			in.glyphs = append(in.glyphs, gl)
		}
		tx := g.width*gs.size + gs.tc
		if g.n == 1 && g.code == ' ' {
			tx += gs.tw
		}
		in.tm = matrix{1, 0, 0, 1, tx * gs.th, 0}.mul(in.tm)
	}
}

// form draws the form XObject named xn, if it is one.
func (in *interpreter) form(res dict, xn name, depth int) error {
	xobjs, _ := in.doc.resolve(res["XObject"]).(dict)
	r, ok := xobjs[xn].(ref)
	if !ok {
		return nil
	}
	for _, n := range in.formPath {
		if n == r.num {
			return corruptf("form %d draws itself", r.num)
		}
	}
	if depth >= maxFormDepth {
		return corruptf("forms nest deeper than %d", maxFormDepth)
	}
	st, ok := in.doc.resolve(r).(*stream)
	if !ok || st.dict["Subtype"] != name("Form") {
		return nil
	}
	data, ok := in.forms[r.num]
	if !ok {
		var err error
		if data, err = in.doc.decode(st); err != nil {
			return fmt.Errorf("form %d: %w", r.num, corrupt(err))
		}
		in.forms[r.num] = data
	}
	formRes, ok := in.doc.resolve(st.dict["Resources"]).(dict)
	if !ok {
		formRes = res // old files let forms use the page's resources
	}
	saved, savedStack, tm, tlm := in.gs, in.stack, in.tm, in.tlm
	if m, ok := in.doc.resolve(st.dict["Matrix"]).(array); ok && len(m) == 6 {
		var fm matrix
		valid := true
		for i, e := range m {
			fm[i], ok = number(in.doc.resolve(e))
			valid = valid && ok
		}
		if valid {
			in.gs.ctm = fm.mul(in.gs.ctm)
		}
	}
	in.stack = nil
	in.formPath = append(in.formPath, r.num)
	err := in.run(data, formRes, depth+1)
	in.formPath = in.formPath[:len(in.formPath)-1]
	in.gs, in.stack, in.tm, in.tlm = saved, savedStack, tm, tlm
	return err
}
