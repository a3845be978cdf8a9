package pdfsig

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
)

// Stream filters. Each filter is a reader over the one before it, so a
// chain never holds more than its result, and each stage is cut off at
// streamLimit of the encoded size and charged to the document's budget:
// a stream can neither inflate without end nor hide a bomb behind
// another filter.

// decode returns the data of s with its filters undone: FlateDecode (with
// PNG predictors), ASCIIHexDecode and ASCII85Decode, chained. Errors wrap
// ErrMalformed, or ErrTooComplex when the stream or the document's budget
// is exceeded.
func (d *document) decode(s *stream) ([]byte, error) {
	r, err := d.decoder(s)
	if err != nil {
		return nil, err
	}
	return readAllLimited(r, streamLimit(len(s.raw)))
}

// decoder returns a reader of the decoded data of s.
func (d *document) decoder(s *stream) (io.Reader, error) {
	filters := array{s.dict["Filter"]}
	if a, ok := s.dict["Filter"].(array); ok {
		filters = a
	}
	parms := array{s.dict["DecodeParms"]}
	if a, ok := s.dict["DecodeParms"].(array); ok {
		parms = a
	}
	if len(filters) > maxFilters {
		return nil, malformed("%d filters on one stream", len(filters))
	}
	limit := streamLimit(len(s.raw))
	var r io.Reader = bytes.NewReader(s.raw)
	for i, f := range filters {
		var p dict
		if i < len(parms) {
			p, _ = d.resolve(parms[i]).(dict)
		}
		switch d.resolve(f) {
		case nil:
			continue
		case name("FlateDecode"), name("Fl"):
			zr, err := zlib.NewReader(r)
			if err != nil {
				return nil, malformed("flate: %v", err)
			}
			r = &flateReader{r: zr}
			if r, err = predictor(r, p, limit, d.budget); err != nil {
				return nil, err
			}
		case name("ASCIIHexDecode"), name("AHx"):
			r = &hexReader{r: bufio.NewReader(r)}
		case name("ASCII85Decode"), name("A85"):
			r = ascii85.NewDecoder(&a85Source{r: bufio.NewReader(r)})
		default:
			return nil, malformed("unsupported filter %v", f)
		}
		r = &budgetReader{r: r, left: limit, b: d.budget}
	}
	return r, nil
}

