package pdfsig

import (
	"bytes"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
)

var (
	// ErrNotPDF means the input does not start like a PDF: no %PDF- header
	// in its first KiB. Images, word-processor files and text end up here.
	ErrNotPDF = errors.New("pdfsig: not a pdf")
	// ErrEncrypted means the trailer has an /Encrypt dictionary. Nothing in
	// this package reads, draws on or signs encrypted documents.
	ErrEncrypted = errors.New("pdfsig: encrypted pdf")
	// ErrCorrupt means the input claims to be a PDF but some part that a
	// reader needs does not parse; the wrapping message says which.
	ErrCorrupt = errors.New("pdfsig: corrupt pdf")
)

// Info is what Inspect learns about a document.
type Info struct {
	// Pages is the number of pages.
	Pages int
	// Boxes holds, per page, the visible area: the CropBox clipped to the
	// MediaBox, or the MediaBox, as llx, lly, urx, ury in PDF points.
	Boxes [][4]float64
	// Rotate holds, per page, the clockwise rotation: 0, 90, 180 or 270.
	Rotate []int
}

// Limits against crafted page trees and content; real documents stay far below them.
const (
	maxTreeDepth   = 64
	maxContentSize = 256 << 20 // decoded bytes of one page's content
)

// Inspect validates pdf as far as drawing its pages needs, and reports its
// page count and geometry. It reads the header, every cross-reference
// section, the trailer, the catalog and the whole page tree, and decodes
// every page's content streams. It fails with [ErrNotPDF], [ErrEncrypted]
// or [ErrCorrupt]; it does not panic on any input.
func Inspect(pdf []byte) (Info, error) {
	doc, catalog, err := openPDF(pdf)
	if err != nil {
		return Info{}, fmt.Errorf("inspect pdf: %w", err)
	}
	pages, err := pageTree(doc, catalog)
	if err != nil {
		return Info{}, fmt.Errorf("inspect pdf: %w", err)
	}
	info := Info{Pages: len(pages)}
	for i, pg := range pages {
		if _, err := pageContent(doc, pg.dict); err != nil {
			return Info{}, fmt.Errorf("inspect pdf: page %d: %w", i+1, err)
		}
		info.Boxes = append(info.Boxes, pg.box)
		info.Rotate = append(info.Rotate, pg.rotate)
	}
	return info, nil
}

// corrupt wraps err, usually an ErrMalformed from the parser, as ErrCorrupt.
func corrupt(err error) error {
	msg := strings.TrimPrefix(err.Error(), ErrMalformed.Error()+": ")
	return fmt.Errorf("%w: %s", ErrCorrupt, msg)
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// openPDF reads the header, the cross-references and the catalog.
func openPDF(pdf []byte) (*document, dict, error) {
	if !bytes.Contains(pdf[:min(len(pdf), 1024)], []byte("%PDF-")) {
		return nil, nil, ErrNotPDF
	}
	doc, err := readDocument(pdf)
	if err != nil {
		return nil, nil, corrupt(err)
	}
	if doc.trailer()["Encrypt"] != nil {
		return nil, nil, ErrEncrypted
	}
	root := doc.trailer()["Root"].(ref) // readDocument checked it
	v, err := doc.object(root.num)
	if err != nil {
		return nil, nil, corrupt(err)
	}
	catalog, ok := v.(dict)
	if !ok {
		return nil, nil, corruptf("catalog is not a dictionary")
	}
	return doc, catalog, nil
}

// page is a leaf of the page tree with what it inherits resolved.
type page struct {
	ref       ref
	dict      dict
	media     [4]float64
	box       [4]float64 // the crop box clipped to the media box
	rotate    int
	resources dict
}

// pageTree returns the pages in order. Unlike pageRefs it rejects cycles,
// missing nodes and pages without a MediaBox, and resolves inheritance.
func pageTree(doc *document, catalog dict) ([]page, error) {
	root, ok := catalog["Pages"].(ref)
	if !ok {
		return nil, corruptf("catalog without /Pages")
	}
	type inherited struct {
		media, crop *[4]float64
		rotate      any
		resources   any
	}
	var pages []page
	visited := map[int]bool{}
	var walk func(r ref, in inherited, depth int) error
	walk = func(r ref, in inherited, depth int) error {
		if depth > maxTreeDepth {
			return corruptf("page tree deeper than %d", maxTreeDepth)
		}
		if visited[r.num] {
			return corruptf("page tree visits object %d twice", r.num)
		}
		visited[r.num] = true
		v, err := doc.object(r.num)
		if err != nil {
			return corrupt(err)
		}
		node, ok := v.(dict)
		if !ok {
			return corruptf("page tree node %d is not a dictionary", r.num)
		}
		if b, ok := rectangle(doc, node["MediaBox"]); ok {
			in.media = &b
		}
		if b, ok := rectangle(doc, node["CropBox"]); ok {
			in.crop = &b
		}
		if v, ok := node["Rotate"]; ok {
			in.rotate = v
		}
		if v, ok := node["Resources"]; ok {
			in.resources = v
		}
		_, hasKids := node["Kids"]
		if t := node["Type"]; t == name("Pages") || (t == nil && hasKids) {
			kids, ok := doc.resolve(node["Kids"]).(array)
			if !ok {
				return corruptf("page tree node %d without /Kids", r.num)
			}
			for _, k := range kids {
				kr, ok := k.(ref)
				if !ok {
					return corruptf("page tree node %d has a kid that is not a reference", r.num)
				}
				if err := walk(kr, in, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		n := len(pages) + 1
		if in.media == nil {
			return corruptf("page %d has no /MediaBox", n)
		}
		pg := page{ref: r, dict: node, media: *in.media, box: *in.media}
		if in.crop != nil {
			c := *in.crop
			pg.box = [4]float64{max(c[0], pg.media[0]), max(c[1], pg.media[1]), min(c[2], pg.media[2]), min(c[3], pg.media[3])}
			if pg.box[2] <= pg.box[0] || pg.box[3] <= pg.box[1] {
				pg.box = pg.media // a crop box outside the media box is ignored, as readers do
			}
		}
		if in.rotate != nil {
			rot, ok := number(doc.resolve(in.rotate))
			if !ok || rot != math.Trunc(rot) || int(rot)%90 != 0 {
				return corruptf("page %d: bad /Rotate", n)
			}
			pg.rotate = ((int(rot) % 360) + 360) % 360
		}
		pg.resources, _ = doc.resolve(in.resources).(dict)
		pages = append(pages, pg)
		return nil
	}
	if err := walk(root, inherited{}, 0); err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, corruptf("no pages")
	}
	return pages, nil
}

// rectangle reads a normalised [llx lly urx ury]; false when v is not one
// or has no area.
func rectangle(doc *document, v any) ([4]float64, bool) {
	a, ok := doc.resolve(v).(array)
	if !ok || len(a) != 4 {
		return [4]float64{}, false
	}
	var r [4]float64
	for i, e := range a {
		if r[i], ok = number(doc.resolve(e)); !ok {
			return [4]float64{}, false
		}
	}
	r = [4]float64{min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])}
	if r[2] == r[0] || r[3] == r[1] {
		return [4]float64{}, false
	}
	return r, true
}

// number reads an integer or real value.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return v, true
	}
	return 0, false
}

