package exports

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"signet/contracts"
	"signet/evidence"
	"signet/identity"
	"signet/internal/page"
	"signet/pki"
	"signet/tenants"
)

// Sentinel errors. The HTTP layer maps each to a status and a stable code.
var (
	// ErrNotFound means no such export in the tenant (another tenant's
	// export included).
	ErrNotFound = errors.New("exports: no such export")
	// ErrForbidden means the principal's role may not export evidence.
	ErrForbidden = errors.New("exports: only the legal role, owners, admins and API keys may export evidence")
	// ErrNotCompleted means the contract is not completed, so it has no
	// fully signed final document and no package.
	ErrNotCompleted = errors.New("exports: only a completed contract has an evidence package")
	// ErrNotReady means the export is not done yet: there is nothing to
	// download.
	ErrNotReady = errors.New("exports: the export is not finished")
	// ErrIDsOrFilter means a request named contracts and a filter both.
	ErrIDsOrFilter = errors.New("exports: contract ids or a filter, not both")
	// ErrTooManyContracts means a filter matches more than [MaxContracts].
	ErrTooManyContracts = errors.New("exports: the filter matches too many contracts")
)

// MaxContracts bounds one bulk export.
const MaxContracts = 200

// Contracts reads the tenant's contracts; *contracts.Service satisfies it.
// Each method returns [contracts.ErrNotFound] for another tenant's contract.
type Contracts interface {
	Contract(ctx context.Context, id string) (contracts.Contract, error)
	Detail(ctx context.Context, id string) (contracts.Detail, error)
	Revisions(ctx context.Context, contractID string) ([]contracts.Revision, error)
	List(ctx context.Context, f contracts.Filter, r page.Request) (page.Page[contracts.Contract], error)
}

// Identities says how a party was identified, for the report;
// *identity.Service satisfies it. Both return [identity.ErrNotFound] for
// someone never verified.
type Identities interface {
	Person(ctx context.Context, personID string) (identity.PersonVerification, error)
	// Organisation is the verification of the tenant in ctx.
	Organisation(ctx context.Context) (identity.OrgVerification, error)
}

// Platform is the platform CA; *pki.Service satisfies it.
type Platform interface {
	// Chain is the PEM chain of alg's issuing CA, ending with the root.
	Chain(alg pki.Algorithm) ([]byte, error)
	// CRL is the current CRL of alg's issuing CA, DER.
	CRL(ctx context.Context, alg pki.Algorithm) ([]byte, error)
	// PlatformCredential is the platform's current certificate and key for
	// a purpose; packages are sealed with pki.PurposeEvidence's.
	PlatformCredential(ctx context.Context, p pki.Purpose, alg pki.Algorithm) (*pki.Credential, error)
}

// Deps are what a Service is built from.
type Deps struct {
	// DB holds evidence_exports and the event chains.
	DB *gorm.DB
	// Vault holds the documents and records a package is made of, and the
	// finished bulk exports.
	Vault      evidence.Vault
	Contracts  Contracts
	Identities Identities
	Platform   Platform
	// Timestamps time-stamps chain heads and manifests; *tsa.Client is one.
	Timestamps evidence.Timestamper
	// TimestampRoots returns the roots signature time-stamps verify
	// against, to read each signature's time for the report.
	TimestampRoots func(ctx context.Context) (roots, intermediates *x509.CertPool, err error)
	Log            *slog.Logger
}

// Options tune the bulk export queue; zero values take the defaults.
type Options struct {
	// Lease is how long a claim holds without progress (5 minutes); each
	// finished contract renews it.
	Lease time.Duration
	// MaxAttempts is how many times an export is tried before it fails (3).
	MaxAttempts int
	// BaseDelay and MaxDelay bound the wait after a failed attempt (30
	// seconds, 10 minutes).
	BaseDelay, MaxDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service builds evidence packages and runs bulk exports. Every method
// but [Service.Run] needs a tenant in ctx.
type Service struct {
	d   Deps
	opt Options
	// crashHook is [Service.SetCrashHook]'s.
	crashHook func(exportID string) error
}

// NewService returns a Service over d.
func NewService(d Deps, opt Options) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if opt.Lease <= 0 {
		opt.Lease = 5 * time.Minute
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 3
	}
	if opt.BaseDelay <= 0 {
		opt.BaseDelay = 30 * time.Second
	}
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = 10 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{d: d, opt: opt}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// SetCrashHook is for tests that kill a bulk export where it hurts most:
// hook runs after the export's zip is in the vault and before its row says
// so. An error ends the run right there, lease held and row untouched, as
// if the process had died. Nil removes it.
func (s *Service) SetCrashHook(hook func(exportID string) error) { s.crashHook = hook }

// Requester is who asks for evidence: the principal, whose role decides,
// and where from, for the audit trail.
type Requester struct {
	Principal tenants.Principal
	IP        string
	UserAgent string
}

// MayExport reports whether p may export evidence: members with the legal,
// owner or admin role, and API keys (whose evidence:export scope the HTTP
// layer checks). Plain members may read contracts but not export them.
func MayExport(p tenants.Principal) bool {
	return p.APIKeyID != "" || p.Role == tenants.RoleLegal || p.Role.Manages()
}

// access is who asked for a package, as the audit trail records it.
type access struct {
	actor, ip, userAgent string
	// exportID names the bulk export, if the package is part of one.
	exportID string
}

func (r Requester) access() access {
	return access{actor: r.Principal.Actor(), ip: r.IP, userAgent: r.UserAgent}
}
