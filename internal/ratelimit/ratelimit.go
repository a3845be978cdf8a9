// Package ratelimit counts requests per client in the database, so that a
// limit holds across every replica behind the load balancer: a client
// whose requests are spread over three replicas gets the limit once, not
// three times. Counting is a fixed window: one row per key holds the
// current window's start and its count, bumped by one atomic upsert.
//
// On a multi-primary cluster (Galera) two replicas bumping the same key at
// once conflict at certification; the bump is a retried transaction
// (database.Transaction), and a key still contended after every retry is
// let through rather than refused: the limit is there against abuse, and a
// request is never refused because the database was busy.
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
)

// Table is the counters' table (migration 14).
const Table = "rate_limits"

// Limiter counts hits in one database.
type Limiter struct {
	db    *gorm.DB
	mysql bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New is a limiter over db.
func New(db *database.DB) *Limiter {
	return &Limiter{db: db.DB, mysql: db.Dialect == database.MySQL}
}

func (l *Limiter) now() time.Time {
	if l.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return l.Now().UTC().Truncate(time.Microsecond)
}

// Allow counts one hit of key in the current window of length window and
// reports whether the window's hits are still at most max; if not, it also
// says when the window ends.
func (l *Limiter) Allow(ctx context.Context, key string, max int, window time.Duration) (bool, time.Duration, error) {
	now := l.now()
	start := now.Truncate(window)
	// The count starts again when the row's window is over; in MySQL's
	// ON DUPLICATE KEY UPDATE assignments run left to right, so count is
	// computed from the old window_start before that changes.
	upsert := `INSERT INTO ` + Table + ` (bucket, window_start, hits) VALUES (?, ?, 1)
ON CONFLICT (bucket) DO UPDATE SET hits = CASE WHEN ` + Table + `.window_start = excluded.window_start THEN ` + Table + `.hits + 1 ELSE 1 END,
window_start = excluded.window_start`
	if l.mysql {
		upsert = `INSERT INTO ` + Table + ` (bucket, window_start, hits) VALUES (?, ?, 1)
ON DUPLICATE KEY UPDATE hits = IF(window_start = VALUES(window_start), hits + 1, 1), window_start = VALUES(window_start)`
	}
	var hits int
	err := database.Transaction(l.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Exec(upsert, key, start).Error; err != nil {
			return err
		}
		return tx.Table(Table).Where("bucket = ?", key).Pluck("hits", &hits).Error
	})
	switch {
	case database.Deadlock(err):
		return true, 0, nil
	case err != nil:
		return false, 0, fmt.Errorf("rate limit %s: %w", key, err)
	case hits > max:
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}

// Prune deletes the counters of windows that ended before cutoff; the
// hourly job runs it.
func (l *Limiter) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res := l.db.WithContext(ctx).Table(Table).Where("window_start < ?", cutoff).Delete(nil)
	if res.Error != nil {
		return 0, fmt.Errorf("prune %s: %w", Table, res.Error)
	}
	return res.RowsAffected, nil
}
