package identity

import (
	"errors"
	"time"
)

// State is where a verification stands. The lifecycle is
//
//	draft → submitted → approved | rejected
//	rejected → (edit) → resubmitted → approved | rejected
//	approved → expired | revoked → (edit) → draft …
type State string

// Verification states.
const (
	StateDraft       State = "draft"
	StateSubmitted   State = "submitted"
	StateResubmitted State = "resubmitted"
	StateApproved    State = "approved"
	StateRejected    State = "rejected"
	StateExpired     State = "expired"
	StateRevoked     State = "revoked"
)

// pending reports whether the application waits for a decision.
func (s State) pending() bool { return s == StateSubmitted || s == StateResubmitted }

// editable reports whether the applicant may change the application.
func (s State) editable() bool {
	return s == StateDraft || s == StateRejected || s == StateExpired || s == StateRevoked
}

// Verification methods. People: [MethodManual] (an operator reviews the ID
// images) or [MethodHTTP] (a third-party factor check). Organisations:
// [MethodReview] (an operator reviews) or [MethodDeposit] (a micro-deposit
// the applicant confirms).
const (
	MethodManual  = "manual"
	MethodHTTP    = "http"
	MethodReview  = "review"
	MethodDeposit = "deposit"
)

// Service errors, wrapped with the operation; match them with errors.Is.
var (
	// ErrNotFound means no such verification, document or payout (or one of
	// another tenant).
	ErrNotFound = errors.New("identity: not found")
	// ErrState means the action does not fit the application's state, e.g.
	// approving a draft or editing an application under review.
	ErrState = errors.New("identity: not allowed in the application's current state")
	// ErrDuplicate means the ID number or credit code is already verified
	// for another account.
	ErrDuplicate = errors.New("identity: already verified for another account")
	// ErrApplicantUnverified means the person applying for an organisation
	// (经办人) has no approved verification of their own.
	ErrApplicantUnverified = errors.New("identity: the applicant must be a verified person")
	// ErrDocumentsMissing means a required upload is missing.
	ErrDocumentsMissing = errors.New("identity: required documents are missing")
	// ErrDepositMismatch means the confirmed amount is wrong.
	ErrDepositMismatch = errors.New("identity: deposit amount does not match")
	// ErrDepositFailed means the deposit check is over: too many wrong
	// amounts or the confirmation window closed. The application is rejected.
	ErrDepositFailed = errors.New("identity: deposit check failed; the application was rejected")
	// ErrDepositNotSent means no deposit has been sent yet.
	ErrDepositNotSent = errors.New("identity: the deposit has not been sent yet")
	// ErrProviderUnavailable means the verification provider gave no usable answer.
	ErrProviderUnavailable = errors.New("identity: verification provider unavailable")
	// ErrSelfReview means an operator tried to approve their own application,
	// or that of an organisation they belong to.
	ErrSelfReview = errors.New("identity: operators cannot approve their own applications")
)

// Actor is who acts, for the audit log: Ref is "person:<id>", "provider:http"
// or "system"; IP and UserAgent come from the request.
type Actor struct {
	Ref       string
	IP        string
	UserAgent string
}

