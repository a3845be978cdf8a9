package ofd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // OFD images are PNG or JPEG
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"signet/internal/ses"
)

// Rendering draws an OFD page into an image for preview: Signet renders on
// the server, with its own code over golang.org/x/image, because no
// maintained Go or browser library reads OFD, and one renderer then serves
// the web app (every screen shows PNG pages) and the tests alike. It draws
// what contracts need to be read and checked by eye: paths (fill and
// stroke), text in one CJK font at each glyph's position, PNG and JPEG
// images, and every seal's picture at its stamp. Not drawn: clipping,
// gradients, patterns, annotations, the document's own fonts (the text is
// drawn in the font given), and a TextObject's rotation.

// RenderOptions says how to draw.
type RenderOptions struct {
	// DPI is the resolution; zero means 96.
	DPI float64
	// Font draws all text; nil draws none.
	Font *sfnt.Font
}

// MaxRenderSide bounds a rendered page's side in pixels.
const MaxRenderSide = 4000

// RenderPage draws page i (from 0) of an OFD, its seals' stamps on top.
func RenderPage(data []byte, i int, o RenderOptions) (*image.RGBA, error) {
	d, err := openDrawing(data)
	if err != nil {
		return nil, err
	}
	return d.page(i, o)
}

// drawing is an OFD read once for drawing any of its pages.
type drawing struct {
	pkg   *Package
	info  Info
	sigs  []SignatureInfo
	media map[string]string
}

func openDrawing(data []byte) (*drawing, error) {
	sigs, p, err := Signatures(data)
	if err != nil {
		return nil, err
	}
	info, err := p.inspect()
	if err != nil {
		return nil, err
	}
	return &drawing{pkg: p, info: info, sigs: sigs, media: p.media()}, nil
}

func (d *drawing) page(i int, o RenderOptions) (*image.RGBA, error) {
	info, p := d.info, d.pkg
	if i < 0 || i >= len(info.Pages) {
		return nil, fmt.Errorf("%w: page %d of %d", ErrMalformed, i+1, len(info.Pages))
	}
	if o.DPI <= 0 {
		o.DPI = 96
	}
	pg := info.Pages[i]
	scale := o.DPI / 25.4
	w, h := int(math.Ceil(pg.Width*scale)), int(math.Ceil(pg.Height*scale))
	if w > MaxRenderSide || h > MaxRenderSide {
		scale *= float64(MaxRenderSide) / float64(max(w, h))
		w, h = int(math.Ceil(pg.Width*scale)), int(math.Ceil(pg.Height*scale))
	}
	r := &renderer{img: image.NewRGBA(image.Rect(0, 0, w, h)), scale: scale, pkg: p, faces: map[float64]font.Face{}, font: o.Font}
	draw.Draw(r.img, r.img.Bounds(), image.White, image.Point{}, draw.Src)
	r.media = d.media
	if err := r.content(p.files[pg.Loc]); err != nil {
		return nil, err
	}
	for _, s := range d.sigs {
		var seal ses.SESeal
		if seal.Unmarshal(s.Seal) != nil {
			continue
		}
		pic, _, err := image.Decode(bytes.NewReader(seal.Info.Picture.Data))
		if err != nil {
			continue
		}
		for _, st := range s.Stamps {
			if st.PageID == pg.ID {
				r.stamp(pic, st)
			}
		}
	}
	return r.img, nil
}

// RenderPNG is RenderPage encoded as PNG.
func RenderPNG(data []byte, i int, o RenderOptions) ([]byte, error) {
	d, err := openDrawing(data)
	if err != nil {
		return nil, err
	}
	return d.png(i, o)
}

