package tenants

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/valid"
)

// Options tunes a Service. Zero values take the defaults.
type Options struct {
	Password      PasswordParams
	RefreshTTL    time.Duration // default 30 days
	InvitationTTL time.Duration // default 7 days
	// Lockout bounds password guessing; see [Lockout].
	Lockout Lockout
	// SessionCheckTTL is how long a replica trusts what it read about a
	// session (see [Service.Current]); default [DefaultSessionCheckTTL].
	SessionCheckTTL time.Duration
	Now             func() time.Time
}

// Service runs tenants and accounts. Methods that touch tenant-owned rows
// need a tenant in ctx (see [WithTenant]).
type Service struct {
	db   *gorm.DB
	opt  Options
	now  func() time.Time
	fake string // hash checked for unknown emails, so timing does not reveal accounts
	// checked is this replica's memory of sessions' rights (session_check.go).
	checked sessionCache
}

// NewService returns a Service over db, which must have [Plugin] registered.
func NewService(db *gorm.DB, opt Options) *Service {
	if opt.Password.MemoryKiB == 0 {
		opt.Password = DefaultPasswordParams
	}
	if opt.RefreshTTL == 0 {
		opt.RefreshTTL = 30 * 24 * time.Hour
	}
	if opt.InvitationTTL == 0 {
		opt.InvitationTTL = 7 * 24 * time.Hour
	}
	opt.Lockout = opt.Lockout.withDefaults()
	if opt.SessionCheckTTL <= 0 {
		opt.SessionCheckTTL = DefaultSessionCheckTTL
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	fake, err := HashPassword("signet-timing-equaliser", opt.Password)
	if err != nil {
		panic(err) // crypto/rand failed: nothing can work
	}
	return &Service{db: db, opt: opt, now: func() time.Time { return now().UTC() }, fake: fake}
}

// newSecret returns a random bearer secret with a readable prefix and the
// SHA-256 digest under which it is stored. 256 bits of entropy make a slow
// hash unnecessary.
func newSecret(prefix string) (secret, digest string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, digestSecret(secret)
}

func digestSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// normEmail validates and lower-cases an email address.
func normEmail(v *valid.Errors, field, email string) string {
	email = strings.TrimSpace(email)
	if !v.Required(field, email) || !v.MaxLen(field, email, 254) {
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email, "@") {
		v.Add(field, "invalid", "must be a plain email address like name@example.com")
		return ""
	}
	if strings.HasSuffix(strings.ToLower(email), ".invalid") {
		// RFC 2606 reserves .invalid; accounts made by SMS sign-in hold
		// such placeholder addresses, so nobody may claim one.
		v.Add(field, "invalid", "is not a deliverable email address")
		return ""
	}
	return strings.ToLower(email)
}

func checkName(v *valid.Errors, field, name string, max int) string {
	name = strings.TrimSpace(name)
	if v.Required(field, name) && v.MaxLen(field, name, max) {
		v.Text(field, name)
	}
	return name
}

// notFound turns gorm's not-found into the domain's.
func notFound(err error, what, id string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find %s %s: %w", what, id, ErrNotFound)
	}
	return fmt.Errorf("find %s %s: %w", what, id, err)
}
