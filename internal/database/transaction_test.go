package database_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/dbtest"
)

// TestTransactionRetriesDeadlocks: a transaction the server rolled back to
// break a deadlock runs again (what it wrote the first time is gone), up
// to Attempts times; any other error is returned at once. Inside a
// transaction already, it runs once: only the outermost caller may retry.
func TestTransactionRetriesDeadlocks(t *testing.T) {
	db := dbtest.MustOpenSQLite(t)
	if err := db.Exec("CREATE TABLE tx_probe (n INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	deadlock := &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
	runs := 0
	err := database.Transaction(db.DB, func(tx *gorm.DB) error {
		runs++
		if err := tx.Exec("INSERT INTO tx_probe (n) VALUES (?)", runs).Error; err != nil {
			return err
		}
		if runs < 3 {
			return deadlock
		}
		return nil
	})
	var rows []int
	db.Raw("SELECT n FROM tx_probe").Scan(&rows)
	if err != nil || runs != 3 || len(rows) != 1 || rows[0] != 3 {
		t.Fatalf("err %v after %d runs, rows %v; want the third run committed alone", err, runs, rows)
	}

	runs = 0
	err = database.Transaction(db.DB, func(*gorm.DB) error { runs++; return deadlock })
	if !database.Deadlock(err) || runs != database.Attempts {
		t.Fatalf("always deadlocked: %v after %d runs, want the deadlock after %d", err, runs, database.Attempts)
	}
	runs = 0
	err = database.Transaction(db.DB, func(tx *gorm.DB) error {
		return database.Transaction(tx, func(*gorm.DB) error { runs++; return deadlock })
	})
	if !database.Deadlock(err) || runs != database.Attempts {
		t.Fatalf("nested: %v after %d inner runs, want %d (one per outer run)", err, runs, database.Attempts)
	}
	runs = 0
	other := errors.New("not a deadlock")
	if err := database.Transaction(db.DB, func(*gorm.DB) error { runs++; return other }); err != other || runs != 1 {
		t.Fatalf("other error: %v after %d runs", err, runs)
	}
}

func TestConflictIsRetried(t *testing.T) {
	if !database.Deadlock(fmt.Errorf("append: %w", database.ErrConflict)) {
		t.Fatal("a wrapped ErrConflict is not retried")
	}
}

// TestRowsAffectedCountsMatchedRows: an UPDATE that writes the values a row
// already has still reports the row, on MariaDB as on SQLite, so that a
// conditional update (renewing a lease twice in one second) is not taken
// for a lost race.
func TestRowsAffectedCountsMatchedRows(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect)
			if err := db.Exec("CREATE TABLE found_probe (id INTEGER PRIMARY KEY, v INTEGER)").Error; err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP TABLE found_probe") })
			db.Exec("INSERT INTO found_probe (id, v) VALUES (1, 7)")
			res := db.Exec("UPDATE found_probe SET v = 7 WHERE id = 1")
			if res.Error != nil || res.RowsAffected != 1 {
				t.Fatalf("same-value update: %d rows, %v", res.RowsAffected, res.Error)
			}
		})
	}
}
