package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0002Events creates the hash-chained event log and its chain heads.
// (chain, seq) is unique, so no two events can take the same place in a chain.
func v0002Events(tx *gorm.DB) error {
	type event struct {
		ID            string    `gorm:"primaryKey;size:36"`
		TenantID      string    `gorm:"size:36;not null;index:ix_events_tenant"`
		Chain         string    `gorm:"size:80;not null;uniqueIndex:ux_events_chain_seq,priority:1"`
		Seq           int64     `gorm:"not null;uniqueIndex:ux_events_chain_seq,priority:2"`
		Type          string    `gorm:"size:64;not null"`
		Actor         string    `gorm:"size:80;not null"`
		At            time.Time `gorm:"precision:6"`
		IP            string    `gorm:"size:45;not null;default:''"`
		UserAgent     string    `gorm:"size:255;not null;default:''"`
		Payload       []byte
		PayloadDigest string `gorm:"size:64;not null"`
		PrevHash      string `gorm:"size:64;not null"`
		Hash          string `gorm:"size:64;not null"`
	}
	type eventHead struct {
		Chain    string `gorm:"primaryKey;size:80"`
		TenantID string `gorm:"size:36;not null"`
		Seq      int64  `gorm:"not null"`
		Hash     string `gorm:"size:64;not null"`
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"events", &event{}}, table{"event_heads", &eventHead{}})
}