func (d *drawing) png(i int, o RenderOptions) ([]byte, error) {
	img, err := d.page(i, o)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type renderer struct {
	img   *image.RGBA
	scale float64 // pixels per millimetre
	pkg   *Package
	media map[string]string // resource ID → file
	font  *sfnt.Font
	faces map[float64]font.Face
}

// media maps the multimedia resources of the document (PublicRes and
// DocumentRes) to their files.
func (p *Package) media() map[string]string {
	out := map[string]string{}
	var doc struct {
		CommonData struct {
			PublicRes   []string `xml:"PublicRes"`
			DocumentRes []string `xml:"DocumentRes"`
		} `xml:"CommonData"`
	}
	if decodeXML(p.files[p.Root], "Document", &doc) != nil {
		return out
	}
	for _, loc := range append(doc.CommonData.PublicRes, doc.CommonData.DocumentRes...) {
		abs, err := resolve(p.Root, loc)
		if err != nil {
			continue
		}
		var res struct {
			BaseLoc     string `xml:"BaseLoc,attr"`
			MultiMedias struct {
				MultiMedia []struct {
					ID        string `xml:"ID,attr"`
					MediaFile string `xml:"MediaFile"`
				} `xml:"MultiMedia"`
			} `xml:"MultiMedias"`
		}
		if decodeXML(p.files[abs], "Res", &res) != nil {
			continue
		}
		base := abs
		if res.BaseLoc != "" {
			if b, err := resolve(abs, res.BaseLoc); err == nil {
				base = b + "/x"
			}
		}
		for _, m := range res.MultiMedias.MultiMedia {
			if f, err := resolve(base, m.MediaFile); err == nil {
				out[m.ID] = f
			}
		}
	}
	return out
}

// object is the drawing state of one graphic object.
type object struct {
	kind            string
	box             box
	ctm             [6]float64
	hasCTM          bool
	size, lineWidth float64
	fill, stroke    bool
	fillC, strokeC  color.RGBA
	resource        string
	data            strings.Builder
	inColor         string
}

func (r *renderer) content(content []byte) error {
	d := xml.NewDecoder(bytes.NewReader(content))
	var obj *object
	var run *textRun
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return malformed("page content: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > MaxXMLDepth {
				return malformed("page content nested more than %d deep", MaxXMLDepth)
			}
			switch n := t.Name.Local; n {
			case "TextObject", "PathObject", "ImageObject":
				b, err := parseBox(attr(t, "Boundary"))
				if err != nil {
					obj = nil
					continue
				}
				obj = &object{kind: n, box: b, fill: n == "TextObject", stroke: n == "PathObject", lineWidth: 0.353,
					fillC: color.RGBA{A: 255}, strokeC: color.RGBA{A: 255}, resource: attr(t, "ResourceID")}
				obj.size, _ = strconv.ParseFloat(attr(t, "Size"), 64)
				if v, err := strconv.ParseFloat(attr(t, "LineWidth"), 64); err == nil && v > 0 {
					obj.lineWidth = v
				}
				if v := attr(t, "Fill"); v != "" {
					obj.fill = v == "true"
				}
				if v := attr(t, "Stroke"); v != "" {
					obj.stroke = v == "true"
				}
				if f := floats(attr(t, "CTM")); len(f) == 6 {
					copy(obj.ctm[:], f)
					obj.hasCTM = true
				}
			case "FillColor", "StrokeColor":
				if obj != nil {
					if c, ok := rgb(attr(t, "Value")); ok {
						if n == "FillColor" {
							obj.fillC = c
						} else {
							obj.strokeC = c
						}
					}
				}
			case "TextCode":
				if obj != nil && obj.kind == "TextObject" {
					x, _ := strconv.ParseFloat(attr(t, "X"), 64)
					y, _ := strconv.ParseFloat(attr(t, "Y"), 64)
					// Positions are in the object's space: the CTM maps them
					// (and the size) before the boundary places them.
					run = &textRun{x: x, y: y, size: obj.size, dx: deltas(attr(t, "DeltaX"))}
				}
			}
		case xml.CharData:
			switch {
			case run != nil:
				run.text = append(run.text, []rune(string(t))...)
			case obj != nil && obj.kind == "PathObject":
				obj.data.Write(t)
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "TextCode":
				if run != nil {
					r.text(*run, obj)
					run = nil
				}
			case "PathObject":
				if obj != nil {
					r.path(obj)
				}
				obj = nil
			case "ImageObject":
				if obj != nil {
					if f, ok := r.media[obj.resource]; ok {
						if pic, _, err := image.Decode(bytes.NewReader(r.pkg.files[f])); err == nil {
							r.image(pic, obj.box[0], obj.box[1], obj.box[2], obj.box[3])
						}
					}
				}
				obj = nil
			case "TextObject":
				obj = nil
			}
		}
	}
}

