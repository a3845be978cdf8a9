package otp_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/internal/dbtest"
	"signet/internal/otp"
	"signet/notify"
	"signet/notify/messages"
)

var _ otp.Outbox = (*messages.Service)(nil)

// inbox is an outbox that keeps every message it sent; fail makes Send
// fail with it.
type inbox struct {
	mu      sync.Mutex
	pending map[string]notify.SMS
	msgs    []notify.SMS
	fail    error
}

func (b *inbox) Enqueue(_ context.Context, _ *gorm.DB, m messages.Outgoing) (string, error) {
	r, err := notify.Render(m.Kind, notify.ChannelSMS, notify.LangZH, m.Params)
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending == nil {
		b.pending = map[string]notify.SMS{}
	}
	id := fmt.Sprint(len(b.pending) + 1)
	b.pending[id] = notify.SMS{ID: id, To: m.To, Body: r.Text}
	return id, nil
}

func (b *inbox) Send(_ context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.msgs = append(b.msgs, b.pending[id])
	return nil
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

func (b *inbox) last(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.msgs) == 0 {
		t.Fatal("no SMS sent")
	}
	c := codeRE.FindString(b.msgs[len(b.msgs)-1].Body)
	if c == "" {
		t.Fatalf("no code in %q", b.msgs[len(b.msgs)-1].Body)
	}
	return c
}

func (b *inbox) count() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.msgs) }

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func wrong(c string) string              { return strings.Map(func(r rune) rune { return '0' + (r-'0'+1)%10 }, c) }
func key() []byte                        { return []byte("0123456789abcdef0123456789abcdef") }
func intent(d string) otp.Intent         { return otp.Intent{Purpose: "test.purpose", Digest: d} }
func req(m string, d string) otp.Request {
	return otp.Request{Mobile: m, Intent: intent(d), IP: "192.0.2.1"}
}
func chk(m, d, code string) otp.Check { return otp.Check{Mobile: m, Intent: intent(d), Code: code} }

const mobile = "+8613812345678"

func forEachDB(t *testing.T, f func(t *testing.T, svc *otp.Service, box *inbox, clk *clock)) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			db := dbtest.MustOpen(t, d)
			box := &inbox{}
			clk := &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
			svc, err := otp.New(db.DB, box, otp.Options{Key: key(), Now: clk.now, PerIPPerDay: 12})
			if err != nil {
				t.Fatal(err)
			}
			f(t, svc, box, clk)
		})
	}
}

