package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0009EvidenceExports adds bulk evidence exports: one row per requested
// export, leased by the runner that builds it, pointing to the finished zip
// in the vault once that is stored.
func v0009EvidenceExports(tx *gorm.DB) error {
	type evidenceExport struct {
		ID          string     `gorm:"primaryKey;size:36"`
		TenantID    string     `gorm:"size:36;not null;index:ix_evidence_exports_tenant"`
		State       string     `gorm:"size:16;not null;index:ix_evidence_exports_due,priority:1"`
		ContractIDs string     `gorm:"column:contract_ids;type:text;not null"`
		Total       int        `gorm:"not null"`
		Done        int        `gorm:"not null;default:0"`
		Failures    string     `gorm:"type:text;not null"`
		ArtefactKey string     `gorm:"size:200;not null;default:''"`
		Size        int64      `gorm:"not null;default:0"`
		SHA256      string     `gorm:"column:sha256;size:64;not null;default:''"`
		RequestedBy string     `gorm:"size:80;not null"`
		IP          string     `gorm:"size:45;not null;default:''"`
		UserAgent   string     `gorm:"size:255;not null;default:''"`
		Lease       string     `gorm:"size:36;not null;default:''"`
		LeaseUntil  *time.Time `gorm:"index:ix_evidence_exports_due,priority:2"`
		Attempts    int        `gorm:"not null;default:0"`
		Error       string     `gorm:"size:500;not null;default:''"`
		FinishedAt  *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"evidence_exports", &evidenceExport{}},
	)
}
