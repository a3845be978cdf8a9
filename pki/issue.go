package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/google/uuid"

	"signet/internal/ocsp"
)

// PartyKind says whether a party is a natural or a legal person.
type PartyKind string

// Party kinds.
const (
	// Person is a natural person, identified in certificates by a
	// non-reversible reference, never by an identity number.
	Person PartyKind = "person"
	// Organisation is a legal person identified by its unified social credit code.
	Organisation PartyKind = "organisation"
)

// Purpose says what a certificate is for.
type Purpose string

// Certificate purposes.
const (
	// PurposeParty certificates let an approved person or organisation sign.
	PurposeParty Purpose = "party"
	// PurposeEvidence certificates sign the platform's evidence records (SM2 and ECDSA).
	PurposeEvidence Purpose = "evidence"
	// PurposeSealMaker is the platform's organisation certificate that signs
	// GB/T 38540 seals (SM2 only).
	PurposeSealMaker Purpose = "seal-maker"
	// PurposeTSA signs RFC 3161 time-stamp tokens (ECDSA only); its extended
	// key usage id-kp-timeStamping is critical, as RFC 3161 requires.
	PurposeTSA Purpose = "tsa"
	// PurposeOCSP is a hierarchy's delegated OCSP responder (SM2 and
	// ECDSA): extended key usage id-kp-OCSPSigning and id-pkix-ocsp-nocheck.
	PurposeOCSP Purpose = "ocsp"
)

// platformCerts are the service certificates every platform has.
var platformCerts = []struct {
	purpose Purpose
	alg     Algorithm
}{
	{PurposeEvidence, SM2},
	{PurposeEvidence, ECDSA},
	{PurposeSealMaker, SM2},
	{PurposeTSA, ECDSA},
	{PurposeOCSP, SM2},
	{PurposeOCSP, ECDSA},
}

// IssueRequest asks for a signing certificate for an approved party.
type IssueRequest struct {
	PartyKind PartyKind
	// PartyID is the caller's id of the party (at most 64 characters).
	PartyID string
	// Name is the verified legal name: the certificate's CN (and O for an
	// organisation), at most 64 characters.
	Name string
	// USCC is the organisation's unified social credit code; organisations only.
	USCC string
	// PersonRef identifies a person without revealing who they are (e.g. an
	// id derived from a blind index): 8 to 64 characters of A-Z a-z 0-9 . : -.
	// Never the identity number: values shaped like one are refused.
	PersonRef string
	Algorithm Algorithm
	// Validity overrides Config.PartyValidity when positive. It is cut to the
	// issuing CA's own NotAfter.
	Validity time.Duration
}

// leafSpec is everything an end-entity certificate is made from; renewal
// rebuilds it from the stored row.
type leafSpec struct {
	purpose   Purpose
	alg       Algorithm
	kind      PartyKind
	partyID   string
	name      string
	uscc      string
	personRef string
	validity  time.Duration
}

func (l leafSpec) slot() string {
	if l.purpose == PurposeParty {
		return "party/" + string(l.kind) + "/" + string(l.alg) + "/" + l.partyID
	}
	return "platform/" + string(l.purpose) + "/" + string(l.alg)
}

func specOf(rec CertRecord) leafSpec {
	return leafSpec{
		purpose: rec.Purpose, alg: rec.Algorithm, kind: rec.PartyKind, partyID: rec.PartyID,
		name: rec.Name, uscc: rec.USCC, personRef: rec.PersonRef,
	}
}

// Issue generates a key pair for an approved party and certifies it under
// alg's issuing CA. The key never leaves pki unencrypted except as the
// crypto.Signer of [Credential.Signer]. The party's previous certificate
// for the same algorithm, if any, is superseded: it stays valid until it
// expires or is revoked, but is no longer the party's current credential.
// It returns [ErrInvalid] (with [*FieldError]s) for a bad request and
// [ErrConflict] when another issuance for the same party won a race.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (*Credential, error) {
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	validity := req.Validity
	if validity <= 0 {
		validity = s.cfg.PartyValidity
	}
	spec := leafSpec{
		purpose: PurposeParty, alg: req.Algorithm, kind: req.PartyKind, partyID: req.PartyID,
		name: req.Name, uscc: req.USCC, personRef: req.PersonRef, validity: validity,
	}
	supersedes := ""
	switch cur, err := s.store.CurrentCertificate(ctx, spec.slot()); {
	case err == nil:
		supersedes = cur.ID
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	cred, err := s.issue(ctx, spec, supersedes)
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %s %s: %w", req.PartyKind, req.PartyID, err)
	}
	return cred, nil
}

