package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0005Anchors stores RFC 3161 time-stamps over event-chain heads.
func v0005Anchors(tx *gorm.DB) error {
	type eventAnchor struct {
		ID        string    `gorm:"primaryKey;size:36"`
		TenantID  string    `gorm:"size:36;not null;index:ix_event_anchors_tenant"`
		Chain     string    `gorm:"size:80;not null;uniqueIndex:ux_event_anchors_chain_seq,priority:1"`
		Seq       int64     `gorm:"not null;uniqueIndex:ux_event_anchors_chain_seq,priority:2"`
		Hash      string    `gorm:"size:64;not null"`
		Token     []byte    `gorm:"not null"`
		GenTime   time.Time `gorm:"precision:6"`
		CreatedAt time.Time
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)), table{"event_anchors", &eventAnchor{}})
}
