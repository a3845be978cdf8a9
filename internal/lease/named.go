package lease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
)

// Named leases are the cluster-wide locks of work that is not a row of a
// queue: a periodic sweep that one replica at a time should run (expiring
// seals, anchoring event chains) and the schema migrations at start-up.
// They are rows of one table, signet_leases, taken by a conditional
// UPDATE like a queue's rows, so they hold on a multi-primary cluster
// (Galera), where GET_LOCK and SELECT … FOR UPDATE are local to one node.
//
// Every acquisition increments the row's version, the fencing token: a
// holder that paused past its lease (a stopped VM, a long GC) and wakes up
// after another replica took the lease over cannot commit work it fenced
// with [Held.Fence], because the fence compares its token inside the same
// transaction, and on Galera the two writes to the lease row conflict at
// certification so only one of them commits.

// namedTable is the table of named leases. It is created by [EnsureNamed],
// not by a migration, because the migration lock itself is a named lease.
const namedTable = "signet_leases"

// Held is a named lease its holder has taken.
type Held struct {
	Name    string
	Token   string
	Version int64
	Until   time.Time
}

// Named is the named leases of one database.
type Named struct {
	// MySQL selects the MySQL dialect of the table's DDL.
	MySQL bool
	// Holder names this process in the table, for operators (host:pid).
	Holder string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewNamed is the named leases of a database of that dialect, held under
// this host's name and process id.
func NewNamed(mysql bool) Named {
	host, _ := os.Hostname()
	return Named{MySQL: mysql, Holder: fmt.Sprintf("%s:%d", host, os.Getpid())}
}

func (n Named) now() time.Time {
	if n.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return n.Now().UTC().Truncate(time.Microsecond)
}

// EnsureNamed creates the table of named leases if it is missing; two
// processes may run it at once.
func (n Named) EnsureNamed(ctx context.Context, db *gorm.DB) error {
	ts := "DATETIME"
	if n.MySQL {
		ts = "DATETIME(6)"
	}
	err := db.WithContext(ctx).Exec(`CREATE TABLE IF NOT EXISTS ` + namedTable + ` (
	name VARCHAR(100) NOT NULL PRIMARY KEY,
	token VARCHAR(36) NOT NULL,
	holder VARCHAR(200) NOT NULL,
	version BIGINT NOT NULL,
	locked_until ` + ts + ` NOT NULL,
	fenced_at ` + ts + ` NULL)`).Error
	if err != nil {
		return fmt.Errorf("create %s: %w", namedTable, err)
	}
	return nil
}

// TryAcquire takes the lease name for hold if nobody holds it (or its
// holder's lease ran out). It returns ok false, and no error, when another
// holder has it.
func (n Named) TryAcquire(ctx context.Context, db *gorm.DB, name string, hold time.Duration) (Held, bool, error) {
	now := n.now()
	h := Held{Name: name, Token: ids.New(), Until: now.Add(hold)}
	db = db.WithContext(ctx)
	res := db.Table(namedTable).Where("name = ? AND locked_until < ?", name, now).
		Updates(map[string]any{"token": h.Token, "holder": n.Holder, "version": gorm.Expr("version + 1"), "locked_until": h.Until})
	if database.Deadlock(res.Error) {
		// On Galera two nodes may both see the lease free; the one that
		// loses certification gets a deadlock: someone else has it.
		return Held{}, false, nil
	}
	if res.Error != nil {
		return Held{}, false, fmt.Errorf("acquire lease %s: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		// Never taken before, or held: try to make the row. A duplicate
		// key means it exists, and so is held (it was not due above).
		err := db.Table(namedTable).Create(map[string]any{"name": name, "token": h.Token, "holder": n.Holder, "version": 1, "locked_until": h.Until}).Error
		switch {
		case errors.Is(err, gorm.ErrDuplicatedKey), database.Deadlock(err):
			return Held{}, false, nil
		case err != nil:
			return Held{}, false, fmt.Errorf("acquire lease %s: %w", name, err)
		}
	}
	if err := db.Table(namedTable).Where("name = ? AND token = ?", name, h.Token).Pluck("version", &h.Version).Error; err != nil {
		return Held{}, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return h, true, nil
}

// Acquire waits for the lease name, polling every poll, until ctx ends.
func (n Named) Acquire(ctx context.Context, db *gorm.DB, name string, hold, poll time.Duration) (Held, error) {
	for {
		h, ok, err := n.TryAcquire(ctx, db, name, hold)
		if err != nil || ok {
			return h, err
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return Held{}, fmt.Errorf("acquire lease %s: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}

// Renew extends h to hold from now. It returns [ErrLost] when h is no
// longer the lease's holder.
func (n Named) Renew(ctx context.Context, db *gorm.DB, h *Held, hold time.Duration) error {
	until := n.now().Add(hold)
	rows, err := retried(db.WithContext(ctx), func(tx *gorm.DB) *gorm.DB {
		return tx.Table(namedTable).Where("name = ? AND token = ?", h.Name, h.Token).Update("locked_until", until)
	})
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", h.Name, err)
	}
	if rows != 1 {
		return fmt.Errorf("renew lease %s: %w", h.Name, ErrLost)
	}
	h.Until = until
	return nil
}

// Release gives h up, so that another holder may take it at once.
func (n Named) Release(ctx context.Context, db *gorm.DB, h Held) error {
	_, err := retried(db.WithContext(ctx), func(tx *gorm.DB) *gorm.DB {
		return tx.Table(namedTable).Where("name = ? AND token = ?", h.Name, h.Token).
			Update("locked_until", time.Unix(0, 0).UTC())
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", h.Name, err)
	}
	return nil
}

// Fence checks, in the caller's transaction tx, that h is still the
// lease's holder and unexpired, and writes the lease row so that a
// concurrent take-over conflicts with tx. It returns [ErrLost] otherwise;
// the caller then rolls tx back.
func (n Named) Fence(tx *gorm.DB, h Held) error {
	now := n.now()
	res := tx.Table(namedTable).Where("name = ? AND token = ? AND version = ? AND locked_until >= ?", h.Name, h.Token, h.Version, now).
		Update("fenced_at", now)
	if res.Error != nil {
		return fmt.Errorf("fence lease %s: %w", h.Name, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("fence lease %s: %w", h.Name, ErrLost)
	}
	return nil
}

// Hold runs fn holding the lease name, which it waits for; it renews the
// lease every hold/3 while fn runs and releases it afterwards. fn's ctx
// ends when the lease is lost.
func (n Named) Hold(ctx context.Context, db *gorm.DB, name string, hold time.Duration, fn func(ctx context.Context) error) error {
	if err := n.EnsureNamed(ctx, db); err != nil {
		return err
	}
	h, err := n.Acquire(ctx, db, name, hold, min(hold/10, time.Second))
	if err != nil {
		return err
	}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(hold / 3)
		defer t.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-t.C:
				if err := n.Renew(fctx, db, &h, hold); errors.Is(err, ErrLost) {
					cancel(err)
					return
				}
			}
		}
	}()
	err = fn(fctx)
	cause := context.Cause(fctx)
	cancel(nil)
	<-renewed
	if errors.Is(cause, ErrLost) {
		return errors.Join(err, cause)
	}
	return errors.Join(err, n.Release(context.WithoutCancel(ctx), db, h))
}

type heldKey struct{}

// WithHeld puts h into ctx for [FenceFrom], so that work run under a named
// lease can fence its transactions without knowing the lease.
func WithHeld(ctx context.Context, n Named, h Held) context.Context {
	return context.WithValue(ctx, heldKey{}, heldIn{n, h})
}

type heldIn struct {
	n Named
	h Held
}

// FenceFrom fences tx with the lease ctx carries ([WithHeld]), if any: a
// job's transaction calls it so that a replica that lost the job's lease
// while paused cannot commit.
func FenceFrom(ctx context.Context, tx *gorm.DB) error {
	in, ok := ctx.Value(heldKey{}).(heldIn)
	if !ok {
		return nil
	}
	return in.n.Fence(tx, in.h)
}
