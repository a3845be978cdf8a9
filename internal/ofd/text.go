package ofd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Hit is one occurrence of a keyword: a page (from 1) and its box, x y w h
// in millimetres from the page's top left, as OFD measures.
type Hit struct {
	Page int
	Box  [4]float64
}

// FindText finds keyword in the document's text, page by page, in the
// order the pages' TextObjects come. Each TextCode is searched on its own
// (a keyword split over two is not found); a glyph's position is the
// TextObject's boundary plus the TextCode's X and Y plus the DeltaX
// before it ("g n d" repeats d n times), and a TextObject's CTM, which
// rotates or scales text, is not applied.
func FindText(data []byte, keyword string) ([]Hit, error) {
	if keyword == "" {
		return nil, nil
	}
	p, err := Open(data)
	if err != nil {
		return nil, err
	}
	info, err := p.inspect()
	if err != nil {
		return nil, err
	}
	var out []Hit
	for i, pg := range info.Pages {
		runs, err := textRuns(p.files[pg.Loc])
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			out = append(out, r.find(i+1, keyword)...)
		}
	}
	return out, nil
}

// textRun is one TextCode placed on its page.
type textRun struct {
	x, y, size float64 // the first glyph's origin (baseline), in mm
	dx         []float64
	text       []rune
}

func (r textRun) find(page int, keyword string) []Hit {
	kw := []rune(keyword)
	var out []Hit
	for i := 0; i+len(kw) <= len(r.text); i++ {
		if string(r.text[i:i+len(kw)]) != keyword {
			continue
		}
		x0, x1 := r.advance(i), r.advance(i+len(kw))
		out = append(out, Hit{Page: page, Box: [4]float64{x0, r.y - r.size*0.85, x1 - x0, r.size}})
	}
	return out
}

// advance is the x of glyph i.
func (r textRun) advance(i int) float64 {
	x := r.x
	for k := 0; k < i; k++ {
		switch {
		case k < len(r.dx):
			x += r.dx[k]
		case len(r.dx) > 0:
			x += r.dx[len(r.dx)-1]
		default:
			x += r.size
		}
	}
	return x
}

// textRuns walks a page's content for its TextCodes.
func textRuns(content []byte) ([]textRun, error) {
	d := xml.NewDecoder(bytes.NewReader(content))
	var runs []textRun
	var obj struct {
		bx, by, size float64
		ok           bool
	}
	var cur *textRun
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return runs, nil
		}
		if err != nil {
			return nil, malformed("page content: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > MaxXMLDepth {
				return nil, malformed("page content nested more than %d deep", MaxXMLDepth)
			}
			switch t.Name.Local {
			case "TextObject":
				b, err := parseBox(attr(t, "Boundary"))
				obj.ok = err == nil
				obj.bx, obj.by = b[0], b[1]
				obj.size, _ = strconv.ParseFloat(attr(t, "Size"), 64)
			case "TextCode":
				if !obj.ok {
					continue
				}
				x, _ := strconv.ParseFloat(attr(t, "X"), 64)
				y, _ := strconv.ParseFloat(attr(t, "Y"), 64)
				cur = &textRun{x: obj.bx + x, y: obj.by + y, size: obj.size, dx: deltas(attr(t, "DeltaX"))}
			}
		case xml.CharData:
			if cur != nil {
				cur.text = append(cur.text, []rune(string(t))...)
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "TextCode" && cur != nil {
				runs = append(runs, *cur)
				cur = nil
			}
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// deltas reads a DeltaX list: numbers, and "g n d" for d repeated n times.
func deltas(s string) []float64 {
	f := strings.Fields(s)
	var out []float64
	for i := 0; i < len(f) && len(out) < 1<<16; i++ {
		if f[i] == "g" && i+2 < len(f) {
			n, err1 := strconv.Atoi(f[i+1])
			d, err2 := strconv.ParseFloat(f[i+2], 64)
			if err1 == nil && err2 == nil && n > 0 && n <= 1<<16 {
				for range n {
					out = append(out, d)
				}
			}
			i += 2
			continue
		}
		if d, err := strconv.ParseFloat(f[i], 64); err == nil {
			out = append(out, d)
		}
	}
	return out
}
