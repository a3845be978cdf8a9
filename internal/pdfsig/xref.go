package pdfsig

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// xrefEntry is one cross-reference entry: kind 1 is an object at byte
// offset a with generation b; kind 2 is object index b in object stream a.
type xrefEntry struct {
	kind byte
	a, b int
}

// section is one cross-reference section with its trailer: one revision.
type section struct {
	offset   int // where the section starts
	isStream bool
	trailer  dict
	entries  map[int]xrefEntry
}

// document is a PDF read through its cross-reference sections, newest first.
// A document may be a view of an earlier revision (sections[i:]).
type document struct {
	data     []byte
	sections []*section
	// objStms holds the decoded object streams by the offset of their
	// object, which every revision that has that object shares.
	objStms  map[int]*objStm
	budget   *budget // shared by every revision
	entries  int     // cross-reference entries read, bounded by the file's size
	depth    int     // nested object loads, bounded against reference cycles
	inHybrid bool    // reading the stream section of a hybrid file
}

// readDocument reads the cross-reference chain that starts at the last startxref.
func readDocument(data []byte) (*document, error) {
	tail := data[max(0, len(data)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil, malformed("no startxref")
	}
	p := &parser{data: tail, pos: i + len("startxref")}
	off, err := strconv.Atoi(p.token())
	if err != nil {
		return nil, malformed("bad startxref")
	}
	d := &document{data: data, objStms: map[int]*objStm{}, budget: newBudget(len(data))}
	seen := map[int]bool{}
	for off >= 0 && !seen[off] {
		seen[off] = true
		s, err := d.readSection(off)
		if err != nil {
			return nil, err
		}
		d.sections = append(d.sections, s)
		prev, ok := s.trailer["Prev"].(int64)
		if !ok {
			break
		}
		off = int(prev)
	}
	if len(d.sections) == 0 {
		return nil, malformed("bad startxref")
	}
	if _, ok := d.trailer()["Root"].(ref); !ok {
		return nil, malformed("trailer without /Root")
	}
	return d, nil
}

func (d *document) trailer() dict { return d.sections[0].trailer }

// revision returns the document as it was with only the sections from i on.
func (d *document) revision(i int) *document {
	return &document{data: d.data, sections: d.sections[i:], objStms: d.objStms, budget: d.budget}
}

func (d *document) readSection(off int) (*section, error) {
	if off < 0 || off >= len(d.data) {
		return nil, malformed("xref offset %d beyond end", off)
	}
	p := &parser{data: d.data, pos: off, doc: d}
	if p.keyword("xref") {
		if d.inHybrid {
			return nil, malformed("xref table at %d where a hybrid file's stream was expected", off)
		}
		s := &section{offset: off, entries: map[int]xrefEntry{}}
		for {
			save := p.pos
			first, err1 := strconv.Atoi(p.token())
			count, err2 := strconv.Atoi(p.token())
			if err1 != nil || err2 != nil {
				p.pos = save
				break
			}
			for n := first; n < first+count; n++ {
				if err := d.addEntry(); err != nil {
					return nil, err
				}
				o, _ := strconv.Atoi(p.token())
				g, _ := strconv.Atoi(p.token())
				switch p.token() {
				case "n":
					s.entries[n] = xrefEntry{1, o, g}
				case "f":
					s.entries[n] = xrefEntry{0, o, g}
				default:
					return nil, malformed("bad xref entry for object %d", n)
				}
			}
		}
		if !p.keyword("trailer") {
			return nil, malformed("trailer expected at %d", p.pos)
		}
		t, err := p.object()
		if s.trailer, _ = t.(dict); err != nil || s.trailer == nil {
			return nil, malformed("bad trailer at %d", p.pos)
		}
		// A hybrid file's stream section fills in what the table leaves out.
		// It must be a stream: a table there could point back here.
		if xs, ok := s.trailer["XRefStm"].(int64); ok && !d.inHybrid {
			d.inHybrid = true
			hs, err := d.readSection(int(xs))
			d.inHybrid = false
			if err == nil {
				for n, e := range hs.entries {
					if _, ok := s.entries[n]; !ok {
						s.entries[n] = e
					}
				}
			}
		}
		return s, nil
	}
	_, v, err := p.indirect()
	if err != nil {
		return nil, err
	}
	st, ok := v.(*stream)
	if !ok || st.dict["Type"] != name("XRef") {
		return nil, malformed("no xref at %d", off)
	}
	s := &section{offset: off, isStream: true, trailer: st.dict, entries: map[int]xrefEntry{}}
	w, _ := st.dict["W"].(array)
	if len(w) != 3 {
		return nil, malformed("xref stream /W")
	}
	var widths [3]int
	for i, x := range w {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, malformed("xref stream /W")
		}
		widths[i] = int(n)
	}
	size, _ := st.dict["Size"].(int64)
	index, _ := st.dict["Index"].(array)
	if index == nil {
		index = array{int64(0), size}
	}
	field := func(b []byte) int {
		v := 0
		for _, c := range b {
			v = v<<8 | int(c)
		}
		return v
	}
	rowLen := widths[0] + widths[1] + widths[2]
	if rowLen == 0 {
		return nil, malformed("xref stream /W")
	}
	// The rows are read as they are decoded, never held all at once.
	rows, err := d.decoder(st)
	if err != nil {
		return nil, err
	}
	rows = io.LimitReader(rows, streamLimit(len(st.raw)))
	row := make([]byte, rowLen)
	for i := 0; i+1 < len(index); i += 2 {
		first, _ := index[i].(int64)
		count, _ := index[i+1].(int64)
		for n := int(first); n < int(first+count); n++ {
			if _, err := io.ReadFull(rows, row); err != nil {
				if err := d.budget.exceeded(); err != nil {
					return nil, err
				}
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return nil, malformed("xref stream too short")
				}
				return nil, err
			}
			if err := d.addEntry(); err != nil {
				return nil, err
			}
			kind := 1
			if widths[0] > 0 {
				kind = field(row[:widths[0]])
			}
			s.entries[n] = xrefEntry{byte(kind), field(row[widths[0] : widths[0]+widths[1]]), field(row[widths[0]+widths[1]:])}
		}
	}
	return s, nil
}

