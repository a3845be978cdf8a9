package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0010Messages adds the message outbox (every SMS and email, leased by the
// dispatcher), the delivery statuses providers report, the rate-limit
// counters, tenants' messaging
// settings (SMS signature, default language) and parties' email and
// language.
func v0010Messages(tx *gorm.DB) error {
	type message struct {
		ID            string     `gorm:"primaryKey;size:36"`
		TenantID      string     `gorm:"size:36;not null;default:''"`
		Channel       string     `gorm:"size:8;not null"`
		Kind          string     `gorm:"size:32;not null"`
		Lang          string     `gorm:"size:8;not null"`
		ToMasked      string     `gorm:"size:100;not null"`
		ToDigest      string     `gorm:"size:64;not null"`
		Sealed        []byte     `gorm:""`
		ContractID    string     `gorm:"size:36;not null;default:'';index:ix_messages_contract"`
		PartyID       string     `gorm:"size:36;not null;default:''"`
		State         string     `gorm:"size:16;not null;index:ix_messages_due,priority:1"`
		Attempts      int        `gorm:"not null;default:0"`
		NextAttemptAt time.Time  `gorm:"not null;index:ix_messages_due,priority:2"`
		LockedUntil   *time.Time `gorm:""`
		Lease         string     `gorm:"size:36;not null;default:''"`
		SendingSince  *time.Time `gorm:""`
		ExpiresAt     time.Time  `gorm:"not null"`
		Status        string     `gorm:"size:16;not null"`
		Provider      string     `gorm:"size:16;not null;default:''"`
		ProviderID    string     `gorm:"size:100;not null;default:''"`
		ErrorCode     string     `gorm:"size:32;not null;default:''"`
		Error         string     `gorm:"size:300;not null;default:''"`
		SentAt        *time.Time `gorm:""`
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type messageStatus struct {
		ID        string `gorm:"primaryKey;size:36"`
		TenantID  string `gorm:"size:36;not null;default:''"`
		MessageID string `gorm:"size:36;not null;uniqueIndex:ux_message_statuses,priority:1"`
		Status    string `gorm:"size:16;not null;uniqueIndex:ux_message_statuses,priority:2"`
		ErrorCode string `gorm:"size:32;not null;default:'';uniqueIndex:ux_message_statuses,priority:3"`
		Source    string `gorm:"size:16;not null;uniqueIndex:ux_message_statuses,priority:4"`
		At        time.Time
	}
	type messageQuota struct {
		Key       string    `gorm:"column:quota_key;primaryKey;size:120"`
		Used      int       `gorm:"not null;default:0"`
		ExpiresAt time.Time `gorm:"not null;index:ix_message_quotas_expires"`
	}
	type tenant struct {
		SMSSignature    string `gorm:"column:sms_signature;size:40;not null;default:''"`
		DefaultLanguage string `gorm:"size:8;not null;default:'zh-CN'"`
	}
	type contractParty struct {
		Email            string `gorm:"size:254;not null;default:''"`
		Lang             string `gorm:"size:8;not null;default:''"`
		DeadlineWarnedAt *time.Time
	}
	if err := createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"messages", &message{}},
		table{"message_statuses", &messageStatus{}},
		table{"message_quotas", &messageQuota{}},
	); err != nil {
		return err
	}
	for _, c := range []struct {
		table, column, field string
		model                any
	}{
		{"tenants", "sms_signature", "SMSSignature", &tenant{}},
		{"tenants", "default_language", "DefaultLanguage", &tenant{}},
		{"contract_parties", "email", "Email", &contractParty{}},
		{"contract_parties", "lang", "Lang", &contractParty{}},
		{"contract_parties", "deadline_warned_at", "DeadlineWarnedAt", &contractParty{}},
	} {
		if tx.Migrator().HasColumn(c.table, c.column) {
			continue
		}
		if err := tx.Table(c.table).Migrator().AddColumn(c.model, c.field); err != nil {
			return fmt.Errorf("add %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}