// PersonVerification is a person's real-name verification. People are
// global, so it has no TenantID: one row per person, reused across rounds.
// ID numbers, mobiles and bank cards are sealed with the keyring under
// labels bound to the row; the *Masked fields are what anyone gets to see.
type PersonVerification struct {
	ID            string  `gorm:"primaryKey;size:36"`
	PersonID      string  `gorm:"size:36;not null"`
	State         State   `gorm:"size:16;not null"`
	Method        string  `gorm:"size:16;not null"`
	Name          string  `gorm:"size:100;not null"`
	IDNumberEnc   []byte  `gorm:"column:id_number_enc"`
	IDIndex       string  `gorm:"column:id_index;size:64;not null"`
	IDMasked      string  `gorm:"column:id_masked;size:18;not null"`
	MobileEnc     []byte  `gorm:"column:mobile_enc"`
	MobileIndex   string  `gorm:"column:mobile_index;size:64;not null"`
	MobileMasked  string  `gorm:"column:mobile_masked;size:24;not null"`
	BankCardEnc   []byte  `gorm:"column:bank_card_enc"`
	VerifiedIndex *string `gorm:"column:verified_index;size:64"`
	PersonRef     string  `gorm:"size:64;not null;default:''"`
	ProviderRef   string  `gorm:"size:100;not null;default:''"`
	Reason        string  `gorm:"size:500;not null;default:''"`
	Rejections    int     `gorm:"not null;default:0"`
	SubmittedAt   *time.Time
	DecidedAt     *time.Time
	ExpiresAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName pins the table to its migration.
func (PersonVerification) TableName() string { return "identity_persons" }

// OrgVerification is a tenant's verification as an organisation; one per
// tenant, scoped by the tenants plugin.
type OrgVerification struct {
	ID                string  `gorm:"primaryKey;size:36"`
	TenantID          string  `gorm:"size:36;not null"`
	State             State   `gorm:"size:16;not null"`
	Method            string  `gorm:"size:16;not null"`
	Name              string  `gorm:"size:200;not null"`
	USCC              string  `gorm:"column:uscc;size:18;not null"`
	VerifiedUSCC      *string `gorm:"column:verified_uscc;size:18"`
	LegalRepName      string  `gorm:"size:100;not null"`
	LegalRepIDEnc     []byte  `gorm:"column:legal_rep_id_enc"`
	LegalRepIDIndex   string  `gorm:"column:legal_rep_id_index;size:64;not null"`
	LegalRepIDMasked  string  `gorm:"column:legal_rep_id_masked;size:18;not null"`
	ApplicantID       string  `gorm:"size:36;not null"`
	BankName          string  `gorm:"size:100;not null;default:''"`
	BankAccountEnc    []byte  `gorm:"column:bank_account_enc"`
	BankAccountMasked string  `gorm:"size:40;not null;default:''"`
	DepositEnc        []byte  `gorm:"column:deposit_enc"`
	DepositSentAt     *time.Time
	DepositDeadline   *time.Time
	DepositAttempts   int    `gorm:"not null;default:0"`
	Reason            string `gorm:"size:500;not null;default:''"`
	Rejections        int    `gorm:"not null;default:0"`
	SubmittedAt       *time.Time
	DecidedAt         *time.Time
	ExpiresAt         *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName pins the table to its migration.
func (OrgVerification) TableName() string { return "identity_orgs" }

// Document is an uploaded ID image or authorisation letter. The bytes live
// sealed in the vault under ObjectKey; the row is written after them.
type Document struct {
	ID          string `gorm:"primaryKey;size:36"`
	OwnerID     string `gorm:"size:36;not null"` // the verification's ID
	Kind        string `gorm:"size:24;not null"`
	ObjectKey   string `gorm:"size:255;not null"`
	ContentType string `gorm:"size:100;not null"`
	Size        int64  `gorm:"not null"`
	CreatedAt   time.Time
}

// TableName pins the table to its migration.
func (Document) TableName() string { return "identity_documents" }

// Payout is a micro-deposit the manual payments adapter asks an operator to send.
type Payout struct {
	ID                string `gorm:"primaryKey;size:36"`
	OrgVerificationID string `gorm:"size:36;not null"`
	State             string `gorm:"size:16;not null"` // pending, sent
	PayeeName         string `gorm:"size:200;not null"`
	BankName          string `gorm:"size:100;not null"`
	AccountEnc        []byte `gorm:"column:account_enc"`
	AmountFen         int    `gorm:"not null"`
	Reference         string `gorm:"size:100;not null;default:''"`
	RecordedBy        string `gorm:"size:80;not null;default:''"`
	RecordedAt        *time.Time
	CreatedAt         time.Time
}

// TableName pins the table to its migration.
func (Payout) TableName() string { return "identity_payouts" }
