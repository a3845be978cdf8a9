package ofd

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// BuildPage is one page of a document Build writes.
type BuildPage struct {
	// Width and Height are in millimetres.
	Width, Height float64
	Texts         []BuildText
}

// BuildText is one line of text: its baseline starts at X, Y (mm from the
// page's top left), Size mm high, in the document's one font (宋体).
type BuildText struct {
	X, Y, Size float64
	S          string
}

// Build writes a plain OFD package of text pages, as a producer of OFD
// documents would: the demo's sample contract and tests use it. Glyphs
// advance a full Size for CJK characters and 0.6 of it for others.
func Build(pages []BuildPage) ([]byte, error) {
	if len(pages) == 0 {
		return nil, fmt.Errorf("ofd build: no pages")
	}
	names := []string{"/OFD.xml", "/Doc_0/Document.xml", "/Doc_0/PublicRes.xml"}
	files := map[string][]byte{}
	files["/OFD.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ofd:OFD xmlns:ofd="` + Namespace + `" Version="1.0" DocType="OFD"><ofd:DocBody>` +
		`<ofd:DocInfo><ofd:DocID>signet</ofd:DocID><ofd:Creator>Signet</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`)
	files["/Doc_0/PublicRes.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ofd:Res xmlns:ofd="` + Namespace + `" BaseLoc="Res">` +
		`<ofd:Fonts><ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>`)
	var doc strings.Builder
	fmt.Fprintf(&doc, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ofd:Document xmlns:ofd="%s"><ofd:CommonData><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>`+
		`<ofd:PageArea><ofd:PhysicalBox>0 0 %s %s</ofd:PhysicalBox></ofd:PageArea><ofd:MaxUnitID>%d</ofd:MaxUnitID></ofd:CommonData><ofd:Pages>`,
		Namespace, num(pages[0].Width), num(pages[0].Height), 1000)
	id := 2
	for i, p := range pages {
		loc := fmt.Sprintf("Pages/Page_%d/Content.xml", i)
		fmt.Fprintf(&doc, `<ofd:Page ID="%d" BaseLoc="%s"/>`, id, loc)
		id++
		var c strings.Builder
		fmt.Fprintf(&c, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ofd:Page xmlns:ofd="%s"><ofd:Area><ofd:PhysicalBox>0 0 %s %s</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="%d">`,
			Namespace, num(p.Width), num(p.Height), id)
		id++
		for _, t := range p.Texts {
			var deltas []string
			width := 0.0
			for _, r := range t.S {
				adv := t.Size
				if r < utf8.RuneSelf {
					adv = t.Size * 0.6
				}
				deltas = append(deltas, num(adv))
				width += adv
			}
			if len(deltas) > 0 {
				deltas = deltas[:len(deltas)-1] // one delta between each two glyphs
			}
			fmt.Fprintf(&c, `<ofd:TextObject ID="%d" Boundary="%s %s %s %s" Font="1" Size="%s"><ofd:TextCode X="0" Y="%s" DeltaX="%s">%s</ofd:TextCode></ofd:TextObject>`,
				id, num(t.X), num(t.Y-t.Size), num(width+t.Size), num(t.Size*1.4), num(t.Size), num(t.Size), strings.Join(deltas, " "), escape(t.S))
			id++
		}
		c.WriteString(`</ofd:Layer></ofd:Content></ofd:Page>`)
		name := "/Doc_0/" + loc
		names = append(names, name)
		files[name] = []byte(c.String())
	}
	doc.WriteString(`</ofd:Pages></ofd:Document>`)
	files["/Doc_0/Document.xml"] = []byte(doc.String())
	return write(names, files)
}
