package pdfsig

import (
	"bytes"
	"image"
)

// inkImage reads back an image XObject as imageXObject writes an ink
// picture: a one-colour [/Indexed /DeviceRGB 0 <rgb>] 1-bit image, all
// zeros, whose soft mask is a 1-, 2-, 4- or 8-bit DeviceGray image with
// PNG predictors. It returns false when img is not of that shape, and a
// nil image when it is but its data is not what the shape says.
func inkImage(doc *document, img *stream) (*image.NRGBA, bool) {
	cs, _ := doc.resolve(img.dict["ColorSpace"]).(array)
	if len(cs) != 4 || cs[0] != name("Indexed") {
		return nil, false
	}
	ink, _ := doc.resolve(cs[3]).([]byte)
	if doc.resolve(cs[1]) != name("DeviceRGB") || doc.resolve(cs[2]) != int64(0) || len(ink) != 3 ||
		doc.resolve(img.dict["BitsPerComponent"]) != int64(1) ||
		!onlyKeys(img.dict, "Type", "Subtype", "Width", "Height", "ColorSpace", "BitsPerComponent", "Filter", "Length", "SMask") {
		return nil, true
	}
	w, h, ok := imageSize(doc, img)
	if !ok {
		return nil, true
	}
	base, err := flateExact(doc, img, (w+7)/8*h)
	if err != nil || bytes.ContainsFunc(base, func(r rune) bool { return r != 0 }) {
		return nil, true
	}
	mask, _ := doc.resolve(img.dict["SMask"]).(*stream)
	if mask == nil || mask.dict["Subtype"] != name("Image") || doc.resolve(mask.dict["ColorSpace"]) != name("DeviceGray") ||
		!onlyKeys(mask.dict, "Type", "Subtype", "Width", "Height", "ColorSpace", "BitsPerComponent", "Filter", "Length", "DecodeParms") {
		return nil, true
	}
	if mw, mh, ok := imageSize(doc, mask); !ok || mw != w || mh != h {
		return nil, true
	}
	bpc, _ := doc.resolve(mask.dict["BitsPerComponent"]).(int64)
	parms, _ := doc.resolve(mask.dict["DecodeParms"]).(dict)
	if bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 || len(parms) != 4 ||
		doc.resolve(parms["Predictor"]) != int64(15) || doc.resolve(parms["Colors"]) != int64(1) ||
		doc.resolve(parms["BitsPerComponent"]) != bpc || doc.resolve(parms["Columns"]) != int64(w) ||
		doc.resolve(mask.dict["Filter"]) != name("FlateDecode") {
		return nil, true
	}
	stride := (w*int(bpc) + 7) / 8
	samples, err := doc.decode(mask)
	if err != nil || len(samples) != h*stride {
		return nil, true
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	top := 1<<bpc - 1
	perByte := 8 / int(bpc)
	for y := range h {
		row := samples[y*stride:]
		for x := range w {
			shift := (perByte - 1 - x%perByte) * int(bpc)
			v := int(row[x/perByte]>>shift) & top
			p := out.Pix[y*out.Stride+4*x:]
			p[0], p[1], p[2], p[3] = ink[0], ink[1], ink[2], uint8(v*255/top)
		}
	}
	return out, true
}

// imageSize returns an image XObject's width and height when both are
// positive and within maxWidgetPixels.
func imageSize(doc *document, img *stream) (w, h int, ok bool) {
	wv, _ := doc.resolve(img.dict["Width"]).(int64)
	hv, _ := doc.resolve(img.dict["Height"]).(int64)
	if wv <= 0 || hv <= 0 || wv > maxWidgetPixels || hv > maxWidgetPixels || wv*hv > maxWidgetPixels {
		return 0, 0, false
	}
	return int(wv), int(hv), true
}
