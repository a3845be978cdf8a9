package evidence

import (
	"context"
	"fmt"
	"io"
)

// NewSizedReader returns a reader that yields exactly size bytes of r, or
// fails. Vault implementations wrap their input in it.
func NewSizedReader(ctx context.Context, r io.Reader, size int64) *SizedReader {
	return &SizedReader{ctx: ctx, r: r, left: size}
}

// Err is the reader's own failure (wrong length, cancelled), if any; it says
// more than a transport's report of the same failure.
func (s *SizedReader) Err() error { return s.err }

// SizedReader yields exactly left bytes of r, or fails. It checks that r is
// exhausted before handing out the last byte, so a consumer that commits once
// it has the promised size never commits a body of the wrong length. It also
// stops when ctx is done.
type SizedReader struct {
	ctx     context.Context
	r       io.Reader
	left    int64
	checked bool
	err     error
}

func (s *SizedReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	if s.left == 0 {
		if !s.checked {
			if err := s.checkEnd(); err != nil {
				s.err = err
				return 0, err
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if s.left == 0 {
		if cerr := s.checkEnd(); cerr != nil {
			s.err = cerr
			return 0, cerr // withhold the last bytes: the body must not look complete
		}
		return n, nil
	}
	switch {
	case err == io.EOF:
		s.err = fmt.Errorf("reader ended %d bytes short of the given size: %w", s.left, io.ErrUnexpectedEOF)
		return 0, s.err
	case err != nil:
		s.err = err
		return 0, err
	}
	return n, nil
}

// checkEnd makes sure r has nothing after the promised bytes.
func (s *SizedReader) checkEnd() error {
	s.checked = true
	var b [1]byte
	for range 100 {
		n, err := s.r.Read(b[:])
		if n > 0 {
			return fmt.Errorf("reader has more bytes than the given size")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}
