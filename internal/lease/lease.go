// Package lease is Signet's one mechanism for background work kept in
// database rows: outboxes (webhooks, messages), bulk evidence exports, stamp
// batches and any later queue. A row is due when its state is pending, its
// next_attempt_at has come and no live lease holds it. A worker claims a row
// by a conditional UPDATE that writes a fresh lease token and a
// locked_until; only the worker whose UPDATE changed the row may send it,
// and only the holder of the token may record the outcome. Several replicas
// can therefore poll the same table and each row is worked on by one of them
// at a time.
//
// A worker that dies holding a lease loses it when locked_until passes; the
// row is then due again. What that means for work that reached the outside
// world before the crash (an SMS handed to the provider) is the caller's
// concern: it records the claim before acting so it can tell a first
// attempt from a recovery. A worker that is alive but cannot record its
// outcome because the database is away keeps trying while its lease lasts
// ([Persist]), so a database node restarting does not make the work run
// twice.
//
// Invariants:
//   - Claim changes a row only if it is pending and unleased (or its lease
//     has run out); Finish and Release change it only for the lease holder.
//   - Every table served by a Queue has the columns of [Columns].
package lease

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
)

// ErrLost means the lease was taken over (it ran out and another worker
// claimed the row) before its holder recorded an outcome.
var ErrLost = errors.New("lease lost")

// Columns are the columns a leased table carries, for the models and the
// migrations that declare them. Models embed it; migrations copy it.
type Columns struct {
	State         string     `gorm:"size:16;not null"`
	Attempts      int        `gorm:"not null;default:0"`
	NextAttemptAt time.Time  `gorm:"not null"`
	LockedUntil   *time.Time `gorm:""`
	Lease         string     `gorm:"size:36;not null;default:''"`
}

// Queue is one leased table.
type Queue struct {
	// Table is the table's name.
	Table string
	// Pending is the state value of rows waiting to be worked on.
	Pending string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (q Queue) now() time.Time {
	if q.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return q.Now().UTC().Truncate(time.Microsecond)
}

// Due returns the IDs of up to limit due rows, oldest due first. filter, if
// not nil, narrows the query further (e.g. to enabled endpoints). db should
// be unscoped: workers serve every tenant.
func (q Queue) Due(ctx context.Context, db *gorm.DB, limit int, filter func(*gorm.DB) *gorm.DB) ([]string, error) {
	now := q.now()
	tx := db.WithContext(ctx).Table(q.Table).
		Where("state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", q.Pending, now, now)
	if filter != nil {
		tx = filter(tx)
	}
	var ids []string
	if err := tx.Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("due %s: %w", q.Table, err)
	}
	return ids, nil
}

// Claim takes the lease on row id for hold, counts an attempt and applies
// changes (nil for none) in the same UPDATE, so what a worker notes about
// its attempt is there exactly when it holds the row. It returns the lease
// token, or "" when the row is not due or another worker holds it.
func (q Queue) Claim(ctx context.Context, db *gorm.DB, id string, hold time.Duration, changes map[string]any) (string, error) {
	now := q.now()
	token := ids.New()
	upd := map[string]any{"lease": token, "locked_until": now.Add(hold), "attempts": gorm.Expr("attempts + 1")}
	for k, v := range changes {
		upd[k] = v
	}
	res := db.WithContext(ctx).Table(q.Table).
		Where("id = ? AND state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", id, q.Pending, now, now).
		Updates(upd)
	if database.Deadlock(res.Error) {
		// Another worker claimed it through another Galera node.
		return "", nil
	}
	if res.Error != nil {
		return "", fmt.Errorf("claim %s %s: %w", q.Table, id, res.Error)
	}
	if res.RowsAffected != 1 {
		return "", nil
	}
	return token, nil
}

