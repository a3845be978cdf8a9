package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"signet/internal/database"
	"signet/internal/migrate"
	"signet/tenants"
)

// The commands an operator runs on a server's data directory open only
// what they need, so they work while `signet serve` runs and holds the
// local vault (one process at a time may have it open):
//
//   - NewReadOnly (signet verify, signet evidence check): the database
//     without migrating it, the existing master key and the stored CA;
//     no vault, and nothing is created or issued.
//   - NewAdmin (signet admin …): the database only; OpenPKI adds the CA
//     for the commands that issue certificates.
//
// None of them starts jobs or listens.

// NewReadOnly opens what reading needs: the database (which must already
// be at this binary's schema), the master key (which must already exist)
// and the platform CA as stored. Verifying a PDF and checking an evidence
// chain use it; it creates no file, row, key or certificate.
func NewReadOnly(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: withRedaction(log)}
	var err error
	if a.Keyring, err = loadKeyring(cfg, a.Log, false); err != nil {
		return nil, err
	}
	if a.DB, err = openCurrentDatabase(ctx, cfg); err != nil {
		return nil, err
	}
	if a.PKI, err = openPKI(ctx, cfg, a.DB, a.Keyring, true); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// NewAdmin opens only the database (migrated, as every start does) and the
// tenants domain: enough to create an operator.
func NewAdmin(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: withRedaction(log)}
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.DB = db
	a.Tenants = tenants.NewService(db.DB, tenants.Options{
		Password:   tenants.PasswordParams{MemoryKiB: cfg.Argon2MemoryKiB, Time: cfg.Argon2Time, Threads: 2},
		RefreshTTL: cfg.RefreshTokenTTL,
	})
	return a, nil
}

// OpenPKI adds the platform CA to an App from NewAdmin: the master key must
// exist already. Opening it issues platform certificates again whose CRL
// location is not under the configured public URL.
func (a *App) OpenPKI(ctx context.Context) error {
	var err error
	if a.Keyring, err = loadKeyring(a.Config, a.Log, false); err != nil {
		return err
	}
	a.PKI, err = openPKI(ctx, a.Config, a.DB, a.Keyring, false)
	return err
}

// openCurrentDatabase opens the database without migrating it: a reader
// must not change the schema under a running server, and a schema older
// than this binary's is one it cannot read.
func openCurrentDatabase(ctx context.Context, cfg Config) (*database.DB, error) {
	db, err := openScoped(cfg)
	if err != nil {
		return nil, err
	}
	v, err := migrate.Current(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if want := latestMigration(); v < want {
		db.Close()
		return nil, fmt.Errorf("open database: it is at schema version %d, this signet reads %d: start `signet serve` or run `signet migrate` first", v, want)
	}
	return db, nil
}

func latestMigration() int {
	return slices.MaxFunc(migrate.All, func(a, b migrate.Migration) int { return a.Version - b.Version }).Version
}
