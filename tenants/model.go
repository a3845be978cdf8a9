package tenants

import (
	"errors"
	"time"
)

// Role is what a member may do within a tenant.
type Role string

// Tenant roles. Owners and admins manage the tenant; legal can search
// contracts and export evidence; members work on contracts.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleLegal  Role = "legal"
)

// Valid reports whether r is a known tenant role.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleMember, RoleLegal:
		return true
	}
	return false
}

// Manages reports whether r may administer the tenant (members, invitations, API keys).
func (r Role) Manages() bool { return r == RoleOwner || r == RoleAdmin }

// PlatformOperator is the platform role of the people who review applications.
const PlatformOperator = "operator"

// Sentinel errors. Wrapped with context by the service; match with errors.Is.
var (
	ErrNotFound           = errors.New("not found")
	ErrEmailTaken         = errors.New("email already registered")
	ErrAlreadyMember      = errors.New("already a member")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrTokenInvalid       = errors.New("invalid or expired token")
	ErrTokenReused        = errors.New("refresh token reused")
	ErrForbidden          = errors.New("forbidden")
	ErrLastOwner          = errors.New("a tenant must keep an owner")
)

// LockedError says a login is refused until Until after repeated failures
// for the email, from the client or from everywhere. It is answered alike
// whether or not an account has the email.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "login locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Tenant is an organisation using Signet.
type Tenant struct {
	ID     string `gorm:"primaryKey;size:36"`
	Name   string `gorm:"size:200;not null"`
	Status string `gorm:"size:16;not null"`
	// SignatureAlgorithm is how the tenant's contracts are signed: "sm2"
	// (SM2 with SM3, the default) or "ecdsa" (P-256 with SHA-256, which
	// ordinary PDF readers validate).
	SignatureAlgorithm string `gorm:"size:8;not null;default:'sm2'"`
	// SMSSignature is the name every SMS of the tenant starts with, inside
	// 【】 (e.g. 某某科技); "" means the platform's. See [CheckSMSSignature].
	SMSSignature string `gorm:"column:sms_signature;size:40;not null;default:''"`
	// DefaultLanguage is the language of messages to recipients whose own
	// is unknown: "zh-CN" or "en".
	DefaultLanguage string `gorm:"size:8;not null;default:'zh-CN'"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName pins the table to its migration.
func (Tenant) TableName() string { return "tenants" }

// Tenant statuses.
const (
	TenantActive    = "active"
	TenantSuspended = "suspended"
)

// Person is a global account: one human, whatever tenants they belong to.
type Person struct {
	ID           string `gorm:"primaryKey;size:36"`
	Email        string `gorm:"size:254;not null"`
	Name         string `gorm:"size:100;not null"`
	Mobile       string `gorm:"size:20;not null;default:''"`
	PasswordHash string `gorm:"size:255;not null"`
	PlatformRole string `gorm:"size:16;not null;default:''"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName pins the table to its migration (GORM would say "people").
func (Person) TableName() string { return "persons" }

// Membership puts a person in a tenant with a role.
type Membership struct {
	ID        string `gorm:"primaryKey;size:36"`
	TenantID  string `gorm:"size:36;not null"`
	PersonID  string `gorm:"size:36;not null"`
	Role      Role   `gorm:"size:16;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
	Person    *Person `gorm:"foreignKey:PersonID"`
}

// TableName pins the table to its migration.
func (Membership) TableName() string { return "memberships" }

// Invitation asks someone, by email, to join a tenant with a role.
type Invitation struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	Email      string `gorm:"size:254;not null"`
	Role       Role   `gorm:"size:16;not null"`
	TokenHash  string `gorm:"size:64;not null"`
	InvitedBy  string `gorm:"size:36;not null"`
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// TableName pins the table to its migration.
func (Invitation) TableName() string { return "invitations" }

// Status says where the invitation stands at now.
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// APIKey lets a tenant's servers call Signet without a person.
type APIKey struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	Name       string `gorm:"size:100;not null"`
	Prefix     string `gorm:"size:16;not null"`
	SecretHash string `gorm:"size:64;not null"`
	Scopes     string `gorm:"size:500;not null"`
	CreatedBy  string `gorm:"size:36;not null"`
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// TableName pins the table to its migration.
func (APIKey) TableName() string { return "api_keys" }

// refreshToken is one link of a session's rotation chain. It carries no
// TenantID column on purpose: it is read before any tenant is known.
type refreshToken struct {
	ID             string `gorm:"primaryKey;size:36"`
	PersonID       string `gorm:"size:36;not null"`
	ActiveTenantID string `gorm:"size:36;not null;default:''"`
	FamilyID       string `gorm:"size:36;not null"`
	TokenHash      string `gorm:"size:64;not null"`
	ExpiresAt      time.Time
	UsedAt         *time.Time
	RevokedAt      *time.Time
	IP             string `gorm:"size:45;not null;default:''"`
	UserAgent      string `gorm:"size:255;not null;default:''"`
	CreatedAt      time.Time
}

func (refreshToken) TableName() string { return "refresh_tokens" }

// sessionRow is a session as every access token names it: one per refresh
// token family (ID is the family id). Version is bumped, in the same
// transaction, by every change to the rights the session carries, and
// RevokedAt ends it. Like refreshToken it has no TenantID column: it is
// read before any tenant is known.
type sessionRow struct {
	ID             string `gorm:"primaryKey;size:36"`
	PersonID       string `gorm:"size:36;not null"`
	ActiveTenantID string `gorm:"size:36;not null;default:''"`
	Version        int64  `gorm:"not null;default:1"`
	RevokedAt      *time.Time
	CreatedAt      time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// Principal is who is calling: a person acting in a tenant, an API key of a
// tenant, or a platform operator. The HTTP layer builds it from a token.
type Principal struct {
	PersonID string
	TenantID string
	Role     Role
	Operator bool
	APIKeyID string
	Scopes   []string
	// SessionID names the session a person's access token belongs to, and
	// SessionVersion the version of its rights the token was issued at
	// (see [Service.Current]). API keys have neither.
	SessionID      string
	SessionVersion int64
}

// Can reports whether the principal holds scope. People hold every scope
// their role allows; API keys only those they were created with.
func (p Principal) Can(scope string) bool {
	if p.APIKeyID == "" {
		return true
	}
	for _, s := range p.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// Actor is the id written to audit records for the principal.
func (p Principal) Actor() string {
	if p.APIKeyID != "" {
		return "apikey:" + p.APIKeyID
	}
	return "person:" + p.PersonID
}