func (s *Service) platformSpec(p Purpose, alg Algorithm) leafSpec {
	return leafSpec{purpose: p, alg: alg, name: s.cfg.Organisation, uscc: s.cfg.USCC, validity: s.cfg.ServiceValidity}
}

// issue makes, stores and returns one end-entity certificate.
func (s *Service) issue(ctx context.Context, spec leafSpec, supersedes string) (*Credential, error) {
	h, ok := s.current[spec.alg]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %q: %w", spec.alg, ErrInvalid)
	}
	iss := h.issuing
	now := s.now()
	if !now.Before(iss.cert.NotAfter) {
		return nil, fmt.Errorf("issuing CA expired %s: %w", iss.cert.NotAfter.Format(time.RFC3339), ErrExpired)
	}
	caKey, err := s.authoritySigner(ctx, iss)
	if err != nil {
		return nil, err
	}
	key, err := generateKey(spec.alg)
	if err != nil {
		return nil, err
	}
	tmpl, err := s.leafTemplate(spec, key.Public(), now, iss.cert)
	if err != nil {
		return nil, err
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, iss.cert, key.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	rec := CertRecord{
		ID:          uuid.NewString(),
		IssuerID:    iss.rec.ID,
		KeyID:       uuid.NewString(),
		Serial:      formatSerial(cert.SerialNumber),
		Algorithm:   spec.alg,
		Purpose:     spec.purpose,
		PartyKind:   spec.kind,
		PartyID:     spec.partyID,
		Name:        spec.name,
		USCC:        spec.uscc,
		PersonRef:   spec.personRef,
		Cert:        der,
		NotBefore:   cert.NotBefore,
		NotAfter:    cert.NotAfter,
		CurrentSlot: spec.slot(),
		CreatedAt:   now,
	}
	keyRec, err := s.sealKey(rec.KeyID, spec.alg, key, now)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateCertificate(ctx, keyRec, rec, supersedes); err != nil {
		return nil, err
	}
	return s.credential(ctx, rec)
}

var (
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidExtKeyUsage            = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// subject lays out a certificate subject; see doc.go for the conventions.
func (s *Service) subject(spec leafSpec) pkix.Name {
	org := func(cn string) pkix.Name {
		return pkix.Name{
			Country:            []string{"CN"},
			Organization:       []string{spec.name},
			OrganizationalUnit: []string{spec.uscc},
			CommonName:         cn,
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: oidOrganizationIdentifier, Value: "NTRCN-" + spec.uscc},
			},
		}
	}
	switch spec.purpose {
	case PurposeParty:
		if spec.kind == Person {
			return pkix.Name{Country: []string{"CN"}, CommonName: spec.name, SerialNumber: spec.personRef}
		}
		return org(spec.name)
	case PurposeEvidence:
		return org(spec.name + " Evidence")
	case PurposeTSA:
		return org(spec.name + " TSA")
	case PurposeOCSP:
		return org(spec.name + " OCSP")
	}
	return org(spec.name) // PurposeSealMaker: the platform's organisation certificate
}

func (s *Service) leafTemplate(spec leafSpec, pub any, now time.Time, issuer *smx509.Certificate) (*smx509.Certificate, error) {
	serial, err := newSerial(rand.Reader)
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	validity := spec.validity
	if validity <= 0 {
		validity = s.cfg.PartyValidity
		if spec.purpose != PurposeParty {
			validity = s.cfg.ServiceValidity
		}
	}
	tmpl := &smx509.Certificate{
		SerialNumber:          serial,
		Subject:               s.subject(spec),
		NotBefore:             later(now.Add(-backdate), issuer.NotBefore),
		NotAfter:              earlier(now.Add(validity), issuer.NotAfter),
		BasicConstraintsValid: true,
		KeyUsage:              smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
		SubjectKeyId:          skid,
	}
	if u := s.cfg.CRLURLs[spec.alg]; u != "" {
		tmpl.CRLDistributionPoints = []string{u}
	}
	if u := s.cfg.OCSPURLs[spec.alg]; u != "" && spec.purpose != PurposeOCSP {
		tmpl.OCSPServer = []string{u}
	}
	if spec.purpose == PurposeOCSP {
		// RFC 6960 §4.2.2.2: a delegated responder; nocheck (a NULL) tells
		// clients not to ask about the responder's own status.
		tmpl.ExtKeyUsage = []smx509.ExtKeyUsage{smx509.ExtKeyUsageOCSPSigning}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: ocsp.OIDNoCheck, Value: []byte{0x05, 0x00}})
	}
	if spec.purpose == PurposeTSA {
		// Go writes extendedKeyUsage non-critical; RFC 3161 §2.3 and OpenSSL's
		// `ts -verify` want it critical and containing only timeStamping.
		eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: eku})
	}
	return tmpl, nil
}
