package migrate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"signet/internal/database"
	"signet/internal/migrate"
	"signet/internal/testenv"
)

// TestStampBatchLease upgrades a database with a queued, a running and a
// done stamp batch to version 13: the queued one is due now, the running
// one is queued under its old lease, the done one keeps its state, and a
// rerun of the half-applied migration changes nothing.
func TestStampBatchLease(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := "sqlite://" + filepath.Join(t.TempDir(), "signet.db")
			if dialect == "mariadb" {
				dsn = testenv.MySQLDSN(t)
			}
			db, err := database.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ctx := context.Background()
			if _, err := migrate.Run(ctx, db, migrate.All[:12]); err != nil {
				t.Fatal(err)
			}
			leaseUntil := time.Now().UTC().Add(3 * time.Minute).Truncate(time.Second)
			ins := "INSERT INTO stamp_batches (id, tenant_id, seal_id, algorithm, page, x, y, state, total, lease, lease_until, created_at, updated_at)" +
				" VALUES (?, 't1', 's1', 'sm2', 0, 10, 10, ?, 1, ?, ?, ?, ?)"
			created := time.Now().UTC().Add(-time.Hour)
			for _, r := range []struct {
				id, state, lease string
				until            *time.Time
			}{{"b-queued", "queued", "", nil}, {"b-running", "running", "tok", &leaseUntil}, {"b-done", "done", "", nil}} {
				if err := db.Exec(ins, r.id, r.state, r.lease, r.until, created, created).Error; err != nil {
					t.Fatal(err)
				}
			}
			before := time.Now().UTC().Add(-time.Second)
			if _, err := migrate.Run(ctx, db, migrate.All); err != nil {
				t.Fatal(err)
			}
			type row struct {
				ID            string
				State         string
				NextAttemptAt time.Time
				LockedUntil   *time.Time
				Attempts      int
			}
			var rows []row
			if err := db.Table("stamp_batches").Order("id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			got := map[string]row{}
			for _, r := range rows {
				got[r.ID] = r
				if r.NextAttemptAt.Before(before) || r.NextAttemptAt.After(time.Now().Add(time.Second)) {
					t.Errorf("%s: next_attempt_at %v, want the migration's time", r.ID, r.NextAttemptAt)
				}
			}
			if r := got["b-queued"]; r.State != "queued" || r.LockedUntil != nil || r.Attempts != 0 {
				t.Errorf("queued batch: %+v", r)
			}
			if r := got["b-running"]; r.State != "queued" || r.LockedUntil == nil || !r.LockedUntil.Equal(leaseUntil) {
				t.Errorf("running batch: %+v, want queued under its lease until %v", r, leaseUntil)
			}
			if r := got["b-done"]; r.State != "done" || r.LockedUntil != nil {
				t.Errorf("done batch: %+v", r)
			}
			if !db.Migrator().HasIndex("stamp_batches", "ix_stamp_batches_queue") {
				t.Error("no queue index on (state, next_attempt_at)")
			}
			if err := db.Exec("DELETE FROM schema_migrations WHERE version = 13").Error; err != nil {
				t.Fatal(err)
			}
			if done, err := migrate.Run(ctx, db, migrate.All); err != nil || len(done) != 1 {
				t.Fatalf("rerun applied %v, %v", done, err)
			}
			var again row
			if err := db.Table("stamp_batches").Where("id = ?", "b-running").Take(&again).Error; err != nil || !again.NextAttemptAt.Equal(got["b-running"].NextAttemptAt) {
				t.Fatalf("rerun changed a row: %+v, %v", again, err)
			}
		})
	}
}
