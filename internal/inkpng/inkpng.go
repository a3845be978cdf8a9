// Package inkpng writes and recognises ink pictures: PNGs of one ink colour
// whose pixels differ only in coverage, such as a seal's impression.
//
// An ink picture is a 4-bit palette PNG whose 16 entries are the ink with
// alpha 0, 17, 34 … 255, with all its pixel data in one IDAT chunk. Its
// palette indices are then exactly a 4-bit DeviceGray soft mask in PDF
// terms, and its IDAT data is a FlateDecode stream with PNG predictors that
// a PDF can carry unchanged: a seal picture is neither decoded nor
// compressed again to be shown on a page, and a signature that embeds the
// picture (a GB/T 38540 seal) can point to those bytes instead of holding a
// second copy. Sixteen levels of coverage keep the edges smooth at the
// 400 dpi seals are drawn at, in a quarter of the 8-bit picture's size.
package inkpng

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
)

// Levels is the number of coverage levels an ink picture has.
const Levels = 16

// bitDepth is the PNG bit depth of Levels palette entries.
const bitDepth = 4

// Encode returns w×h pixels of ink as an ink picture. alpha holds each
// pixel's coverage, 0 (none) to 255 (full), row by row; it is rounded to
// the nearest of the Levels steps. ink's own alpha is ignored.
func Encode(ink color.NRGBA, alpha []byte, w, h int) ([]byte, error) {
	if w <= 0 || h <= 0 || len(alpha) != w*h {
		return nil, fmt.Errorf("encode ink picture: %d coverage values for %d×%d pixels", len(alpha), w, h)
	}
	pal := make(color.Palette, Levels)
	for i := range pal {
		pal[i] = color.NRGBA{ink.R, ink.G, ink.B, uint8(i * 255 / (Levels - 1))}
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for i, a := range alpha {
		img.Pix[i] = uint8((int(a)*(Levels-1) + 127) / 255)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode ink picture: %w", err)
	}
	return joinIDAT(buf.Bytes())
}

// FromImage returns img as an ink picture when every pixel that shows is
// the same colour, and false otherwise (a photographed seal that was not
// recoloured, say). Pixels' coverage is rounded to Levels steps.
func FromImage(img image.Image) ([]byte, bool, error) {
	b := img.Bounds()
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	var ink color.NRGBA
	found := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			alpha = append(alpha, c.A)
			if c.A == 0 {
				continue
			}
			// Below this coverage the colour of a premultiplied pixel is
			// too coarse to tell one ink from another.
			if c.A < 0x40 {
				continue
			}
			rgb := color.NRGBA{c.R, c.G, c.B, 0}
			if !found {
				ink, found = rgb, true
			} else if !near(ink, rgb) {
				return nil, false, nil
			}
		}
	}
	if !found {
		return nil, false, nil
	}
	data, err := Encode(ink, alpha, b.Dx(), b.Dy())
	return data, err == nil, err
}

// near reports whether two colours differ by at most the rounding of
// premultiplied alpha in each channel.
func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) bool { return x-y <= 4 || y-x <= 4 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// Picture is what a PDF needs of an ink picture.
type Picture struct {
	Width, Height int
	// Ink is the picture's colour.
	Ink [3]byte
	// BitsPerComponent is the depth of the coverage samples.
	BitsPerComponent int
	// Data is the PNG's IDAT data: the coverage samples, PNG-filtered and
	// zlib-compressed, a slice of the PNG given to Parse.
	Data []byte
}

// Parse recognises an ink picture. It returns false, and no error, for any
// other PNG: one with more than one IDAT chunk, interlaced, with another
// palette, or with chunks other than IHDR, PLTE, tRNS, IDAT and IEND. It
// checks the structure and the chunks' checksums, not the pixel data.
func Parse(data []byte) (Picture, bool) {
	var p Picture
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return p, false
	}
	rest := data[len(sig):]
	var plte, trns []byte
	seen := map[string]bool{}
	for len(rest) > 0 {
		if len(rest) < 12 {
			return p, false
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return p, false
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) || seen[typ] {
			return p, false
		}
		seen[typ] = true
		switch typ {
		case "IHDR":
			if n != 13 || len(seen) != 1 {
				return p, false
			}
			p.Width, p.Height = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			// depth, colour type 3 (palette), compression, filter, interlace
			if body[8] != bitDepth || body[9] != 3 || body[10] != 0 || body[11] != 0 || body[12] != 0 {
				return p, false
			}
			p.BitsPerComponent = bitDepth
		case "PLTE":
			plte = body
		case "tRNS":
			trns = body
		case "IDAT":
			p.Data = body
		case "IEND":
			if n != 0 || len(rest) != 12 {
				return p, false
			}
		default:
			return p, false
		}
		rest = rest[12+n:]
	}
	if !seen["IEND"] || p.Data == nil || p.Width <= 0 || p.Height <= 0 || len(plte) != 3*Levels || len(trns) > Levels {
		return p, false
	}
	copy(p.Ink[:], plte)
	for i := range Levels {
		a := 0xff // entries past the end of tRNS are opaque
		if i < len(trns) {
			a = int(trns[i])
		}
		if !bytes.Equal(plte[3*i:3*i+3], p.Ink[:]) || a != i*255/(Levels-1) {
			return p, false
		}
	}
	return p, true
}

// joinIDAT rewrites a PNG with its IDAT chunks joined into one (image/png
// splits its output every 32 KiB), so that the pixel data is one run of
// bytes.
func joinIDAT(data []byte) ([]byte, error) {
	const sig = 8
	out := bytes.NewBuffer(make([]byte, 0, len(data)))
	out.Write(data[:sig])
	var idat []byte
	rest := data[sig:]
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return nil, errors.New("encode ink picture: truncated chunk")
		}
		typ := string(rest[4:8])
		switch typ {
		case "IDAT":
			idat = append(idat, rest[8:8+n]...)
		case "IEND":
			writeChunk(out, "IDAT", idat)
			writeChunk(out, "IEND", nil)
		default:
			out.Write(rest[:12+n])
		}
		rest = rest[12+n:]
	}
	return out.Bytes(), nil
}

func writeChunk(w *bytes.Buffer, typ string, body []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	w.Write(n[:])
	start := w.Len()
	w.WriteString(typ)
	w.Write(body)
	binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(w.Bytes()[start:]))
	w.Write(n[:])
}
