package ofd

import (
	"fmt"
	"strings"
)

// Page is one page of the document.
type Page struct {
	// ID is the page's ID in Document.xml, what a StampAnnot's PageRef names.
	ID string
	// Loc is the page's content file.
	Loc string
	// Box is the page's physical box, x y w h in millimetres.
	Width, Height float64
}

// Info is what Inspect reports of an OFD.
type Info struct {
	Pages []Page
	// Signatures is how many signatures the document's list names.
	Signatures int
}

// document is Document.xml as far as Signet reads it.
type document struct {
	CommonData struct {
		PageArea struct {
			PhysicalBox string `xml:"PhysicalBox"`
		} `xml:"PageArea"`
		MaxUnitID int `xml:"MaxUnitID"`
	} `xml:"CommonData"`
	Pages struct {
		Page []struct {
			ID      string `xml:"ID,attr"`
			BaseLoc string `xml:"BaseLoc,attr"`
		} `xml:"Page"`
	} `xml:"Pages"`
}

// pageContent is a page's Content.xml as far as its area goes.
type pageContent struct {
	Area struct {
		PhysicalBox string `xml:"PhysicalBox"`
	} `xml:"Area"`
}

// Inspect opens an OFD and reads its pages (each content file parsed,
// with its size) and its signature list: what an upload is checked with.
func Inspect(data []byte) (Info, *Package, error) {
	p, err := Open(data)
	if err != nil {
		return Info{}, nil, err
	}
	info, err := p.inspect()
	return info, p, err
}

func (p *Package) inspect() (Info, error) {
	var out Info
	var doc document
	if err := decodeXML(p.files[p.Root], "Document", &doc); err != nil {
		return out, fmt.Errorf("%s: %w", p.Root, err)
	}
	def, err := parseBox(doc.CommonData.PageArea.PhysicalBox)
	if err != nil {
		return out, fmt.Errorf("%s page area: %w", p.Root, err)
	}
	if len(doc.Pages.Page) == 0 {
		return out, malformed("the document has no pages")
	}
	seen := map[string]bool{}
	for i, pg := range doc.Pages.Page {
		if pg.ID == "" || seen[pg.ID] {
			return out, malformed("page %d: missing or repeated ID %q", i+1, pg.ID)
		}
		seen[pg.ID] = true
		loc, err := resolve(p.Root, pg.BaseLoc)
		if err != nil {
			return out, fmt.Errorf("page %d: %w", i+1, err)
		}
		content, ok := p.files[loc]
		if !ok {
			return out, malformed("page %d: %s is missing", i+1, loc)
		}
		var c pageContent
		if err := decodeXML(content, "Page", &c); err != nil {
			return out, fmt.Errorf("page %d (%s): %w", i+1, loc, err)
		}
		b := def
		if strings.TrimSpace(c.Area.PhysicalBox) != "" {
			if b, err = parseBox(c.Area.PhysicalBox); err != nil {
				return out, fmt.Errorf("page %d area: %w", i+1, err)
			}
		}
		out.Pages = append(out.Pages, Page{ID: pg.ID, Loc: loc, Width: b[2], Height: b[3]})
	}
	if p.SignaturesLoc != "" {
		list, err := p.signatureList()
		if err != nil {
			return out, err
		}
		out.Signatures = len(list.Signature)
	}
	return out, nil
}

// pageIDs lists the document's page IDs from Document.xml alone.
func (p *Package) pageIDs() (map[string]bool, error) {
	var doc document
	if err := decodeXML(p.files[p.Root], "Document", &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Root, err)
	}
	out := map[string]bool{}
	for _, pg := range doc.Pages.Page {
		out[pg.ID] = true
	}
	return out, nil
}
