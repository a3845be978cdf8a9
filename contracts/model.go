package contracts

import (
	"errors"
	"time"
)

// State is where a contract stands.
type State string

// The contract states: draft → in_progress → completed | rejected | revoked
// | expired. The last four are final.
const (
	StateDraft      State = "draft"
	StateInProgress State = "in_progress"
	StateCompleted  State = "completed"
	StateRejected   State = "rejected"
	StateRevoked    State = "revoked"
	StateExpired    State = "expired"
)

// Final reports whether no transition leaves s.
func (s State) Final() bool {
	return s == StateCompleted || s == StateRejected || s == StateRevoked || s == StateExpired
}

// PartyState is where a signer or CC recipient stands.
type PartyState string

// The party states. Signers go pending → notified → viewed → signed |
// rejected; CC recipients go pending → notified.
const (
	PartyPending  PartyState = "pending"
	PartyNotified PartyState = "notified"
	PartyViewed   PartyState = "viewed"
	PartySigned   PartyState = "signed"
	PartyRejected PartyState = "rejected"
)

// Role says whether a party signs or only receives copies.
type Role string

// The party roles.
const (
	RoleSigner Role = "signer"
	RoleCC     Role = "cc"
)

// PartyKind says who a party is.
type PartyKind string

// The party kinds: an individual signs with a signature; an organisation
// signs with a seal, through an authorised member or by auto-stamp.
const (
	Person       PartyKind = "person"
	Organisation PartyKind = "organization"
)

// FieldKind is what a field puts on the page.
type FieldKind string

// The field kinds.
const (
	FieldSeal      FieldKind = "seal"
	FieldSignature FieldKind = "signature"
	FieldDate      FieldKind = "date"
	// FieldCrossPage is a cross-page seal (骑缝章): slices of the seal along
	// the right edge of several pages.
	FieldCrossPage FieldKind = "cross_page"
)

// Limits from the product rules.
const (
	MaxDocuments    = 50
	MaxSigners      = 50
	MaxFields       = 300
	MaxCC           = 50
	DefaultDeadline = 30 * 24 * time.Hour
	MaxDeadline     = 90 * 24 * time.Hour
	// NudgeInterval is the shortest gap between two reminders to one signer.
	NudgeInterval = 30 * time.Minute
	// MaxDocumentSize is the largest document accepted, in bytes.
	MaxDocumentSize = 50 << 20
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound means no such object in the caller's tenant (or, for a
	// signer, no such contract for them).
	ErrNotFound = errors.New("contracts: not found")
	// ErrState means the object is in the wrong state for the action.
	ErrState = errors.New("contracts: not allowed in the current state")
	// ErrNotYourTurn means earlier signers in the order have not signed.
	ErrNotYourTurn = errors.New("contracts: earlier signers have not signed yet")
	// ErrTooSoon means a signer was reminded less than [NudgeInterval] ago.
	ErrTooSoon = errors.New("contracts: signer was reminded too recently")
	// ErrLinkInvalid means a signing link is unknown, expired or revoked.
	ErrLinkInvalid = errors.New("contracts: signing link is invalid or expired")
	// ErrNotSigner means the caller is not the party the action needs.
	ErrNotSigner = errors.New("contracts: caller is not this signer")
	// ErrBadPDF means an upload is not a usable PDF.
	ErrBadPDF = errors.New("contracts: not a valid PDF")
	// ErrEncryptedPDF means an upload is a password-protected PDF.
	ErrEncryptedPDF = errors.New("contracts: PDF is encrypted")
	// ErrBadOFD means an upload is an OFD package that is damaged or that
	// Signet cannot read (GB/T 33190).
	ErrBadOFD = errors.New("contracts: not a valid OFD")
	// ErrEncryptedOFD means an upload is an OFD with encrypted entries.
	ErrEncryptedOFD = errors.New("contracts: OFD is encrypted")
	// ErrUnsupportedFormat means an upload is neither PDF nor a convertible
	// office document.
	ErrUnsupportedFormat = errors.New("contracts: unsupported document format")
	// ErrConversionUnavailable means office documents cannot be converted on
	// this installation.
	ErrConversionUnavailable = errors.New("contracts: document conversion unavailable")
	// ErrConversionFailed means LibreOffice could not convert an upload.
	ErrConversionFailed = errors.New("contracts: document conversion failed")
	// ErrTooLarge means an upload exceeds [MaxDocumentSize].
	ErrTooLarge = errors.New("contracts: document too large")
)

