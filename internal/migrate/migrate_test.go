package migrate_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/dbtest"
	"signet/internal/migrate"
)

func TestMigrations(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect)
			ctx := context.Background()
			t.Run("AllApplied", func(t *testing.T) {
				v, err := migrate.Current(ctx, db)
				if err != nil || v != len(migrate.All) {
					t.Fatalf("current = %d, %v; want %d", v, err, len(migrate.All))
				}
			})
			t.Run("Idempotent", func(t *testing.T) {
				done, err := migrate.Run(ctx, db, migrate.All)
				if err != nil || len(done) != 0 {
					t.Fatalf("second run applied %v, %v", done, err)
				}
			})
			t.Run("HalfAppliedStepReruns", func(t *testing.T) {
				// On MySQL a crash can leave a step's tables without its record:
				// forget the record and the step must run again cleanly.
				if err := db.Exec("DELETE FROM schema_migrations WHERE version = ?", 1).Error; err != nil {
					t.Fatal(err)
				}
				done, err := migrate.Run(ctx, db, migrate.All)
				if err != nil || len(done) != 1 || done[0] != 1 {
					t.Fatalf("rerun applied %v, %v", done, err)
				}
			})
			t.Run("TablesExist", func(t *testing.T) {
				for _, table := range []string{"tenants", "persons", "memberships", "invitations", "api_keys", "refresh_tokens", "jwt_keys", "idempotency_records"} {
					if !db.Migrator().HasTable(table) {
						t.Errorf("table %s missing", table)
					}
				}
			})
			t.Run("UniqueEmail", func(t *testing.T) {
				ins := "INSERT INTO persons (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, 'x', 'h', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
				if err := db.Exec(ins, "00000000-0000-7000-8000-000000000001", "a@example.com").Error; err != nil {
					t.Fatal(err)
				}
				err := db.Exec(ins, "00000000-0000-7000-8000-000000000002", "a@example.com").Error
				if !errors.Is(err, gorm.ErrDuplicatedKey) {
					t.Fatalf("duplicate email: %v, want ErrDuplicatedKey", err)
				}
			})
			t.Run("NewerDatabaseRefused", func(t *testing.T) {
				_, err := migrate.Run(ctx, db, migrate.All[:0:0])
				if err == nil {
					t.Fatal("empty list accepted")
				}
				if err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', CURRENT_TIMESTAMP)").Error; err != nil {
					t.Fatal(err)
				}
				if _, err := migrate.Run(ctx, db, migrate.All); err == nil {
					t.Fatal("a database from a newer binary was accepted")
				}
			})
		})
	}
}

func TestOrderChecked(t *testing.T) {
	db, err := database.Open("sqlite://" + t.TempDir() + "/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bad := []migrate.Migration{{Version: 2, Name: "skips one", Up: func(*gorm.DB) error { return nil }}}
	if _, err := migrate.Run(context.Background(), db, bad); err == nil {
		t.Fatal("out-of-order list accepted")
	}
}
