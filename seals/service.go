package seals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/pki"
	"signet/seals/render"
	"signet/tenants"
)

// OrgVerifier tells whether the tenant in ctx has an approved organisation
// verification. identity answers it in app.
type OrgVerifier interface {
	// OrganisationApproved reports whether the tenant in ctx may make
	// official seals; errors are failures to find out, not a "no".
	OrganisationApproved(ctx context.Context) (bool, error)
}

// CA is what making a seal needs from the platform CA.
type CA interface {
	// PartyCredential returns the party's current certificate or
	// [pki.ErrNotFound].
	PartyCredential(ctx context.Context, kind pki.PartyKind, partyID string, alg pki.Algorithm) (*pki.Credential, error)
	// PlatformCredential returns the platform seal maker's certificate.
	PlatformCredential(ctx context.Context, p pki.Purpose, alg pki.Algorithm) (*pki.Credential, error)
}

// Keys seals and opens secrets at rest (internal/kek.Keyring).
type Keys interface {
	Seal(label string, plaintext []byte) ([]byte, error)
	Open(label string, ciphertext []byte) ([]byte, error)
}

// Deps are the components a Service is built from.
type Deps struct {
	DB       *gorm.DB
	Vault    evidence.Vault
	Keys     Keys
	CA       CA
	Orgs     OrgVerifier
	Renderer *render.Renderer
	// PINKey keys the hashes of seal PINs (at least 32 bytes, a platform
	// secret sealed by the master key); see pin.go for why a keyed hash.
	PINKey []byte
	// PIN are the argon2id parameters of PIN hashes written before PINKey
	// existed; they are still checked, and replaced on the next good PIN.
	PIN tenants.PasswordParams
	// Messages asks custodians to approve uses; nil sends no requests.
	Messages Messages
	// PublicURL is the base of the links in those requests, e.g.
	// https://sign.example.com; "" leaves the link out.
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service runs the seal domain. Every method needs a tenant in ctx.
type Service struct {
	db       *gorm.DB
	vault    evidence.Vault
	keys     Keys
	ca       CA
	orgs     OrgVerifier
	renderer *render.Renderer
	pin      tenants.PasswordParams
	pinKey   []byte
	msgs     Messages
	baseURL  string
	now      func() time.Time
}

// NewService returns a Service over d. It panics when d.PINKey is shorter
// than 32 bytes: a programming error.
func NewService(d Deps) *Service {
	if len(d.PINKey) < 32 {
		panic("seals: PINKey must be at least 32 bytes")
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Service{db: d.DB, vault: d.Vault, keys: d.Keys, ca: d.CA, orgs: d.Orgs, renderer: d.Renderer, pin: d.PIN,
		pinKey: append([]byte(nil), d.PINKey...), msgs: d.Messages, baseURL: strings.TrimRight(d.PublicURL, "/"), now: now}
}

// Actor is who acts and from where, for the audit trail and the use log.
type Actor struct {
	Principal tenants.Principal
	IP        string
	UserAgent string
}

// manages reports whether the actor is a tenant owner or admin in person.
func (a Actor) manages() bool {
	p := a.Principal
	return p.APIKeyID == "" && (p.Role == tenants.RoleOwner || p.Role == tenants.RoleAdmin)
}

// Seal returns the tenant's seal id or [ErrNotFound].
func (s *Service) Seal(ctx context.Context, id string) (Seal, error) {
	return findSeal(s.db.WithContext(ctx), id)
}

func findSeal(tx *gorm.DB, id string) (Seal, error) {
	var row Seal
	if err := tx.Where("id = ?", id).First(&row).Error; err != nil {
		return row, notFound(err, "seal "+id)
	}
	return row, nil
}

// Seals lists the tenant's seals, newest first.
func (s *Service) Seals(ctx context.Context) ([]Seal, error) {
	var rows []Seal
	if err := s.db.WithContext(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list seals: %w", err)
	}
	return rows, nil
}

// Queue lists every tenant's seals awaiting review, oldest first. Operators
// only: it reads across tenants.
func (s *Service) Queue(ctx context.Context) ([]Seal, error) {
	var rows []Seal
	err := s.db.WithContext(tenants.Unscoped(ctx)).Where("state = ?", StatePending).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("seal queue: %w", err)
	}
	return rows, nil
}

// TenantOf returns the tenant of any seal, for operators who then act in
// that tenant's context. It returns [ErrNotFound].
func (s *Service) TenantOf(ctx context.Context, id string) (string, error) {
	row, err := findSeal(s.db.WithContext(tenants.Unscoped(ctx)), id)
	return row.TenantID, err
}

// event appends a seal event to the tenant chain inside tx.
func (s *Service) event(ctx context.Context, tx *gorm.DB, a Actor, typ string, payload map[string]any) error {
	tenantID, _ := tenants.FromContext(ctx)
	_, err := evidence.Append(ctx, tx, evidence.Record{
		Chain: evidence.TenantChain(tenantID), Type: typ, Actor: a.Principal.Actor(),
		IP: a.IP, UserAgent: a.UserAgent, Payload: payload,
	}, s.now())
	return err
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("find %s: %w", what, err)
}
