package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"signet/internal/dbtest"
	"signet/internal/migrate"
	"signet/internal/ratelimit"
)

// TestAllow: a key gets max hits a window, counted exactly under
// concurrency (one atomic upsert each), then is refused with the time left
// in its window; the next window starts afresh, other keys count apart,
// and Prune drops ended windows.
func TestAllow(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect)
			ctx := context.Background()
			if _, err := migrate.Run(ctx, db, migrate.All); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 2, 10, 0, 15, 0, time.UTC)
			var mu sync.Mutex
			l := ratelimit.New(db)
			l.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			var allowed atomic.Int32
			var wg sync.WaitGroup
			for range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := l.Allow(ctx, "auth:203.0.113.7", 25, time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 25 {
				t.Fatalf("%d of 40 concurrent hits allowed, want 25", allowed.Load())
			}
			ok, wait, err := l.Allow(ctx, "auth:203.0.113.7", 25, time.Minute)
			if err != nil || ok || wait != 45*time.Second {
				t.Fatalf("over the limit: ok %v, wait %v, %v; want refused for 45s", ok, wait, err)
			}
			if ok, _, _ := l.Allow(ctx, "auth:198.51.100.1", 25, time.Minute); !ok {
				t.Fatal("another key was refused")
			}
			mu.Lock()
			now = now.Add(time.Minute)
			mu.Unlock()
			if ok, _, _ := l.Allow(ctx, "auth:203.0.113.7", 25, time.Minute); !ok {
				t.Fatal("refused in the next window")
			}
			n, err := l.Prune(ctx, now.Truncate(time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("Prune = %d, %v; want the other key's ended window", n, err)
			}
		})
	}
}
