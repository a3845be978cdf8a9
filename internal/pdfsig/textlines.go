package pdfsig

import (
	"math"
	"strings"
	"unicode"
)

// line is text along one baseline; at[i] is the glyph of text[i], or -1
// for a space standing for a gap.
type line struct {
	text   []rune
	at     []int
	glyphs []glyph
}

// lines groups glyphs, in content order, into lines: a glyph starts a new
// line when it turns, leaves the baseline by half the font size, or goes
// back by half the font size.
func lines(glyphs []glyph) []*line {
	var out []*line
	var cur *line
	for i, g := range glyphs {
		if cur != nil {
			p := glyphs[i-1]
			size := max(p.size, g.size)
			across := math.Abs(p.dx*(g.y-p.y) - p.dy*(g.x-p.x))
			along := p.dx*(g.x-p.ex) + p.dy*(g.y-p.ey)
			switch {
			case p.dx*g.dx+p.dy*g.dy < 0.99 || across > size/2 || along < -size/2:
				cur = nil
			case along > size/5 && !gapJoins(p.text, g.text):
				cur.text = append(cur.text, ' ')
				cur.at = append(cur.at, -1)
			}
		}
		if cur == nil {
			cur = &line{}
			out = append(out, cur)
		}
		cur.glyphs = append(cur.glyphs, g)
		for _, r := range g.text {
			cur.text = append(cur.text, r)
			cur.at = append(cur.at, len(cur.glyphs)-1)
		}
	}
	for _, l := range out {
		l.text, l.at = normalizeSpaceAt(l.text, l.at)
	}
	return out
}

// gapJoins reports whether a gap between glyphs a and b is not a space:
// one of them is a space already, or both are CJK.
func gapJoins(a, b []rune) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	x, y := a[len(a)-1], b[0]
	return unicode.IsSpace(x) || unicode.IsSpace(y) || (isCJK(x) && isCJK(y))
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// normalizeSpace turns runs of white space into one space.
func normalizeSpace(rs []rune) []rune {
	out, _ := normalizeSpaceAt(rs, make([]int, len(rs)))
	return []rune(strings.TrimSpace(string(out)))
}

func normalizeSpaceAt(rs []rune, at []int) ([]rune, []int) {
	var text []rune
	var idx []int
	for i, r := range rs {
		if unicode.IsSpace(r) {
			if len(text) > 0 && text[len(text)-1] == ' ' {
				continue
			}
			r = ' '
		}
		text = append(text, r)
		idx = append(idx, at[i])
	}
	return text, idx
}

// find returns the rectangles of the non-overlapping occurrences of want.
func (l *line) find(want []rune) [][4]float64 {
	var out [][4]float64
	for i := 0; i+len(want) <= len(l.text); {
		match := true
		for j, r := range want {
			if l.text[i+j] != r {
				match = false
				break
			}
		}
		if !match {
			i++
			continue
		}
		box := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for _, g := range l.at[i : i+len(want)] {
			if g < 0 {
				continue
			}
			b := l.glyphs[g].box
			box = [4]float64{min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])}
		}
		if box[0] <= box[2] {
			out = append(out, box)
		}
		i += len(want)
	}
	return out
}
