package pdfsig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
// or [ErrCorrupt], or with [ErrTooComplex] or [ErrBusy] (see
// [InspectContext]); it does not panic on any input.
func Inspect(pdf []byte) (Info, error) {
	return InspectContext(context.Background(), pdf)
}

// InspectContext is Inspect waiting for its turn at most until ctx is
// done: documents read at once share a bounded amount of memory, and one
// that cannot get its share within [MaxQueueWait] fails with [ErrBusy].
func InspectContext(ctx context.Context, pdf []byte) (Info, error) {
	release, err := admit(ctx, len(pdf))
	if err != nil {
		return Info{}, fmt.Errorf("inspect pdf: %w", err)
	}
	defer release()
	info, err := inspect(pdf)
	if err != nil {
		return Info{}, fmt.Errorf("inspect pdf: %w", err)
	}
	return info, nil
}

func inspect(pdf []byte) (info Info, err error) {
	doc, catalog, err := openPDF(pdf)
	if doc != nil {
		defer func() {
			if b := doc.budget.exceeded(); b != nil {
				info, err = Info{}, b
			}
		}()
	}
	if err != nil {
		return Info{}, err
	}
	pages, err := pageTree(doc, catalog)
	if err != nil {
		return Info{}, err
	}
	info = Info{Pages: len(pages)}
	for i, pg := range pages {
		if err := checkContent(doc, pg.dict); err != nil {
			return Info{}, fmt.Errorf("page %d: %w", i+1, err)
		}
		info.Boxes = append(info.Boxes, pg.box)
		info.Rotate = append(info.Rotate, pg.rotate)
	}
	return info, nil
}

// corrupt wraps err, usually an ErrMalformed from the parser, as
// ErrCorrupt. ErrTooComplex stays itself: the file may be fine, only too
// much to read.
func corrupt(err error) error {
	if errors.Is(err, ErrTooComplex) {
		return err
	}
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
	var out bytes.Buffer
	if err := readContent(doc, pg, &out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// checkContent decodes a page's content streams as pageContent does, but
// keeps nothing: checking a page need not hold what it draws.
func checkContent(doc *document, pg dict) error {
	return readContent(doc, pg, io.Discard)
}

// readContent writes a page's content streams, decoded, to w, each
// followed by a line end.
func readContent(doc *document, pg dict, w io.Writer) error {
	v := pg["Contents"]
	if v == nil {
		return nil
	}
	items := array{v}
	if r, ok := v.(ref); ok {
		o, err := doc.object(r.num)
		if err != nil {
			return corrupt(err)
		}
		if a, ok := o.(array); ok {
			items = a
		}
	} else if a, ok := v.(array); ok {
		items = a
	}
	var total int64
	for _, it := range items {
		r, ok := it.(ref)
		if !ok {
			return corruptf("content is not a stream reference")
		}
		o, err := doc.object(r.num)
		if err != nil {
			return corrupt(err)
		}
		st, ok := o.(*stream)
		if !ok {
			return corruptf("content object %d is not a stream", r.num)
		}
		data, err := doc.decoder(st)
		if err != nil {
			return fmt.Errorf("content object %d: %w", r.num, corrupt(err))
		}
		n, err := io.Copy(w, io.LimitReader(data, maxContentSize-total+1))
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooComplex) {
				err = malformed("%v", err)
			}
			return fmt.Errorf("content object %d: %w", r.num, corrupt(err))
		}
		if total += n + 1; total > maxContentSize {
			return corruptf("content larger than %d bytes", maxContentSize)
		}
		io.WriteString(w, "\n")
	}
	return nil
}