// Finish records the outcome of the holder's attempt through tx: it applies
// changes and clears the lease. It returns [ErrLost] when the lease is no
// longer the holder's.
func (q Queue) Finish(ctx context.Context, tx *gorm.DB, id, token string, changes map[string]any) error {
	upd := map[string]any{"locked_until": nil, "lease": ""}
	for k, v := range changes {
		upd[k] = v
	}
	res := tx.WithContext(ctx).Table(q.Table).Where("id = ? AND lease = ?", id, token).Updates(upd)
	if res.Error != nil {
		return fmt.Errorf("finish %s %s: %w", q.Table, id, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("finish %s %s: %w", q.Table, id, ErrLost)
	}
	return nil
}

// Renew extends the holder's lease to hold from now, for work that goes on
// longer than one hold (a batch renews after each item). It returns
// [ErrLost] when the lease is no longer the holder's.
func (q Queue) Renew(ctx context.Context, db *gorm.DB, id, token string, hold time.Duration) error {
	n, err := retried(db.WithContext(ctx), func(tx *gorm.DB) *gorm.DB {
		return tx.Table(q.Table).Where("id = ? AND lease = ?", id, token).Update("locked_until", q.now().Add(hold))
	})
	if err != nil {
		return fmt.Errorf("renew %s %s: %w", q.Table, id, err)
	}
	if n != 1 {
		return fmt.Errorf("renew %s %s: %w", q.Table, id, ErrLost)
	}
	return nil
}

// Release gives the lease up without an outcome, and without counting the
// attempt: the row is due again at once. Workers call it when they were
// cut off (shutdown) before acting.
func (q Queue) Release(ctx context.Context, db *gorm.DB, id, token string) error {
	_, err := retried(db.WithContext(ctx), func(tx *gorm.DB) *gorm.DB {
		return tx.Table(q.Table).Where("id = ? AND lease = ?", id, token).
			Updates(map[string]any{"locked_until": nil, "lease": "", "attempts": gorm.Expr("attempts - 1")})
	})
	if err != nil {
		return fmt.Errorf("release %s %s: %w", q.Table, id, err)
	}
	return nil
}

// Backoff is the delay before attempt n+1 after n failures: base·2^(n-1)
// capped at max, of which the upper half is random (jitter), so receivers
// coming back from an outage are not hit all at once.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	half := d / 2
	return (half + rand.N(half+1)).Truncate(time.Millisecond)
}

// Each runs fn for every item with at most concurrency in flight, and
// stops starting new ones when ctx ends or when fewer than need remain
// before its deadline (an attempt started then could not finish). It waits
// for those started and joins their errors.
func Each[T any](ctx context.Context, items []T, concurrency int, need time.Duration, fn func(context.Context, T) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, max(concurrency, 1))
	)
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(dl) < need {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// retried runs one statement of a lease's holder through
// [database.Transaction], so that it runs again while it deadlocks: on
// Galera a conflict with a concurrent writer of the row (a worker trying
// to claim it, the holder's own fencing write through another node) fails
// at certification, and the holder's write is still wanted. It returns the
// rows the statement matched.
func retried(db *gorm.DB, stmt func(tx *gorm.DB) *gorm.DB) (int64, error) {
	var n int64
	err := database.Transaction(db, func(tx *gorm.DB) error {
		res := stmt(tx)
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// Persist runs record, a holder's writing of an outcome that has already
// happened outside (a webhook the receiver answered, a text the provider
// took), again every second while the database is unavailable, until a
// few seconds before leaseEnd (so the record can still find the lease its
// own). Giving up at once would leave the row leased and due again once
// the lease runs out, and the work would be done twice; a database that
// is back within the lease (a Galera node restarting) gets the record.
func Persist(ctx context.Context, leaseEnd time.Time, record func() error) error {
	until := leaseEnd.Add(-persistMargin)
	for {
		err := record()
		if !database.Unavailable(err) || !time.Now().Add(time.Second).Before(until) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// persistMargin is how long before its lease ends Persist stops trying.
const persistMargin = 5 * time.Second
