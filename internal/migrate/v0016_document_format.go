package migrate

import (
	"fmt"

	"gorm.io/gorm"
)

// v0016DocumentFormat adds contract_documents.format: "pdf" (every
// document so far) or "ofd".
func v0016DocumentFormat(tx *gorm.DB) error {
	type document struct {
		Format string `gorm:"size:8;not null;default:'pdf'"`
	}
	m := tx.Table("contract_documents").Migrator()
	if !m.HasColumn(&document{}, "format") {
		if err := m.AddColumn(&document{}, "Format"); err != nil {
			return fmt.Errorf("add contract_documents.format: %w", err)
		}
	}
	return nil
}
