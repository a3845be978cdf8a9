package tenants

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
)

// Lockout bounds password guessing as OWASP ASVS 2.2.1 asks, without
// telling who has an account and without letting anyone lock anyone out:
//
//   - failures are counted per normalised email, whether or not an account
//     has it, so an unknown email locks exactly like a known one;
//   - the tight limit is per (email, client): PerClient failures in
//     ClientWindow lock that pair for ClientWindow, and the person at
//     another address is not affected;
//   - a slower backstop per email counts failures from every client:
//     PerAccount in AccountWindow lock the email everywhere for
//     AccountWindow, so many addresses together still get few guesses.
//
// An attempt is counted before its password is checked, by conditional
// updates, so parallel guesses get no more checks than sequential ones.
type Lockout struct {
	PerClient     int           // default 5
	ClientWindow  time.Duration // default 15 minutes
	PerAccount    int           // default 100
	AccountWindow time.Duration // default 1 hour
}

func (l Lockout) withDefaults() Lockout {
	if l.PerClient <= 0 {
		l.PerClient = 5
	}
	if l.ClientWindow <= 0 {
		l.ClientWindow = 15 * time.Minute
	}
	if l.PerAccount <= 0 {
		l.PerAccount = 100
	}
	if l.AccountWindow <= 0 {
		l.AccountWindow = time.Hour
	}
	return l
}

// loginThrottle counts failed logins under a key that names an email, or an
// email and a client, by digest only.
type loginThrottle struct {
	Key         string `gorm:"column:throttle_key;primaryKey;size:80"`
	Failures    int    `gorm:"not null;default:0"`
	WindowUntil time.Time
	LockedUntil *time.Time
}

func (loginThrottle) TableName() string { return "login_throttles" }

// throttleKeys returns the per-(email, client) and per-email keys.
func throttleKeys(email, client string) (pair, whole string) {
	e := sha256.Sum256([]byte("signet/login/email\x00" + email))
	p := sha256.Sum256([]byte("signet/login/client\x00" + email + "\x00" + client))
	return "c:" + hex.EncodeToString(p[:]), "a:" + hex.EncodeToString(e[:])
}

// throttleRows counts rows created, to prune expired ones now and then.
var throttleRows atomic.Uint64

// claim counts one attempt under key unless key is locked, in which case it
// returns a [*LockedError] and the attempt must not be checked. When this
// attempt reaches limit it locks key and returns the lock's end: the
// attempt is checked, and answered as locked if it fails.
func (s *Service) claim(ctx context.Context, key string, limit int, window time.Duration) (*time.Time, error) {
	var (
		until *time.Time
		err   error
	)
	for attempt := 0; attempt < 3; attempt++ {
		until, err = s.claimOnce(ctx, key, limit, window)
		if !database.Deadlock(err) {
			break
		}
	}
	return until, err
}

func (s *Service) claimOnce(ctx context.Context, key string, limit int, window time.Duration) (*time.Time, error) {
	db := s.db.WithContext(ctx)
	now := s.now()
	created := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&loginThrottle{Key: key, WindowUntil: now.Add(window)})
	if created.Error != nil {
		return nil, fmt.Errorf("login throttle: %w", created.Error)
	}
	if created.RowsAffected == 1 && throttleRows.Add(1)%256 == 0 {
		s.pruneThrottles(ctx, now)
	}
	// A window that has passed, with no lock running, starts afresh.
	if err := db.Model(&loginThrottle{}).
		Where("throttle_key = ? AND window_until <= ? AND (locked_until IS NULL OR locked_until <= ?)", key, now, now).
		Updates(map[string]any{"failures": 0, "window_until": now.Add(window), "locked_until": nil}).Error; err != nil {
		return nil, fmt.Errorf("login throttle: %w", err)
	}
	res := db.Model(&loginThrottle{}).Where("throttle_key = ? AND (locked_until IS NULL OR locked_until <= ?)", key, now).
		Update("failures", gorm.Expr("failures + 1"))
	if res.Error != nil {
		return nil, fmt.Errorf("login throttle: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return nil, s.lockedBy(db, key)
	}
	var t loginThrottle
	if err := db.Where("throttle_key = ?", key).Take(&t).Error; err != nil {
		return nil, fmt.Errorf("login throttle: %w", err)
	}
	if t.Failures < limit {
		return nil, nil
	}
	// The lock also ends the window, so the count starts afresh after it.
	lock := now.Add(window)
	set := db.Model(&loginThrottle{}).Where("throttle_key = ? AND (locked_until IS NULL OR locked_until <= ?)", key, now).
		Updates(map[string]any{"locked_until": lock, "window_until": lock})
	if set.Error != nil {
		return nil, fmt.Errorf("login throttle: lock: %w", set.Error)
	}
	if set.RowsAffected != 1 {
		return nil, s.lockedBy(db, key) // a parallel attempt locked it first
	}
	return &lock, nil
}

// lockedBy reads the lock that refused an attempt.
func (s *Service) lockedBy(db *gorm.DB, key string) error {
	var t loginThrottle
	err := db.Select("locked_until").Where("throttle_key = ?", key).Take(&t).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("login throttle: %w", err)
	}
	if t.LockedUntil == nil {
		// Unlocked in between (pruned or expired): refuse this one attempt
		// all the same, as locked for a moment.
		return &LockedError{Until: s.now().Add(time.Second)}
	}
	return &LockedError{Until: *t.LockedUntil}
}

// forgive ends the run of failures under the pair key and gives back the
// attempt a success counted under the per-email key; unlock lifts the lock
// that this very attempt set there.
func (s *Service) forgive(ctx context.Context, pair, whole string, unlock bool) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("throttle_key = ?", pair).Delete(&loginThrottle{}).Error; err != nil {
		return fmt.Errorf("login throttle: reset: %w", err)
	}
	upd := map[string]any{"failures": gorm.Expr("failures - 1")}
	if unlock {
		upd["locked_until"] = nil
	}
	err := db.Model(&loginThrottle{}).Where("throttle_key = ? AND failures > 0", whole).Updates(upd).Error
	if err != nil {
		return fmt.Errorf("login throttle: reset: %w", err)
	}
	return nil
}

// pruneThrottles deletes counters whose window and lock have both passed.
// It is best effort: a counter left behind only costs a row.
func (s *Service) pruneThrottles(ctx context.Context, now time.Time) {
	_ = s.db.WithContext(ctx).Where("window_until < ? AND (locked_until IS NULL OR locked_until < ?)", now, now).
		Delete(&loginThrottle{}).Error
}
