package webhooks

import (
	"strings"
	"time"
)

// Endpoint is a tenant's receiver of webhooks.
type Endpoint struct {
	ID          string `gorm:"primaryKey;size:36"`
	TenantID    string `gorm:"size:36;not null"`
	URL         string `gorm:"column:url;size:2000;not null"`
	Description string `gorm:"size:200;not null;default:''"`
	// Events is the space-separated subscription: types, "<prefix>.*", "*".
	Events  string `gorm:"size:1000;not null"`
	Enabled bool   `gorm:"not null"`
	// SecretSealed is the signing secret sealed by the KEK; OldSecretSealed
	// is the rotated-out one, still signing beside it until OldSecretUntil.
	SecretSealed    []byte
	OldSecretSealed []byte
	OldSecretUntil  *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is the endpoints table.
func (Endpoint) TableName() string { return "webhook_endpoints" }

// EventList returns the subscription as a list.
func (e Endpoint) EventList() []string { return strings.Fields(e.Events) }

// Event is something that happened in a tenant, as receivers see it.
type Event struct {
	// ID is the idempotency key: unique per tenant; empty makes a fresh one.
	ID   string
	Type string
	// Data is the event's JSON object; nil sends {}.
	Data any
}

// eventRow is a stored event: the exact body every retry sends.
type eventRow struct {
	ID        string `gorm:"primaryKey;size:36"`
	TenantID  string `gorm:"size:36;not null"`
	EventID   string `gorm:"size:100;not null"`
	Type      string `gorm:"size:64;not null"`
	Payload   []byte
	CreatedAt time.Time
}

func (eventRow) TableName() string { return "webhook_events" }

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states: pending deliveries are due at NextAttemptAt.
const (
	StatePending   DeliveryState = "pending"
	StateDelivered DeliveryState = "delivered"
	StateDead      DeliveryState = "dead"
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID            string        `gorm:"primaryKey;size:36"`
	TenantID      string        `gorm:"size:36;not null"`
	EndpointID    string        `gorm:"size:36;not null"`
	EventID       string        `gorm:"size:100;not null"`
	EventType     string        `gorm:"size:64;not null"`
	State         DeliveryState `gorm:"size:16;not null"`
	Attempts      int           `gorm:"not null;default:0"`
	NextAttemptAt time.Time
	// RetryUntil is when failures stop being retried.
	RetryUntil time.Time
	// LockedUntil and Lease are the claim of the runner sending it.
	LockedUntil *time.Time
	Lease       string `gorm:"size:36;not null;default:''"`
	LastStatus  int    `gorm:"not null;default:0"`
	LastError   string `gorm:"size:500;not null;default:''"`
	DeliveredAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName is the deliveries table.
func (Delivery) TableName() string { return "webhook_deliveries" }

// Attempt is one request of a delivery, for the delivery log.
type Attempt struct {
	ID         string `gorm:"primaryKey;size:36"`
	TenantID   string `gorm:"size:36;not null"`
	DeliveryID string `gorm:"size:36;not null"`
	N          int    `gorm:"column:n;not null"`
	At         time.Time
	StatusCode int    `gorm:"not null;default:0"`
	LatencyMS  int64  `gorm:"column:latency_ms;not null;default:0"`
	Error      string `gorm:"size:500;not null;default:''"`
	// Response is the start of the receiver's answer (at most 1 KiB).
	Response string `gorm:"size:2000;not null;default:''"`
}

// TableName is the attempts table.
func (Attempt) TableName() string { return "webhook_attempts" }
