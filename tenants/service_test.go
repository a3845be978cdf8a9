package tenants_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"signet/internal/dbtest"
	"signet/internal/page"
	"signet/internal/valid"
	"signet/tenants"
)

// fastHash keeps tests quick; production uses DefaultPasswordParams.
var fastHash = tenants.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T, dialect string) (*tenants.Service, *clock) {
	t.Helper()
	db := dbtest.MustOpen(t, dialect)
	clk := &clock{t: time.Now().UTC()}
	return tenants.NewService(db.DB, tenants.Options{Password: fastHash, Now: clk.Now}), clk
}

func signUp(t *testing.T, s *tenants.Service, email string) (tenants.Tenant, tenants.Person, context.Context) {
	t.Helper()
	tn, p, err := s.SignUp(context.Background(), tenants.SignUp{CompanyName: "示例科技有限公司", Name: "Li Lei", Email: email, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return tn, p, tenants.WithTenant(context.Background(), tn.ID)
}

func fieldCodes(err error) map[string]string {
	var v valid.Errors
	out := map[string]string{}
	if errors.As(err, &v) {
		for _, f := range v {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestService(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			testSignUp(t, dialect)
			testLogin(t, dialect)
			testSessions(t, dialect)
			testMembers(t, dialect)
			testAPIKeys(t, dialect)
		})
	}
}

func testSignUp(t *testing.T, dialect string) {
	s, _ := newService(t, dialect)
	ctx := context.Background()
	t.Run("SignUp/OK", func(t *testing.T) {
		tn, p, tctx := signUp(t, s, "Owner@Example.com")
		if p.Email != "owner@example.com" {
			t.Errorf("email not normalised: %q", p.Email)
		}
		ms, err := s.MembershipsOf(ctx, p.ID)
		if err != nil || len(ms) != 1 || ms[0].TenantID != tn.ID || ms[0].Role != tenants.RoleOwner {
			t.Fatalf("memberships = %+v, %v", ms, err)
		}
		got, err := s.Tenant(tctx)
		if err != nil || got.Name != "示例科技有限公司" {
			t.Fatalf("tenant = %+v, %v", got, err)
		}
	})
	t.Run("SignUp/ErrEmailTaken", func(t *testing.T) {
		_, _, err := s.SignUp(ctx, tenants.SignUp{CompanyName: "Other", Name: "X", Email: "owner@example.com", Password: "correct horse battery"})
		if !errors.Is(err, tenants.ErrEmailTaken) {
			t.Fatalf("err = %v", err)
		}
		// Nothing half-written: the failed sign-up left no tenant behind.
		p, err := s.AllTenants(ctx, page.Request{})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("tenants after failed sign-up: %d, %v", len(p.Items), err)
		}
	})
	t.Run("SignUp/Validation", func(t *testing.T) {
		_, _, err := s.SignUp(ctx, tenants.SignUp{CompanyName: "", Name: "", Email: "not-an-email", Password: "short"})
		got := fieldCodes(err)
		want := map[string]string{"company_name": "required", "name": "required", "email": "invalid", "password": "too_short"}
		for f, c := range want {
			if got[f] != c {
				t.Errorf("field %s: code %q, want %q (all: %v)", f, got[f], c, got)
			}
		}
	})
}

func testLogin(t *testing.T, dialect string) {
	s, clk := newService(t, dialect)
	ctx := context.Background()
	_, p, _ := signUp(t, s, "a@example.com")
	const here, there = "198.51.100.7", "203.0.113.9"
	t.Run("Login/OK", func(t *testing.T) {
		got, err := s.Authenticate(ctx, " A@example.com ", "correct horse battery", here)
		if err != nil || got.ID != p.ID {
			t.Fatalf("authenticate = %+v, %v", got, err)
		}
	})
	t.Run("Login/UnknownEmail", func(t *testing.T) {
		if _, err := s.Authenticate(ctx, "nobody@example.com", "whatever whatever", here); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Login/Lockout", func(t *testing.T) {
		for i := 1; i <= 4; i++ {
			if _, err := s.Authenticate(ctx, "a@example.com", "wrong password!", here); !errors.Is(err, tenants.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		var locked *tenants.LockedError
		if _, err := s.Authenticate(ctx, "a@example.com", "wrong password!", here); !errors.As(err, &locked) || locked.Until.Sub(clk.Now()) != 15*time.Minute {
			t.Fatalf("5th failure: %v, want LockedError for 15 minutes", err)
		}
		// Even the right password is refused while locked, from here...
		if _, err := s.Authenticate(ctx, "a@example.com", "correct horse battery", here); !errors.As(err, &locked) {
			t.Fatalf("right password while locked: %v", err)
		}
		// ...but not from elsewhere: the guesser cannot lock the owner out.
		if _, err := s.Authenticate(ctx, "a@example.com", "correct horse battery", there); err != nil {
			t.Fatalf("right password from another client: %v", err)
		}
		clk.Advance(15*time.Minute + time.Second)
		if _, err := s.Authenticate(ctx, "a@example.com", "correct horse battery", here); err != nil {
			t.Fatalf("after lock expired: %v", err)
		}
		// Success resets the counter.
		if _, err := s.Authenticate(ctx, "a@example.com", "wrong password!", here); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("counter not reset: %v", err)
		}
	})
}

func testSessions(t *testing.T, dialect string) {
	s, clk := newService(t, dialect)
	ctx := context.Background()
	tn, p, _ := signUp(t, s, "s@example.com")
	meta := tenants.ClientMeta{IP: "127.0.0.1", UserAgent: "test"}
	t.Run("Session/Rotation", func(t *testing.T) {
		rt1, sess, err := s.StartSession(ctx, p, "", meta)
		if err != nil || sess.TenantID != tn.ID || sess.Role != tenants.RoleOwner {
			t.Fatalf("start = %+v, %v", sess, err)
		}
		rt2, sess2, err := s.Refresh(ctx, rt1, meta)
		if err != nil || rt2 == rt1 || sess2.FamilyID != sess.FamilyID {
			t.Fatalf("refresh = %+v, %v", sess2, err)
		}
		// Replaying the spent token revokes the family, including rt2.
		if _, _, err := s.Refresh(ctx, rt1, meta); !errors.Is(err, tenants.ErrTokenReused) {
			t.Fatalf("replay: %v", err)
		}
		if _, _, err := s.Refresh(ctx, rt2, meta); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("successor after replay: %v", err)
		}
	})
	t.Run("Session/Logout", func(t *testing.T) {
		rt, _, _ := s.StartSession(ctx, p, "", meta)
		if err := s.Logout(ctx, rt); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Refresh(ctx, rt, meta); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("after logout: %v", err)
		}
	})
	t.Run("Session/RevokeAll", func(t *testing.T) {
		r1, _, _ := s.StartSession(ctx, p, "", meta)
		r2, _, _ := s.StartSession(ctx, p, "", meta)
		if err := s.RevokeAll(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{r1, r2} {
			if _, _, err := s.Refresh(ctx, r, meta); !errors.Is(err, tenants.ErrTokenInvalid) {
				t.Fatalf("after revoke-all: %v", err)
			}
		}
	})
	t.Run("Session/Expiry", func(t *testing.T) {
		rt, _, _ := s.StartSession(ctx, p, "", meta)
		clk.Advance(31 * 24 * time.Hour)
		if _, _, err := s.Refresh(ctx, rt, meta); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("expired: %v", err)
		}
	})
	t.Run("Session/ErrNotFound/ForeignTenant", func(t *testing.T) {
		other, _, _ := signUp(t, s, "other@example.com")
		if _, _, err := s.StartSession(ctx, p, other.ID, meta); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("session in a tenant the person is not in: %v", err)
		}
	})
}

