package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"signet/tenants"
)

// TestRefreshRaces: the same token refreshed twice at once must give exactly
// one successor and one reuse (which revokes the family) — never a 500 from
// a deadlock — and many people refreshing at once must all succeed.
func TestRefreshRaces(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			s, _ := newService(t, dialect)
			ctx := context.Background()
			meta := tenants.ClientMeta{IP: "127.0.0.1"}

			t.Run("SameTokenTwice", func(t *testing.T) {
				_, p, _ := signUp(t, s, "race@example.com")
				for round := 0; round < 5; round++ {
					rt, _, err := s.StartSession(ctx, p, "", meta)
					if err != nil {
						t.Fatal(err)
					}
					var wg sync.WaitGroup
					results := make([]error, 4)
					nexts := make([]string, 4)
					for i := range results {
						wg.Add(1)
						go func(i int) {
							defer wg.Done()
							nexts[i], _, results[i] = s.Refresh(ctx, rt, meta)
						}(i)
					}
					wg.Wait()
					won, reused := 0, 0
					var winner string
					for i, err := range results {
						switch {
						case err == nil:
							won++
							winner = nexts[i]
						case errors.Is(err, tenants.ErrTokenReused), errors.Is(err, tenants.ErrTokenInvalid):
							reused++
						default:
							t.Fatalf("round %d: unexpected error %v", round, err)
						}
					}
					if won != 1 || reused != 3 {
						t.Fatalf("round %d: %d won, %d refused; want 1 and 3", round, won, reused)
					}
					// The replay revoked the family: the winner's successor is dead too.
					if _, _, err := s.Refresh(ctx, winner, meta); !errors.Is(err, tenants.ErrTokenInvalid) {
						t.Fatalf("round %d: successor after a concurrent replay: %v", round, err)
					}
				}
			})
			t.Run("ManyPeopleAtOnce", func(t *testing.T) {
				var tokens []string
				for i := 0; i < 8; i++ {
					_, p, _ := signUp(t, s, fmt.Sprintf("many%d@example.com", i))
					rt, _, err := s.StartSession(ctx, p, "", meta)
					if err != nil {
						t.Fatal(err)
					}
					tokens = append(tokens, rt)
				}
				var wg sync.WaitGroup
				errs := make(chan error, 8*10)
				for i := range tokens {
					wg.Add(1)
					go func(tok string) {
						defer wg.Done()
						for j := 0; j < 10; j++ {
							next, _, err := s.Refresh(ctx, tok, meta)
							if err != nil {
								errs <- err
								return
							}
							tok = next
						}
					}(tokens[i])
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestParallelGuessesCannotOutrunLockout: twenty wrong passwords sent at
// once are checked no more often than five sent one after another; the
// rest are refused as locked without a password check.
func TestParallelGuessesCannotOutrunLockout(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			s, _ := newService(t, dialect)
			ctx := context.Background()
			signUp(t, s, "guess@example.com")
			before := tenants.PasswordChecks()
			var (
				wg               sync.WaitGroup
				mu               sync.Mutex
				invalid, lockedN int
			)
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Authenticate(ctx, "guess@example.com", "wrong password!", "192.0.2.1")
					var le *tenants.LockedError
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, tenants.ErrInvalidCredentials):
						invalid++
					case errors.As(err, &le):
						lockedN++
					default:
						t.Errorf("unexpected %v", err)
					}
				}()
			}
			wg.Wait()
			if checked := tenants.PasswordChecks() - before; checked > 5 {
				t.Fatalf("%d of 20 parallel guesses had their password checked; the lockout allows 5", checked)
			}
			if invalid > 4 || invalid+lockedN != 20 {
				t.Fatalf("%d answered 'invalid credentials' (checked and not locked), %d locked; at most 4 may be checked before the lock", invalid, lockedN)
			}
			if _, err := s.Authenticate(ctx, "guess@example.com", "correct horse battery", "192.0.2.1"); err == nil {
				t.Fatal("the right password worked while locked")
			}
		})
	}
}
