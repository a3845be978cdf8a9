package signing

import (
	"context"
	"fmt"
	"time"

	"signet/contracts"
	"signet/evidence/tsa"
	"signet/internal/pdfsig"
)

// Long-term validation. Every signing leaves the document at PAdES B-LT:
// an update after the signature adds to the /DSS the chains and
// revocation data of every certificate its signatures and time-stamps
// carry. A completed contract's documents are then archived (Archive):
// B-LTA, a document time-stamp over all of it, renewed before that
// time-stamp's certificate expires.

// addValidationData appends a /DSS update holding the validation data of
// every certificate pdf's signatures and time-stamps carry.
func (s *Service) addValidationData(ctx context.Context, pdf []byte) ([]byte, error) {
	certs, err := pdfsig.EmbeddedCertificates(pdf)
	if err != nil {
		return nil, fmt.Errorf("long-term validation data: %w", err)
	}
	vd, err := s.d.CA.ValidationData(ctx, certs)
	if err != nil {
		return nil, fmt.Errorf("long-term validation data: %w", err)
	}
	out, err := pdfsig.AddDSS(pdf, pdfsig.DSS(vd))
	if err != nil {
		return nil, fmt.Errorf("long-term validation data: %w", err)
	}
	return out, nil
}

// Archive makes a final document of c PAdES B-LTA, or extends its archive:
// the validation data of every signature and time-stamp so far, a
// document time-stamp over the whole (SHA-256, or SM3 for an SM2
// contract), and that time-stamp's own validation data. It returns the
// new document and when the time-stamp's certificate chain expires: the
// archive must be renewed before then. It is contracts' Archiver.
func (s *Service) Archive(ctx context.Context, c contracts.Contract, pdf []byte) ([]byte, time.Time, error) {
	out, err := s.addValidationData(ctx, pdf)
	if err != nil {
		return nil, time.Time{}, err
	}
	h := tsa.SHA256
	if c.Algorithm == "sm2" {
		h = tsa.SM3
	}
	out, info, err := pdfsig.AddDocTimeStamp(ctx, out, s.d.Timestamps, h)
	if err != nil {
		return nil, time.Time{}, err
	}
	if out, err = s.addValidationData(ctx, out); err != nil {
		return nil, time.Time{}, err
	}
	until := info.Certificate.NotAfter
	for _, c := range info.Chain {
		if c.NotAfter.Before(until) {
			until = c.NotAfter
		}
	}
	return out, until, nil
}
