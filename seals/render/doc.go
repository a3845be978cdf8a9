// Package render draws electronic seal images on the server: the round
// official seal with a star (38, 40, 42 mm), the oval seal (45 or 40 × 30
// mm), the square finance seal (22 mm), the personal square name seal (16,
// 18, 20 mm) and the personal rectangular signature seal (20 × 10 mm).
//
// A style method of [Renderer] lays a seal out as a [Drawing] in
// millimetres; the Drawing is then output as a transparent PNG at a chosen
// resolution or as SVG. Glyph outlines come from a real CJK font (TTF, OTF
// or TTC) read with golang.org/x/image/font/sfnt and are filled with
// golang.org/x/image/vector, anti-aliased.
//
// Invariants:
//   - Every character of a Drawing is a [Part] whose Box contains all its
//     ink, and layout keeps those boxes inside the border and apart from
//     each other and from the star, for names of 2 to 30 characters (the
//     rule is documented on [Renderer.Round]).
//   - A character the font lacks is an error ([ErrInvalid]), never a blank.
//   - Output is deterministic: the same inputs, font and build give the
//     same bytes. Nothing random or time-dependent is drawn or encoded.
//   - The background is fully transparent; ink is exactly the requested
//     colour, with alpha carrying coverage × opacity.
//   - Without a CJK font, New returns [ErrNoFont] naming the Debian packages
//     that provide one.
package render
