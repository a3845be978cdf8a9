// Package migrate upgrades the database schema through an ordered list of
// numbered, frozen migrations. Each migration declares local copies of the
// structs it creates (Gitea's style), so changing today's model never rewrites
// history. The same list runs on SQLite and MySQL/MariaDB.
package migrate

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/lease"
)

// Migration is one numbered schema step. Up must be idempotent on MySQL,
// where DDL commits implicitly and a crash can leave a step half-applied:
// create only what is missing.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// applied records one migration that ran.
type applied struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:100;not null"`
	AppliedAt time.Time
}

func (applied) TableName() string { return "schema_migrations" }

// Run applies every migration in list that the database has not recorded,
// in order, under a cluster-wide named lease (see package lease) so two
// starting processes never race, also when each talks to its own node of a
// multi-primary cluster, where GET_LOCK would be local to that node.
// It returns the versions it applied.
func Run(ctx context.Context, db *database.DB, list []Migration) ([]int, error) {
	if err := checkOrder(list); err != nil {
		return nil, err
	}
	var done []int
	named := lease.NewNamed(db.Dialect == database.MySQL)
	err := named.Hold(ctx, db.DB, "signet_migrate", 30*time.Second, func(ctx context.Context) error {
		g := db.WithContext(ctx)
		if !g.Migrator().HasTable(&applied{}) {
			if err := g.Migrator().CreateTable(&applied{}); err != nil {
				return fmt.Errorf("migrate: create schema_migrations: %w", err)
			}
		}
		var have []applied
		if err := g.Order("version").Find(&have).Error; err != nil {
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		seen := map[int]bool{}
		for _, a := range have {
			seen[a.Version] = true
		}
		if len(have) > 0 {
			if latest := have[len(have)-1].Version; latest > list[len(list)-1].Version {
				return fmt.Errorf("migrate: database is at version %d, newer than this binary (%d)", latest, list[len(list)-1].Version)
			}
		}
		for _, m := range list {
			if seen[m.Version] {
				continue
			}
			// The step and its record commit together where the dialect allows
			// (SQLite); on MySQL the DDL commits itself and Up is idempotent.
			err := g.Transaction(func(tx *gorm.DB) error {
				if err := m.Up(tx); err != nil {
					return err
				}
				return tx.Create(&applied{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
			})
			if err != nil {
				return fmt.Errorf("migrate: %04d %s: %w", m.Version, m.Name, err)
			}
			done = append(done, m.Version)
		}
		return nil
	})
	return done, err
}

// Current returns the highest applied version, or 0 for an empty database.
func Current(ctx context.Context, db *database.DB) (int, error) {
	g := db.WithContext(ctx)
	if !g.Migrator().HasTable(&applied{}) {
		return 0, nil
	}
	var v *int
	if err := g.Model(&applied{}).Select("MAX(version)").Scan(&v).Error; err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func checkOrder(list []Migration) error {
	if len(list) == 0 {
		return fmt.Errorf("migrate: empty migration list")
	}
	for i, m := range list {
		if m.Version != i+1 {
			return fmt.Errorf("migrate: migration %q has version %d, want %d", m.Name, m.Version, i+1)
		}
	}
	return nil
}

// table names a table and the frozen struct that defines it. The name is
// explicit so that GORM's naming rules can never rename history.
type table struct {
	name  string
	model any
}

// createMissing creates each table that does not exist yet. Migrations use it
// so that a step half-applied on MySQL can be re-run.
func createMissing(tx *gorm.DB, tables ...table) error {
	for _, t := range tables {
		if tx.Migrator().HasTable(t.name) {
			continue
		}
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create table %s: %w", t.name, err)
		}
	}
	return nil
}