// text draws a run's glyphs, each at its own position, through the
// object's CTM (its scale; rotation is not drawn).
func (r *renderer) text(run textRun, o *object) {
	if r.font == nil || run.size <= 0 {
		return
	}
	m := [6]float64{1, 0, 0, 1, 0, 0}
	if o.hasCTM {
		m = o.ctm
	}
	k := math.Sqrt(math.Abs(m[0]*m[3] - m[1]*m[2]))
	px := math.Round(run.size*k*r.scale*4) / 4
	if px <= 0 || px > 2000 {
		return
	}
	face, ok := r.faces[px]
	if !ok {
		f, err := opentype.NewFace(r.font, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return
		}
		r.faces[px], face = f, f
	}
	dr := font.Drawer{Dst: r.img, Src: image.NewUniform(o.fillC), Face: face}
	for i, ch := range run.text {
		x, y := run.advance(i), run.y
		x, y = m[0]*x+m[2]*y+m[4], m[1]*x+m[3]*y+m[5]
		dr.Dot = fixed.P(int((o.box[0]+x)*r.scale), int((o.box[1]+y)*r.scale))
		dr.DrawString(string(ch))
	}
}

// path fills and strokes a PathObject's AbbreviatedData.
func (r *renderer) path(o *object) {
	pt := func(x, y float64) (float32, float32) {
		if o.hasCTM {
			x, y = o.ctm[0]*x+o.ctm[2]*y+o.ctm[4], o.ctm[1]*x+o.ctm[3]*y+o.ctm[5]
		}
		return float32((o.box[0] + x) * r.scale), float32((o.box[1] + y) * r.scale)
	}
	f := strings.Fields(o.data.String())
	type seg struct{ x0, y0, x1, y1 float32 }
	var lines []seg
	var cx, cy, sx, sy float32
	b := r.img.Bounds()
	fill := vector.NewRasterizer(b.Dx(), b.Dy())
	num := func(i int) float64 {
		if i >= len(f) {
			return 0
		}
		v, _ := strconv.ParseFloat(f[i], 64)
		return v
	}
	for i := 0; i < len(f); {
		switch f[i] {
		case "M", "S":
			cx, cy = pt(num(i+1), num(i+2))
			sx, sy = cx, cy
			fill.MoveTo(cx, cy)
			i += 3
		case "L":
			x, y := pt(num(i+1), num(i+2))
			fill.LineTo(x, y)
			lines = append(lines, seg{cx, cy, x, y})
			cx, cy = x, y
			i += 3
		case "Q":
			x1, y1 := pt(num(i+1), num(i+2))
			x, y := pt(num(i+3), num(i+4))
			fill.QuadTo(x1, y1, x, y)
			lines = append(lines, seg{cx, cy, x, y})
			cx, cy = x, y
			i += 5
		case "B":
			x1, y1 := pt(num(i+1), num(i+2))
			x2, y2 := pt(num(i+3), num(i+4))
			x, y := pt(num(i+5), num(i+6))
			fill.CubeTo(x1, y1, x2, y2, x, y)
			// The stroke follows the curve in a few straight pieces.
			for k := 1; k <= 8; k++ {
				t := float32(k) / 8
				u := 1 - t
				px := u*u*u*cx + 3*u*u*t*x1 + 3*u*t*t*x2 + t*t*t*x
				py := u*u*u*cy + 3*u*u*t*y1 + 3*u*t*t*y2 + t*t*t*y
				lines = append(lines, seg{cx, cy, px, py})
				cx, cy = px, py
			}
			i += 7
		case "A": // an arc: drawn as the chord to its end
			x, y := pt(num(i+6), num(i+7))
			fill.LineTo(x, y)
			lines = append(lines, seg{cx, cy, x, y})
			cx, cy = x, y
			i += 8
		case "C":
			fill.ClosePath()
			lines = append(lines, seg{cx, cy, sx, sy})
			cx, cy = sx, sy
			i++
		default:
			i++
		}
	}
	if o.fill {
		fill.Draw(r.img, b, image.NewUniform(o.fillC), image.Point{})
	}
	if o.stroke {
		hw := float32(math.Max(o.lineWidth*r.scale/2, 0.5))
		st := vector.NewRasterizer(b.Dx(), b.Dy())
		for _, l := range lines {
			dx, dy := l.x1-l.x0, l.y1-l.y0
			n := float32(math.Hypot(float64(dx), float64(dy)))
			if n == 0 {
				continue
			}
			nx, ny := -dy/n*hw, dx/n*hw
			st.MoveTo(l.x0+nx, l.y0+ny)
			st.LineTo(l.x1+nx, l.y1+ny)
			st.LineTo(l.x1-nx, l.y1-ny)
			st.LineTo(l.x0-nx, l.y0-ny)
			st.ClosePath()
		}
		st.Draw(r.img, b, image.NewUniform(o.strokeC), image.Point{})
	}
}

