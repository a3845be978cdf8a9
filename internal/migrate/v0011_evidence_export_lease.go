package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0011EvidenceExportLease puts evidence_exports on the shared leased-job
// mechanism (internal/lease), whose columns are state, attempts,
// next_attempt_at, locked_until and lease:
//
//   - next_attempt_at is added NOT NULL with a constant default (SQLite
//     adds no NOT NULL column without one, nor one defaulting to the
//     current time), then set to now for every existing row: queued
//     exports are due at once, as they were.
//   - locked_until is added. A running export becomes queued with
//     locked_until = lease_until: lease.Queue serves only queued rows, and
//     takes this one over once the old lease runs out, starting it again
//     from the first contract, as a restart always did.
//   - The due index moves from (state, lease_until) to (state,
//     next_attempt_at). lease_until stays, unused: dropping a column
//     rebuilds the table on SQLite.
//
// Old and new binaries must not run the export job side by side: an old
// one would take a new one's exports in progress (queued, no lease_until)
// for due.
func v0011EvidenceExportLease(tx *gorm.DB) error {
	type evidenceExport struct {
		State         string     `gorm:"size:16;not null;index:ix_evidence_exports_queue,priority:1"`
		NextAttemptAt time.Time  `gorm:"not null;default:'1970-01-01 00:00:00';index:ix_evidence_exports_queue,priority:2"`
		LockedUntil   *time.Time `gorm:""`
		LeaseUntil    *time.Time `gorm:"index:ix_evidence_exports_due,priority:2"`
	}
	const name = "evidence_exports"
	m := tx.Table(name).Migrator()
	for _, c := range []struct{ column, field string }{{"next_attempt_at", "NextAttemptAt"}, {"locked_until", "LockedUntil"}} {
		if m.HasColumn(&evidenceExport{}, c.column) {
			continue
		}
		if err := m.AddColumn(&evidenceExport{}, c.field); err != nil {
			return fmt.Errorf("add %s.%s: %w", name, c.column, err)
		}
	}
	// Rows still at the default (all of them on the first run, none after).
	now := time.Now().UTC().Truncate(time.Microsecond)
	epoch := time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := tx.Table(name).Where("next_attempt_at < ?", epoch).Update("next_attempt_at", now).Error; err != nil {
		return fmt.Errorf("set %s.next_attempt_at: %w", name, err)
	}
	if err := tx.Table(name).Where("state = ?", "running").
		Updates(map[string]any{"state": "queued", "locked_until": gorm.Expr("lease_until")}).Error; err != nil {
		return fmt.Errorf("requeue running %s: %w", name, err)
	}
	if !m.HasIndex(&evidenceExport{}, "ix_evidence_exports_queue") {
		if err := m.CreateIndex(&evidenceExport{}, "ix_evidence_exports_queue"); err != nil {
			return fmt.Errorf("index %s: %w", name, err)
		}
	}
	if m.HasIndex(&evidenceExport{}, "ix_evidence_exports_due") {
		if err := m.DropIndex(&evidenceExport{}, "ix_evidence_exports_due"); err != nil {
			return fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return nil
}
