package testenv

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultMySQLDSN is the server `make test` uses unless SIGNET_TEST_MYSQL_DSN says otherwise.
const DefaultMySQLDSN = "root@tcp(127.0.0.1:3306)/"

// MySQLDSN creates a randomly named, empty database on the test server and
// returns a DSN for it. The database is dropped when the test ends.
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("SIGNET_TEST_MYSQL_DSN")
	if base == "" {
		base = DefaultMySQLDSN
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		tb.Fatalf("testenv: SIGNET_TEST_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	cfg.Timeout = 5 * time.Second
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		unavailable(tb, "mariadb", err)
	}
	if err := admin.Ping(); err != nil {
		admin.Close()
		unavailable(tb, "mariadb", err)
	}
	name := RandomName("signet_test_")
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		tb.Fatalf("testenv: create database: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			tb.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	tally(tb, "mariadb")
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	return "mysql://" + strings.TrimPrefix(cfg.FormatDSN(), "mysql://")
}

// MustExec runs statements against the DSN's server; a helper for tests that
// need to tamper with rows behind the application's back.
func MustExec(tb testing.TB, db *sql.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("exec %q: %v", query, fmt.Sprint(err))
	}
}