func TestOTP(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			tk, err := svc.Issue(ctx, req(mobile, "X"))
			if err != nil || !tk.Sent {
				t.Fatalf("issue: %v %+v", err, tk)
			}
			c := box.last(t)
			if len(c) != otp.Digits {
				t.Fatalf("code %q", c)
			}
			if err := svc.Verify(ctx, chk(mobile, "X", c)); err != nil {
				t.Fatal(err)
			}
			// Single use.
			if err := svc.Verify(ctx, chk(mobile, "X", c)); !errors.Is(err, otp.ErrNoCode) {
				t.Fatalf("reuse: %v", err)
			}
		})
	})
	t.Run("ErrExpiredAfterTTL", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			clk.advance(5*time.Minute + time.Second)
			if err := svc.Verify(ctx, chk(mobile, "X", box.last(t))); !errors.Is(err, otp.ErrNoCode) {
				t.Fatalf("expired code: %v", err)
			}
		})
	})
	t.Run("ErrExhaustedAfterFiveWrong", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			c := box.last(t)
			for i := 1; i < otp.MaxAttempts; i++ {
				if err := svc.Verify(ctx, chk(mobile, "X", wrong(c))); !errors.Is(err, otp.ErrMismatch) {
					t.Fatalf("wrong entry %d: %v", i, err)
				}
			}
			if err := svc.Verify(ctx, chk(mobile, "X", wrong(c))); !errors.Is(err, otp.ErrExhausted) {
				t.Fatalf("fifth wrong entry: %v", err)
			}
			if err := svc.Verify(ctx, chk(mobile, "X", c)); !errors.Is(err, otp.ErrNoCode) {
				t.Fatalf("right code after void: %v", err)
			}
		})
	})
	t.Run("ResendWithin60sSendsNothing", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			first := box.last(t)
			clk.advance(59 * time.Second)
			tk, err := svc.Issue(ctx, req(mobile, "X"))
			if err != nil || tk.Sent || box.count() != 1 {
				t.Fatalf("resend within 60 s: %v %+v, %d messages", err, tk, box.count())
			}
			clk.advance(2 * time.Second)
			if tk, err = svc.Issue(ctx, req(mobile, "X")); err != nil || !tk.Sent || box.count() != 2 {
				t.Fatalf("resend after 60 s: %v %+v", err, tk)
			}
			// The new code replaces the old one.
			if first != box.last(t) {
				if err := svc.Verify(ctx, chk(mobile, "X", first)); !errors.Is(err, otp.ErrMismatch) {
					t.Fatalf("old code after resend: %v", err)
				}
			}
			if err := svc.Verify(ctx, chk(mobile, "X", box.last(t))); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("ErrNumberLimit", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			for i := 0; i < otp.PerNumberPerDay; i++ {
				r := req(mobile, "X")
				r.IP = "" // only the number's quota is under test
				if _, err := svc.Issue(ctx, r); err != nil {
					t.Fatalf("code %d: %v", i+1, err)
				}
				clk.advance(otp.ResendAfter)
			}
			if _, err := svc.Issue(ctx, req(mobile, "X")); !errors.Is(err, otp.ErrNumberLimit) {
				t.Fatalf("11th code: %v", err)
			}
			clk.advance(24 * time.Hour)
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatalf("next day: %v", err)
			}
		})
	})
	t.Run("ErrIPLimit", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			for i := 0; i < 12; i++ {
				if _, err := svc.Issue(ctx, req(fmt.Sprintf("+86138%08d", i), "X")); err != nil {
					t.Fatalf("code %d: %v", i+1, err)
				}
			}
			if _, err := svc.Issue(ctx, req("+8613912345678", "X")); !errors.Is(err, otp.ErrIPLimit) {
				t.Fatalf("13th code from one IP: %v", err)
			}
		})
	})
	t.Run("StoredHashed", func(t *testing.T) {
		for _, d := range dbtest.Dialects {
			t.Run(d, func(t *testing.T) {
				db := dbtest.MustOpen(t, d)
				box := &inbox{}
				svc, _ := otp.New(db.DB, box, otp.Options{Key: key()})
				if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
					t.Fatal(err)
				}
				var rows []map[string]any
				if err := db.Table("otp_codes").Find(&rows).Error; err != nil || len(rows) != 1 {
					t.Fatalf("rows %v %v", rows, err)
				}
				for k, v := range rows[0] {
					s, _ := v.(string)
					if b, ok := v.([]byte); ok {
						s = string(b)
					}
					if strings.Contains(s, box.last(t)) || strings.Contains(s, "13812345678") {
						t.Fatalf("column %s holds the code or the number: %q", k, s)
					}
				}
			})
		}
	})
	t.Run("ErrMismatchForOtherIntent", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			if err := svc.Verify(ctx, chk(mobile, "Y", box.last(t))); !errors.Is(err, otp.ErrMismatch) {
				t.Fatalf("code for X used for Y: %v", err)
			}
			if err := svc.Verify(ctx, chk("+8613912345678", "X", box.last(t))); !errors.Is(err, otp.ErrNoCode) {
				t.Fatalf("code used for another number: %v", err)
			}
			if err := svc.Verify(ctx, chk(mobile, "X", box.last(t))); err != nil {
				t.Fatalf("right intent: %v", err)
			}
		})
	})
	t.Run("OtherIntentNotBlocked", func(t *testing.T) {
		// A pending code for contract X neither blocks nor voids the code
		// for contract Y: the resend wait is per intent.
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			codeX := box.last(t)
			clk.advance(10 * time.Second)
			tk, err := svc.Issue(ctx, req(mobile, "Y"))
			if err != nil || !tk.Sent || box.count() != 2 {
				t.Fatalf("code for Y while X's is pending: %v %+v, %d messages", err, tk, box.count())
			}
			codeY := box.last(t)
			if err := svc.Verify(ctx, chk(mobile, "X", codeX)); err != nil {
				t.Fatalf("X's code after Y's was sent: %v", err)
			}
			if err := svc.Verify(ctx, chk(mobile, "Y", codeY)); err != nil {
				t.Fatalf("Y's code: %v", err)
			}
		})
	})
	t.Run("WaitAfterExhausted", func(t *testing.T) {
		// Five wrong entries void the code and no new one is sent, for any
		// intent of the purpose, until ExhaustedWait has passed.
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
			c := box.last(t)
			for i := 0; i < otp.MaxAttempts; i++ {
				_ = svc.Verify(ctx, chk(mobile, "X", wrong(c)))
			}
			clk.advance(otp.ResendAfter + time.Second)
			for _, in := range []string{"X", "Y"} {
				tk, err := svc.Issue(ctx, req(mobile, in))
				if err != nil || tk.Sent || box.count() != 1 || !tk.RetryAfter.After(clk.now()) {
					t.Fatalf("code for %s right after five wrong entries: %v %+v, %d messages", in, err, tk, box.count())
				}
			}
			clk.advance(otp.ExhaustedWait)
			if tk, err := svc.Issue(ctx, req(mobile, "X")); err != nil || !tk.Sent {
				t.Fatalf("code after the wait: %v %+v", err, tk)
			}
		})
	})
	t.Run("RefusedSendCostsNothing", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			box.fail = fmt.Errorf("send: %w: 21211 invalid number", messages.ErrRefused)
			for i := 0; i < otp.PerNumberPerDay+1; i++ {
				if _, err := svc.Issue(ctx, req(mobile, "X")); err == nil || errors.Is(err, otp.ErrNumberLimit) {
					t.Fatalf("failed send %d: %v", i, err)
				}
			}
			box.fail = nil
			if _, err := svc.Issue(ctx, req(mobile, "X")); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("TemporaryFailureKeepsTheCode", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
			// The outbox retries a send that failed for now, so the code
			// stays valid and the person is told it is on its way.
			box.fail = errors.New("provider answered 503")
			tk, err := svc.Issue(ctx, req(mobile, "X"))
			if err != nil || !tk.Sent {
				t.Fatalf("Issue = %+v, %v", tk, err)
			}
		})
	})
}

