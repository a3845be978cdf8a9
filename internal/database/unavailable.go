package database

import (
	"database/sql/driver"
	"errors"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// Unavailable reports whether err says the database could not be reached
// or dropped the connection (a restart, a failover, a network cut), as
// opposed to refusing a statement: the request changed nothing that
// committed and may be repeated. The HTTP layer answers 503 for it.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	// Refused, reset and broken connections reach here inside a
	// *net.OpError, which unwraps to the errno.
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Deadlock reports a MySQL/MariaDB deadlock or lock-wait timeout (1213,
// 1205): the server rolled the whole transaction back, and it may simply
// run again.
func Deadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// Transaction runs fn in a transaction of db and runs it again, up to three
// times in all, when the server breaks a deadlock by rolling it back. fn
// must do nothing outside the transaction that a second run would repeat.
func Transaction(db *gorm.DB, fn func(tx *gorm.DB) error) error {
	var err error
	for range 3 {
		if err = db.Transaction(fn); !Deadlock(err) {
			return err
		}
	}
	return err
}
