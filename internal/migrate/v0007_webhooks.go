package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0007Webhooks stores tenants' webhook endpoints and the durable outbox:
// events (unique per tenant and event id), one delivery per event and
// endpoint, and the log of attempts.
func v0007Webhooks(tx *gorm.DB) error {
	type webhookEndpoint struct {
		ID              string `gorm:"primaryKey;size:36"`
		TenantID        string `gorm:"size:36;not null;index:ix_webhook_endpoints_tenant"`
		URL             string `gorm:"column:url;size:2000;not null"`
		Description     string `gorm:"size:200;not null;default:''"`
		Events          string `gorm:"size:1000;not null"`
		Enabled         bool   `gorm:"not null"`
		SecretSealed    []byte
		OldSecretSealed []byte
		OldSecretUntil  *time.Time
		CreatedAt       time.Time
		UpdatedAt       time.Time
	}
	type webhookEvent struct {
		ID        string `gorm:"primaryKey;size:36"`
		TenantID  string `gorm:"size:36;not null;uniqueIndex:ux_webhook_events_tenant_event,priority:1"`
		EventID   string `gorm:"size:100;not null;uniqueIndex:ux_webhook_events_tenant_event,priority:2"`
		Type      string `gorm:"size:64;not null"`
		Payload   []byte
		CreatedAt time.Time
	}
	type webhookDelivery struct {
		ID            string    `gorm:"primaryKey;size:36"`
		TenantID      string    `gorm:"size:36;not null;uniqueIndex:ux_webhook_deliveries_event_endpoint,priority:1"`
		EventID       string    `gorm:"size:100;not null;uniqueIndex:ux_webhook_deliveries_event_endpoint,priority:2"`
		EndpointID    string    `gorm:"size:36;not null;uniqueIndex:ux_webhook_deliveries_event_endpoint,priority:3;index:ix_webhook_deliveries_endpoint"`
		EventType     string    `gorm:"size:64;not null"`
		State         string    `gorm:"size:16;not null;index:ix_webhook_deliveries_due,priority:1"`
		Attempts      int       `gorm:"not null;default:0"`
		NextAttemptAt time.Time `gorm:"index:ix_webhook_deliveries_due,priority:2"`
		RetryUntil    time.Time
		LockedUntil   *time.Time
		Lease         string `gorm:"size:36;not null;default:''"`
		LastStatus    int    `gorm:"not null;default:0"`
		LastError     string `gorm:"size:500;not null;default:''"`
		DeliveredAt   *time.Time
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type webhookAttempt struct {
		ID         string `gorm:"primaryKey;size:36"`
		TenantID   string `gorm:"size:36;not null"`
		DeliveryID string `gorm:"size:36;not null;index:ix_webhook_attempts_delivery"`
		N          int    `gorm:"column:n;not null"`
		At         time.Time
		StatusCode int    `gorm:"not null;default:0"`
		LatencyMS  int64  `gorm:"column:latency_ms;not null;default:0"`
		Error      string `gorm:"size:500;not null;default:''"`
		Response   string `gorm:"size:2000;not null;default:''"`
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"webhook_endpoints", &webhookEndpoint{}},
		table{"webhook_events", &webhookEvent{}},
		table{"webhook_deliveries", &webhookDelivery{}},
		table{"webhook_attempts", &webhookAttempt{}},
	)
}
