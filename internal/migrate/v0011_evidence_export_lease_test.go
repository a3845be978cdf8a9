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

// TestEvidenceExportLease upgrades a database with a queued, a running and
// a done export to version 11: the queued one is due now, the running one
// is queued under its old lease, the done one keeps its state, and all
// three are served by lease.Queue's columns.
func TestEvidenceExportLease(t *testing.T) {
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
			if _, err := migrate.Run(ctx, db, migrate.All[:10]); err != nil {
				t.Fatal(err)
			}
			leaseUntil := time.Now().UTC().Add(3 * time.Minute).Truncate(time.Second)
			ins := "INSERT INTO evidence_exports (id, tenant_id, state, contract_ids, total, failures, requested_by, lease, lease_until, attempts, created_at, updated_at)" +
				" VALUES (?, 't1', ?, '[]', 0, '[]', 'person:p', ?, ?, ?, ?, ?)"
			created := time.Now().UTC().Add(-time.Hour)
			for _, r := range []struct {
				id, state, lease string
				until            *time.Time
				attempts         int
			}{{"x-queued", "queued", "", nil, 0}, {"x-running", "running", "tok", &leaseUntil, 1}, {"x-done", "done", "", nil, 1}} {
				if err := db.Exec(ins, r.id, r.state, r.lease, r.until, r.attempts, created, created).Error; err != nil {
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
			if err := db.Table("evidence_exports").Order("id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			got := map[string]row{}
			for _, r := range rows {
				got[r.ID] = r
				if r.NextAttemptAt.Before(before) || r.NextAttemptAt.After(time.Now().Add(time.Second)) {
					t.Errorf("%s: next_attempt_at %v, want the migration's time", r.ID, r.NextAttemptAt)
				}
			}
			if r := got["x-queued"]; r.State != "queued" || r.LockedUntil != nil {
				t.Errorf("queued export: %+v", r)
			}
			if r := got["x-running"]; r.State != "queued" || r.LockedUntil == nil || !r.LockedUntil.Equal(leaseUntil) || r.Attempts != 1 {
				t.Errorf("running export: %+v, want queued under its lease until %v", r, leaseUntil)
			}
			if r := got["x-done"]; r.State != "done" || r.LockedUntil != nil {
				t.Errorf("done export: %+v", r)
			}
			m := db.Migrator()
			if !m.HasIndex("evidence_exports", "ix_evidence_exports_queue") || m.HasIndex("evidence_exports", "ix_evidence_exports_due") {
				t.Error("the due index is not on (state, next_attempt_at)")
			}
			// Half applied on MySQL (the DDL committed, the record did not):
			// it runs again cleanly and changes nothing.
			if err := db.Exec("DELETE FROM schema_migrations WHERE version = 11").Error; err != nil {
				t.Fatal(err)
			}
			if done, err := migrate.Run(ctx, db, migrate.All); err != nil || len(done) != 1 {
				t.Fatalf("rerun applied %v, %v", done, err)
			}
			var again row
			if err := db.Table("evidence_exports").Where("id = ?", "x-running").Take(&again).Error; err != nil || !again.NextAttemptAt.Equal(got["x-running"].NextAttemptAt) {
				t.Fatalf("rerun changed a row: %+v, %v", again, err)
			}
			// The row the model writes needs no default.
			if err := db.Exec("INSERT INTO evidence_exports (id, tenant_id, state, contract_ids, total, failures, requested_by, next_attempt_at, created_at, updated_at)"+
				" VALUES ('x-new', 't1', 'queued', '[]', 0, '[]', 'person:p', ?, ?, ?)", time.Now().UTC(), time.Now().UTC(), time.Now().UTC()).Error; err != nil {
				t.Fatal(err)
			}
		})
	}
}