// readAllLimited reads r to its end, failing with ErrTooComplex past limit
// bytes (budgetReader usually stops it first). It reads into chunks that
// double up to 8 MiB and joins them once, so that at its peak it holds
// twice the data, not the two and a half a doubling buffer's garbage adds.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	var chunks [][]byte
	var total int64
	size := 64 << 10
	for {
		c := make([]byte, size)
		n, err := io.ReadFull(r, c)
		chunks = append(chunks, c[:n])
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTooComplex) || errors.Is(err, ErrMalformed) {
				return nil, err
			}
			return nil, malformed("%v", err)
		}
		size = min(2*size, 8<<20)
	}
	if total > limit {
		return nil, fmt.Errorf("%w: a stream decodes to more than %d bytes", ErrTooComplex, limit)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// budgetReader cuts a filter's output off after left bytes and charges
// what it passes on to the document's budget.
type budgetReader struct {
	r    io.Reader
	left int64
	b    *budget
}

func (br *budgetReader) Read(p []byte) (int, error) {
	if int64(len(p)) > br.left+1 {
		p = p[:br.left+1]
	}
	n, err := br.r.Read(p)
	if br.left -= int64(n); br.left < 0 {
		return 0, br.b.fail(fmt.Errorf("%w: a stream decodes to more than %d times its size", ErrTooComplex, DecodeRatio))
	}
	if berr := br.b.take(n); berr != nil {
		return 0, berr
	}
	return n, err
}

// flateReader ends a damaged Flate stream where it breaks, as readers do,
// provided it gave some data: real files often lack the checksum.
type flateReader struct {
	r   io.ReadCloser
	out int64
}

func (f *flateReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	f.out += int64(n)
	if err != nil && err != io.EOF {
		if f.out > 0 {
			return n, io.EOF
		}
		return n, malformed("flate: %v", err)
	}
	return n, err
}

// predictor wraps r in the PNG predictor that parms name, if any.
// Predictors below 10 (none, and TIFF 2, which nothing Signet reads
// uses) leave the data as it is.
func predictor(r io.Reader, parms dict, limit int64, b *budget) (io.Reader, error) {
	pred, _ := parms["Predictor"].(int64)
	if pred < 10 {
		return r, nil
	}
	colors, bpc, cols := int64(1), int64(8), int64(1)
	if v, ok := parms["Colors"].(int64); ok {
		colors = v
	}
	if v, ok := parms["BitsPerComponent"].(int64); ok {
		bpc = v
	}
	if v, ok := parms["Columns"].(int64); ok {
		cols = v
	}
	if colors < 1 || colors > 32 || bpc < 1 || bpc > 16 || cols < 1 || cols > limit {
		return nil, malformed("png predictor /Colors %d /BitsPerComponent %d /Columns %d", colors, bpc, cols)
	}
	rowLen := (colors*bpc*cols + 7) / 8
	if rowLen > limit {
		return nil, fmt.Errorf("%w: png predictor rows of %d bytes", ErrTooComplex, rowLen)
	}
	if err := b.take(int(2 * rowLen)); err != nil {
		return nil, err
	}
	return &pngReader{r: r, bpp: int(max(1, colors*bpc/8)), prev: make([]byte, rowLen), row: make([]byte, rowLen+1)}, nil
}

// pngReader reverses PNG row filters (PDF 32000-1 §7.4.4.4), one row at
// a time. A last, incomplete row is dropped.
type pngReader struct {
	r         io.Reader
	bpp       int
	prev, row []byte // the previous row; the current row after its filter byte
	pending   []byte // decoded bytes not yet read
	err       error
}

func (pr *pngReader) Read(p []byte) (int, error) {
	for len(pr.pending) == 0 {
		if pr.err != nil {
			return 0, pr.err
		}
		if _, err := io.ReadFull(pr.r, pr.row); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			pr.err = err
			continue
		}
		ft, cur := pr.row[0], pr.row[1:]
		for i := range cur {
			var left, upLeft byte
			if i >= pr.bpp {
				left, upLeft = cur[i-pr.bpp], pr.prev[i-pr.bpp]
			}
			up := pr.prev[i]
			switch ft {
			case 0:
			case 1:
				cur[i] += left
			case 2:
				cur[i] += up
			case 3:
				cur[i] += byte((int(left) + int(up)) / 2)
			case 4:
				cur[i] += paeth(left, up, upLeft)
			default:
				pr.err = malformed("png predictor %d", ft)
				return 0, pr.err
			}
		}
		copy(pr.prev, cur)
		pr.pending = pr.prev
	}
	n := copy(p, pr.pending)
	pr.pending = pr.pending[n:]
	return n, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// hexReader decodes ASCIIHexDecode: white space is skipped, > ends the
// data, and a missing last digit is 0.
type hexReader struct {
	r   *bufio.Reader
	end bool
}

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !h.end {
		var digits [2]byte
		got := 0
		for got < 2 {
			c, err := h.r.ReadByte()
			if err == io.EOF || c == '>' {
				h.end = true
				break
			}
			if err != nil {
				return n, err
			}
			if isSpace(c) {
				continue
			}
			if hexValue[c] == 0xff {
				return n, malformed("ASCIIHexDecode: bad digit %q", c)
			}
			digits[got] = hexValue[c]
			got++
		}
		if got > 0 {
			p[n] = digits[0]<<4 | digits[1]
			n++
		}
	}
	if n == 0 && h.end {
		return 0, io.EOF
	}
	return n, nil
}

// a85Source feeds ascii85's decoder the data between an optional leading
// <~ and the ~ of the closing ~>.
type a85Source struct {
	r       *bufio.Reader
	started bool
	end     bool
}

func (a *a85Source) Read(p []byte) (int, error) {
	if !a.started {
		a.started = true
		for {
			c, err := a.r.Peek(1)
			if err != nil || !isSpace(c[0]) {
				break
			}
			a.r.ReadByte()
		}
		if start, _ := a.r.Peek(2); string(start) == "<~" {
			a.r.Discard(2)
		}
	}
	n := 0
	for n < len(p) && !a.end {
		c, err := a.r.ReadByte()
		if err == io.EOF || c == '~' {
			a.end = true
			break
		}
		if err != nil {
			return n, err
		}
		p[n] = c
		n++
	}
	if n == 0 && a.end {
		return 0, io.EOF
	}
	return n, nil
}
