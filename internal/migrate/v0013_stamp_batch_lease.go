package migrate

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// v0013StampBatchLease puts stamp_batches on the shared leased-job
// mechanism (internal/lease), as v0011 did for evidence_exports: the
// columns attempts, next_attempt_at and locked_until are added (attempts
// and next_attempt_at with constant defaults, next_attempt_at then set to
// now so queued batches are due at once), a running batch becomes queued
// under its old lease (locked_until = lease_until: lease.Queue takes it
// over once that runs out, and resumes it at its first pending item, as a
// restart always did), and the queue gets its (state, next_attempt_at)
// index. lease_until stays, unused: dropping a column rebuilds the table
// on SQLite.
//
// Old and new binaries must not run the stamp-batches job side by side.
func v0013StampBatchLease(tx *gorm.DB) error {
	type stampBatch struct {
		State         string     `gorm:"size:16;not null;index:ix_stamp_batches_queue,priority:1"`
		Attempts      int        `gorm:"not null;default:0"`
		NextAttemptAt time.Time  `gorm:"not null;default:'1970-01-01 00:00:00';index:ix_stamp_batches_queue,priority:2"`
		LockedUntil   *time.Time `gorm:""`
	}
	const name = "stamp_batches"
	m := tx.Table(name).Migrator()
	for _, c := range []struct{ column, field string }{{"attempts", "Attempts"}, {"next_attempt_at", "NextAttemptAt"}, {"locked_until", "LockedUntil"}} {
		if m.HasColumn(&stampBatch{}, c.column) {
			continue
		}
		if err := m.AddColumn(&stampBatch{}, c.field); err != nil {
			return fmt.Errorf("add %s.%s: %w", name, c.column, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	epoch := time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := tx.Table(name).Where("next_attempt_at < ?", epoch).Update("next_attempt_at", now).Error; err != nil {
		return fmt.Errorf("set %s.next_attempt_at: %w", name, err)
	}
	if err := tx.Table(name).Where("state = ?", "running").
		Updates(map[string]any{"state": "queued", "locked_until": gorm.Expr("lease_until")}).Error; err != nil {
		return fmt.Errorf("requeue running %s: %w", name, err)
	}
	if !m.HasIndex(&stampBatch{}, "ix_stamp_batches_queue") {
		if err := m.CreateIndex(&stampBatch{}, "ix_stamp_batches_queue"); err != nil {
			return fmt.Errorf("index %s: %w", name, err)
		}
	}
	return nil
}
