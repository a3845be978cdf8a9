package pdfsig

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"sync"

	"signet/internal/inkpng"
)

// MaxPlacementPixels bounds a placement image (a 42 mm seal at 600 dpi is
// about 1 000 000 pixels), so a small PNG cannot expand into gigabytes.
const MaxPlacementPixels = 16 << 20

// imageXObject adds a PNG as an RGB image XObject, with its alpha channel
// as a soft mask when any pixel is not opaque. The samples are written
// Flate-compressed, as PDF expects them, rather than as embedded PNG, which
// PDF cannot hold. The compressed samples come from [encodeImage], which
// does the work once per picture: a seal stamps the same picture again and
// again.
//
// An ink picture ([inkpng]) is written as it is: a one-colour indexed image
// whose soft mask is the PNG's own pixel data, PNG predictors and all. The
// mask's reference and bytes are returned then, so that a seal signature
// embedding the same PNG can point to them instead of repeating them.
func imageXObject(u *update, pngData []byte) (img ref, mask placedMask, err error) {
	e, err := encodeImage(pngData)
	if err != nil {
		return ref{}, placedMask{}, err
	}
	d := dict{
		"Type": name("XObject"), "Subtype": name("Image"),
		"Width": int64(e.w), "Height": int64(e.h),
		"ColorSpace": name("DeviceRGB"), "BitsPerComponent": int64(8),
		"Filter": name("FlateDecode"),
	}
	if ink := e.ink; ink != nil {
		d["ColorSpace"] = array{name("Indexed"), name("DeviceRGB"), int64(0), ink.Ink[:]}
		d["BitsPerComponent"] = int64(1)
		mask.data = ink.Data
		mask.ref = u.add(&stream{raw: ink.Data, dict: dict{
			"Type": name("XObject"), "Subtype": name("Image"),
			"Width": int64(e.w), "Height": int64(e.h),
			"ColorSpace": name("DeviceGray"), "BitsPerComponent": int64(ink.BitsPerComponent),
			"Filter": name("FlateDecode"),
			"DecodeParms": dict{"Predictor": int64(15), "Colors": int64(1),
				"BitsPerComponent": int64(ink.BitsPerComponent), "Columns": int64(e.w)},
		}})
		d["SMask"] = mask.ref
	} else if e.alpha != nil {
		d["SMask"] = u.add(&stream{raw: e.alpha, dict: dict{
			"Type": name("XObject"), "Subtype": name("Image"),
			"Width": int64(e.w), "Height": int64(e.h),
			"ColorSpace": name("DeviceGray"), "BitsPerComponent": int64(8),
			"Filter": name("FlateDecode"),
		}})
	}
	return u.add(&stream{dict: d, raw: e.rgb}), mask, nil
}

// placedMask is the soft mask imageXObject wrote for an ink picture: its
// object and its stream's bytes, the PNG's pixel data.
type placedMask struct {
	ref  ref
	data []byte
}

// encodedImage is a placement picture as PDF wants it: its size and its
// Flate-compressed RGB samples and alpha (nil when fully opaque). Its
// slices are shared and never written to.
type encodedImage struct {
	w, h       int
	rgb, alpha []byte
	// ink is set for an ink picture: rgb is then its one-colour base
	// image and ink.Data its soft mask.
	ink *inkpng.Picture
}

func (e *encodedImage) size() int {
	n := len(e.rgb) + len(e.alpha)
	if e.ink != nil {
		n += len(e.ink.Data)
	}
	return n
}

// imageCache keeps the encoded pictures of recent placements, keyed by the
// PNG's SHA-256, up to imageCacheBytes of compressed samples; the oldest
// go first.
var imageCache = struct {
	sync.Mutex
	m     map[[32]byte]*encodedImage
	order [][32]byte
	bytes int
	// busy holds the pictures being encoded: other callers wait for them
	// instead of encoding them too (fifty stamps with a new seal at once).
	busy map[[32]byte]*imageCall
}{m: map[[32]byte]*encodedImage{}, busy: map[[32]byte]*imageCall{}}

type imageCall struct {
	done chan struct{}
	e    *encodedImage
	err  error
}

const imageCacheBytes = 64 << 20

