package imageproc

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error caused by the caller's input, as
// opposed to a failure of the server.
var ErrInvalid = errors.New("invalid image input")

// ErrNotImage means the upload is neither PNG nor JPEG, judged by its bytes.
var ErrNotImage = fmt.Errorf("%w: not a PNG or JPEG image", ErrInvalid)

// ErrTooLarge means the upload exceeds the byte limit or 4096×4096 pixels.
var ErrTooLarge = fmt.Errorf("%w: image too large", ErrInvalid)

// ErrTooSmall means the image, or the ink found on it, is too small to use.
var ErrTooSmall = fmt.Errorf("%w: image too small", ErrInvalid)

// ErrEmpty means no ink was found: a blank page or no signature strokes.
var ErrEmpty = fmt.Errorf("%w: no ink found", ErrInvalid)
