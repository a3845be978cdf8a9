package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/evidence"
	"signet/internal/kek"
	"signet/internal/otp"
	"signet/pki"
	"signet/tenants"
)

// CA issues and revokes party certificates; *pki.Service satisfies it.
type CA interface {
	Issue(ctx context.Context, req pki.IssueRequest) (*pki.Credential, error)
	RevokeParty(ctx context.Context, kind pki.PartyKind, partyID string, reason pki.Reason) (int, error)
}

// Codes checks SMS one-time codes; *otp.Service satisfies it.
type Codes interface {
	Verify(ctx context.Context, c otp.Check) error
}

// PlatformTenant is the tenant under which platform-wide artefacts live:
// persons' audit chains ("person:<id>") and their uploaded ID images.
const PlatformTenant = "platform"

// PersonChain names the audit chain of one person's verification events,
// kept under [PlatformTenant].
func PersonChain(personID string) string { return "person:" + personID }

// MobilePurpose is the OTP purpose that proves a person's mobile number.
const MobilePurpose = "identity.mobile"

// MobileIntent binds a mobile proof code to the person and the number. The
// digest is SM3, so the number is not stored with the code.
func MobileIntent(personID, mobile string) otp.Intent {
	sum := sm3.Sum([]byte("signet/identity/mobile/v1|person:" + personID + "|" + mobile))
	return otp.Intent{Purpose: MobilePurpose, Digest: hex.EncodeToString(sum[:])}
}

// Deps are the components a Service works with.
type Deps struct {
	DB       *gorm.DB
	Keys     *kek.Keyring
	Vault    evidence.Vault
	CA       CA
	Codes    Codes
	Payments Payments
	// Provider is the third-party check for [MethodHTTP]; nil disables it.
	Provider Provider
	// Messages tells applicants that their verification was approved or
	// rejected; nil sends no notices.
	Messages Messages
	// PublicURL is the base of the links in those notices, e.g.
	// https://sign.example.com; "" leaves the link out.
	PublicURL string
}

// Options tunes a Service.
type Options struct {
	// IndexKey keys the blind indexes (see [LoadKey]); at least 32 bytes.
	IndexKey []byte
	// DefaultMethod is the person method used when a request names none:
	// [MethodManual] (default) or [MethodHTTP].
	DefaultMethod string
	// Validity is how long an approval lasts; default one year.
	Validity time.Duration
	// DepositWindow is how long an applicant has to confirm a deposit once
	// sent; default 7 days. DepositAttempts wrong amounts fail it; default 3.
	DepositWindow   time.Duration
	DepositAttempts int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service runs real-name verification of people and organisations.
type Service struct {
	db       *gorm.DB
	keys     *kek.Keyring
	vault    evidence.Vault
	ca       CA
	codes    Codes
	payments Payments
	provider Provider
	msgs     Messages
	baseURL  string
	opt      Options
}

// NewService returns a Service. It panics on a short index key: a weak key
// must not quietly produce indexes anyone could recompute.
func NewService(d Deps, opt Options) *Service {
	if len(opt.IndexKey) < MinBlindIndexKeySize {
		panic("identity: index key too short")
	}
	opt.IndexKey = append([]byte(nil), opt.IndexKey...)
	if opt.DefaultMethod == "" {
		opt.DefaultMethod = MethodManual
	}
	if opt.Validity <= 0 {
		opt.Validity = 365 * 24 * time.Hour
	}
	if opt.DepositWindow <= 0 {
		opt.DepositWindow = 7 * 24 * time.Hour
	}
	if opt.DepositAttempts <= 0 {
		opt.DepositAttempts = 3
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{db: d.DB, keys: d.Keys, vault: d.Vault, ca: d.CA, codes: d.Codes, payments: d.Payments, provider: d.Provider,
		msgs: d.Messages, baseURL: strings.TrimRight(d.PublicURL, "/"), opt: opt}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// audit appends one event in tx, under tenant (the org's, or [PlatformTenant]).
func (s *Service) audit(ctx context.Context, tx *gorm.DB, tenant, chain, typ string, a Actor, payload any) error {
	_, err := evidence.Append(tenants.WithTenant(ctx, tenant), tx, evidence.Record{
		Chain: chain, Type: typ, Actor: a.Ref, IP: a.IP, UserAgent: a.UserAgent, Payload: payload,
	}, s.now())
	return err
}

func (s *Service) index(kind, value string) string { return BlindIndex(s.opt.IndexKey, kind, value) }

// personRef derives the certificate serialNumber of a person from the blind
// index of their ID number: stable across renewals, never reversible, and
// different from the index the database stores.
func (s *Service) personRef(idIndex string) string {
	return "psn-" + BlindIndex(s.opt.IndexKey, "person_ref", idIndex)[:40]
}

func sealLabel(kind, id, field string) string { return "identity/" + kind + "/" + id + "/" + field }

// secret is a platform key sealed by the keyring.
type secret struct {
	Name      string `gorm:"primaryKey;size:64"`
	Wrapped   []byte `gorm:"not null"`
	CreatedAt time.Time
}

func (secret) TableName() string { return "identity_secrets" }

// LoadKey returns the 32-byte platform key called name (e.g. "blind-index",
// "otp"), generating it from crypto/rand on first use. It is stored sealed
// by keys under the label "identity/secret/<name>", so it survives KEK
// rotation as long as the old KEK stays in the ring, and two processes
// starting at once agree on one key.
func LoadKey(ctx context.Context, db *gorm.DB, keys *kek.Keyring, name string) ([]byte, error) {
	label := "identity/secret/" + name
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	wrapped, err := keys.Seal(label, raw)
	clear(raw)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", name, err)
	}
	g := db.WithContext(ctx)
	if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&secret{Name: name, Wrapped: wrapped, CreatedAt: time.Now().UTC()}).Error; err != nil {
		return nil, fmt.Errorf("load key %s: %w", name, err)
	}
	var row secret
	if err := g.Where("name = ?", name).First(&row).Error; err != nil {
		return nil, fmt.Errorf("load key %s: %w", name, err)
	}
	key, err := keys.Open(label, row.Wrapped)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", name, err)
	}
	return key, nil
}

// notFound turns gorm's not-found into the domain's.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("find %s: %w", what, err)
}

// issueBoth issues the party's SM2 and ECDSA certificates. If the second
// fails, the first is revoked so no half-issued pair stays usable.
func (s *Service) issueBoth(ctx context.Context, req pki.IssueRequest) ([]string, error) {
	var serials []string
	for _, alg := range pki.Algorithms() {
		req.Algorithm = alg
		cred, err := s.ca.Issue(ctx, req)
		if err != nil {
			s.undoIssue(ctx, req.PartyKind, req.PartyID, serials)
			return nil, fmt.Errorf("issue %s certificate: %w", alg, err)
		}
		serials = append(serials, cred.Serial)
	}
	return serials, nil
}

// undoIssue revokes what an approval that failed had issued.
func (s *Service) undoIssue(ctx context.Context, kind pki.PartyKind, partyID string, serials []string) {
	if len(serials) > 0 {
		_, _ = s.ca.RevokeParty(context.WithoutCancel(ctx), kind, partyID, pki.ReasonCessationOfOperation)
	}
}

func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
