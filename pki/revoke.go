package pki

import (
	"context"
	"errors"
	"fmt"
)

// Reason is an RFC 5280 CRLReason code.
type Reason int

// The revocation reasons Signet uses. certificateHold (6) is not offered:
// a revocation here is final.
const (
	// ReasonUnspecified gives no reason; the CRL entry then has no reasonCode.
	ReasonUnspecified Reason = 0
	// ReasonKeyCompromise means the private key may be known to someone else.
	ReasonKeyCompromise Reason = 1
	// ReasonAffiliationChanged means the subject's name or affiliation changed.
	ReasonAffiliationChanged Reason = 3
	// ReasonSuperseded means another certificate replaces this one.
	ReasonSuperseded Reason = 4
	// ReasonCessationOfOperation means the party or seal no longer exists.
	ReasonCessationOfOperation Reason = 5
	// ReasonPrivilegeWithdrawn means the party's identity or seal was withdrawn.
	ReasonPrivilegeWithdrawn Reason = 9
)

func (r Reason) valid() bool {
	switch r {
	case ReasonUnspecified, ReasonKeyCompromise, ReasonAffiliationChanged,
		ReasonSuperseded, ReasonCessationOfOperation, ReasonPrivilegeWithdrawn:
		return true
	}
	return false
}

// String names the reason as RFC 5280 does.
func (r Reason) String() string {
	switch r {
	case ReasonUnspecified:
		return "unspecified"
	case ReasonKeyCompromise:
		return "keyCompromise"
	case ReasonAffiliationChanged:
		return "affiliationChanged"
	case ReasonSuperseded:
		return "superseded"
	case ReasonCessationOfOperation:
		return "cessationOfOperation"
	case ReasonPrivilegeWithdrawn:
		return "privilegeWithdrawn"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Revoke revokes the end-entity certificate whose id or serial is ref. From
// then on its Signer returns [ErrRevoked], it is no longer anyone's current
// credential, and the next CRL of its issuer lists it. It returns
// [ErrNotFound], [ErrRevoked] when it was already revoked, and [ErrInvalid]
// for an unknown reason.
func (s *Service) Revoke(ctx context.Context, ref string, reason Reason) error {
	if !reason.valid() {
		return fmt.Errorf("revoke %q: %w", ref, fieldErr("reason", reason.String()+" is not offered"))
	}
	rec, err := s.find(ctx, ref)
	if err != nil {
		return fmt.Errorf("revoke %q: %w", ref, err)
	}
	if rec.RevokedAt != nil {
		return fmt.Errorf("revoke %q: %w", ref, ErrRevoked)
	}
	if err := s.store.RevokeCertificate(ctx, rec.ID, reason, s.now()); err != nil {
		return fmt.Errorf("revoke %q: %w", ref, err)
	}
	return nil
}

// RevokeParty revokes every certificate of the party that is not revoked
// yet (current, superseded and expired alike), for when its identity is
// withdrawn. It returns how many it revoked.
func (s *Service) RevokeParty(ctx context.Context, kind PartyKind, partyID string, reason Reason) (int, error) {
	if !reason.valid() {
		return 0, fmt.Errorf("revoke party: %w", fieldErr("reason", reason.String()+" is not offered"))
	}
	recs, err := s.store.PartyCertificates(ctx, kind, partyID)
	if err != nil {
		return 0, fmt.Errorf("revoke %s %s: %w", kind, partyID, err)
	}
	n := 0
	for _, rec := range recs {
		if rec.RevokedAt != nil {
			continue
		}
		err := s.store.RevokeCertificate(ctx, rec.ID, reason, s.now())
		switch {
		case err == nil:
			n++
		case !errors.Is(err, ErrRevoked): // a concurrent revocation is fine
			return n, fmt.Errorf("revoke %s %s: certificate %s: %w", kind, partyID, rec.ID, err)
		}
	}
	return n, nil
}
