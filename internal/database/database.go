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
	// Galera is set when the MySQL server is a node of a Galera cluster;
	// its connections then wait for causality (wsrep_sync_wait).
	Galera bool
}

// maxOpenConns bounds a MySQL database's connection pool.
const maxOpenConns = 32

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
		// RowsAffected counts the rows an UPDATE matched, as on SQLite,
		// not only those whose values changed: a conditional update that
		// writes what is already there (a lease renewed twice in one
		// second) still reports that its WHERE held.
		mc.ClientFoundRows = true
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		mc.Params["charset"] = "utf8mb4"
		mc.Params["time_zone"] = "'+00:00'"
		g, err := gorm.Open(gmysql.New(gmysql.Config{DSNConfig: mc}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		galera, err := isGalera(g)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		if galera {
			// A Galera node applies other nodes' commits a moment after they
			// are certified. Without waiting for them, a request that follows
			// a write made through another node (a replica behind the load
			// balancer) could read the state before it: every read and every
			// transaction's start first waits until this node has applied
			// what the cluster committed (causal reads).
			if sqlDB, err := g.DB(); err == nil {
				sqlDB.Close()
			}
			mc.Params["wsrep_sync_wait"] = "1"
			if g, err = gorm.Open(gmysql.New(gmysql.Config{DSNConfig: mc}), cfg); err != nil {
				return nil, fmt.Errorf("open database: %w", err)
			}
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(maxOpenConns)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return &DB{DB: g, Dialect: MySQL, Galera: galera}, nil
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

// isGalera reports whether the server is a node of a running Galera
// cluster (wsrep_on is ON). MySQL has no such variable; MariaDB has it OFF
// when it runs alone.
func isGalera(g *gorm.DB) (bool, error) {
	var rows []struct {
		VariableName string `gorm:"column:Variable_name"`
		Value        string `gorm:"column:Value"`
	}
	if err := g.Raw("SHOW VARIABLES LIKE 'wsrep_on'").Scan(&rows).Error; err != nil {
		return false, fmt.Errorf("ask for wsrep_on: %w", err)
	}
	return len(rows) == 1 && strings.EqualFold(rows[0].Value, "ON"), nil
}
