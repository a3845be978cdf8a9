package database

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestUnavailable(t *testing.T) {
	down := []error{
		driver.ErrBadConn, mysql.ErrInvalidConn, syscall.ECONNREFUSED,
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		fmt.Errorf("save revision: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}),
	}
	for _, err := range down {
		if !Unavailable(err) {
			t.Errorf("Unavailable(%v) = false", err)
		}
	}
	for _, err := range []error{nil, errors.New("duplicate key"), &mysql.MySQLError{Number: 1213, Message: "deadlock"}} {
		if Unavailable(err) {
			t.Errorf("Unavailable(%v) = true", err)
		}
	}
}
