package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"signet/tenants"
)

// TestRevokedRightsOnNextRequest (security suite): once rights are taken
// away, the very next request with a token issued before is refused; the
// access token's 15 minutes do not matter. For each way of taking rights
// away, the admin's token first does every sensitive thing, then does none.
func TestRevokedRightsOnNextRequest(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.WebhookAllowLoopback = true })
	n := 0
	// setup makes a company with an admin logged in twice (two devices).
	setup := func(t *testing.T) (c company, admin, admin2 session, memberID string) {
		t.Helper()
		n++
		c = ta.signUp(fmt.Sprintf("Revoke %d", n), fmt.Sprintf("owner%d@revoke.test", n))
		email := fmt.Sprintf("admin%d@revoke.test", n)
		_, memberID = ta.invite(c, email, "admin")
		admin, admin2 = ta.login(email, "invitee long passphrase"), ta.login(email, "invitee long passphrase")
		mustManage(t, ta, admin.Access)
		return c, admin, admin2, memberID
	}

	t.Run("RemoveMember", func(t *testing.T) {
		c, admin, admin2, id := setup(t)
		mustStatus(t, ta.call("DELETE", "/api/members/"+id, c.Access, nil), http.StatusNoContent)
		mustNotManage(t, ta, admin.Access, http.StatusUnauthorized)
		mustStatus(t, ta.call("GET", "/api/me", admin2.Access, nil), http.StatusUnauthorized)
		mustStatus(t, ta.call("POST", "/api/auth/refresh", "", map[string]any{"refresh_token": admin.Refresh}), http.StatusUnauthorized)
	})
	t.Run("Demote", func(t *testing.T) {
		c, admin, _, id := setup(t)
		mustStatus(t, ta.call("PATCH", "/api/members/"+id, c.Access, map[string]any{"role": "member"}), http.StatusOK)
		mustNotManage(t, ta, admin.Access, http.StatusForbidden)
		// The token still works, with the role held now.
		r := ta.call("GET", "/api/me", admin.Access, nil)
		mustStatus(t, r, http.StatusOK)
		if role := r.JSON(t)["role"]; role != "member" {
			t.Fatalf("role after demotion: %v", role)
		}
	})
	t.Run("SuspendTenant", func(t *testing.T) {
		c, admin, _, _ := setup(t)
		if err := ta.Tenants.SetTenantStatus(context.Background(), c.TenantID, tenants.TenantSuspended, nil); err != nil {
			t.Fatal(err)
		}
		mustNotManage(t, ta, admin.Access, http.StatusUnauthorized)
		mustStatus(t, ta.call("GET", "/api/members", c.Access, nil), http.StatusUnauthorized)
	})
	t.Run("Logout", func(t *testing.T) {
		_, admin, admin2, _ := setup(t)
		mustStatus(t, ta.call("POST", "/api/auth/logout", "", map[string]any{"refresh_token": admin.Refresh}), http.StatusNoContent)
		mustNotManage(t, ta, admin.Access, http.StatusUnauthorized)
		// Only that session ends: the other device goes on.
		mustStatus(t, ta.call("GET", "/api/me", admin2.Access, nil), http.StatusOK)
	})
	t.Run("RevokeAll", func(t *testing.T) {
		_, admin, admin2, _ := setup(t)
		mustStatus(t, ta.call("POST", "/api/auth/revoke-all", admin2.Access, nil), http.StatusNoContent)
		mustNotManage(t, ta, admin.Access, http.StatusUnauthorized)
		mustNotManage(t, ta, admin2.Access, http.StatusUnauthorized)
		mustStatus(t, ta.call("POST", "/api/auth/refresh", "", map[string]any{"refresh_token": admin.Refresh}), http.StatusUnauthorized)
	})
}

// session is a login's pair of tokens.
type session struct{ Access, Refresh string }

func (ta *testApp) login(email, password string) session {
	ta.t.Helper()
	r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})
	mustStatus(ta.t, r, http.StatusOK)
	m := r.JSON(ta.t)
	return session{Access: m["access_token"].(string), Refresh: m["refresh_token"].(string)}
}

// sensitive are the manager's actions the issue found still open to a
// removed admin: an API key with every scope, a webhook for every event,
// an admin invitation.
func sensitive() []struct {
	path string
	body map[string]any
} {
	return []struct {
		path string
		body map[string]any
	}{
		{"/api/api-keys", map[string]any{"name": "all", "scopes": tenants.Scopes}},
		{"/api/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"*"}}},
		{"/api/invitations", map[string]any{"email": "accomplice@revoke.test", "role": "admin"}},
	}
}

func mustManage(t *testing.T, ta *testApp, access string) {
	t.Helper()
	for _, s := range sensitive() {
		mustStatus(t, ta.call("POST", s.path, access, s.body), http.StatusCreated)
	}
}

func mustNotManage(t *testing.T, ta *testApp, access string, status int) {
	t.Helper()
	for _, s := range sensitive() {
		r := ta.call("POST", s.path, access, s.body)
		if r.Status != status || strings.Contains(string(r.Body), "sgk_") || strings.Contains(string(r.Body), "sit_") {
			t.Fatalf("POST %s with a token whose rights were taken away: %d, want %d; body %s", s.path, r.Status, status, r.Body)
		}
	}
}
