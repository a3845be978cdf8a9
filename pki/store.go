package pki

import (
	"context"
	"time"
)

// Store persists keys, authorities, certificates and CRL state. It is the
// only thing pki needs from a database; [GormStore] implements it.
//
// Only [Service] calls a Store. Every method returns errors wrapping
// [ErrNotFound] for a missing row and [ErrConflict] when a uniqueness or
// compare-and-swap condition lost a race; callers match them with errors.Is.
// Implementations must be safe for concurrent use.
type Store interface {
	// CreateAuthorities stores keys and authorities in one transaction and
	// gives every issuing authority an empty CRL state (number 0). It returns
	// [ErrConflict] when an authority's CurrentSlot is already taken, which
	// means another process bootstrapped first.
	CreateAuthorities(ctx context.Context, keys []KeyRecord, auths []AuthorityRecord) error
	// Authority returns the authority with id, or [ErrNotFound].
	Authority(ctx context.Context, id string) (AuthorityRecord, error)
	// CurrentAuthority returns the authority holding slot (see
	// [AuthorityRecord.CurrentSlot]), or [ErrNotFound].
	CurrentAuthority(ctx context.Context, slot string) (AuthorityRecord, error)

	// Key returns the key with id, or [ErrNotFound].
	Key(ctx context.Context, id string) (KeyRecord, error)
	// Keys returns up to limit keys whose id sorts after afterID, in id order.
	Keys(ctx context.Context, afterID string, limit int) ([]KeyRecord, error)
	// UpdateKey replaces the wrapped private key of key id, or returns
	// [ErrNotFound].
	UpdateKey(ctx context.Context, id string, wrapped []byte) error

	// CreateCertificate stores key and cert in one transaction. When
	// supersedes is not empty, that certificate must still hold cert's
	// CurrentSlot: it loses the slot and records cert.ID as its successor, or
	// the call returns [ErrConflict] and stores nothing. A CurrentSlot taken
	// by another certificate is also [ErrConflict].
	CreateCertificate(ctx context.Context, key KeyRecord, cert CertRecord, supersedes string) error
	// Certificate returns the certificate with id, or [ErrNotFound].
	Certificate(ctx context.Context, id string) (CertRecord, error)
	// CertificateBySerial returns the certificate with serial (lowercase hex,
	// no leading zeros), or [ErrNotFound].
	CertificateBySerial(ctx context.Context, serial string) (CertRecord, error)
	// CurrentCertificate returns the certificate holding slot, or [ErrNotFound].
	CurrentCertificate(ctx context.Context, slot string) (CertRecord, error)
	// ExpiringCertificates returns every certificate that holds a slot and
	// whose NotAfter is before before, soonest first.
	ExpiringCertificates(ctx context.Context, before time.Time) ([]CertRecord, error)
	// PartyCertificates returns every certificate ever issued to the party,
	// oldest first.
	PartyCertificates(ctx context.Context, kind PartyKind, partyID string) ([]CertRecord, error)
	// RevokeCertificate marks certificate id revoked at at for reason, frees
	// its slot and bumps its issuer's CRL revision, all in one transaction.
	// It returns [ErrRevoked] when the certificate is already revoked and
	// [ErrNotFound] when it does not exist.
	RevokeCertificate(ctx context.Context, id string, reason Reason, at time.Time) error
	// RevokedCertificates lists what issuerID has revoked, in serial order.
	RevokedCertificates(ctx context.Context, issuerID string) ([]RevokedEntry, error)

	// CRL returns the CRL state of authorityID, or [ErrNotFound].
	CRL(ctx context.Context, authorityID string) (CRLRecord, error)
	// SaveCRL stores a newly built CRL (Number, BuiltRevision, ThisUpdate,
	// NextUpdate, DER) only if the stored number is still prevNumber;
	// otherwise it returns [ErrConflict]. It never changes Revision.
	SaveCRL(ctx context.Context, rec CRLRecord, prevNumber int64) error
}

// KeyRecord is a private key as stored: PKCS #8, sealed by the keyring
// under the label "pki/key/<ID>".
type KeyRecord struct {
	ID        string
	Algorithm Algorithm
	Wrapped   []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Role says where an authority sits in its hierarchy.
type Role string

// Authority roles.
const (
	// RoleRoot is a self-signed root CA.
	RoleRoot Role = "root"
	// RoleIssuing is the CA under a root that signs end-entity certificates and CRLs.
	RoleIssuing Role = "issuing"
)

// AuthorityRecord is a CA certificate and a reference to its key.
type AuthorityRecord struct {
	ID        string
	Algorithm Algorithm
	Role      Role
	ParentID  string // empty for a root
	KeyID     string // empty when the key was not imported (an offline root)
	Serial    string
	Subject   string
	Cert      []byte // DER
	NotBefore time.Time
	NotAfter  time.Time
	// CurrentSlot is "<role>/<algorithm>" while this is the authority in use,
	// empty once it has been replaced. At most one authority holds a slot.
	CurrentSlot string
	CreatedAt   time.Time
}

// CertRecord is an end-entity certificate issued by an issuing authority.
type CertRecord struct {
	ID        string
	IssuerID  string
	KeyID     string
	Serial    string // lowercase hex, no leading zeros
	Algorithm Algorithm
	Purpose   Purpose
	PartyKind PartyKind // empty for platform certificates
	PartyID   string
	Name      string
	USCC      string
	PersonRef string
	Cert      []byte // DER
	NotBefore time.Time
	NotAfter  time.Time
	// CurrentSlot names what the certificate currently serves,
	// "party/<kind>/<algorithm>/<party id>" or "platform/<purpose>/<algorithm>";
	// empty once superseded or revoked. At most one certificate holds a slot.
	CurrentSlot  string
	SupersededBy string
	RevokedAt    *time.Time
	Reason       Reason
	CreatedAt    time.Time
}

// RevokedEntry is one line of a CRL.
type RevokedEntry struct {
	Serial    string
	RevokedAt time.Time
	Reason    Reason
}

// CRLRecord is the CRL state of one issuing authority.
type CRLRecord struct {
	AuthorityID string
	// Number is the cRLNumber of DER; 0 before the first CRL.
	Number int64
	// Revision counts revocations by the authority; BuiltRevision is the
	// Revision that DER reflects. They differ when a revocation is not yet in
	// a CRL.
	Revision      int64
	BuiltRevision int64
	ThisUpdate    time.Time
	NextUpdate    time.Time
	DER           []byte
}