// Contract is one agreement a tenant sends for signature.
type Contract struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	Title    string `gorm:"size:200;not null"`
	State    State  `gorm:"size:16;not null"`
	// CreatedBy is the actor (person:… or apikey:…) who drafted it.
	CreatedBy string `gorm:"size:80;not null"`
	// Algorithm is the signature algorithm, "sm2" or "ecdsa", fixed at send.
	Algorithm string `gorm:"size:8;not null;default:'sm2'"`
	// DeadlineDays is the deadline asked for in the draft; Deadline is set
	// when the contract is sent.
	DeadlineDays int `gorm:"not null"`
	Deadline     *time.Time
	Extensions   int `gorm:"not null;default:0"`
	// Round is the signing order number now open; 0 before sending.
	Round int `gorm:"not null;default:0"`
	// VerifyCode is the short public code printed on the final PDF.
	VerifyCode string `gorm:"size:16;not null"`
	TemplateID string `gorm:"size:36;not null;default:''"`
	Reason     string `gorm:"size:500;not null;default:''"`
	SentAt     *time.Time
	EndedAt    *time.Time
	// RemindEveryHours schedules automatic reminders; 0 turns them off.
	RemindEveryHours int `gorm:"not null;default:24"`
	Version          int `gorm:"not null;default:1"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName pins the table to its migration.
func (Contract) TableName() string { return "contracts" }

// Party is a signer or CC recipient of a contract.
type Party struct {
	ID         string    `gorm:"primaryKey;size:36"`
	TenantID   string    `gorm:"size:36;not null"`
	ContractID string    `gorm:"size:36;not null"`
	Role       Role      `gorm:"size:8;not null"`
	Kind       PartyKind `gorm:"size:16;not null"`
	// Order is the signing order: equal numbers sign in parallel, ascending
	// numbers in sequence. CC recipients have 0.
	Order int `gorm:"column:sign_order;not null"`
	// Name is the individual's name, or the organisation's contact person.
	Name string `gorm:"size:100;not null"`
	// Mobile is E.164; it receives links and codes.
	Mobile string `gorm:"size:20;not null;default:''"`
	// Email, optional, also receives the invitation and completion notice.
	Email string `gorm:"size:254;not null;default:''"`
	// Lang is the language of the party's messages; "" means the tenant's.
	Lang string `gorm:"size:8;not null;default:''"`
	// OrgName and OrgUSCC identify an organisation party; its members whose
	// tenant is verified under OrgUSCC act for it.
	OrgName string `gorm:"size:200;not null;default:''"`
	OrgUSCC string `gorm:"column:org_uscc;size:18;not null;default:''"`
	// AutoStamp lets the organisation sign by server-side stamping.
	AutoStamp bool       `gorm:"not null;default:false"`
	State     PartyState `gorm:"size:16;not null"`
	// PersonID is the person who acted; ActingTenantID the organisation's
	// tenant, for organisation parties.
	PersonID       string `gorm:"size:36;not null;default:''"`
	ActingTenantID string `gorm:"size:36;not null;default:''"`
	Reason         string `gorm:"size:500;not null;default:''"`
	NotifiedAt     *time.Time
	ViewedAt       *time.Time
	SignedAt       *time.Time
	RejectedAt     *time.Time
	LastRemindedAt *time.Time
	Reminders      int `gorm:"not null;default:0"`
	// DeadlineWarnedAt is when the party was warned the deadline is 24
	// hours away.
	DeadlineWarnedAt *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName pins the table to its migration.
func (Party) TableName() string { return "contract_parties" }

// Document is one uploaded file. It exists, with its original in the
// vault, before any contract refers to it; a contract then owns it.
type Document struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	ContractID string `gorm:"size:36;not null;default:''"`
	Seq        int    `gorm:"not null;default:0"`
	Name       string `gorm:"size:255;not null"`
	// SourceKey is the uploaded office file, when one was converted.
	SourceKey string `gorm:"size:200;not null;default:''"`
	// OriginalKey is the PDF as uploaded or converted, with its digests.
	OriginalKey    string `gorm:"size:200;not null"`
	OriginalSM3    string `gorm:"column:original_sm3;size:64;not null"`
	OriginalSHA256 string `gorm:"column:original_sha256;size:64;not null"`
	Size           int64  `gorm:"not null"`
	Pages          int    `gorm:"not null"`
	// Boxes is the JSON list of page boxes [llx,lly,urx,ury] in points.
	Boxes string `gorm:"type:text;not null"`
	// CurrentKey is the latest revision: the prepared document once sent,
	// then each signed revision.
	CurrentKey string `gorm:"size:200;not null"`
	CurrentSM3 string `gorm:"column:current_sm3;size:64;not null"`
	// PreparedSM3 is the digest of the document as sent, the content every
	// signer approves.
	PreparedSM3 string `gorm:"column:prepared_sm3;size:64;not null;default:''"`
	Revision    int    `gorm:"not null;default:0"`
	CreatedBy   string `gorm:"size:80;not null"`
	// Format is the document's format: [FormatPDF] or [FormatOFD].
	Format string `gorm:"size:8;not null;default:'pdf'"`
	// ArchiveDueAt is when the document is next due for an archive
	// time-stamp (see [Archiver]); nil until its contract completes, and
	// always for an OFD (its seals' time-stamps are what it carries).
	ArchiveDueAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName pins the table to its migration.
func (Document) TableName() string { return "contract_documents" }

// Revision is one stored version of a document: 0 is the prepared
// document, each later one adds a signature.
type Revision struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	ContractID string `gorm:"size:36;not null"`
	DocumentID string `gorm:"size:36;not null"`
	N          int    `gorm:"column:n;not null"`
	Key        string `gorm:"size:200;not null"`
	SM3        string `gorm:"column:sm3;size:64;not null"`
	SHA256     string `gorm:"column:sha256;size:64;not null"`
	Size       int64  `gorm:"not null"`
	PartyID    string `gorm:"size:36;not null;default:''"`
	CreatedAt  time.Time
}

// TableName pins the table to its migration.
func (Revision) TableName() string { return "contract_revisions" }

// Field is a place on a document where a signer's mark goes.
type Field struct {
	ID         string    `gorm:"primaryKey;size:36"`
	TenantID   string    `gorm:"size:36;not null"`
	ContractID string    `gorm:"size:36;not null"`
	PartyID    string    `gorm:"size:36;not null"`
	DocumentID string    `gorm:"size:36;not null"`
	Kind       FieldKind `gorm:"size:16;not null"`
	// Page and X, Y (lower-left corner), W, H are in PDF points with the
	// origin at the bottom left; for anchored fields they are resolved from
	// the anchor when the contract is drafted.
	Page int     `gorm:"not null"`
	X    float64 `gorm:"not null"`
	Y    float64 `gorm:"not null"`
	W    float64 `gorm:"not null"`
	H    float64 `gorm:"not null"`
	// Anchor, AnchorIndex (1-based occurrence) and the offsets record how a
	// keyword-anchored field was placed.
	Anchor      string  `gorm:"size:100;not null;default:''"`
	AnchorIndex int     `gorm:"not null;default:0"`
	OffsetX     float64 `gorm:"not null;default:0"`
	OffsetY     float64 `gorm:"not null;default:0"`
	// DateFormat is the layout of a date field, e.g. yyyy年MM月dd日.
	DateFormat string `gorm:"size:40;not null;default:''"`
	// CrossPages lists the pages of a cross-page seal, comma separated;
	// empty means every page.
	CrossPages string `gorm:"size:1000;not null;default:''"`
	CreatedAt  time.Time
}

// TableName pins the table to its migration.
func (Field) TableName() string { return "contract_fields" }

// Link is a signer's access link. Only the SHA-256 of its token is stored.
type Link struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	ContractID string `gorm:"size:36;not null"`
	PartyID    string `gorm:"size:36;not null"`
	TokenHash  string `gorm:"size:64;not null"`
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// TableName pins the table to its migration.
func (Link) TableName() string { return "contract_links" }
