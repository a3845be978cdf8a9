package pdfsig

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
)

// imageXObject decodes a PNG and returns it as an RGB image XObject, with
// its alpha channel as a soft mask when any pixel is not opaque. The
// samples are written Flate-compressed, as PDF expects them, rather than
// as embedded PNG, which PDF cannot hold.
func imageXObject(u *update, pngData []byte) (ref, error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return ref{}, fmt.Errorf("decode placement png: %w", err)
	}
	bounds := img.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	if w == 0 || h == 0 {
		return ref{}, fmt.Errorf("decode placement png: empty image")
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
	d := dict{
		"Type": name("XObject"), "Subtype": name("Image"),
		"Width": int64(w), "Height": int64(h),
		"ColorSpace": name("DeviceRGB"), "BitsPerComponent": int64(8),
		"Filter": name("FlateDecode"),
	}
	if !opaque {
		d["SMask"] = u.add(&stream{raw: deflate(alpha), dict: dict{
			"Type": name("XObject"), "Subtype": name("Image"),
			"Width": int64(w), "Height": int64(h),
			"ColorSpace": name("DeviceGray"), "BitsPerComponent": int64(8),
			"Filter": name("FlateDecode"),
		}})
	}
	return u.add(&stream{dict: d, raw: deflate(rgb)}), nil
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