// stamp draws a seal's picture at its stamp, only its clip when it has one.
func (r *renderer) stamp(pic image.Image, st Stamp) {
	if st.Clip[2] <= 0 {
		r.image(pic, st.Box[0], st.Box[1], st.Box[2], st.Box[3])
		return
	}
	w, h := int(st.Box[2]*r.scale), int(st.Box[3]*r.scale)
	if w <= 0 || h <= 0 || w > MaxRenderSide || h > MaxRenderSide {
		return
	}
	full := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(full, full.Bounds(), pic, pic.Bounds(), xdraw.Over, nil)
	clip := image.Rect(int(st.Clip[0]*r.scale), int(st.Clip[1]*r.scale), int((st.Clip[0]+st.Clip[2])*r.scale), int((st.Clip[1]+st.Clip[3])*r.scale))
	at := image.Pt(int(st.Box[0]*r.scale), int(st.Box[1]*r.scale))
	draw.Draw(r.img, clip.Add(at), full, clip.Min, draw.Over)
}

// image draws pic scaled into the box x y w h (mm).
func (r *renderer) image(pic image.Image, x, y, w, h float64) {
	rect := image.Rect(int(x*r.scale), int(y*r.scale), int((x+w)*r.scale), int((y+h)*r.scale))
	xdraw.CatmullRom.Scale(r.img, rect, pic, pic.Bounds(), xdraw.Over, nil)
}

func floats(s string) []float64 {
	var out []float64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

// rgb reads an OFD colour value "r g b" (0–255).
func rgb(s string) (color.RGBA, bool) {
	f := floats(s)
	if len(f) < 3 {
		return color.RGBA{}, false
	}
	c := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }
	return color.RGBA{R: c(f[0]), G: c(f[1]), B: c(f[2]), A: 255}, true
}

// PreviewPDF renders every page of an OFD, its seals drawn, into a PDF of
// the same page sizes: what the web app's PDF viewer shows (and places
// fields on, in points) for an OFD document. It is a picture of the
// document for reading, not the document: the OFD itself is what is
// signed, downloaded and verified.
func PreviewPDF(data []byte, o RenderOptions) ([]byte, error) {
	d, err := openDrawing(data)
	if err != nil {
		return nil, err
	}
	info := d.info
	doc := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: info.Pages[0].Width, Ht: info.Pages[0].Height}})
	doc.SetAutoPageBreak(false, 0)
	doc.SetCompression(true)
	for i, pg := range info.Pages {
		png, err := d.png(i, o)
		if err != nil {
			return nil, err
		}
		doc.AddPageFormat("P", fpdf.SizeType{Wd: pg.Width, Ht: pg.Height})
		name := fmt.Sprintf("page-%d", i+1)
		doc.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		doc.ImageOptions(name, 0, 0, pg.Width, pg.Height, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	var out bytes.Buffer
	if err := doc.Output(&out); err != nil {
		return nil, fmt.Errorf("ofd preview: %w", err)
	}
	return out.Bytes(), nil
}
