package tenants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"signet/internal/dbtest"
	"signet/tenants"
)

// TestCurrent: every change to a session's rights holds from the next
// check, on the replica that made it at once and on another one within
// the cache's TTL.
func TestCurrent(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := dbtest.MustOpen(t, dialect)
			clk := &clock{t: time.Now().UTC()}
			opt := tenants.Options{Password: fastHash, Now: clk.Now}
			s := tenants.NewService(db.DB, opt)
			other := tenants.NewService(db.DB, opt) // a second replica
			ctx := context.Background()
			tn, owner, tctx := signUp(t, s, "owner@example.com")
			meta := tenants.ClientMeta{IP: "127.0.0.1"}
			ownerPr := tenants.Principal{PersonID: owner.ID, TenantID: tn.ID, Role: tenants.RoleOwner}

			// join makes email an admin of tn and returns the principal of
			// a fresh session and the membership id.
			join := func(t *testing.T, email string) (tenants.Principal, string) {
				t.Helper()
				_, tok, err := s.Invite(tctx, ownerPr, email, tenants.RoleAdmin)
				if err != nil {
					t.Fatal(err)
				}
				p, m, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Name: "Admin", Password: "admin long password"})
				if err != nil {
					t.Fatal(err)
				}
				_, sess, err := s.StartSession(ctx, p, tn.ID, meta)
				if err != nil {
					t.Fatal(err)
				}
				return sess.Principal(), m.ID
			}
			live := func(t *testing.T, svc *tenants.Service, p tenants.Principal) tenants.Principal {
				t.Helper()
				got, err := svc.Current(ctx, p)
				if err != nil {
					t.Fatalf("current: %v", err)
				}
				return got
			}
			dead := func(t *testing.T, svc *tenants.Service, p tenants.Principal) {
				t.Helper()
				if _, err := svc.Current(ctx, p); !errors.Is(err, tenants.ErrTokenInvalid) {
					t.Fatalf("current = %v, want ErrTokenInvalid", err)
				}
			}

			t.Run("OK", func(t *testing.T) {
				p, _ := join(t, "ok@example.com")
				if got := live(t, s, p); got.Role != tenants.RoleAdmin {
					t.Fatalf("role %s", got.Role)
				}
			})
			t.Run("NoSession", func(t *testing.T) {
				p, _ := join(t, "nosid@example.com")
				p.SessionID = ""
				dead(t, s, p)
			})
			t.Run("OtherPerson", func(t *testing.T) {
				p, _ := join(t, "other@example.com")
				p.PersonID = owner.ID
				dead(t, s, p)
			})
			t.Run("RemoveMember", func(t *testing.T) {
				p, id := join(t, "removed@example.com")
				live(t, s, p)
				live(t, other, p)
				if err := s.RemoveMember(tctx, ownerPr, id); err != nil {
					t.Fatal(err)
				}
				dead(t, s, p)
				clk.Advance(tenants.DefaultSessionCheckTTL)
				dead(t, other, p)
			})
			t.Run("Demote", func(t *testing.T) {
				p, id := join(t, "demoted@example.com")
				live(t, s, p)
				live(t, other, p)
				if _, err := s.SetRole(tctx, ownerPr, id, tenants.RoleMember); err != nil {
					t.Fatal(err)
				}
				if got := live(t, s, p); got.Role != tenants.RoleMember {
					t.Fatalf("role after demotion on this replica: %s", got.Role)
				}
				// The other replica may trust what it read for up to the TTL,
				// but CurrentRole never does.
				if role, err := other.CurrentRole(tctx, p.PersonID); err != nil || role != tenants.RoleMember {
					t.Fatalf("current role on the other replica = %s, %v", role, err)
				}
				clk.Advance(tenants.DefaultSessionCheckTTL)
				if got := live(t, other, p); got.Role != tenants.RoleMember {
					t.Fatalf("role after demotion on the other replica: %s", got.Role)
				}
			})
			t.Run("NewerTokenRereads", func(t *testing.T) {
				// A replica holding an older version re-reads at once when
				// a token issued after the change arrives.
				p, id := join(t, "promoted@example.com")
				if _, err := s.SetRole(tctx, ownerPr, id, tenants.RoleMember); err != nil {
					t.Fatal(err)
				}
				clk.Advance(tenants.DefaultSessionCheckTTL)
				p = live(t, other, p) // other now holds the member role
				if _, err := s.SetRole(tctx, ownerPr, id, tenants.RoleAdmin); err != nil {
					t.Fatal(err)
				}
				p.SessionVersion += 2 // as the token from the next refresh says (v1 → v3)
				if got := live(t, other, p); got.Role != tenants.RoleAdmin {
					t.Fatalf("role = %s, want admin at once", got.Role)
				}
			})
			t.Run("Logout", func(t *testing.T) {
				p, err := s.Authenticate(ctx, "owner@example.com", "correct horse battery", "127.0.0.1")
				if err != nil {
					t.Fatal(err)
				}
				rt, sess, err := s.StartSession(ctx, p, "", meta)
				if err != nil {
					t.Fatal(err)
				}
				_, keep, err := s.StartSession(ctx, p, "", meta) // another device
				if err != nil {
					t.Fatal(err)
				}
				live(t, other, sess.Principal())
				if err := s.Logout(ctx, rt); err != nil {
					t.Fatal(err)
				}
				dead(t, s, sess.Principal())
				live(t, s, keep.Principal())
				clk.Advance(tenants.DefaultSessionCheckTTL)
				dead(t, other, sess.Principal())
			})
			t.Run("RevokeAll", func(t *testing.T) {
				p1, _ := join(t, "all@example.com")
				person, _ := s.Person(ctx, p1.PersonID)
				_, s2, err := s.StartSession(ctx, person, tn.ID, meta)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.RevokeAll(ctx, p1.PersonID); err != nil {
					t.Fatal(err)
				}
				dead(t, s, p1)
				dead(t, s, s2.Principal())
			})
			t.Run("SuspendTenant", func(t *testing.T) {
				tn2, p2, _ := signUp(t, s, "suspended@example.com")
				_, sess, err := s.StartSession(ctx, p2, tn2.ID, meta)
				if err != nil {
					t.Fatal(err)
				}
				live(t, s, sess.Principal())
				if err := s.SetTenantStatus(ctx, tn2.ID, tenants.TenantSuspended, nil); err != nil {
					t.Fatal(err)
				}
				dead(t, s, sess.Principal())
				if err := s.SetTenantStatus(ctx, tn2.ID, tenants.TenantActive, nil); err != nil {
					t.Fatal(err)
				}
				live(t, s, sess.Principal())
			})
			t.Run("RefreshCarriesVersion", func(t *testing.T) {
				p, err := s.Authenticate(ctx, "owner@example.com", "correct horse battery", "127.0.0.1")
				if err != nil {
					t.Fatal(err)
				}
				rt, sess, err := s.StartSession(ctx, p, tn.ID, meta)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.SetTenantStatus(ctx, tn.ID, tenants.TenantActive, nil); err != nil { // bumps the version
					t.Fatal(err)
				}
				_, next, err := s.Refresh(ctx, rt, meta)
				if err != nil {
					t.Fatal(err)
				}
				if next.FamilyID != sess.FamilyID || next.Version != sess.Version+1 {
					t.Fatalf("refreshed session %s v%d, want %s v%d", next.FamilyID, next.Version, sess.FamilyID, sess.Version+1)
				}
				live(t, other, next.Principal())
			})
		})
	}
}

// BenchmarkCurrent is what every request with an access token pays for the
// session check: Hit from this replica's memory, Miss from the database
// (at most once a second per session and replica).
func BenchmarkCurrent(b *testing.B) {
	for _, dialect := range dbtest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := dbtest.MustOpen(b, dialect)
			s := tenants.NewService(db.DB, tenants.Options{Password: fastHash})
			ctx := context.Background()
			_, p, err := s.SignUp(ctx, tenants.SignUp{CompanyName: "Bench", Name: "B", Email: "bench@example.com", Password: "correct horse battery"})
			if err != nil {
				b.Fatal(err)
			}
			_, sess, err := s.StartSession(ctx, p, "", tenants.ClientMeta{})
			if err != nil {
				b.Fatal(err)
			}
			pr := sess.Principal()
			b.Run("Hit", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Current(ctx, pr); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Miss", func(b *testing.B) {
				for b.Loop() {
					s.ForgetSessions()
					if _, err := s.Current(ctx, pr); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
