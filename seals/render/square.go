package render

import (
	"fmt"
	"math"
)

// FinanceSquare is a square finance seal (财务专用章), 22 × 22 mm: a frame
// and Name + Text in columns read top to bottom, right to left.
type FinanceSquare struct {
	// Name is the organisation's name, 2 to 20 characters.
	Name string
	// Text follows the name; empty means 财务专用章. At most 10 characters.
	Text string
}

// Suffix is what a personal name seal adds after the name.
type Suffix string

// The suffixes of a personal name seal.
const (
	SuffixNone   Suffix = ""
	SuffixYin    Suffix = "印"
	SuffixZhiYin Suffix = "之印"
)

// NameSeal is a personal square name seal (人名章): 2 to 4 characters,
// name plus suffix, in a grid read top to bottom, right to left: two
// characters side by side (2×1), the surname in the right column beside two
// (3), or 2×2 (4).
type NameSeal struct {
	// Name is the person's name.
	Name string
	// Suffix is added after the name.
	Suffix Suffix
	// NoBorder drops the frame.
	NoBorder bool
	// Size is 16, 18 or 20 mm; zero means 20.
	Size float64
}

// Signature is a personal rectangular signature seal, 20 × 10 mm: a frame
// and the name, 2 to 6 characters, in one row.
type Signature struct {
	// Name is the person's name.
	Name string
}

// cell is a rectangle of the character grid.
type cell struct{ min, max Point }

// Proportions of the square styles, as fractions of the width.
const (
	frameWidth = 0.05 // frame stroke
	frameGap   = 0.04 // between frame and characters
	cellFill   = 0.92 // share of a cell a glyph takes
)

// frame adds a square or rectangular frame and returns the area inside it
// that characters may use.
func (b *builder) frame(w, h float64, border bool) cell {
	t := frameWidth * math.Min(w, h)
	if border {
		var p path
		p.rectangle(Point{0, 0}, Point{w, h}, false)
		p.rectangle(Point{t, t}, Point{w - t, h - t}, true)
		b.shape(PartBorder, p)
	}
	g := t + frameGap*math.Min(w, h)
	return cell{Point{g, g}, Point{w - g, h - g}}
}

// grid places text in cells, each glyph filling cellFill of its cell.
func (r *Renderer) grid(b *builder, text string, cells []cell) error {
	gs, err := r.glyphs(text)
	if err != nil {
		return err
	}
	for i, ch := range []rune(text) {
		c, g, ref := cells[i], gs[i], b.tf.cjk
		w, h := cellFill*(c.max.X-c.min.X), cellFill*(c.max.Y-c.min.Y)
		// A glyph whose ink is larger than the reference's is shrunk to
		// stay in its cell: neighbours in a grid have no slack.
		w /= max(1, (g.max.X-g.min.X)/(ref.max.X-ref.min.X))
		h /= max(1, (g.max.Y-g.min.Y)/(ref.max.Y-ref.min.Y))
		b.text(ch, g, ref, Point{(c.min.X + c.max.X) / 2, (c.min.Y + c.max.Y) / 2}, w, h, 0)
	}
	return nil
}

// columns splits area into cols columns, filled right to left; column j
// (from the right) holds counts[j] characters stacked top to bottom.
func columns(area cell, counts []int) []cell {
	var out []cell
	cw := (area.max.X - area.min.X) / float64(len(counts))
	for j, n := range counts {
		x1 := area.max.X - float64(j)*cw
		ch := (area.max.Y - area.min.Y) / float64(n)
		for i := range n {
			y0 := area.min.Y + float64(i)*ch
			out = append(out, cell{Point{x1 - cw, y0}, Point{x1, y0 + ch}})
		}
	}
	return out
}

// FinanceSquare lays out a finance seal: rows = ceil(sqrt(n)) characters a
// column, as many columns as needed, the last column spread over the height.
func (r *Renderer) FinanceSquare(s FinanceSquare) (*Drawing, error) {
	if s.Text == "" {
		s.Text = "财务专用章"
	}
	if err := checkText("name", s.Name, 2, 20); err != nil {
		return nil, err
	}
	if err := checkText("text", s.Text, 1, 10); err != nil {
		return nil, err
	}
	text := s.Name + s.Text
	n := len([]rune(text))
	rows := int(math.Ceil(math.Sqrt(float64(n))))
	var counts []int
	for left := n; left > 0; left -= rows {
		counts = append(counts, min(rows, left))
	}
	b := r.newBuilder(22, 22)
	area := b.frame(22, 22, true)
	return &b.d, r.grid(b, text, columns(area, counts))
}

// NameSeal lays out a personal name seal.
func (r *Renderer) NameSeal(s NameSeal) (*Drawing, error) {
	size := s.Size
	if size == 0 {
		size = 20
	}
	if size != 16 && size != 18 && size != 20 {
		return nil, fmt.Errorf("%w: name seal size %v mm (want 16, 18 or 20)", ErrInvalid, s.Size)
	}
	if s.Suffix != SuffixNone && s.Suffix != SuffixYin && s.Suffix != SuffixZhiYin {
		return nil, fmt.Errorf("%w: name seal suffix %q (want none, 印 or 之印)", ErrInvalid, s.Suffix)
	}
	if err := checkText("name", s.Name, 1, 4); err != nil {
		return nil, err
	}
	text := s.Name + string(s.Suffix)
	if err := checkText("name and suffix", text, 2, 4); err != nil {
		return nil, err
	}
	counts := map[int][]int{2: {1, 1}, 3: {1, 2}, 4: {2, 2}}[len([]rune(text))]
	b := r.newBuilder(size, size)
	area := b.frame(size, size, !s.NoBorder)
	return &b.d, r.grid(b, text, columns(area, counts))
}

// Signature lays out a rectangular signature seal.
func (r *Renderer) Signature(s Signature) (*Drawing, error) {
	if err := checkText("name", s.Name, 2, 6); err != nil {
		return nil, err
	}
	n := len([]rune(s.Name))
	b := r.newBuilder(20, 10)
	area := b.frame(20, 10, true)
	cw := (area.max.X - area.min.X) / float64(n)
	cells := make([]cell, n)
	for i := range cells {
		x0 := area.min.X + float64(i)*cw
		cells[i] = cell{Point{x0, area.min.Y}, Point{x0 + cw, area.max.Y}}
	}
	// Fewer characters keep their square shape rather than stretching.
	if cw > area.max.Y-area.min.Y {
		pad := (cw - (area.max.Y - area.min.Y)) / 2
		for i := range cells {
			cells[i].min.X += pad
			cells[i].max.X -= pad
		}
	}
	return &b.d, r.grid(b, s.Name, cells)
}
