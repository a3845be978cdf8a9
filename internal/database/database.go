// Package database opens Signet's relational store: MySQL 8 / MariaDB ≥ 10.6
// in production, SQLite (pure Go, no cgo) as the embedded default. It is the
// one seam where the two dialects differ.
package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/go-sql-driver/mysql"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the SQL dialect behind a *gorm.DB.
type Dialect string

// Supported dialects.
const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// DB is an open database with its dialect.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// lockConns bounds the connections Lock holds at once (MySQL).
	lockConns chan struct{}
}

// Connection pool of a MySQL database. A Lock holds one connection for as
// long as its fn runs, while fn needs others for its queries; at most
// maxLockConns locks are held at once, so lock holders can never take the
// whole pool and wait on each other for a connection.
const (
	maxOpenConns = 32
	maxLockConns = maxOpenConns / 4
)

// Open connects to dsn. A DSN starting "mysql://" is a go-sql-driver DSN
// (user:pass@tcp(host:3306)/db?...); "sqlite://PATH" or a bare path is a
// SQLite file, created with its directory if missing.
func Open(dsn string) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		mc, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return nil, fmt.Errorf("open database: parse mysql dsn: %w", err)
		}
		mc.ParseTime = true
		mc.Loc = time.UTC
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		mc.Params["charset"] = "utf8mb4"
		mc.Params["time_zone"] = "'+00:00'"
		g, err := gorm.Open(gmysql.New(gmysql.Config{DSNConfig: mc}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(maxOpenConns)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return &DB{DB: g, Dialect: MySQL, lockConns: make(chan struct{}, maxLockConns)}, nil
	default:
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, errors.New("open database: empty sqlite path")
		}
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("open database: %w", err)
			}
		}
		// WAL lets readers run beside the writer; immediate transactions take the
		// write lock up front so two writers queue instead of deadlocking.
		full := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		g, err := gorm.Open(sqlite.Open(full), cfg)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(8)
		return &DB{DB: g, Dialect: SQLite}, nil
	}
}

// Ping checks the connection; /readyz calls it.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Lock takes a database-wide advisory lock named name for the duration of fn,
// so that two processes never run fn at once (e.g. migrations at start-up).
// MySQL uses GET_LOCK; SQLite serialises writers already, and a process-level
// lock file is enough there.
func (d *DB) Lock(ctx context.Context, name string, fn func() error) error {
	if d.Dialect != MySQL {
		return fn()
	}
	select {
	case d.lockConns <- struct{}{}:
		defer func() { <-d.lockConns }()
	case <-ctx.Done():
		return fmt.Errorf("lock %s: %w", name, ctx.Err())
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", name).Scan(&got); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	if got != 1 {
		return fmt.Errorf("lock %s: timed out waiting for another process", name)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", name)
	return fn()
}