// addEntry counts one more cross-reference entry against the budget and
// the file's size: an entry costs a map slot, and a file cannot hold
// more objects than bytes.
func (d *document) addEntry() error {
	if d.entries++; d.entries > len(d.data) {
		return d.budget.fail(fmt.Errorf("%w: more cross-reference entries than the file has bytes", ErrTooComplex))
	}
	return d.budget.take(entryCost)
}

// lookup returns the newest entry for object num.
func (d *document) lookup(num int) (xrefEntry, bool) {
	for _, s := range d.sections {
		if e, ok := s.entries[num]; ok {
			return e, e.kind != 0
		}
	}
	return xrefEntry{}, false
}

// object returns object num as of the document's newest revision.
func (d *document) object(num int) (any, error) {
	// A stream's /Length or an object stream may refer back to the object
	// being loaded; crafted files must not recurse forever.
	if d.depth > 16 {
		return nil, malformed("object %d: references nest too deep", num)
	}
	d.depth++
	defer func() { d.depth-- }()
	e, ok := d.lookup(num)
	if !ok {
		return nil, malformed("object %d not found", num)
	}
	if e.kind == 1 {
		if e.a < 0 || e.a >= len(d.data) {
			return nil, malformed("object %d at offset %d beyond end", num, e.a)
		}
		p := &parser{data: d.data, pos: e.a, doc: d}
		r, v, err := p.indirect()
		if err != nil {
			return nil, err
		}
		if r.num != num {
			return nil, malformed("xref for object %d points at object %d", num, r.num)
		}
		return v, nil
	}
	stm, err := d.objectStream(e.a)
	if err != nil {
		return nil, err
	}
	return stm.object(e.b, d)
}

// objStm is a decoded object stream whose objects are parsed only when
// asked for: collecting a document's pages touches one object in many
// streams, and parsing all of each would parse every font and image
// dictionary of the file.
type objStm struct {
	num     int
	raw     []byte
	first   int
	offsets []int
	parsed  []any
	done    []bool
}

// object parses the i-th object of the stream, once.
func (o *objStm) object(i int, d *document) (any, error) {
	if i < 0 || i >= len(o.offsets) {
		return nil, malformed("object %d beyond object stream %d", i, o.num)
	}
	if o.done[i] {
		return o.parsed[i], nil
	}
	p := &parser{data: o.raw, pos: o.first + o.offsets[i], doc: d}
	v, err := p.object()
	if err != nil {
		return nil, err
	}
	o.parsed[i], o.done[i] = v, true
	return v, nil
}

// objectStream returns object stream num, decoded, its header read. It
// must be an object of its own: object streams hold no streams.
func (d *document) objectStream(num int) (*objStm, error) {
	e, ok := d.lookup(num)
	if !ok || e.kind != 1 {
		return nil, malformed("object stream %d is not an object of its own", num)
	}
	if o, ok := d.objStms[e.a]; ok {
		return o, nil
	}
	v, err := d.object(num)
	if err != nil {
		return nil, err
	}
	st, ok := v.(*stream)
	if !ok {
		return nil, malformed("object stream %d is not a stream", num)
	}
	raw, err := d.decode(st)
	if err != nil {
		return nil, err
	}
	n, _ := st.dict["N"].(int64)
	first, _ := st.dict["First"].(int64)
	if first < 0 || first > int64(len(raw)) {
		return nil, malformed("object stream %d /First", num)
	}
	if n < 0 || n > first/2 { // each object takes at least two header bytes
		return nil, malformed("object stream %d /N", num)
	}
	if err := d.budget.take(int(n) * slotCost); err != nil {
		return nil, err
	}
	hdr := &parser{data: raw[:first]}
	o := &objStm{num: num, raw: raw, first: int(first), offsets: make([]int, n), parsed: make([]any, n), done: make([]bool, n)}
	for i := range o.offsets {
		hdr.token() // object number
		off, err := strconv.Atoi(hdr.token())
		if err != nil || off < 0 || off > len(raw)-int(first) {
			return nil, malformed("object stream %d header", num)
		}
		o.offsets[i] = off
	}
	d.objStms[e.a] = o
	return o, nil
}

// resolve follows v if it is a reference.
func (d *document) resolve(v any) any {
	if r, ok := v.(ref); ok {
		o, err := d.object(r.num)
		if err != nil {
			return nil
		}
		return o
	}
	return v
}