// encodeImage decodes and compresses a PNG, or returns the result of an
// earlier call with the same bytes.
func encodeImage(pngData []byte) (*encodedImage, error) {
	key := sha256.Sum256(pngData)
	imageCache.Lock()
	if hit := imageCache.m[key]; hit != nil {
		imageCache.Unlock()
		return hit, nil
	}
	if call := imageCache.busy[key]; call != nil {
		imageCache.Unlock()
		<-call.done
		return call.e, call.err
	}
	call := &imageCall{done: make(chan struct{})}
	imageCache.busy[key] = call
	imageCache.Unlock()

	call.e, call.err = encodeImageNow(pngData)
	close(call.done)
	imageCache.Lock()
	defer imageCache.Unlock()
	delete(imageCache.busy, key)
	if call.err != nil || call.e.size() > imageCacheBytes/4 {
		return call.e, call.err // an error, or too big to keep
	}
	for imageCache.bytes+call.e.size() > imageCacheBytes && len(imageCache.order) > 0 {
		old := imageCache.order[0]
		imageCache.order = imageCache.order[1:]
		imageCache.bytes -= imageCache.m[old].size()
		delete(imageCache.m, old)
	}
	imageCache.m[key] = call.e
	imageCache.order = append(imageCache.order, key)
	imageCache.bytes += call.e.size()
	return call.e, nil
}

// encodeImageNow decodes and compresses a PNG. An ink picture is decoded
// only to check it, and its pixel data kept as it is.
func encodeImageNow(pngData []byte) (*encodedImage, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("decode placement png: %w", err)
	}
	if cfg.Width*cfg.Height > MaxPlacementPixels {
		return nil, fmt.Errorf("decode placement png: %d×%d pixels is more than %d", cfg.Width, cfg.Height, MaxPlacementPixels)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("decode placement png: %w", err)
	}
	if ink, ok := inkpng.Parse(pngData); ok {
		ink.Data = bytes.Clone(ink.Data) // kept in the cache; the caller's PNG may change
		// The base image is all index 0, the ink: one bit a pixel, rows
		// padded to a byte, which deflates to almost nothing.
		zeros := make([]byte, (ink.Width+7)/8*ink.Height)
		return &encodedImage{w: ink.Width, h: ink.Height, rgb: deflate(zeros), ink: &ink}, nil
	}
	bounds := img.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	if w == 0 || h == 0 {
		return nil, fmt.Errorf("decode placement png: empty image")
	}
	rgb := make([]byte, 0, w*h*3)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			opaque = opaque && c.A == 0xff
		}
	}
	e := &encodedImage{w: w, h: h, rgb: deflate(rgb)}
	if !opaque {
		e.alpha = deflate(alpha)
	}
	return e, nil
}

// appearance returns a form XObject that draws the image over the whole
// of a rect-sized box: the widget's normal appearance.
func appearance(u *update, img ref, rect [4]float64) ref {
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	var content bytes.Buffer
	content.WriteString("q ")
	writeObject(&content, w)
	content.WriteString(" 0 0 ")
	writeObject(&content, h)
	content.WriteString(" 0 0 cm /Im0 Do Q")
	return u.add(&stream{raw: content.Bytes(), dict: dict{
		"Type": name("XObject"), "Subtype": name("Form"),
		"BBox":      array{0.0, 0.0, w, h},
		"Resources": dict{"XObject": dict{"Im0": img}},
	}})
}

// maxWidgetPixels bounds the image widgetImage decodes, against
// decompression bombs in files handed to Verify: 4096 × 4096 pixels.
const maxWidgetPixels = 1 << 24

// maxFormContent bounds the decoded content of an appearance form that
// widgetImage reads; the one appearance writes is a few dozen bytes.
const maxFormContent = 4 << 10