// pageContent returns a page's content streams decoded and joined: the
// streams of a /Contents array are one content stream split anywhere
// between tokens.
func pageContent(doc *document, pg dict) ([]byte, error) {
	v := pg["Contents"]
	if v == nil {
		return nil, nil
	}
	items := array{v}
	if r, ok := v.(ref); ok {
		o, err := doc.object(r.num)
		if err != nil {
			return nil, corrupt(err)
		}
		if a, ok := o.(array); ok {
			items = a
		}
	} else if a, ok := v.(array); ok {
		items = a
	}
	var out []byte
	for _, it := range items {
		r, ok := it.(ref)
		if !ok {
			return nil, corruptf("content is not a stream reference")
		}
		o, err := doc.object(r.num)
		if err != nil {
			return nil, corrupt(err)
		}
		st, ok := o.(*stream)
		if !ok {
			return nil, corruptf("content object %d is not a stream", r.num)
		}
		data, err := decodeContent(st)
		if err != nil {
			return nil, fmt.Errorf("content object %d: %w", r.num, err)
		}
		if len(out)+len(data) > maxContentSize {
			return nil, corruptf("content larger than %d bytes", maxContentSize)
		}
		out = append(append(out, data...), '\n')
	}
	return out, nil
}

// decodeContent undoes the filters content streams and forms use:
// FlateDecode (with predictors), ASCIIHexDecode and ASCII85Decode, chained.
func decodeContent(st *stream) ([]byte, error) {
	filters := array{st.dict["Filter"]}
	if a, ok := st.dict["Filter"].(array); ok {
		filters = a
	}
	parms := array{st.dict["DecodeParms"]}
	if a, ok := st.dict["DecodeParms"].(array); ok {
		parms = a
	}
	data := st.raw
	for i, f := range filters {
		var err error
		switch f {
		case nil:
		case name("FlateDecode"), name("Fl"):
			var p any
			if i < len(parms) {
				p = parms[i]
			}
			data, err = decodeStream(&stream{dict: dict{"Filter": name("FlateDecode"), "DecodeParms": p}, raw: data})
			if err != nil {
				return nil, corrupt(err)
			}
		case name("ASCIIHexDecode"), name("AHx"):
			var digits []byte
			for _, c := range data {
				if c == '>' {
					break
				}
				if !isSpace(c) {
					digits = append(digits, c)
				}
			}
			if len(digits)%2 == 1 {
				digits = append(digits, '0')
			}
			if data, err = hex.DecodeString(string(digits)); err != nil {
				return nil, corruptf("ASCIIHexDecode: %v", err)
			}
		case name("ASCII85Decode"), name("A85"):
			src := bytes.TrimSpace(data)
			src = bytes.TrimPrefix(src, []byte("<~"))
			if e := bytes.Index(src, []byte("~>")); e >= 0 {
				src = src[:e]
			}
			out := make([]byte, 4*len(src)+4) // "z" makes four bytes of one
			n, _, err := ascii85.Decode(out, src, true)
			if err != nil {
				return nil, corruptf("ASCII85Decode: %v", err)
			}
			data = out[:n]
		default:
			return nil, corruptf("unsupported content filter %v", f)
		}
	}
	return data, nil
}
