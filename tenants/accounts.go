package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
)

// SignUp is what a new company gives to open its tenant.
type SignUp struct {
	CompanyName string
	Name        string
	Email       string
	Password    string
}

// SignUp creates a tenant and its owner in one transaction. A person who
// already has an account must log in and create the tenant from there; an
// email can belong to one person only ([ErrEmailTaken]).
func (s *Service) SignUp(ctx context.Context, in SignUp) (Tenant, Person, error) {
	var v valid.Errors
	company := checkName(&v, "company_name", in.CompanyName, 200)
	name := checkName(&v, "name", in.Name, 100)
	email := normEmail(&v, "email", in.Email)
	checkPassword(&v, "password", in.Password, email)
	if err := v.Err(); err != nil {
		return Tenant{}, Person{}, err
	}
	hash, err := HashPassword(in.Password, s.opt.Password)
	if err != nil {
		return Tenant{}, Person{}, err
	}
	t := Tenant{ID: ids.New(), Name: company, Status: TenantActive}
	p := Person{ID: ids.New(), Email: email, Name: name, PasswordHash: hash}
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return fmt.Errorf("sign up %s: %w", email, ErrEmailTaken)
			}
			return fmt.Errorf("sign up: create person: %w", err)
		}
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("sign up: create tenant: %w", err)
		}
		m := Membership{ID: ids.New(), TenantID: t.ID, PersonID: p.ID, Role: RoleOwner}
		if err := tx.WithContext(WithTenant(ctx, t.ID)).Create(&m).Error; err != nil {
			return fmt.Errorf("sign up: create membership: %w", err)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, Person{}, err
	}
	return t, p, nil
}

// CreateOperator creates a platform operator account, or promotes the person
// who already has that email. Only the `signet admin` command calls it.
func (s *Service) CreateOperator(ctx context.Context, email, name, password string) (Person, error) {
	var v valid.Errors
	email = normEmail(&v, "email", email)
	name = checkName(&v, "name", name, 100)
	checkPassword(&v, "password", password, email)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	hash, err := HashPassword(password, s.opt.Password)
	if err != nil {
		return Person{}, err
	}
	var p Person
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		p = Person{} // a rerun must not look the email up by a rolled-back id
		err := tx.Where("email = ?", email).First(&p).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			p = Person{ID: ids.New(), Email: email, Name: name, PasswordHash: hash, PlatformRole: PlatformOperator}
			return tx.Create(&p).Error
		case err != nil:
			return err
		}
		p.PlatformRole = PlatformOperator
		p.PasswordHash = hash
		return tx.Model(&p).Updates(map[string]any{"platform_role": PlatformOperator, "password_hash": hash}).Error
	})
	if err != nil {
		return Person{}, fmt.Errorf("create operator %s: %w", email, err)
	}
	return p, nil
}

// Authenticate checks an email and password from client (the caller's
// address). Failures are counted per email and per (email, client) whether
// or not an account has the email ([Lockout]); past the limits every
// attempt is refused with a [*LockedError] without a password check, and
// an unknown email costs the same hashing work and gets the same answers
// as a known one: [ErrInvalidCredentials], then the same lock.
func (s *Service) Authenticate(ctx context.Context, email, password, client string) (Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(password) > MaxPasswordLen*4 {
		return Person{}, ErrInvalidCredentials
	}
	lim := s.opt.Lockout
	pair, whole := throttleKeys(email, client)
	lastPair, err := s.claim(ctx, pair, lim.PerClient, lim.ClientWindow)
	if err != nil {
		return Person{}, err
	}
	lastWhole, err := s.claim(ctx, whole, lim.PerAccount, lim.AccountWindow)
	if err != nil {
		return Person{}, err
	}
	var p Person
	err = s.db.WithContext(ctx).Where("email = ?", email).Take(&p).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Person{}, fmt.Errorf("authenticate: %w", err)
	}
	// People who signed up by mobile have no password (they sign in by
	// SMS), and unknown emails none either: both spend the time of a check.
	hash := p.PasswordHash
	if hash == "" {
		hash = s.fake
	}
	passwordChecks.Add(1)
	ok, err := CheckPassword(password, hash)
	if err != nil {
		return Person{}, fmt.Errorf("authenticate %s: %w", p.ID, err)
	}
	if !ok || p.PasswordHash == "" {
		switch {
		case lastPair != nil:
			return Person{}, &LockedError{Until: *lastPair}
		case lastWhole != nil:
			return Person{}, &LockedError{Until: *lastWhole}
		}
		return Person{}, ErrInvalidCredentials
	}
	if err := s.forgive(ctx, pair, whole, lastWhole != nil); err != nil {
		return Person{}, fmt.Errorf("authenticate: %w", err)
	}
	return p, nil
}

