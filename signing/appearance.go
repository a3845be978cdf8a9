package signing

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/emmansun/gmsm/sm3"
	"image"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"
	"time"

	"signet/internal/pdfsig"
	"signet/seals/render"
)

// ErrLayout is returned, wrapped with the reason, for a date layout that
// [FormatDate] cannot follow.
var ErrLayout = errors.New("invalid date layout")

// ErrPlacement is returned, wrapped with the reason, for a visible stamp
// that cannot be placed: too few pages, a page that is not in the document,
// a size that does not fit, or an unreadable image.
var ErrPlacement = errors.New("invalid stamp placement")

// StampDPI is the resolution of the PNGs that [DateStamp] and
// [VerificationBlock] return: enough for print. A PNG w pixels wide is
// w × 72 / StampDPI points wide on the page.
const StampDPI = 600

// FormatDate formats t, in t's own location, by a layout in the style users
// know from Java and ICU date patterns: yyyy (2026), yy (26), MM (01–12),
// M (1–12), dd (01–31), d (1–31), HH (00–23), mm (00–59) and ss (00–59).
// Everything that is not an ASCII letter is copied as is, so
// "yyyy年MM月dd日" gives "2026年11月21日" and "yyyy-MM-dd HH:mm" gives
// "2026-11-21 09:05". Text between single quotes is literal too (two quotes
// in a row stand for one), as in "yyyy-MM-dd'T'HH:mm".
//
// Any other run of letters, such as "YYYY", "hh" or "D", is an error
// wrapping [ErrLayout]: a typo must not print letters on a contract. Callers
// convert t to the tenant's zone (e.g. Asia/Shanghai) first.
func FormatDate(layout string, t time.Time) (string, error) {
	if strings.TrimSpace(layout) == "" {
		return "", fmt.Errorf("%w: empty", ErrLayout)
	}
	pad := func(n, width int) string {
		s := strconv.Itoa(n)
		for len(s) < width {
			s = "0" + s
		}
		return s
	}
	var b strings.Builder
	for i := 0; i < len(layout); {
		c := layout[i]
		switch {
		case c == '\'':
			if i+1 < len(layout) && layout[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			end := strings.IndexByte(layout[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("%w: %q has an unterminated quote", ErrLayout, layout)
			}
			b.WriteString(layout[i+1 : i+1+end])
			i += end + 2
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			j := i
			for j < len(layout) && layout[j] == c {
				j++
			}
			field := layout[i:j]
			switch field {
			case "yyyy":
				b.WriteString(pad(t.Year(), 4))
			case "yy":
				b.WriteString(pad(t.Year()%100, 2))
			case "MM":
				b.WriteString(pad(int(t.Month()), 2))
			case "M":
				b.WriteString(strconv.Itoa(int(t.Month())))
			case "dd":
				b.WriteString(pad(t.Day(), 2))
			case "d":
				b.WriteString(strconv.Itoa(t.Day()))
			case "HH":
				b.WriteString(pad(t.Hour(), 2))
			case "mm":
				b.WriteString(pad(t.Minute(), 2))
			case "ss":
				b.WriteString(pad(t.Second(), 2))
			default:
				return "", fmt.Errorf("%w: %q has unknown field %q (want yyyy, yy, MM, M, dd, d, HH, mm or ss)", ErrLayout, layout, field)
			}
			i = j
		default:
			b.WriteByte(c) // bytes of a multi-byte character are copied whole, in order
			i++
		}
	}
	return b.String(), nil
}

// CrossPage cuts a seal image into a cross-page seal (骑缝章) over the right
// edges of pages: the image is split into len(pages) vertical slices of
// (to the pixel) equal width, and slice i is placed on page pages[i], flush
// against the right edge of that page's box, centred vertically on centreY.
// Stacked with their right edges fanned out, the pages show the whole seal.
//
// boxes[p-1] is the box (llx, lly, urx, ury in points, as in
// [pdfsig.Placement]) of page p; centreY is in the same page space and is
// moved, where needed, so that the slice stays inside the page. The slices
// together are sealWidthPt wide (each sealWidthPt/len(pages), give or take
// the rounding of pixel columns) and as tall as the seal's aspect needs.
// Slices are NRGBA PNGs that keep the seal's transparency.
//
// Fewer than two pages, a page twice, a page not in boxes, a slice larger
// than its page or an unreadable PNG is an error wrapping [ErrPlacement].
func CrossPage(sealPNG []byte, boxes [][4]float64, pages []int, sealWidthPt, centreY float64) ([]pdfsig.Placement, error) {
	n := len(pages)
	if n < 2 {
		return nil, fmt.Errorf("%w: cross-page seal over %d pages (want at least 2)", ErrPlacement, n)
	}
	if !(sealWidthPt > 0) || math.IsInf(sealWidthPt, 0) || math.IsNaN(centreY) || math.IsInf(centreY, 0) {
		return nil, fmt.Errorf("%w: cross-page seal width %v pt at y %v", ErrPlacement, sealWidthPt, centreY)
	}
	cut, err := sliceMemo.get(sliceKey{sm3.Sum(sealPNG), n}, func() (sealSlices, error) { return cutSeal(sealPNG, n) })
	if err != nil {
		return nil, err
	}
	W, H := cut.w, cut.h
	heightPt := sealWidthPt * float64(H) / float64(W)

	seen := make(map[int]bool, n)
	out := make([]pdfsig.Placement, n)
	for i, p := range pages {
		if p < 1 || p > len(boxes) {
			return nil, fmt.Errorf("%w: cross-page seal on page %d of %d", ErrPlacement, p, len(boxes))
		}
		if seen[p] {
			return nil, fmt.Errorf("%w: cross-page seal twice on page %d", ErrPlacement, p)
		}
		seen[p] = true
		x0, x1 := i*W/n, (i+1)*W/n
		widthPt := sealWidthPt * float64(x1-x0) / float64(W)
		box := boxes[p-1]
		if !(box[2]-box[0] >= widthPt && box[3]-box[1] >= heightPt) {
			return nil, fmt.Errorf("%w: %.1f × %.1f pt slice does not fit page %d's box %v", ErrPlacement, widthPt, heightPt, p, box)
		}
		// Clamp the bottom edge so the slice lies inside the box.
		lly := math.Min(math.Max(centreY-heightPt/2, box[1]), box[3]-heightPt)

		out[i] = pdfsig.Placement{
			Page: p,
			Rect: [4]float64{box[2] - widthPt, lly, box[2], lly + heightPt},
			PNG:  cut.pngs[i],
		}
	}
	return out, nil
}

// sealSlices is a seal picture cut into vertical slices, each a PNG.
type sealSlices struct {
	w, h int
	pngs [][]byte
}

type sliceKey struct {
	seal [32]byte
	n    int
}

// sliceMemo keeps the slices of recent seals: a company stamps with the
// same seal over and over, and encoding the slices was half the CPU of a
// stamp.
var sliceMemo = newMemo[sliceKey, sealSlices](64)

// cutSeal decodes a seal picture and cuts it into n slices of (about) equal
// width: slice i is columns i·W/n to (i+1)·W/n.
func cutSeal(sealPNG []byte, n int) (sealSlices, error) {
	src, err := png.Decode(bytes.NewReader(sealPNG))
	if err != nil {
		return sealSlices{}, fmt.Errorf("%w: seal image: %v", ErrPlacement, err)
	}
	sb := src.Bounds()
	if sb.Dx() < n || sb.Dy() < 1 {
		return sealSlices{}, fmt.Errorf("%w: seal image %d × %d px cannot be cut into %d slices", ErrPlacement, sb.Dx(), sb.Dy(), n)
	}
	seal := image.NewNRGBA(image.Rect(0, 0, sb.Dx(), sb.Dy()))
	draw.Draw(seal, seal.Bounds(), src, sb.Min, draw.Src)
	W, H := seal.Bounds().Dx(), seal.Bounds().Dy()
	out := sealSlices{w: W, h: H, pngs: make([][]byte, n)}
	for i := range n {
		x0, x1 := i*W/n, (i+1)*W/n
		slice := image.NewNRGBA(image.Rect(0, 0, x1-x0, H))
		draw.Draw(slice, slice.Bounds(), seal, image.Pt(x0, 0), draw.Src)
		var buf bytes.Buffer
		if err := png.Encode(&buf, slice); err != nil {
			return sealSlices{}, fmt.Errorf("cross-page seal: encode slice %d: %w", i, err)
		}
		out.pngs[i] = buf.Bytes()
	}
	return out, nil
}

// DateStamp draws text, typically a date from [FormatDate], as a
// transparent PNG at [StampDPI] in the given ink, heightPt points tall, and
// returns it with its width in points, so that the caller can place it
// in a date field as the Rect (x, y, x+widthPt, y+heightPt). The height is
// the font's full line (ascent plus descent), so the characters themselves
// are somewhat smaller.
//
// heightPt must be from 4 to 144 points; otherwise the error wraps
// [ErrPlacement]. Text the font cannot draw is an error wrapping
// [render.ErrInvalid].
func DateStamp(r *render.Renderer, text string, heightPt float64, ink render.Color) (pngData []byte, widthPt float64, err error) {
	if !(heightPt >= 4 && heightPt <= 144) {
		return nil, 0, fmt.Errorf("%w: date stamp %v pt tall (want 4 to 144)", ErrPlacement, heightPt)
	}
	d, err := dateMemo.get(dateKey{r, text, heightPt, ink}, func() (drawnDate, error) {
		b, w, err := r.Line(text, heightPt, ink, StampDPI)
		return drawnDate{b, w}, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("date stamp: %w", err)
	}
	return d.png, d.widthPt, nil
}

type dateKey struct {
	r        *render.Renderer
	text     string
	heightPt float64
	ink      render.Color
}

type drawnDate struct {
	png     []byte
	widthPt float64
}

// dateMemo keeps recently drawn dates: every signing of a day draws the
// same few.
var dateMemo = newMemo[dateKey, drawnDate](256)
