package lease_test

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"signet/internal/dbtest"
	"signet/internal/lease"
)

type job struct {
	ID string `gorm:"primaryKey;size:36"`
	lease.Columns
}

func (job) TableName() string { return "lease_jobs" }

// TestQueue: one claim wins, only its holder renews and finishes, a lease
// that runs out is taken over, and the old holder then learns it lost.
func TestQueue(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect)
			if err := db.DB.AutoMigrate(&job{}); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			q := lease.Queue{Table: "lease_jobs", Pending: "pending", Now: func() time.Time { return now }}
			ctx := context.Background()
			if err := db.DB.Create(&job{ID: "a", Columns: lease.Columns{State: "pending", NextAttemptAt: now}}).Error; err != nil {
				t.Fatal(err)
			}
			due, err := q.Due(ctx, db.DB, 10, nil)
			if err != nil || len(due) != 1 {
				t.Fatalf("Due = %v, %v", due, err)
			}
			tok, err := q.Claim(ctx, db.DB, "a", time.Minute, nil)
			if err != nil || tok == "" {
				t.Fatalf("first claim: %q, %v", tok, err)
			}
			if again, _ := q.Claim(ctx, db.DB, "a", time.Minute, nil); again != "" {
				t.Fatal("a held row was claimed twice")
			}
			now = now.Add(50 * time.Second)
			if err := q.Renew(ctx, db.DB, "a", tok, time.Minute); err != nil {
				t.Fatal(err)
			}
			now = now.Add(50 * time.Second) // past the first hold, within the renewed one
			if again, _ := q.Claim(ctx, db.DB, "a", time.Minute, nil); again != "" {
				t.Fatal("a renewed lease was taken over")
			}
			now = now.Add(time.Minute) // the holder died: the lease runs out
			other, err := q.Claim(ctx, db.DB, "a", time.Minute, nil)
			if err != nil || other == "" || other == tok {
				t.Fatalf("take-over claim: %q, %v", other, err)
			}
			if err := q.Renew(ctx, db.DB, "a", tok, time.Minute); !errors.Is(err, lease.ErrLost) {
				t.Fatalf("the old holder renewed: %v", err)
			}
			if err := q.Finish(ctx, db.DB, "a", tok, map[string]any{"state": "done"}); !errors.Is(err, lease.ErrLost) {
				t.Fatalf("the old holder finished: %v", err)
			}
			if err := q.Finish(ctx, db.DB, "a", other, map[string]any{"state": "done"}); err != nil {
				t.Fatal(err)
			}
			var j job
			if err := db.DB.First(&j, "id = ?", "a").Error; err != nil || j.State != "done" || j.Attempts != 2 || j.LockedUntil != nil {
				t.Fatalf("after finishing: %+v, %v", j, err)
			}
		})
	}
}

// TestNamed: one holder at a time; the lease is taken over when it runs
// out, the old holder's renewal and fence then fail, and a release frees it
// at once. Hold runs fn under the lease and releases it after.
func TestNamed(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect)
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			a := lease.Named{MySQL: dialect == "mysql", Holder: "a", Now: clock}
			b := lease.Named{MySQL: dialect == "mysql", Holder: "b", Now: clock}
			ctx := context.Background()
			if err := a.EnsureNamed(ctx, db.DB); err != nil {
				t.Fatal(err)
			}
			if err := b.EnsureNamed(ctx, db.DB); err != nil {
				t.Fatal("a second EnsureNamed:", err)
			}
			ha, ok, err := a.TryAcquire(ctx, db.DB, "sweep", time.Minute)
			if err != nil || !ok || ha.Version != 1 {
				t.Fatalf("first acquire = %+v, %v, %v", ha, ok, err)
			}
			if _, ok, err := b.TryAcquire(ctx, db.DB, "sweep", time.Minute); err != nil || ok {
				t.Fatalf("second holder acquired a held lease: %v, %v", ok, err)
			}
			if err := a.Fence(db.DB, ha); err != nil {
				t.Fatal("holder's fence:", err)
			}
			now = now.Add(2 * time.Minute)
			hb, ok, err := b.TryAcquire(ctx, db.DB, "sweep", time.Minute)
			if err != nil || !ok || hb.Version != 2 {
				t.Fatalf("take-over = %+v, %v, %v", hb, ok, err)
			}
			if err := a.Renew(ctx, db.DB, &ha, time.Minute); !errors.Is(err, lease.ErrLost) {
				t.Fatalf("old holder renewed: %v", err)
			}
			if err := a.Fence(db.DB, ha); !errors.Is(err, lease.ErrLost) {
				t.Fatalf("old holder's fence passed: %v", err)
			}
			if err := b.Release(ctx, db.DB, hb); err != nil {
				t.Fatal(err)
			}
			if err := b.Fence(db.DB, hb); !errors.Is(err, lease.ErrLost) {
				t.Fatalf("fence after release passed: %v", err)
			}
			ran := false
			err = a.Hold(ctx, db.DB, "sweep", time.Minute, func(ctx context.Context) error {
				ran = true
				if _, ok, _ := b.TryAcquire(ctx, db.DB, "sweep", time.Minute); ok {
					t.Error("acquired while Hold ran")
				}
				return nil
			})
			if err != nil || !ran {
				t.Fatalf("Hold: %v, ran %v", err, ran)
			}
			if _, ok, err := b.TryAcquire(ctx, db.DB, "sweep", time.Minute); err != nil || !ok {
				t.Fatalf("not free after Hold: %v, %v", ok, err)
			}
		})
	}
}

// TestPersist: a record that meets an unavailable database is tried again
// until it goes through, within the time given; other errors, and the
// database still away at the end, are returned.
func TestPersist(t *testing.T) {
	const persistFor = time.Minute
	down := fmt.Errorf("record: %w", syscall.ECONNREFUSED)
	calls := 0
	err := lease.Persist(context.Background(), time.Now().Add(persistFor), func() error {
		calls++
		if calls < 3 {
			return down
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Persist = %v after %d calls, want nil after 3", err, calls)
	}

	other := errors.New("lease lost")
	calls = 0
	if err := lease.Persist(context.Background(), time.Now().Add(persistFor), func() error { calls++; return other }); err != other || calls != 1 {
		t.Fatalf("Persist = %v after %d calls, want the error at once", err, calls)
	}

	calls = 0
	if err := lease.Persist(context.Background(), time.Now().Add(5*time.Second+1500*time.Millisecond), func() error { calls++; return down }); err != down || calls > 2 {
		t.Fatalf("Persist = %v after %d calls, want the outage back once the time is up", err, calls)
	}
}
