package pki

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RenewExpiring re-issues every current certificate (party and platform)
// that expires within the window, with a fresh key pair, the same subject
// and purpose, and the validity Config gives today (a one-off
// IssueRequest.Validity is not repeated); the old certificate is superseded,
// not revoked. It
// also re-issues any platform certificate that is missing because it was
// revoked. The background job calls it; it returns the new credentials and
// carries on past failures, which it returns joined.
//
// A certificate whose issuing CA would not outlive the old NotAfter is left
// alone with an error wrapping [ErrExpired]: renewing it could not help
// until the issuing CA itself is replaced.
func (s *Service) RenewExpiring(ctx context.Context, within time.Duration) ([]*Credential, error) {
	if within < 0 {
		return nil, fmt.Errorf("renew: %w", fieldErr("within", "must not be negative"))
	}
	now := s.now()
	due, err := s.store.ExpiringCertificates(ctx, now.Add(within))
	if err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	var renewed []*Credential
	var errs []error
	for _, old := range due {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		cred, err := s.renew(ctx, old, now)
		if err != nil {
			if !errors.Is(err, ErrConflict) { // a concurrent renewal or revocation won
				errs = append(errs, fmt.Errorf("renew certificate %s: %w", old.ID, err))
			}
			continue
		}
		renewed = append(renewed, cred)
	}
	if err := s.ensurePlatform(ctx); err != nil {
		errs = append(errs, fmt.Errorf("renew: platform certificates: %w", err))
	}
	return renewed, errors.Join(errs...)
}

func (s *Service) renew(ctx context.Context, old CertRecord, now time.Time) (*Credential, error) {
	h, ok := s.current[old.Algorithm]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %q: %w", old.Algorithm, ErrInvalid)
	}
	if !h.issuing.cert.NotAfter.After(old.NotAfter) {
		return nil, fmt.Errorf("issuing CA expires %s, no later than the certificate: %w",
			h.issuing.cert.NotAfter.Format(time.RFC3339), ErrExpired)
	}
	spec := specOf(old) // validity 0: today's Config.PartyValidity
	if spec.purpose != PurposeParty {
		spec = s.platformSpec(spec.purpose, spec.alg) // follow the platform's current name and config
	}
	return s.issue(ctx, spec, old.ID)
}
