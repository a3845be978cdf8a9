package imageproc

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"signet/seals/render"
)

// MaxTypedRunes bounds the length of a typed signature.
const MaxTypedRunes = 20

// fontPaths are the CJK-capable fonts Typed looks for: the seal renderer's
// list plus a few more Debian packages with handwriting-like faces.
var fontPaths = append(slices.Clone(render.FontPaths),
	"/usr/share/fonts/truetype/arphic/ukai.ttc",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)

// fontName is the name Fonts reports for a font file: its base name
// without extension, e.g. "wqy-microhei".
func fontName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// Fonts returns the names of the typed-signature fonts installed on this
// system, in preference order; the first is the default of [Typed].
func Fonts() []string {
	var names []string
	for _, p := range fontPaths {
		if _, err := os.Stat(p); err == nil {
			names = append(names, fontName(p))
		}
	}
	return names
}

// fonts caches parsed fonts by path; sfnt.Font is safe for concurrent use
// with separate Buffers.
var fonts sync.Map

// lookupFont resolves a name from Fonts, a font file path, or "" for the
// default, and parses it once.
func lookupFont(font string) (*sfnt.Font, error) {
	path := ""
	for _, p := range fontPaths {
		if font == fontName(p) || font == p || (font == "" && fileExists(p)) {
			path = p
			break
		}
	}
	if path == "" && strings.ContainsRune(font, os.PathSeparator) {
		path = font
	}
	if path == "" {
		if font == "" {
			return nil, render.ErrNoFont
		}
		return nil, fmt.Errorf("unknown font %q: %w", font, ErrInvalid)
	}
	if f, ok := fonts.Load(path); ok {
		return f.(*sfnt.Font), nil
	}
	f, err := render.LoadFont(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("font %q not installed: %w", font, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	fonts.Store(path, f)
	return f, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Typed renders text (1 to [MaxTypedRunes] characters) as a signature in
// font, a name from [Fonts] or a font file path ("" = the first of Fonts),
// centred on a transparent canvas. It returns [ErrInvalid] for empty, too
// long or non-printable text, an unknown font or a character the font
// lacks. A font path is opened as given, so callers must never pass one
// that came from a request; pass names from Fonts instead.
func Typed(text string, font string, opts SignatureOptions) (*Result, error) {
	c, w, h, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("type signature: %w", err)
	}
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxTypedRunes || !utf8.ValidString(text) {
		return nil, fmt.Errorf("type signature: text must be 1 to %d characters: %w", MaxTypedRunes, ErrInvalid)
	}
	for _, r := range text {
		if !unicode.IsPrint(r) {
			return nil, fmt.Errorf("type signature: non-printable character %q: %w", r, ErrInvalid)
		}
	}
	f, err := lookupFont(font)
	if err != nil {
		return nil, fmt.Errorf("type signature: %w", err)
	}
	segs, bounds, err := layout(f, text)
	if err != nil {
		return nil, fmt.Errorf("type signature: %w", err)
	}
	if bounds.Empty() {
		return nil, fmt.Errorf("type signature: text has no ink: %w", ErrInvalid)
	}
	// Text is fitted into the canvas with a tenth of its height as margin,
	// and never taller than 60% of it, which reads like a signature.
	side := float64(min(w, h))
	toF := func(v fixed.Int26_6) float64 { return float64(v) / 64 }
	maxScale := 0.6 * float64(h) / toF(bounds.Max.Y-bounds.Min.Y)
	fi := newFit(toF(bounds.Min.X), toF(bounds.Min.Y), toF(bounds.Max.X), toF(bounds.Max.Y), w, h, side/10, maxScale)

	z := vector.NewRasterizer(w, h)
	open := false
	for _, s := range segs {
		p := func(i int) (float32, float32) { return fi.apply(toF(s.Args[i].X), toF(s.Args[i].Y)) }
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				z.ClosePath()
			}
			z.MoveTo(p(0))
			open = true
		case sfnt.SegmentOpLineTo:
			z.LineTo(p(0))
		case sfnt.SegmentOpQuadTo:
			x0, y0 := p(0)
			x1, y1 := p(1)
			z.QuadTo(x0, y0, x1, y1)
		case sfnt.SegmentOpCubeTo:
			x0, y0 := p(0)
			x1, y1 := p(1)
			x2, y2 := p(2)
			z.CubeTo(x0, y0, x1, y1, x2, y2)
		}
	}
	if open {
		z.ClosePath()
	}
	return encode(paint(z, c))
}

// layoutPPEM is the size glyphs are laid out at before fitting.
const layoutPPEM = 256

// layout returns the outlines of text on one baseline, pen advance and
// kerning applied, and their bounds.
func layout(f *sfnt.Font, text string) ([]sfnt.Segment, fixed.Rectangle26_6, error) {
	var buf sfnt.Buffer
	ppem := fixed.I(layoutPPEM)
	var out []sfnt.Segment
	bounds := fixed.Rectangle26_6{Min: fixed.P(math.MaxInt32/128, math.MaxInt32/128), Max: fixed.P(-math.MaxInt32/128, -math.MaxInt32/128)}
	var pen fixed.Int26_6
	var prev sfnt.GlyphIndex
	for i, r := range text {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			return nil, bounds, fmt.Errorf("font has no glyph for %q: %w", r, ErrInvalid)
		}
		if i > 0 {
			if k, err := f.Kern(&buf, prev, idx, ppem, 0); err == nil {
				pen += k
			}
		}
		segs, err := f.LoadGlyph(&buf, idx, ppem, nil)
		if err != nil {
			return nil, bounds, fmt.Errorf("load glyph %q: %w", r, err)
		}
		for _, s := range segs {
			for j := range s.Args {
				if j >= argCount(s.Op) {
					break
				}
				s.Args[j].X += pen
				bounds.Min.X, bounds.Min.Y = min(bounds.Min.X, s.Args[j].X), min(bounds.Min.Y, s.Args[j].Y)
				bounds.Max.X, bounds.Max.Y = max(bounds.Max.X, s.Args[j].X), max(bounds.Max.Y, s.Args[j].Y)
			}
			out = append(out, s)
		}
		adv, err := f.GlyphAdvance(&buf, idx, ppem, 0)
		if err != nil {
			return nil, bounds, fmt.Errorf("load glyph %q: %w", r, err)
		}
		pen += adv
		prev = idx
	}
	return out, bounds, nil
}

func argCount(op sfnt.SegmentOp) int {
	switch op {
	case sfnt.SegmentOpQuadTo:
		return 2
	case sfnt.SegmentOpCubeTo:
		return 3
	}
	return 1
}
