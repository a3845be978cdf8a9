package pki

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// Credential is an end-entity certificate with its chain and access to its
// private key. The certificate types are gmsm's smx509 (they parse SM2 and
// ECDSA alike); for ECDSA, crypto/x509.ParseCertificate(Certificate.Raw)
// gives the standard library's type.
type Credential struct {
	ID        string
	Serial    string // lowercase hex, as Revoke accepts it
	Algorithm Algorithm
	Purpose   Purpose
	PartyKind PartyKind // empty for platform certificates
	PartyID   string
	// Certificate is the end-entity certificate.
	Certificate *smx509.Certificate
	// Chain is the issuing CA then the root.
	Chain []*smx509.Certificate
	// RevokedAt is set once the certificate is revoked, with Reason.
	RevokedAt *time.Time
	Reason    Reason
	// SupersededBy names the certificate that replaced this one, if any.
	SupersededBy string

	svc *Service
}

// Signer decrypts the credential's private key and returns it as a
// crypto.Signer. It checks the stored state first: a revoked certificate
// returns [ErrRevoked] and one outside its validity period [ErrExpired].
//
// For SM2, call Sign with sm2.DefaultSM2SignerOpts and the raw message (as
// gmsm's pkcs7 and smx509 do): the signer computes ZA with the default ID
// 1234567812345678 and SM3 itself. For ECDSA, pass a SHA-256 digest.
// Drop the signer after use; call Signer again for the next signing.
func (c *Credential) Signer(ctx context.Context) (crypto.Signer, error) {
	if c == nil || c.svc == nil {
		return nil, errors.New("pki: signer: credential was not returned by a Service")
	}
	rec, err := c.svc.store.Certificate(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", c.ID, err)
	}
	if rec.RevokedAt != nil {
		return nil, fmt.Errorf("signer %s: revoked %s: %w", c.ID, rec.RevokedAt.Format(time.RFC3339), ErrRevoked)
	}
	now := c.svc.now()
	if now.Before(rec.NotBefore) || now.After(rec.NotAfter) {
		return nil, fmt.Errorf("signer %s: valid %s to %s: %w", c.ID,
			rec.NotBefore.Format(time.RFC3339), rec.NotAfter.Format(time.RFC3339), ErrExpired)
	}
	cert, err := smx509.ParseCertificate(rec.Cert)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", c.ID, err)
	}
	k, err := c.svc.openKey(ctx, rec.KeyID, cert.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", c.ID, err)
	}
	return &keySigner{key: k}, nil
}

// credential builds the Credential of a stored certificate.
func (s *Service) credential(ctx context.Context, rec CertRecord) (*Credential, error) {
	cert, err := smx509.ParseCertificate(rec.Cert)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %s: %w", rec.ID, err)
	}
	chain, err := s.chainOf(ctx, rec.IssuerID)
	if err != nil {
		return nil, fmt.Errorf("chain of certificate %s: %w", rec.ID, err)
	}
	return &Credential{
		ID:           rec.ID,
		Serial:       rec.Serial,
		Algorithm:    rec.Algorithm,
		Purpose:      rec.Purpose,
		PartyKind:    rec.PartyKind,
		PartyID:      rec.PartyID,
		Certificate:  cert,
		Chain:        chain,
		RevokedAt:    rec.RevokedAt,
		Reason:       rec.Reason,
		SupersededBy: rec.SupersededBy,
		svc:          s,
	}, nil
}

// Credential returns the certificate whose id or serial (hex, colons
// allowed) is ref, whatever its state. It returns [ErrNotFound].
func (s *Service) Credential(ctx context.Context, ref string) (*Credential, error) {
	rec, err := s.find(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("find credential %q: %w", ref, err)
	}
	return s.credential(ctx, rec)
}

// find looks a certificate up by id, then by serial.
func (s *Service) find(ctx context.Context, ref string) (CertRecord, error) {
	rec, err := s.store.Certificate(ctx, ref)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return rec, err
	}
	serial, ok := normalizeSerial(ref)
	if !ok {
		return CertRecord{}, err
	}
	return s.store.CertificateBySerial(ctx, serial)
}

// PartyCredential returns the party's current certificate for alg: not
// revoked and not superseded (it may have expired if renewal has not run).
// It returns [ErrNotFound] when the party has none.
func (s *Service) PartyCredential(ctx context.Context, kind PartyKind, partyID string, alg Algorithm) (*Credential, error) {
	spec := leafSpec{purpose: PurposeParty, alg: alg, kind: kind, partyID: partyID}
	rec, err := s.store.CurrentCertificate(ctx, spec.slot())
	if err != nil {
		return nil, fmt.Errorf("find %s credential of %s %s: %w", alg, kind, partyID, err)
	}
	return s.credential(ctx, rec)
}

// PlatformCredential returns the platform's current service certificate
// for purpose and alg: evidence (SM2 and ECDSA), seal-maker (SM2) or TSA
// (ECDSA). Other combinations return [ErrInvalid]; a platform certificate
// revoked and not yet replaced returns [ErrNotFound].
func (s *Service) PlatformCredential(ctx context.Context, p Purpose, alg Algorithm) (*Credential, error) {
	known := false
	for _, pc := range platformCerts {
		known = known || pc.purpose == p && pc.alg == alg
	}
	if !known {
		return nil, fmt.Errorf("find platform credential %s %s: %w", p, alg, ErrInvalid)
	}
	rec, err := s.store.CurrentCertificate(ctx, s.platformSpec(p, alg).slot())
	if err != nil {
		return nil, fmt.Errorf("find platform credential %s %s: %w", p, alg, err)
	}
	return s.credential(ctx, rec)
}
