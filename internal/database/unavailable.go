package database

import (
	"database/sql/driver"
	"errors"
	"math/rand/v2"
	"syscall"
	"time"

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
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// A Galera node that lost quorum, or is still joining, refuses every
	// statement with 1047 (WSREP has not yet prepared node for application
	// use) until it is back in the primary component; a server going down
	// answers 1053, and a connection killed by it 1927.
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1047 || me.Number == 1053 || me.Number == 1927)
}

// Deadlock reports a MySQL/MariaDB deadlock or lock-wait timeout (1213,
// 1205): the server rolled the whole transaction back, and it may simply
// run again.
func Deadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.Is(err, ErrConflict) || errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// ErrConflict is what a transaction returns when it finds that a concurrent
// one got there first in a way the server does not report as a deadlock
// (two writers that both read the same head and inserted the same next
// key): [Transaction] runs it again, as for a deadlock.
var ErrConflict = errors.New("concurrent write conflict")

// Attempts bounds how often [Transaction] runs a transaction that keeps
// being rolled back to break a deadlock or a Galera certification
// conflict.
const Attempts = 6

// Transaction runs fn in a transaction of db and runs it again, up to
// [Attempts] times in all, when the server rolls it back to break a
// deadlock, a lock-wait timeout, or (Galera) a certification conflict with
// a transaction committed through another node: every conflicting write in
// Signet is such an optimistic unit, so it holds on a multi-primary
// cluster where SELECT … FOR UPDATE locks only one node's rows. Between
// runs it waits a random 5–10 ms doubled each time (at most 320 ms), so
// two replicas that collided do not collide again in step.
//
// fn must do nothing outside the transaction that a second run would
// repeat, and must start from scratch each run (reset what it collects).
// Inside a transaction already (db is a tx), fn runs once as a nested
// transaction: a deadlock rolls the whole outer transaction back, so only
// the outermost caller can run it again.
func Transaction(db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return db.Transaction(fn)
	}
	var err error
	for attempt := range Attempts {
		if err = db.Transaction(fn); !Deadlock(err) {
			return err
		}
		if attempt == Attempts-1 {
			break
		}
		pause := time.Duration(5<<min(attempt, 6)) * time.Millisecond
		t := time.NewTimer(pause + rand.N(pause))
		select {
		case <-t.C:
		case <-db.Statement.Context.Done():
			t.Stop()
			return err
		}
	}
	return err
}
