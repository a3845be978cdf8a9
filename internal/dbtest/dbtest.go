// Package dbtest opens migrated databases for tests: SQLite in a temporary
// directory, or a fresh database on the real MariaDB/MySQL test server.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"signet/internal/database"
	"signet/internal/migrate"
	"signet/internal/testenv"
	"signet/tenants"
)

// Dialects lists the databases every store test runs against.
var Dialects = []string{"sqlite", "mariadb"}

// MustOpen opens a migrated database of the given dialect, with tenant
// scoping registered, and closes it when the test ends.
func MustOpen(tb testing.TB, dialect string) *database.DB {
	tb.Helper()
	var dsn string
	switch dialect {
	case "sqlite":
		dsn = "sqlite://" + filepath.Join(tb.TempDir(), "signet.db")
	case "mariadb":
		dsn = testenv.MySQLDSN(tb)
	default:
		tb.Fatalf("dbtest: unknown dialect %q", dialect)
	}
	db, err := database.Open(dsn)
	if err != nil {
		tb.Fatalf("dbtest: open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Use(tenants.Plugin{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), db, migrate.All); err != nil {
		tb.Fatalf("dbtest: migrate %s: %v", dialect, err)
	}
	return db
}

// MustOpenSQLite is MustOpen(tb, "sqlite").
func MustOpenSQLite(tb testing.TB) *database.DB {
	tb.Helper()
	return MustOpen(tb, "sqlite")
}
