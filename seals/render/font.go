package render

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// ErrNoFont is returned, wrapped with the paths tried, when no usable CJK
// font is found.
var ErrNoFont = errors.New("no CJK font found (Debian: apt-get install fonts-wqy-microhei, or fonts-noto-cjk)")

// FontPaths are the files New tries, in order, when given no path: the
// Debian locations of fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk
// and fonts-droid-fallback.
var FontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
}

// em is the size glyph outlines are loaded at: coordinates are in 1/em of
// the font size, whatever the font's own units per em.
const em = 1024

// glyph is one character's outline in glyph space (em units, y down, origin
// on the baseline at the left of the advance).
type glyph struct {
	outline  path
	advance  float64
	min, max Point // bounds of the outline's points, which contain the curves
}

// typeface is a parsed font plus the reference boxes layout scales by.
type typeface struct {
	font *sfnt.Font
	// cjk is the ink box of 国, a glyph that fills the CJK design square;
	// digit is the ink box of 0, the height of the security code.
	cjk, digit glyph
}

func loadFont(path string) (*typeface, error) {
	f, err := LoadFont(path)
	if err != nil {
		return nil, err
	}
	tf := &typeface{font: f}
	var buf sfnt.Buffer
	if tf.cjk, err = tf.glyph(&buf, '国'); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tf.digit, err = tf.glyph(&buf, '0'); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tf, nil
}

// glyph loads the outline of ch; a font without it is an error, never a
// silently missing character.
func (tf *typeface) glyph(buf *sfnt.Buffer, ch rune) (glyph, error) {
	idx, err := tf.font.GlyphIndex(buf, ch)
	if err != nil || idx == 0 {
		return glyph{}, fmt.Errorf("%w: font has no glyph for %q", ErrInvalid, ch)
	}
	segs, err := tf.font.LoadGlyph(buf, idx, fixed.I(em), nil)
	if err != nil {
		return glyph{}, fmt.Errorf("load glyph %q: %w", ch, err)
	}
	adv, err := tf.font.GlyphAdvance(buf, idx, fixed.I(em), 0)
	if err != nil {
		return glyph{}, fmt.Errorf("load glyph %q: %w", ch, err)
	}
	g := glyph{advance: float64(adv) / 64}
	first := true
	for _, s := range segs {
		n := map[sfnt.SegmentOp]int{sfnt.SegmentOpMoveTo: 1, sfnt.SegmentOpLineTo: 1, sfnt.SegmentOpQuadTo: 2, sfnt.SegmentOpCubeTo: 3}[s.Op]
		var pts [3]Point
		for i := 0; i < n; i++ {
			pts[i] = Point{float64(s.Args[i].X) / 64, float64(s.Args[i].Y) / 64}
			if first {
				g.min, g.max, first = pts[i], pts[i], false
			}
			g.min = Point{min(g.min.X, pts[i].X), min(g.min.Y, pts[i].Y)}
			g.max = Point{max(g.max.X, pts[i].X), max(g.max.Y, pts[i].Y)}
		}
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if len(g.outline) > 0 {
				g.outline.close()
			}
			g.outline.moveTo(pts[0])
		case sfnt.SegmentOpLineTo:
			g.outline.lineTo(pts[0])
		case sfnt.SegmentOpQuadTo:
			g.outline.quadTo(pts[0], pts[1])
		case sfnt.SegmentOpCubeTo:
			g.outline.cubeTo(pts[0], pts[1], pts[2])
		}
	}
	if len(g.outline) > 0 {
		g.outline.close()
	}
	return g, nil
}

// LoadFont parses the first face of the font file (TTF, OTF or TTC) at path
// the way [New] does, realigning its tables first, so that other packages
// can draw with the same fonts. A missing file wraps fs.ErrNotExist.
func LoadFont(path string) (*sfnt.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	face, err := firstFace(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	f, err := sfnt.Parse(face)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return f, nil
}