func testMembers(t *testing.T, dialect string) {
	s, _ := newService(t, dialect)
	ctx := context.Background()
	tn, owner, tctx := signUp(t, s, "owner@example.com")
	ownerP := tenants.Principal{PersonID: owner.ID, TenantID: tn.ID, Role: tenants.RoleOwner}
	t.Run("Invite/AcceptNewPerson", func(t *testing.T) {
		inv, tok, err := s.Invite(tctx, ownerP, "Member@Example.com", tenants.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		p, m, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Name: "Han Meimei", Password: "another long password"})
		if err != nil || m.TenantID != tn.ID || m.Role != tenants.RoleAdmin || p.Email != "member@example.com" {
			t.Fatalf("accept = %+v %+v, %v", p, m, err)
		}
		got, err := s.Invitation(tctx, inv.ID)
		if err != nil || got.Status(time.Now()) != "accepted" {
			t.Fatalf("invitation after accept = %+v, %v", got, err)
		}
		if _, _, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Name: "X", Password: "another long password"}); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("second accept: %v", err)
		}
	})
	t.Run("Invite/ExistingPersonMustProvePassword", func(t *testing.T) {
		other, _, _ := signUp(t, s, "elsewhere@example.com")
		_ = other
		_, tok, err := s.Invite(tctx, ownerP, "elsewhere@example.com", tenants.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Password: "not their password"}); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		p, m, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Password: "correct horse battery"})
		if err != nil || m.TenantID != tn.ID {
			t.Fatalf("accept = %+v, %v", m, err)
		}
		ms, _ := s.MembershipsOf(ctx, p.ID)
		if len(ms) != 2 {
			t.Fatalf("a person in two tenants has %d memberships", len(ms))
		}
	})
	t.Run("Invite/Revoked", func(t *testing.T) {
		inv, tok, _ := s.Invite(tctx, ownerP, "late@example.com", tenants.RoleMember)
		if _, err := s.RevokeInvitation(tctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptInvitation(ctx, tenants.Accept{Token: tok, Name: "L", Password: "another long password"}); !errors.Is(err, tenants.ErrTokenInvalid) {
			t.Fatalf("revoked accept: %v", err)
		}
	})
	t.Run("Invite/OnlyOwnerInvitesOwner", func(t *testing.T) {
		admin := tenants.Principal{PersonID: owner.ID, TenantID: tn.ID, Role: tenants.RoleAdmin}
		if _, _, err := s.Invite(tctx, admin, "boss@example.com", tenants.RoleOwner); !errors.Is(err, tenants.ErrForbidden) {
			t.Fatalf("admin invited an owner: %v", err)
		}
	})
	t.Run("Members/PagesAndLastOwner", func(t *testing.T) {
		first, err := s.Members(tctx, page.Request{Limit: 2})
		if err != nil || len(first.Items) != 2 || first.NextCursor == "" {
			t.Fatalf("first page = %d items, cursor %q, %v", len(first.Items), first.NextCursor, err)
		}
		second, err := s.Members(tctx, page.Request{Limit: 2, Cursor: first.NextCursor})
		if err != nil || len(second.Items) != 1 || second.NextCursor != "" {
			t.Fatalf("second page = %d items, cursor %q, %v", len(second.Items), second.NextCursor, err)
		}
		seen := map[string]bool{}
		for _, m := range append(first.Items, second.Items...) {
			if seen[m.ID] {
				t.Fatalf("member %s on two pages", m.ID)
			}
			seen[m.ID] = true
		}
		var ownerM tenants.Membership
		for _, m := range append(first.Items, second.Items...) {
			if m.Role == tenants.RoleOwner {
				ownerM = m
			}
		}
		if _, err := s.SetRole(tctx, ownerP, ownerM.ID, tenants.RoleMember); !errors.Is(err, tenants.ErrLastOwner) {
			t.Fatalf("last owner demoted: %v", err)
		}
		if err := s.RemoveMember(tctx, ownerP, ownerM.ID); !errors.Is(err, tenants.ErrLastOwner) {
			t.Fatalf("last owner removed: %v", err)
		}
		if _, err := s.Members(tctx, page.Request{Cursor: "garbage"}); !errors.Is(err, page.ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func testAPIKeys(t *testing.T, dialect string) {
	s, clk := newService(t, dialect)
	ctx := context.Background()
	tn, owner, tctx := signUp(t, s, "keys@example.com")
	ownerP := tenants.Principal{PersonID: owner.ID, TenantID: tn.ID, Role: tenants.RoleOwner}
	t.Run("APIKey/OK", func(t *testing.T) {
		k, secret, err := s.CreateAPIKey(tctx, ownerP, tenants.NewAPIKey{Name: "erp", Scopes: []string{"members:read", "contracts:read"}})
		if err != nil {
			t.Fatal(err)
		}
		if k.SecretHash == secret || len(secret) < 40 {
			t.Fatal("secret stored in clear or too short")
		}
		p, err := s.AuthenticateAPIKey(ctx, secret)
		if err != nil || p.TenantID != tn.ID || !p.Can("members:read") || p.Can("contracts:write") {
			t.Fatalf("principal = %+v, %v", p, err)
		}
		if _, err := s.RevokeAPIKey(tctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("revoked key: %v", err)
		}
	})
	t.Run("APIKey/SuspendedTenant", func(t *testing.T) {
		_, secret, err := s.CreateAPIKey(tctx, ownerP, tenants.NewAPIKey{Name: "svc", Scopes: []string{"members:read"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Model(&tenants.Tenant{}).Where("id = ?", tn.ID).Update("status", tenants.TenantSuspended).Error; err != nil {
			t.Fatal(err)
		}
		defer s.DB().Model(&tenants.Tenant{}).Where("id = ?", tn.ID).Update("status", tenants.TenantActive)
		if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("a suspended tenant's key still works: %v", err)
		}
	})
	t.Run("APIKey/Expiry", func(t *testing.T) {
		exp := clk.Now().Add(time.Hour)
		_, secret, err := s.CreateAPIKey(tctx, ownerP, tenants.NewAPIKey{Name: "short", Scopes: []string{"members:read"}, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
		if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, tenants.ErrInvalidCredentials) {
			t.Fatalf("expired key: %v", err)
		}
	})
	t.Run("APIKey/Validation", func(t *testing.T) {
		_, _, err := s.CreateAPIKey(tctx, ownerP, tenants.NewAPIKey{Name: "", Scopes: []string{"root"}})
		got := fieldCodes(err)
		if got["name"] != "required" || got["scopes"] != "invalid" {
			t.Fatalf("codes = %v", got)
		}
	})
}