// passwordChecks counts password hashes compared against stored ones; tests
// use it to prove that the lockout bounds the checks an attacker gets.
var passwordChecks atomic.Int64

// Person returns a person by id. People are global, so no tenant is needed.
func (s *Service) Person(ctx context.Context, id string) (Person, error) {
	var p Person
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&p).Error; err != nil {
		return Person{}, notFound(err, "person", id)
	}
	return p, nil
}

// MembershipView is a membership with its tenant's name, as a person sees it.
type MembershipView struct {
	Membership
	TenantName string
}

// MembershipsOf lists every tenant the person belongs to. It crosses tenants
// by design: it is how a person chooses one.
func (s *Service) MembershipsOf(ctx context.Context, personID string) ([]MembershipView, error) {
	return membershipsOf(ctx, s.db, personID)
}

// membershipsOf reads through db, which may be a transaction: a transaction
// must never wait for a second pooled connection (SQLite's writers would
// starve the pool).
func membershipsOf(ctx context.Context, db *gorm.DB, personID string) ([]MembershipView, error) {
	var rows []MembershipView
	err := db.WithContext(Unscoped(ctx)).Model(&Membership{}).
		Select("memberships.*, tenants.name AS tenant_name").
		Joins("JOIN tenants ON tenants.id = memberships.tenant_id").
		Where("memberships.person_id = ? AND tenants.status = ?", personID, TenantActive).
		Order("memberships.created_at, memberships.id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list memberships of %s: %w", personID, err)
	}
	return rows, nil
}

// Tenant returns the tenant in ctx.
func (s *Service) Tenant(ctx context.Context) (Tenant, error) {
	tid, ok := FromContext(ctx)
	if !ok {
		return Tenant{}, ErrNoTenant
	}
	var t Tenant
	if err := s.db.WithContext(ctx).Where("id = ?", tid).First(&t).Error; err != nil {
		return Tenant{}, notFound(err, "tenant", tid)
	}
	return t, nil
}

// RenameTenant changes the tenant's display name.
func (s *Service) RenameTenant(ctx context.Context, name string) (Tenant, error) {
	var v valid.Errors
	name = checkName(&v, "name", name, 200)
	if err := v.Err(); err != nil {
		return Tenant{}, err
	}
	t, err := s.Tenant(ctx)
	if err != nil {
		return Tenant{}, err
	}
	if err := s.db.WithContext(ctx).Model(&t).Update("name", name).Error; err != nil {
		return Tenant{}, fmt.Errorf("rename tenant %s: %w", t.ID, err)
	}
	t.Name = name
	return t, nil
}

// SetSignatureAlgorithm chooses "sm2" or "ecdsa" for the tenant in ctx's
// contracts sent from now on.
func (s *Service) SetSignatureAlgorithm(ctx context.Context, alg string) (Tenant, error) {
	if alg != "sm2" && alg != "ecdsa" {
		return Tenant{}, valid.Errors{{Field: "signature_algorithm", Code: "invalid", Message: "must be sm2 or ecdsa"}}
	}
	t, err := s.Tenant(ctx)
	if err != nil {
		return Tenant{}, err
	}
	if err := s.db.WithContext(ctx).Model(&t).Update("signature_algorithm", alg).Error; err != nil {
		return Tenant{}, fmt.Errorf("set signature algorithm of %s: %w", t.ID, err)
	}
	t.SignatureAlgorithm = alg
	return t, nil
}

// AllTenants lists every tenant, newest first. Tenants are not tenant-owned
// rows, so this needs no scope; only platform operators may call it.
func (s *Service) AllTenants(ctx context.Context, r page.Request) (page.Page[Tenant], error) {
	p, err := page.Find(s.db.WithContext(ctx), r, func(t Tenant) string { return t.ID })
	if err != nil && !errors.Is(err, page.ErrBadCursor) {
		return p, fmt.Errorf("list tenants: %w", err)
	}
	return p, err
}
