package inkpng

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"
)

var red = color.NRGBA{0xE6, 0x00, 0x12, 0xFF}

// ring draws a w×h anti-aliased ring's coverage, big enough that
// image/png splits its data into several IDAT chunks when not joined.
func ring(w, h int) []byte {
	a := make([]byte, w*h)
	for y := range h {
		for x := range w {
			dx, dy := float64(x-w/2), float64(y-h/2)
			d := dx*dx + dy*dy
			switch r := float64(w) / 2.2; {
			case d < (r-8)*(r-8) && (x^y)&4 == 0:
				a[y*w+x] = uint8((x * 7) ^ (y * 3))
			case d < r*r:
				a[y*w+x] = 0xff
			}
		}
	}
	return a
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	const w, h = 700, 500
	alpha := ring(w, h)
	data, err := Encode(red, alpha, w, h)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, w, h) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	for i, a := range alpha {
		c := color.NRGBAModel.Convert(img.At(i%w, i/w)).(color.NRGBA)
		want := uint8((int(a)*15 + 127) / 255 * 17)
		if c.A != want || c.R != red.R || c.G != red.G || c.B != red.B {
			t.Fatalf("pixel %d: %v, want ink with alpha %d (from %d)", i, c, want, a)
		}
	}
	if bytes.Count(data, []byte("IDAT")) != 1 {
		t.Errorf("%d IDAT chunks, want one", bytes.Count(data, []byte("IDAT")))
	}
}

// TestParseSamples checks that the Data Parse returns is the coverage as
// PDF reads a 4-bit DeviceGray image with PNG predictors: inflate, undo
// each row's filter, take 4-bit samples.
func TestParseSamples(t *testing.T) {
	t.Parallel()
	const w, h = 301, 97 // odd width: rows end in half a byte
	alpha := ring(w, h)
	data, err := Encode(red, alpha, w, h)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := Parse(data)
	if !ok {
		t.Fatal("Parse did not recognise Encode's output")
	}
	if p.Width != w || p.Height != h || p.BitsPerComponent != 4 || p.Ink != [3]byte{red.R, red.G, red.B} {
		t.Fatalf("Parse = %d×%d, %d bits, ink %v", p.Width, p.Height, p.BitsPerComponent, p.Ink)
	}
	zr, err := zlib.NewReader(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	stride := (w*4 + 7) / 8
	if len(raw) != h*(stride+1) {
		t.Fatalf("%d bytes, want %d", len(raw), h*(stride+1))
	}
	// Undo the PNG filters (bpp 1 for depths under 8).
	prev := make([]byte, stride)
	for y := range h {
		row := raw[y*(stride+1)+1 : (y+1)*(stride+1)]
		for i := range row {
			var left, ul byte
			if i > 0 {
				left, ul = row[i-1], prev[i-1]
			}
			switch raw[y*(stride+1)] {
			case 1:
				row[i] += left
			case 2:
				row[i] += prev[i]
			case 3:
				row[i] += byte((int(left) + int(prev[i])) / 2)
			case 4:
				p := int(left) + int(prev[i]) - int(ul)
				pa, pb, pc := abs(p-int(left)), abs(p-int(prev[i])), abs(p-int(ul))
				switch {
				case pa <= pb && pa <= pc:
					row[i] += left
				case pb <= pc:
					row[i] += prev[i]
				default:
					row[i] += ul
				}
			}
		}
		for x := range w {
			s := row[x/2] >> (4 * (1 - x%2)) & 0xf
			if want := uint8((int(alpha[y*w+x])*15 + 127) / 255); s != want {
				t.Fatalf("sample %d,%d = %d, want %d", x, y, s, want)
			}
		}
		prev = row
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good, err := Encode(red, ring(64, 64), 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	var rgbaPNG bytes.Buffer
	if err := png.Encode(&rgbaPNG, rgba); err != nil {
		t.Fatal(err)
	}
	// rewrite changes one chunk's body and fixes its checksum.
	rewrite := func(typ string, f func([]byte)) []byte {
		out := bytes.Clone(good)
		i := bytes.Index(out, []byte(typ)) - 4
		n := int(binary.BigEndian.Uint32(out[i:]))
		f(out[i+8 : i+8+n])
		binary.BigEndian.PutUint32(out[i+8+n:], crc32.ChecksumIEEE(out[i+4:i+8+n]))
		return out
	}
	cases := map[string][]byte{
		"rgba":           rgbaPNG.Bytes(),
		"two inks":       rewrite("PLTE", func(b []byte) { b[3*5] ^= 1 }),
		"other alphas":   rewrite("tRNS", func(b []byte) { b[3] = 50 }),
		"interlaced":     rewrite("IHDR", func(b []byte) { b[12] = 1 }),
		"bad checksum":   append(bytes.Clone(good[:len(good)-13]), 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0, 0, 0, 1, 0),
		"truncated":      good[:len(good)-20],
		"trailing bytes": append(bytes.Clone(good), 0),
		"not png":        []byte("GIF89a"),
		"second IDAT":    append(append(bytes.Clone(good[:len(good)-12]), chunk("IDAT", []byte{1})...), good[len(good)-12:]...),
		"unknown chunk":  append(append(bytes.Clone(good[:33]), chunk("tEXt", []byte("a\x00b"))...), good[33:]...),
	}
	for name, data := range cases {
		if _, ok := Parse(data); ok {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
	if _, ok := Parse(good); !ok {
		t.Fatal("Parse refused a good picture")
	}
}

func chunk(typ string, body []byte) []byte {
	var b bytes.Buffer
	writeChunk(&b, typ, body)
	return b.Bytes()
}

func TestFromImage(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := range 40 {
		img.SetNRGBA(i, i, color.NRGBA{red.R, red.G, red.B, uint8(i * 6)})
	}
	data, ok, err := FromImage(img)
	if err != nil || !ok {
		t.Fatalf("FromImage of one ink = %v, %v", ok, err)
	}
	if _, ok := Parse(data); !ok {
		t.Fatal("FromImage's output is not an ink picture")
	}
	img.SetNRGBA(3, 20, color.NRGBA{0, 0, 0xff, 0xff})
	if _, ok, err := FromImage(img); ok || err != nil {
		t.Fatalf("FromImage of two inks = %v, %v; want false", ok, err)
	}
}
