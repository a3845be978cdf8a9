package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/dbtest"
	"signet/tenants"
)

func appendN(t *testing.T, ctx context.Context, db *gorm.DB, chain string, n int) []evidence.Event {
	t.Helper()
	var out []evidence.Event
	for i := 0; i < n; i++ {
		e, err := evidence.Append(ctx, db, evidence.Record{
			Chain: chain, Type: "identity.submitted", Actor: "person:p1", IP: "10.0.0.1", UserAgent: "test",
			Payload: map[string]any{"n": i, "masked_id": "110105********002X"},
		}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestEventLog(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect).DB
			ctx := tenants.WithTenant(context.Background(), "tenant-1")
			chain := evidence.TenantChain("tenant-1")

			// fresh gives each tamper case its own intact chain.
			fresh := func(t *testing.T, name string) (string, []evidence.Event) {
				c := chain + ":" + name
				return c, appendN(t, ctx, db, c, 5)
			}
			read := func(t *testing.T, c string) []evidence.Event {
				evs, err := evidence.Events(ctx, db, c)
				if err != nil {
					t.Fatal(err)
				}
				return evs
			}
			wantBroken := func(t *testing.T, c string, seq int64) {
				t.Helper()
				err := evidence.VerifyChain(c, read(t, c))
				var be *evidence.BrokenLinkError
				if !errors.As(err, &be) {
					t.Fatalf("tampering not detected: %v", err)
				}
				if be.Seq != seq {
					t.Fatalf("first broken link at seq %d, want %d (%v)", be.Seq, seq, err)
				}
			}

			t.Run("OK", func(t *testing.T) {
				c, evs := fresh(t, "ok")
				if evs[0].PrevHash != evidence.GenesisHash || evs[1].PrevHash != evs[0].Hash || evs[4].Seq != 5 {
					t.Fatalf("links: %+v", evs[:2])
				}
				if err := evidence.VerifyChain(c, read(t, c)); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("AlteredRow", func(t *testing.T) {
				c, evs := fresh(t, "alter")
				if err := db.Exec("UPDATE events SET actor = ? WHERE id = ?", "person:mallory", evs[2].ID).Error; err != nil {
					t.Fatal(err)
				}
				wantBroken(t, c, 3)
			})
			t.Run("AlteredPayload", func(t *testing.T) {
				c, evs := fresh(t, "payload")
				if err := db.Exec("UPDATE events SET payload = ? WHERE id = ?", []byte(`{"n":99}`), evs[1].ID).Error; err != nil {
					t.Fatal(err)
				}
				wantBroken(t, c, 2)
			})
			t.Run("AlteredTime", func(t *testing.T) {
				c, evs := fresh(t, "time")
				if err := db.Exec("UPDATE events SET at = ? WHERE id = ?", evs[3].At.Add(-time.Hour), evs[3].ID).Error; err != nil {
					t.Fatal(err)
				}
				wantBroken(t, c, 4)
			})
			t.Run("DeletedRow", func(t *testing.T) {
				c, evs := fresh(t, "delete")
				if err := db.Exec("DELETE FROM events WHERE id = ?", evs[1].ID).Error; err != nil {
					t.Fatal(err)
				}
				wantBroken(t, c, 3)
			})
			t.Run("ReorderedRows", func(t *testing.T) {
				c, evs := fresh(t, "reorder")
				// Swap the sequence numbers of events 2 and 3 (via a free slot).
				for _, q := range []struct {
					seq int64
					id  string
				}{{100, evs[1].ID}, {2, evs[2].ID}, {3, evs[1].ID}} {
					if err := db.Exec("UPDATE events SET seq = ? WHERE id = ?", q.seq, q.id).Error; err != nil {
						t.Fatal(err)
					}
				}
				wantBroken(t, c, 2)
			})
			t.Run("RehashedRowStillBreaksNextLink", func(t *testing.T) {
				// A forger who recomputes the altered row's own hash still breaks the next link.
				c, evs := fresh(t, "rehash")
				e := evs[1]
				e.Actor = "person:mallory"
				e.Hash = evidence.ChainHash(e)
				if err := db.Exec("UPDATE events SET actor = ?, hash = ? WHERE id = ?", e.Actor, e.Hash, e.ID).Error; err != nil {
					t.Fatal(err)
				}
				wantBroken(t, c, 3)
			})
			t.Run("OtherTenantCannotRead", func(t *testing.T) {
				other := tenants.WithTenant(context.Background(), "tenant-2")
				evs, err := evidence.Events(other, db, chain+":ok")
				if err != nil || len(evs) != 0 {
					t.Fatalf("tenant-2 read %d of tenant-1's events (%v)", len(evs), err)
				}
			})
			t.Run("ConcurrentAppendsNeverFork", func(t *testing.T) {
				c := chain + ":concurrent"
				const workers, each = 8, 10
				var wg sync.WaitGroup
				errs := make(chan error, workers*each)
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						for i := 0; i < each; i++ {
							_, err := evidence.Append(ctx, db, evidence.Record{Chain: c, Type: "t", Actor: fmt.Sprint("w", w), Payload: i}, time.Now())
							if err != nil {
								errs <- err
							}
						}
					}(w)
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				evs := read(t, c)
				if len(evs) != workers*each {
					t.Fatalf("%d events, want %d", len(evs), workers*each)
				}
				if err := evidence.VerifyChain(c, evs); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
