package pdfsig

import (
	"bytes"
	"compress/zlib"
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
	objStms  map[int]*objStm
	depth    int  // nested object loads, bounded against reference cycles
	inHybrid bool // reading the stream section of a hybrid file
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
	d := &document{data: data, objStms: map[int]*objStm{}}
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
	return &document{data: d.data, sections: d.sections[i:], objStms: map[int]*objStm{}}
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
	raw, err := decodeStream(st)
	if err != nil {
		return nil, err
	}
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
	for i := 0; i+1 < len(index); i += 2 {
		first, _ := index[i].(int64)
		count, _ := index[i+1].(int64)
		for n := int(first); n < int(first+count); n++ {
			if len(raw) < rowLen {
				return nil, malformed("xref stream too short")
			}
			row := raw[:rowLen]
			raw = raw[rowLen:]
			kind := 1
			if widths[0] > 0 {
				kind = field(row[:widths[0]])
			}
			s.entries[n] = xrefEntry{byte(kind), field(row[widths[0] : widths[0]+widths[1]]), field(row[widths[0]+widths[1]:])}
		}
	}
	return s, nil
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

// objectStream returns object stream num, decoded, its header read.
func (d *document) objectStream(num int) (*objStm, error) {
	if o, ok := d.objStms[num]; ok {
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
	raw, err := decodeStream(st)
	if err != nil {
		return nil, err
	}
	n, _ := st.dict["N"].(int64)
	first, _ := st.dict["First"].(int64)
	if first < 0 || first > int64(len(raw)) {
		return nil, malformed("object stream %d /First", num)
	}
	if n < 0 || n > first { // each object takes at least two header bytes
		return nil, malformed("object stream %d /N", num)
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
	d.objStms[num] = o
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

// decodeStream undoes FlateDecode with an optional PNG predictor, the only
// filter cross-reference and object streams use in practice.
func decodeStream(s *stream) ([]byte, error) {
	filter := s.dict["Filter"]
	if a, ok := filter.(array); ok && len(a) == 1 {
		filter = a[0]
	}
	switch filter {
	case nil:
		return s.raw, nil
	case name("FlateDecode"):
	default:
		return nil, malformed("unsupported filter %v", filter)
	}
	zr, err := zlib.NewReader(bytes.NewReader(s.raw))
	if err != nil {
		return nil, malformed("flate: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil && len(out) == 0 {
		return nil, malformed("flate: %v", err)
	}
	parms, _ := s.dict["DecodeParms"].(dict)
	if a, ok := s.dict["DecodeParms"].(array); ok && len(a) == 1 {
		parms, _ = a[0].(dict)
	}
	if pred, _ := parms["Predictor"].(int64); pred >= 10 {
		cols, _ := parms["Columns"].(int64)
		if cols > int64(len(out)) {
			return nil, malformed("png predictor /Columns %d", cols)
		}
		return unpredictPNG(out, max(int(cols), 1))
	}
	return out, nil
}

// unpredictPNG reverses PNG row filters for one-byte-per-pixel data.
func unpredictPNG(data []byte, cols int) ([]byte, error) {
	var out []byte
	prev := make([]byte, cols)
	for len(data) >= cols+1 {
		ft, row := data[0], append([]byte(nil), data[1:cols+1]...)
		data = data[cols+1:]
		for i := range row {
			var left, upLeft byte
			if i > 0 {
				left, upLeft = row[i-1], prev[i-1]
			}
			up := prev[i]
			switch ft {
			case 0:
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, upLeft)
			default:
				return nil, malformed("png predictor %d", ft)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
