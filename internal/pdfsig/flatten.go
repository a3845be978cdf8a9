package pdfsig

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// ErrBadPlacement means a placement names a page that does not exist or
// has an empty rectangle or image.
var ErrBadPlacement = errors.New("pdfsig: bad placement")

// Flatten appends one incremental update that draws each placement's PNG
// into its page's content, filling Rect: part of the page, not an
// annotation. It is for what must be in the document before anyone signs
// it, such as filled-in template values or a verification block; a
// signed document that is flattened afterwards no longer verifies as
// unchanged.
//
// The page's existing content is wrapped in q … Q, by a stream before and
// one after it in /Contents, so that a transformation it leaves behind
// cannot move the images. The result passes Inspect and can be signed.
// Flatten fails with [ErrNotPDF], [ErrEncrypted], [ErrCorrupt] or
// [ErrBadPlacement].
func Flatten(pdf []byte, stamps []Placement) ([]byte, error) {
	doc, catalog, err := openPDF(pdf)
	if err != nil {
		return nil, fmt.Errorf("flatten pdf: %w", err)
	}
	pages, err := pageTree(doc, catalog)
	if err != nil {
		return nil, fmt.Errorf("flatten pdf: %w", err)
	}
	u := newUpdate(doc)
	byPage := map[int][]Placement{}
	var order []int
	for i, pl := range stamps {
		if pl.Page < 1 || pl.Page > len(pages) {
			return nil, fmt.Errorf("flatten pdf: placement %d: %w: page %d not in 1..%d", i+1, ErrBadPlacement, pl.Page, len(pages))
		}
		if _, ok := byPage[pl.Page]; !ok {
			order = append(order, pl.Page)
		}
		byPage[pl.Page] = append(byPage[pl.Page], pl)
	}
	for _, n := range order {
		pg := pages[n-1]
		if err := checkContent(doc, pg.dict); err != nil {
			return nil, fmt.Errorf("flatten pdf: page %d: %w", n, err)
		}
		res := pg.resources.clone()
		xobjs, _ := doc.resolve(res["XObject"]).(dict)
		xobjs = xobjs.clone()
		draw, err := drawImages(u, xobjs, byPage[n])
		if err != nil {
			return nil, fmt.Errorf("flatten pdf: page %d: %w", n, err)
		}
		res["XObject"] = xobjs

		contents := array{}
		switch v := doc.resolve(pg.dict["Contents"]).(type) {
		case *stream:
			contents = array{pg.dict["Contents"]}
		case array:
			contents = slices.Clone(v)
		}
		page := pg.dict.clone()
		if len(contents) > 0 {
			open := u.add(&stream{dict: dict{}, raw: []byte("q\n")})
			contents = append(array{open}, contents...)
			draw = append([]byte("\nQ\n"), draw...)
		}
		page["Contents"] = append(contents, u.add(&stream{dict: dict{"Filter": name("FlateDecode")}, raw: deflate(draw)}))
		page["Resources"] = res // made explicit, as inherited resources cannot grow for one page
		u.set(pg.ref.num, page)
	}
	if err := doc.budget.exceeded(); err != nil {
		return nil, fmt.Errorf("flatten pdf: %w", err)
	}
	return append(slices.Clip(pdf), u.bytes()...), nil
}

// AppendPage appends one incremental update that adds a last page, of
// size box (llx, lly, urx, ury in points), with the placements' images
// drawn on it. A placement's Page must be zero or the new page's number.
// The page is added to the root of the page tree. It fails like [Flatten].
func AppendPage(pdf []byte, box [4]float64, stamps []Placement) ([]byte, error) {
	doc, catalog, err := openPDF(pdf)
	if err != nil {
		return nil, fmt.Errorf("append page: %w", err)
	}
	pages, err := pageTree(doc, catalog)
	if err != nil {
		return nil, fmt.Errorf("append page: %w", err)
	}
	if !(box[2] > box[0] && box[3] > box[1]) {
		return nil, fmt.Errorf("append page: %w: empty page box", ErrBadPlacement)
	}
	for i, pl := range stamps {
		if pl.Page != 0 && pl.Page != len(pages)+1 {
			return nil, fmt.Errorf("append page: placement %d: %w: page %d is not the new page %d", i+1, ErrBadPlacement, pl.Page, len(pages)+1)
		}
	}
	rootRef := catalog["Pages"].(ref) // pageTree checked it
	root, ok := doc.resolve(rootRef).(dict)
	if !ok {
		return nil, fmt.Errorf("append page: %w", corruptf("page tree root is not a dictionary"))
	}
	u := newUpdate(doc)
	xobjs := dict{}
	draw, err := drawImages(u, xobjs, stamps)
	if err != nil {
		return nil, fmt.Errorf("append page: %w", err)
	}
	rect := array{box[0], box[1], box[2], box[3]}
	page := dict{
		"Type": name("Page"), "Parent": rootRef,
		// Set what the root might otherwise pass down.
		"MediaBox": rect, "CropBox": rect, "Rotate": int64(0),
		"Resources": dict{"XObject": xobjs},
		"Contents":  u.add(&stream{dict: dict{"Filter": name("FlateDecode")}, raw: deflate(draw)}),
	}
	root = root.clone()
	kids, _ := doc.resolve(root["Kids"]).(array)
	root["Kids"] = append(slices.Clone(kids), u.add(page))
	// /Count counts the leaves under the root, which is all of them.
	root["Count"] = int64(len(pages) + 1)
	u.set(rootRef.num, root)
	if err := doc.budget.exceeded(); err != nil {
		return nil, fmt.Errorf("append page: %w", err)
	}
	return append(slices.Clip(pdf), u.bytes()...), nil
}

// drawImages adds the placements' images to the update and to xobjs,
// under names not yet taken, and returns the content that draws them.
func drawImages(u *update, xobjs dict, stamps []Placement) ([]byte, error) {
	var b bytes.Buffer
	for i, pl := range stamps {
		r := pl.Rect
		if !(r[2] > r[0] && r[3] > r[1]) {
			return nil, fmt.Errorf("placement %d: %w: empty rectangle", i+1, ErrBadPlacement)
		}
		img, _, err := imageXObject(u, pl.PNG)
		if err != nil {
			return nil, fmt.Errorf("placement %d: %w: %w", i+1, ErrBadPlacement, err)
		}
		var n name
		for k := len(xobjs); ; k++ {
			if n = name(fmt.Sprintf("SgnIm%d", k)); xobjs[n] == nil {
				break
			}
		}
		xobjs[n] = img
		b.WriteString("q ")
		for _, v := range []float64{r[2] - r[0], 0, 0, r[3] - r[1], r[0], r[1]} {
			writeObject(&b, v)
			b.WriteByte(' ')
		}
		b.WriteString("cm ")
		writeObject(&b, n)
		b.WriteString(" Do Q\n")
	}
	return b.Bytes(), nil
}
