package app

import (
	"context"
	"errors"
	"fmt"

	"signet/contracts"
	"signet/internal/convert"
)

// convertDocument converts an office upload with LibreOffice and speaks
// the contract domain's errors.
func convertDocument(ctx context.Context, name string, data []byte) ([]byte, error) {
	pdf, err := convert.ToPDF(ctx, name, data)
	switch {
	case errors.Is(err, convert.ErrUnavailable):
		return nil, fmt.Errorf("convert %s: %w", name, contracts.ErrConversionUnavailable)
	case errors.Is(err, convert.ErrUnsupported):
		return nil, fmt.Errorf("convert %s: %w", name, contracts.ErrUnsupportedFormat)
	case errors.Is(err, convert.ErrFailed):
		return nil, fmt.Errorf("convert %s: %w: %v", name, contracts.ErrConversionFailed, err)
	case errors.Is(err, convert.ErrTooComplex), errors.Is(err, convert.ErrBusy):
		return nil, err // answered as they are (problem.go): a zip bomb, or too many at once
	case err != nil:
		return nil, err
	}
	return pdf, nil
}
