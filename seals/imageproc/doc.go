// Package imageproc turns user-supplied seal and signature material into
// clean, transparent PNGs: [Process] cleans up a photo or scan of a
// physical seal, [Typed] renders a typed signature with a CJK font and
// [Strokes] renders a hand-drawn signature.
//
// Invariants:
//   - Untrusted input is bounded before it is decoded: at most MaxBytes+1
//     bytes are read, the format is sniffed from the bytes (PNG or JPEG
//     only, decoders called directly rather than through the global image
//     registry), and the header's dimensions are checked against 4096×4096
//     before any pixel is decompressed.
//   - Every input error wraps [ErrInvalid] and one of the more specific
//     sentinels ([ErrNotImage], [ErrTooLarge], [ErrTooSmall], [ErrEmpty]),
//     so callers can map them to a 4xx without string matching.
//   - Output is deterministic: the same input and options give the same
//     bytes. Nothing random or time-dependent is used.
//   - Output backgrounds are fully transparent; alpha carries ink coverage,
//     so edges are anti-aliased rather than jagged.
//   - A requested colour's alpha is ignored: opacity comes from the ink.
package imageproc
