package pki

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/smx509"
)

// CRL returns the current DER-encoded CRL of alg's issuing CA, what
// /pki/crl serves. A stored CRL is reused while it reflects every
// revocation and less than half of Config.CRLValidity has passed since its
// thisUpdate; otherwise a new one is signed with the next cRLNumber. Revoked
// certificates stay listed after they expire. It covers the current issuing
// CA only: after an issuing-CA rollover, the retired CA's CRL is not served.
func (s *Service) CRL(ctx context.Context, alg Algorithm) ([]byte, error) {
	h, ok := s.current[alg]
	if !ok {
		return nil, fmt.Errorf("crl: unknown algorithm %q: %w", alg, ErrInvalid)
	}
	iss := h.issuing
	for attempt := 0; attempt < 3; attempt++ {
		st, err := s.store.CRL(ctx, iss.rec.ID)
		if err != nil {
			return nil, fmt.Errorf("crl %s: %w", alg, err)
		}
		now := s.now()
		if st.Number > 0 && st.BuiltRevision == st.Revision && now.Before(st.ThisUpdate.Add(s.cfg.CRLValidity/2)) {
			return st.DER, nil
		}
		next, err := s.buildCRL(ctx, iss, st)
		if err != nil {
			return nil, fmt.Errorf("crl %s: %w", alg, err)
		}
		err = s.store.SaveCRL(ctx, next, st.Number)
		if errors.Is(err, ErrConflict) {
			continue // another process signed this number first; look again
		}
		if err != nil {
			return nil, fmt.Errorf("crl %s: %w", alg, err)
		}
		return next.DER, nil
	}
	return nil, fmt.Errorf("crl %s: %w", alg, ErrConflict)
}

// buildCRL signs the CRL that follows st. It reads st.Revision before
// listing revocations, so a revocation that lands in between leaves the new
// CRL marked stale instead of being lost.
func (s *Service) buildCRL(ctx context.Context, iss *authority, st CRLRecord) (CRLRecord, error) {
	revoked, err := s.store.RevokedCertificates(ctx, iss.rec.ID)
	if err != nil {
		return CRLRecord{}, err
	}
	entries := make([]smx509.RevocationListEntry, 0, len(revoked))
	for _, r := range revoked {
		n, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return CRLRecord{}, fmt.Errorf("revoked serial %q is not hex", r.Serial)
		}
		entries = append(entries, smx509.RevocationListEntry{
			SerialNumber:   n,
			RevocationTime: r.RevokedAt,
			ReasonCode:     int(r.Reason),
		})
	}
	key, err := s.authoritySigner(ctx, iss)
	if err != nil {
		return CRLRecord{}, err
	}
	now := s.now()
	next := CRLRecord{
		AuthorityID:   iss.rec.ID,
		Number:        st.Number + 1,
		Revision:      st.Revision,
		BuiltRevision: st.Revision,
		ThisUpdate:    now.Add(-backdate),
		NextUpdate:    now.Add(s.cfg.CRLValidity),
	}
	next.DER, err = smx509.CreateRevocationList(rand.Reader, &smx509.RevocationList{
		Number:                    big.NewInt(next.Number),
		ThisUpdate:                next.ThisUpdate,
		NextUpdate:                next.NextUpdate,
		RevokedCertificateEntries: entries,
	}, iss.cert, key)
	if err != nil {
		return CRLRecord{}, fmt.Errorf("sign crl: %w", err)
	}
	return next, nil
}
