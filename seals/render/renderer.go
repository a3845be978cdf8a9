package render

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// Renderer lays out seals with one CJK font. It is safe for concurrent use.
type Renderer struct {
	tf *typeface
}

// New loads the font at fontPath (TTF, OTF or TTC; the first face of a
// collection). With an empty path it tries FontPaths in order and returns
// [ErrNoFont] when none is installed.
func New(fontPath string) (*Renderer, error) {
	if fontPath != "" {
		tf, err := loadFont(fontPath)
		if err != nil {
			return nil, fmt.Errorf("load seal font: %w", err)
		}
		return &Renderer{tf: tf}, nil
	}
	for _, p := range FontPaths {
		tf, err := loadFont(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load seal font: %w", err)
		}
		return &Renderer{tf: tf}, nil
	}
	return nil, fmt.Errorf("load seal font: %w; tried %s", ErrNoFont, strings.Join(FontPaths, ", "))
}

// newBuilder starts a drawing of w × h mm.
func (r *Renderer) newBuilder(w, h float64) *builder {
	return &builder{tf: r.tf, d: Drawing{Width: w, Height: h}}
}

// glyphs loads the glyph of every rune of s.
func (r *Renderer) glyphs(s string) ([]glyph, error) {
	var buf sfnt.Buffer
	out := make([]glyph, 0, utf8.RuneCountInString(s))
	for _, ch := range s {
		g, err := r.tf.glyph(&buf, ch)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// checkText validates a text field of min to max characters with no spaces
// or control characters.
func checkText(field, s string, minLen, maxLen int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < minLen || n > maxLen {
		return fmt.Errorf("%w: %s %q has %d characters (want %d to %d)", ErrInvalid, field, s, n, minLen, maxLen)
	}
	for _, ch := range s {
		if unicode.IsSpace(ch) || !unicode.IsPrint(ch) {
			return fmt.Errorf("%w: %s %q contains %q", ErrInvalid, field, s, ch)
		}
	}
	return nil
}

// checkCode validates a security code: up to 20 ASCII letters and digits.
// checkOfficial checks the texts of a round or oval official seal: the
// organisation's name, the optional inner text and the security code.
func checkOfficial(name, text, code string) error {
	if err := checkText("name", name, 2, 30); err != nil {
		return err
	}
	if text != "" {
		if err := checkText("text", text, 1, 10); err != nil {
			return err
		}
	}
	return checkCode(code)
}

func checkCode(code string) error {
	if len(code) > 20 {
		return fmt.Errorf("%w: security code has %d characters (want at most 20)", ErrInvalid, len(code))
	}
	for _, ch := range code {
		if !('0' <= ch && ch <= '9' || 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z') {
			return fmt.Errorf("%w: security code %q contains %q (want letters and digits)", ErrInvalid, code, ch)
		}
	}
	return nil
}