// TestConcurrentGuessesCannotExceedAttempts: forty wrong guesses sent at once
// must get no more than MaxAttempts comparisons against the live code (a
// read-compare-increment check let about thirty through on MariaDB).
func TestConcurrentGuessesCannotExceedAttempts(t *testing.T) {
	forEachDB(t, func(t *testing.T, svc *otp.Service, box *inbox, clk *clock) {
		ctx := context.Background()
		if _, err := svc.Issue(ctx, req(mobile, "doc-1")); err != nil {
			t.Fatal(err)
		}
		right := box.last(t)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			compared int
		)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := svc.Verify(ctx, chk(mobile, "doc-1", wrong(right)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, otp.ErrMismatch):
					compared++
				case errors.Is(err, otp.ErrExhausted), errors.Is(err, otp.ErrNoCode):
				default:
					t.Errorf("unexpected result %v", err)
				}
			}()
		}
		wg.Wait()
		if compared > otp.MaxAttempts-1 {
			t.Fatalf("%d wrong guesses were answered 'mismatch' (compared against the live code); at most %d may be", compared, otp.MaxAttempts-1)
		}
		if err := svc.Verify(ctx, chk(mobile, "doc-1", right)); err == nil {
			t.Fatal("the right code still worked after the attempts were used up")
		}
	})
}
