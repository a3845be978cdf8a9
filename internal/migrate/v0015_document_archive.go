package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0015DocumentArchive adds contract_documents.archive_due_at, when a
// final document is next due for an archive time-stamp (PAdES B-LTA), with
// its index. Documents of contracts completed before it are due at once:
// the archive job makes them B-LTA too.
func v0015DocumentArchive(tx *gorm.DB) error {
	type document struct {
		ArchiveDueAt *time.Time `gorm:"index:ix_contract_documents_archive_due"`
	}
	const name = "contract_documents"
	m := tx.Table(name).Migrator()
	if !m.HasColumn(&document{}, "archive_due_at") {
		if err := m.AddColumn(&document{}, "ArchiveDueAt"); err != nil {
			return fmt.Errorf("add %s.archive_due_at: %w", name, err)
		}
	}
	if !m.HasIndex(&document{}, "ix_contract_documents_archive_due") {
		if err := m.CreateIndex(&document{}, "ix_contract_documents_archive_due"); err != nil {
			return fmt.Errorf("index %s: %w", name, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	completed := tx.Table("contracts").Select("id").Where("state = ?", "completed")
	if err := tx.Table(name).Where("contract_id IN (?) AND archive_due_at IS NULL", completed).Update("archive_due_at", now).Error; err != nil {
		return fmt.Errorf("mark completed documents for archiving: %w", err)
	}
	return nil
}
