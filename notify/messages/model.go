package messages

import (
	"time"

	"signet/internal/lease"
	"signet/notify"
)

// State is where a message stands in the outbox.
type State string

// Outbox states: pending messages are due at NextAttemptAt.
const (
	StatePending State = "pending"
	// StateSent means the provider accepted it; its Status then follows
	// the provider's reports.
	StateSent State = "sent"
	// StateFailed means the provider refused it for good, or retrying
	// stopped; Error says why.
	StateFailed State = "failed"
	// StateExpired means it became useless before it could go (a code
	// past its validity).
	StateExpired State = "expired"
)

// Message is one SMS or email in the outbox.
type Message struct {
	ID       string         `gorm:"primaryKey;size:36"`
	TenantID string         `gorm:"size:36;not null;default:''"`
	Channel  notify.Channel `gorm:"size:8;not null"`
	Kind     notify.Kind    `gorm:"size:32;not null"`
	Lang     notify.Lang    `gorm:"size:8;not null"`
	// ToMasked is the recipient as shown: ****5678, w***@example.com.
	ToMasked string `gorm:"size:100;not null"`
	// ToDigest is a keyed digest of the recipient, for rate limits.
	ToDigest string `gorm:"size:64;not null"`
	// Sealed is the recipient and the rendered words, sealed by the
	// keyring; nil once the message is final.
	Sealed []byte
	// ContractID and PartyID say which contract and party it concerns, if
	// any; its receipts go on that contract's chain.
	ContractID string `gorm:"size:36;not null;default:''"`
	PartyID    string `gorm:"size:36;not null;default:''"`

	lease.Columns
	// SendingSince is when the current attempt started; set while an
	// attempt may have reached the provider, cleared when it is recorded.
	SendingSince *time.Time
	// ExpiresAt is when sending stops making sense.
	ExpiresAt time.Time

	// Status is the latest delivery status (notify.Status…).
	Status     string `gorm:"size:16;not null"`
	Provider   string `gorm:"size:16;not null;default:''"`
	ProviderID string `gorm:"size:100;not null;default:''"`
	ErrorCode  string `gorm:"size:32;not null;default:''"`
	Error      string `gorm:"size:300;not null;default:''"`
	SentAt     *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName pins the table to its migration.
func (Message) TableName() string { return "messages" }

// StatusReport is one delivery status of a message, as the provider
// reported it (or as Signet recorded the send).
type StatusReport struct {
	ID        string `gorm:"primaryKey;size:36"`
	TenantID  string `gorm:"size:36;not null;default:''"`
	MessageID string `gorm:"size:36;not null"`
	Status    string `gorm:"size:16;not null"`
	ErrorCode string `gorm:"size:32;not null;default:''"`
	// Source is "send" for the provider's answer to the send, "callback"
	// for a status callback.
	Source string `gorm:"size:16;not null"`
	At     time.Time
}

// TableName pins the table to its migration.
func (StatusReport) TableName() string { return "message_statuses" }

// sealedBody is what Message.Sealed holds.
type sealedBody struct {
	To      string `json:"to"`
	ToName  string `json:"to_name,omitempty"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}