// widgetImage returns the image a signature field's widget shows when its
// normal appearance is exactly what appearance and imageXObject write: a
// form whose content is "q w 0 0 h 0 0 cm /Name Do Q" over its whole
// bounding box, drawing one 8-bit DeviceRGB image with an optional 8-bit
// DeviceGray soft mask, each uncompressed or Flate without predictors.
// Anything else (another layout, filter or colour space, a second
// resource, content that draws more) gives nil: what such an appearance
// shows cannot be told without rendering it.
func widgetImage(doc *document, widget dict) *image.NRGBA {
	ap, _ := doc.resolve(widget["AP"]).(dict)
	form, _ := doc.resolve(ap["N"]).(*stream)
	if form == nil || form.dict["Subtype"] != name("Form") || !onlyKeys(form.dict, "Type", "Subtype", "BBox", "Resources", "Length", "Filter") {
		return nil
	}
	bbox, ok := doc.resolve(form.dict["BBox"]).(array)
	if !ok || len(bbox) != 4 {
		return nil
	}
	var box [4]float64
	for i, v := range bbox {
		if box[i], ok = number(doc.resolve(v)); !ok {
			return nil
		}
	}
	res, _ := doc.resolve(form.dict["Resources"]).(dict)
	xobjs, _ := doc.resolve(res["XObject"]).(dict)
	if len(res) != 1 || len(xobjs) != 1 {
		return nil
	}
	var imgName name
	var imgRef any
	for k, v := range xobjs {
		imgName, imgRef = k, v
	}
	content, err := flateExact(doc, form, -1)
	if err != nil {
		return nil
	}
	var want bytes.Buffer
	want.WriteString("q ")
	writeObject(&want, box[2]-box[0])
	want.WriteString(" 0 0 ")
	writeObject(&want, box[3]-box[1])
	want.WriteString(" 0 0 cm ")
	writeObject(&want, imgName)
	want.WriteString(" Do Q")
	if box[0] != 0 || box[1] != 0 || strings.Join(strings.Fields(string(content)), " ") != want.String() {
		return nil
	}

	img, _ := doc.resolve(imgRef).(*stream)
	if img == nil {
		return nil
	}
	// Whatever its encoding, the picture becomes w×h NRGBA pixels, held
	// in the report: they are charged to the budget before any is read.
	if w, h, ok := imageSize(doc, img); !ok || doc.budget.take(4*w*h) != nil {
		return nil
	}
	if out, ok := inkImage(doc, img); ok {
		return out
	}
	w, h, rgb := imageSamples(doc, img, "DeviceRGB", 3)
	if rgb == nil {
		return nil
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	var alpha []byte
	if sm, ok := img.dict["SMask"]; ok {
		mask, _ := doc.resolve(sm).(*stream)
		mw, mh, a := imageSamples(doc, mask, "DeviceGray", 1)
		if a == nil || mw != w || mh != h || mask.dict["SMask"] != nil {
			return nil
		}
		alpha = a
	}
	for i := range w * h {
		copy(out.Pix[4*i:], rgb[3*i:3*i+3])
		out.Pix[4*i+3] = 0xff
		if alpha != nil {
			out.Pix[4*i+3] = alpha[i]
		}
	}
	return out
}

// imageSamples returns the size and samples of an 8-bit image XObject in
// colour space cs with n components, or nil samples.
func imageSamples(doc *document, img *stream, cs name, n int) (w, h int, samples []byte) {
	if img == nil || img.dict["Subtype"] != name("Image") || doc.resolve(img.dict["ColorSpace"]) != cs ||
		doc.resolve(img.dict["BitsPerComponent"]) != int64(8) ||
		!onlyKeys(img.dict, "Type", "Subtype", "Width", "Height", "ColorSpace", "BitsPerComponent", "Filter", "Length", "SMask") {
		return 0, 0, nil
	}
	wv, _ := doc.resolve(img.dict["Width"]).(int64)
	hv, _ := doc.resolve(img.dict["Height"]).(int64)
	if wv <= 0 || hv <= 0 || wv > maxWidgetPixels || hv > maxWidgetPixels || wv*hv > maxWidgetPixels {
		return 0, 0, nil
	}
	w, h = int(wv), int(hv)
	data, err := flateExact(doc, img, w*h*n)
	if err != nil {
		return 0, 0, nil
	}
	return w, h, data
}

// onlyKeys reports whether d has no keys but these.
func onlyKeys(d dict, keys ...string) bool {
	for k := range d {
		found := false
		for _, want := range keys {
			found = found || string(k) == want
		}
		if !found {
			return false
		}
	}
	return true
}

// flateExact returns the data of a stream that is uncompressed or
// FlateDecode without parameters. With size ≥ 0 the data must be exactly
// that long, and no more is ever inflated; the size is charged to the
// document's budget before anything is.
func flateExact(doc *document, s *stream, size int) ([]byte, error) {
	if err := doc.budget.take(max(size, maxFormContent)); err != nil {
		return nil, err
	}
	filter := s.dict["Filter"]
	if a, ok := filter.(array); ok && len(a) == 1 {
		filter = a[0]
	}
	var data []byte
	switch filter {
	case nil:
		data = s.raw
	case name("FlateDecode"):
		zr, err := zlib.NewReader(bytes.NewReader(s.raw))
		if err != nil {
			return nil, err
		}
		if size < 0 {
			if data, err = io.ReadAll(io.LimitReader(zr, maxFormContent)); err != nil {
				return nil, err
			}
			break
		}
		// The size is known: read into one buffer, and one byte more to
		// see that nothing follows.
		data = make([]byte, size+1)
		n, err := io.ReadFull(zr, data)
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, err
		}
		data = data[:n]
	default:
		return nil, fmt.Errorf("filter %v", filter)
	}
	if s.dict["DecodeParms"] != nil || (size >= 0 && len(data) != size) {
		return nil, fmt.Errorf("%d bytes of data, want %d", len(data), size)
	}
	return data, nil
}
