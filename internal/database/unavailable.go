package database

import (
	"database/sql/driver"
	"errors"
	"syscall"

	"github.com/go-sql-driver/mysql"
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
