package render_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"signet/seals/render"
)

func mustPNG(tb testing.TB, d *render.Drawing, o render.Options) image.Image {
	tb.Helper()
	b, err := d.PNG(o)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	if dir := os.Getenv("SEAL_PNG_DIR"); dir != "" { // for looking at them
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("seal-%s.png", sanitize(tb.Name()))), b, 0o644)
	}
	return img
}

func sanitize(s string) string {
	out := []rune{}
	for _, c := range s {
		if c == '/' || c == ' ' {
			c = '-'
		}
		out = append(out, c)
	}
	return string(out)
}

// alpha returns the non-premultiplied colour and alpha of img at (x, y).
func alpha(img image.Image, x, y int) (r, g, b, a uint8) {
	c := img.At(x, y)
	nr, ng, nb, na := c.RGBA()
	if na == 0 {
		return 0, 0, 0, 0
	}
	return uint8(nr * 0xffff / na >> 8), uint8(ng * 0xffff / na >> 8), uint8(nb * 0xffff / na >> 8), uint8(na >> 8)
}

// overlap reports whether two convex quadrilaterals intersect (separating axes).
func overlap(a, b [4]render.Point) bool {
	for _, q := range [][4]render.Point{a, b} {
		for i := range 4 {
			p, n := q[i], q[(i+1)%4]
			ax, ay := -(n.Y - p.Y), n.X-p.X
			minA, maxA, minB, maxB := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
			for _, v := range a {
				d := v.X*ax + v.Y*ay
				minA, maxA = math.Min(minA, d), math.Max(maxA, d)
			}
			for _, v := range b {
				d := v.X*ax + v.Y*ay
				minB, maxB = math.Min(minB, d), math.Max(maxB, d)
			}
			if maxA < minB || maxB < minA {
				return false
			}
		}
	}
	return true
}

func texts(d *render.Drawing) []render.Part {
	var out []render.Part
	for _, p := range d.Parts {
		if p.Kind == render.PartText {
			out = append(out, p)
		}
	}
	return out
}

// names of 2 to 30 characters.
const longName = "中华人民共和国北京市海淀区示例科技发展股份有限公司分公司第一"

func name(n int) string { return string([]rune(longName)[:n]) }
