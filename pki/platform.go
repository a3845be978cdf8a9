package pki

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/emmansun/gmsm/smx509"
)

// loadStored loads alg's stored hierarchy, creating nothing.
func (s *Service) loadStored(ctx context.Context, alg Algorithm) (hierarchy, error) {
	rootRec, err := s.store.CurrentAuthority(ctx, authoritySlot(RoleRoot, alg))
	if err != nil {
		return hierarchy{}, err
	}
	issRec, err := s.store.CurrentAuthority(ctx, authoritySlot(RoleIssuing, alg))
	if err != nil {
		return hierarchy{}, err
	}
	return s.loadHierarchy(rootRec, issRec)
}

// ensurePlatform issues each missing platform service certificate, and
// issues again each one whose CRL location is not the configured one: the
// first process to touch a new platform may have run with another public
// URL (a command run before the server was configured, say).
func (s *Service) ensurePlatform(ctx context.Context) error {
	for _, p := range platformCerts {
		spec := s.platformSpec(p.purpose, p.alg)
		supersedes := ""
		cur, err := s.store.CurrentCertificate(ctx, spec.slot())
		switch {
		case err == nil && s.crlCurrent(cur):
			continue
		case err == nil:
			supersedes = cur.ID
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if _, err := s.issue(ctx, spec, supersedes); err != nil && !errors.Is(err, ErrConflict) {
			return fmt.Errorf("%s %s: %w", p.purpose, p.alg, err)
		}
	}
	return nil
}

// crlCurrent reports whether rec names exactly the configured CRL and OCSP
// locations of its hierarchy (none when none is configured; a responder
// names no OCSP location).
func (s *Service) crlCurrent(rec CertRecord) bool {
	c, err := smx509.ParseCertificate(rec.Cert)
	if err != nil {
		return false
	}
	var crl, ocsp []string
	if u := s.cfg.CRLURLs[rec.Algorithm]; u != "" {
		crl = []string{u}
	}
	if u := s.cfg.OCSPURLs[rec.Algorithm]; u != "" && rec.Purpose != PurposeOCSP {
		ocsp = []string{u}
	}
	return slices.Equal(c.CRLDistributionPoints, crl) && slices.Equal(c.OCSPServer, ocsp)
}

// ReissuePlatform issues every platform service certificate again, with a
// fresh key and today's configuration (name, CRL location, validity), and
// returns the new ones. Each old certificate is superseded, not revoked: it
// stays valid until it expires, so what it signed still verifies. A running
// server keeps signing time-stamps with the certificate it loaded at
// start-up until it restarts. It returns [ErrConflict] when another
// re-issue or renewal won a race for a certificate.
func (s *Service) ReissuePlatform(ctx context.Context) ([]*Credential, error) {
	var out []*Credential
	for _, p := range platformCerts {
		spec := s.platformSpec(p.purpose, p.alg)
		supersedes := ""
		switch cur, err := s.store.CurrentCertificate(ctx, spec.slot()); {
		case err == nil:
			supersedes = cur.ID
		case !errors.Is(err, ErrNotFound):
			return out, fmt.Errorf("reissue %s %s: %w", p.purpose, p.alg, err)
		}
		cred, err := s.issue(ctx, spec, supersedes)
		if err != nil {
			return out, fmt.Errorf("reissue %s %s: %w", p.purpose, p.alg, err)
		}
		out = append(out, cred)
	}
	return out, nil
}
