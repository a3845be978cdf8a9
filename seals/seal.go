package seals

import (
	"errors"
	"time"
)

// Kind says whose seal it is.
type Kind string

// The kinds of seal.
const (
	// Official seals belong to the tenant's organisation and need review.
	Official Kind = "official"
	// Personal seals belong to one verified person and are approved at once.
	Personal Kind = "personal"
)

// Style is how a seal's image was made.
type Style string

// The seal styles: templates drawn by seals/render, or an uploaded image.
const (
	StyleRound     Style = "round"
	StyleOval      Style = "oval"
	StyleFinance   Style = "finance"
	StyleName      Style = "name"
	StyleSignature Style = "signature"
	StyleUpload    Style = "upload"
)

// State is where a seal stands in its lifecycle.
type State string

// The seal states. Only StateActive seals may be used.
const (
	StatePending  State = "pending"
	StateRejected State = "rejected"
	StateActive   State = "active"
	StateFrozen   State = "frozen"
	StateLost     State = "lost"
	StateRevoked  State = "revoked"
	StateExpired  State = "expired"
)

// Seal is one electronic seal of a tenant.
type Seal struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	Kind     Kind   `gorm:"size:16;not null"`
	Style    Style  `gorm:"size:16;not null"`
	Name     string `gorm:"size:100;not null"`
	Purpose  string `gorm:"size:200;not null;default:''"`
	State    State  `gorm:"size:16;not null"`
	// OwnerPersonID is the person a personal seal belongs to.
	OwnerPersonID string `gorm:"size:36;not null;default:''"`
	// CustodianPersonID is the member who keeps the seal (印章管理员) and
	// decides the uses that need approval; empty means the owners and admins.
	CustodianPersonID string `gorm:"size:36;not null;default:''"`
	// WidthMM and HeightMM are the printed size.
	WidthMM  float64 `gorm:"not null"`
	HeightMM float64 `gorm:"not null"`
	Color    string  `gorm:"size:16;not null;default:''"`
	// ImageKey is the vault key of the kek-sealed PNG; ImageSM3 the SM3 of
	// the plain PNG.
	ImageKey string `gorm:"size:200;not null"`
	ImageSM3 string `gorm:"size:64;not null"`
	// SESealKey is the vault key of the SESeal DER, once made.
	SESealKey string `gorm:"size:200;not null;default:''"`
	// CertSerial is the serial of the owner's certificate the seal is bound to.
	CertSerial string `gorm:"size:64;not null;default:''"`
	ValidStart *time.Time
	ValidEnd   *time.Time
	Reason     string `gorm:"size:500;not null;default:''"`
	AppliedBy  string `gorm:"size:80;not null"`
	DecidedBy  string `gorm:"size:80;not null;default:''"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName pins the table to its migration.
func (Seal) TableName() string { return "seals" }

// Usable reports whether the seal may sign at now: active and inside its
// validity period.
func (s Seal) Usable(now time.Time) error {
	if s.State != StateActive {
		return &RefusedError{Reason: "seal_" + string(s.State), Err: ErrNotUsable}
	}
	if s.ValidStart != nil && now.Before(*s.ValidStart) || s.ValidEnd != nil && !now.Before(*s.ValidEnd) {
		return &RefusedError{Reason: "seal_expired", Err: ErrNotUsable}
	}
	return nil
}

// Errors of the seal domain.
var (
	// ErrNotFound means no such seal (or authorisation, approval) in this tenant.
	ErrNotFound = errors.New("seals: not found")
	// ErrState means the seal's state does not allow the action.
	ErrState = errors.New("seals: not allowed in the seal's current state")
	// ErrUnverified means the organisation (or person) is not verified.
	ErrUnverified = errors.New("seals: the owner is not verified")
	// ErrForbidden means the principal may not do this to the seal.
	ErrForbidden = errors.New("seals: not allowed for this principal")
	// ErrNotUsable means the seal cannot sign now (state or validity).
	ErrNotUsable = errors.New("seals: the seal cannot be used")
	// ErrNotAuthorised means no current authorisation covers the principal.
	ErrNotAuthorised = errors.New("seals: not authorised to use this seal")
	// ErrPINWrong means the PIN did not match.
	ErrPINWrong = errors.New("seals: wrong PIN")
	// ErrPINLocked means too many wrong PINs; a manager must unlock.
	ErrPINLocked = errors.New("seals: PIN locked")
	// ErrPINNotSet means the holder has not set a PIN for this seal.
	ErrPINNotSet = errors.New("seals: no PIN set")
	// ErrApprovalPending means the custodian has to approve this use first.
	ErrApprovalPending = errors.New("seals: use awaits the custodian's approval")
)

// RefusedError is a refused use or action with the reason written to the
// use log. It unwraps to one of the sentinels above.
type RefusedError struct {
	Reason string
	Err    error
}

func (e *RefusedError) Error() string { return "use seal: " + e.Reason + ": " + e.Err.Error() }

// Unwrap returns the sentinel.
func (e *RefusedError) Unwrap() error { return e.Err }
