package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"signet/internal/dbtest"
	"signet/tenants"
)

// outcome names an answer of Authenticate, and how long a lock lasts.
func outcome(err error, now time.Time) string {
	var le *tenants.LockedError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, tenants.ErrInvalidCredentials):
		return "invalid"
	case errors.As(err, &le):
		return "locked " + le.Until.Sub(now).Round(time.Second).String() // MariaDB keeps microseconds
	}
	return "error " + err.Error()
}

// TestLockoutTellsNobody: an email with an account and one without get the
// same answers, attempt after attempt, and both lock.
func TestLockoutTellsNobody(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s, clk := newService(t, dialect)
			signUp(t, s, "known@example.com")
			ctx := context.Background()
			run := func(email string) []string {
				var got []string
				for i := 0; i < 7; i++ {
					_, err := s.Authenticate(ctx, email, "wrong password!", "198.51.100.1")
					got = append(got, outcome(err, clk.Now()))
				}
				return got
			}
			known, unknown := run("known@example.com"), run("unknown@example.com")
			if fmt.Sprint(known) != fmt.Sprint(unknown) {
				t.Fatalf("answers differ:\nknown   %v\nunknown %v", known, unknown)
			}
			want := "[invalid invalid invalid invalid locked 15m0s locked 15m0s locked 15m0s]"
			if fmt.Sprint(known) != want {
				t.Fatalf("answers %v, want %s", known, want)
			}
		})
	}
}

// TestLockoutPerClientAndBackstop: a guesser at one address locks only
// that address out; many addresses together reach the per-email backstop,
// which then holds everywhere, the right password included, for its
// window.
func TestLockoutPerClientAndBackstop(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := dbtest.MustOpen(t, dialect)
			clk := &clock{t: time.Now().UTC()}
			s := tenants.NewService(db.DB, tenants.Options{Password: fastHash, Now: clk.Now,
				Lockout: tenants.Lockout{PerClient: 3, ClientWindow: 15 * time.Minute, PerAccount: 7, AccountWindow: time.Hour}})
			signUp(t, s, "target@example.com")
			ctx := context.Background()
			try := func(pw, client string) string {
				_, err := s.Authenticate(ctx, "target@example.com", pw, client)
				return outcome(err, clk.Now())
			}
			for i := 0; i < 3; i++ {
				try("wrong password!", "192.0.2.1")
			}
			if got := try("correct horse battery", "192.0.2.1"); got != "locked 15m0s" {
				t.Fatalf("the locked address: %s", got)
			}
			if got := try("correct horse battery", "192.0.2.99"); got != "ok" {
				t.Fatalf("the owner elsewhere: %s", got)
			}
			// 3 failures above (the success gave its attempt back), 4 more
			// from two other addresses reach the backstop of 7.
			var last string
			for i := 0; i < 4; i++ {
				last = try("wrong password!", fmt.Sprintf("192.0.2.%d", 10+i/2))
			}
			if last != "locked 1h0m0s" {
				t.Fatalf("7th failure for the email: %s", last)
			}
			if got := try("correct horse battery", "192.0.2.99"); got != "locked 1h0m0s" {
				t.Fatalf("right password from a fresh address under the backstop: %s", got)
			}
			clk.Advance(time.Hour)
			if got := try("correct horse battery", "192.0.2.99"); got != "ok" {
				t.Fatalf("after the backstop's window: %s", got)
			}
		})
	}
}
