package imageproc

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// paper is the estimated background colour, split into luma and chroma so
// that ink strength can weigh colour more than brightness.
type paper struct {
	r, g, b    float64
	y          float64
	cr, cg, cb float64
}

func newPaper(r, g, b float64) paper {
	y := luma(r, g, b)
	return paper{r: r, g: g, b: b, y: y, cr: r - y, cg: g - y, cb: b - y}
}

func luma(r, g, b float64) float64 { return 0.299*r + 0.587*g + 0.114*b }

// strength is how far a pixel is from the paper, in 8-bit units. Seal ink is
// red, blue or purple, so a change of hue counts fully while a change of
// brightness counts half: shadows and uneven lighting in a photo stay
// paper, and a black pen over the seal comes out faint rather than solid.
// Pixels brighter than the paper (glare) gain nothing from brightness.
func (p paper) strength(r, g, b float64) float64 {
	y := luma(r, g, b)
	dr, dg, db := r-y-p.cr, g-y-p.cg, b-y-p.cb
	dl := max(0, p.y-y) / 2
	return math.Sqrt(dr*dr + dg*dg + db*db + dl*dl)
}

// estimatePaper takes the per-channel median of a band along the border,
// which is paper in any reasonable photo or scan of a seal, and the
// strength of that band's noise (its 90th percentile).
func estimatePaper(img *image.RGBA) (paper, float64) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	band := max(2, min(w, h)/50)
	var hist [3][256]int
	inBand := func(x, y int) bool { return x < band || y < band || x >= w-band || y >= h-band }
	n := 0
	for y := range h {
		for x := range w {
			if !inBand(x, y) {
				continue
			}
			i := img.PixOffset(x, y)
			for c := range 3 {
				hist[c][img.Pix[i+c]]++
			}
			n++
		}
	}
	var med [3]float64
	for c := range 3 {
		med[c] = float64(percentile(hist[c][:], n, 0.5))
	}
	p := newPaper(med[0], med[1], med[2])
	var sh [512]int
	for y := range h {
		for x := range w {
			if !inBand(x, y) {
				continue
			}
			i := img.PixOffset(x, y)
			s := p.strength(float64(img.Pix[i]), float64(img.Pix[i+1]), float64(img.Pix[i+2]))
			sh[min(int(s), len(sh)-1)]++
		}
	}
	return p, float64(percentile(sh[:], n, 0.9))
}

// percentile returns the smallest bucket at or below which a fraction q of
// the n counted values lie.
func percentile(hist []int, n int, q float64) int {
	want := int(math.Ceil(q * float64(n)))
	acc := 0
	for v, c := range hist {
		acc += c
		if acc >= max(want, 1) {
			return v
		}
	}
	return len(hist) - 1
}

// smoothstep maps s to 0 below lo, 1 above hi and a smooth curve between:
// the soft threshold that keeps ink edges anti-aliased.
func smoothstep(lo, hi, s float64) float64 {
	t := min(1, max(0, (s-lo)/(hi-lo)))
	return t * t * (3 - 2*t)
}

// extract removes the paper, recolours the ink when asked and crops to it.
func extract(img *image.RGBA, recolor bool, ink color.NRGBA) (*image.NRGBA, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	p, noise := estimatePaper(img)

	str := make([]float32, w*h)
	var sh [512]int
	candidate := max(2*noise+10, 45)
	inkPx := 0
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			s := p.strength(float64(img.Pix[i]), float64(img.Pix[i+1]), float64(img.Pix[i+2]))
			str[y*w+x] = float32(s)
			if s > candidate {
				sh[min(int(s), len(sh)-1)]++
				inkPx++
			}
		}
	}
	// Too few clearly inked pixels is a blank page with some dust on it.
	if inkPx < max(64, w*h/5000) {
		return nil, fmt.Errorf("%d inked pixels found: %w", inkPx, ErrEmpty)
	}
	// The reference is what solid ink looks like on this image, so faint
	// ink on a faint stamp still reaches full opacity.
	ref := float64(percentile(sh[:], inkPx, 0.95))
	lo := max(1.5*noise, 0.15*ref)
	hi := max(0.75*ref, lo+10)

	// Strength becomes alpha in place: a 4096² upload needs 64 MiB less.
	alpha := str
	rows, cols := make([]int, h), make([]int, w)
	for i, s := range str {
		a := float32(smoothstep(lo, hi, float64(s)))
		alpha[i] = a
		if a >= 0.5 {
			rows[i/w]++
			cols[i%w]++
		}
	}
	// A row or column needs two solid pixels to count, so a lone speck of
	// dust does not stretch the crop.
	y0, y1 := span(rows, 2)
	x0, x1 := span(cols, 2)
	if y1 < 0 || x1 < 0 {
		return nil, fmt.Errorf("no solid ink: %w", ErrEmpty)
	}
	if x1-x0+1 < minInkPx || y1-y0+1 < minInkPx {
		return nil, fmt.Errorf("ink covers only %d×%d px: %w", x1-x0+1, y1-y0+1, ErrTooSmall)
	}
	m := max(4, max(x1-x0, y1-y0)/50)
	crop := image.Rect(x0-m, y0-m, x1+1+m, y1+1+m).Intersect(image.Rect(0, 0, w, h))

	out := image.NewNRGBA(image.Rect(0, 0, crop.Dx(), crop.Dy()))
	for y := crop.Min.Y; y < crop.Max.Y; y++ {
		for x := crop.Min.X; x < crop.Max.X; x++ {
			a := float64(alpha[y*w+x])
			a8 := uint8(math.Round(a * 255))
			if a8 == 0 {
				continue
			}
			o := out.PixOffset(x-crop.Min.X, y-crop.Min.Y)
			if recolor {
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = ink.R, ink.G, ink.B
			} else {
				// Undo the blend with the paper so edge pixels keep the
				// ink's colour instead of a pale halo.
				i := img.PixOffset(x, y)
				k := 1 / max(a, 0.3)
				out.Pix[o] = unblend(img.Pix[i], p.r, k)
				out.Pix[o+1] = unblend(img.Pix[i+1], p.g, k)
				out.Pix[o+2] = unblend(img.Pix[i+2], p.b, k)
			}
			out.Pix[o+3] = a8
		}
	}
	return out, nil
}

func unblend(c uint8, paper, k float64) uint8 {
	v := paper + (float64(c)-paper)*k
	return uint8(math.Round(min(255, max(0, v))))
}

// span returns the first and last index whose count reaches at least, or
// -1, -1 when none does.
func span(counts []int, atLeast int) (int, int) {
	first, last := -1, -1
	for i, c := range counts {
		if c >= atLeast {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}
