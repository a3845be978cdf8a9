package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFoundationFlow is the "done when": a company signs up, logs in,
// refreshes its token, invites a member and creates an API key, all through
// the API, on SQLite and on MariaDB.
func TestFoundationFlow(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			var opts []testOpt
			if dialect == "mariadb" {
				opts = append(opts, withMariaDB(t))
			}
			ta := newTestApp(t, opts...)
			c := ta.signUp("示例科技有限公司", "owner@example.com")

			r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": "owner@example.com", "password": "correct horse battery"})
			mustStatus(t, r, http.StatusOK)
			login := r.JSON(t)
			if login["role"] != "owner" || login["tenant"].(map[string]any)["id"] != c.TenantID {
				t.Fatalf("login = %v", login)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Error("token response is cacheable")
			}

			r = ta.call("POST", "/api/auth/refresh", "", map[string]any{"refresh_token": login["refresh_token"]})
			mustStatus(t, r, http.StatusOK)
			refreshed := r.JSON(t)
			if refreshed["refresh_token"] == login["refresh_token"] {
				t.Fatal("refresh token not rotated")
			}
			access := refreshed["access_token"].(string)

			r = ta.call("POST", "/api/invitations", access, map[string]any{"email": "member@example.com", "role": "member"})
			mustStatus(t, r, http.StatusCreated)
			inv := r.JSON(t)
			if !strings.HasPrefix(inv["accept_url"].(string), "http://signet.test/invite?token=") {
				t.Fatalf("accept_url = %v", inv["accept_url"])
			}
			// The token's holder learns what it invites to before accepting;
			// once used, the token previews nothing.
			r = ta.call("POST", "/api/invitations/preview", "", map[string]any{"token": inv["token"]})
			mustStatus(t, r, http.StatusOK)
			if p := r.JSON(t); p["company"] == "" || p["role"] != "member" || p["has_account"] != false || p["email"] == "member@example.com" ||
				!strings.HasSuffix(p["email"].(string), "@example.com") {
				t.Fatalf("preview: %s", r.Body)
			}
			mustStatus(t, ta.call("POST", "/api/invitations/preview", "", map[string]any{"token": "not-a-token"}), http.StatusUnauthorized)
			r = ta.call("POST", "/api/invitations/accept", "", map[string]any{"token": inv["token"], "name": "Han Meimei", "password": "invitee long passphrase"})
			mustStatus(t, r, http.StatusOK)
			memberAccess := r.JSON(t)["access_token"].(string)
			mustStatus(t, ta.call("POST", "/api/invitations/preview", "", map[string]any{"token": inv["token"]}), http.StatusUnauthorized)
			r = ta.call("GET", "/api/members", memberAccess, nil)
			mustStatus(t, r, http.StatusOK)
			if n := len(r.JSON(t)["items"].([]any)); n != 2 {
				t.Fatalf("members = %d, want 2", n)
			}
			// A member cannot manage the tenant.
			mustStatus(t, ta.call("POST", "/api/api-keys", memberAccess, map[string]any{"name": "x", "scopes": []string{"members:read"}}), http.StatusForbidden)

			// The console offers the scopes the server knows.
			r = ta.call("GET", "/api/api-key-scopes", access, nil)
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.Body), `"members:read"`) || !strings.Contains(string(r.Body), `"webhooks:write"`) {
				t.Fatalf("scopes: %s", r.Body)
			}
			mustStatus(t, ta.call("GET", "/api/api-key-scopes", memberAccess, nil), http.StatusForbidden)
			r = ta.call("POST", "/api/api-keys", access, map[string]any{"name": "ERP", "scopes": []string{"members:read"}})
			mustStatus(t, r, http.StatusCreated)
			key := r.JSON(t)
			secret := key["secret"].(string)
			r = ta.call("GET", "/api/members", secret, nil)
			mustStatus(t, r, http.StatusOK)
			r = ta.call("GET", "/api/api-keys/"+key["id"].(string), access, nil)
			mustStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), `"secret"`) {
				t.Fatal("API key secret shown again after creation")
			}
			// The key can do only what its scopes say, and never manage.
			mustStatus(t, ta.call("GET", "/api/api-keys", secret, nil), http.StatusForbidden)
			mustStatus(t, ta.call("DELETE", "/api/api-keys/"+key["id"].(string), access, nil), http.StatusOK)
			mustStatus(t, ta.call("GET", "/api/members", secret, nil), http.StatusUnauthorized)

			// Someone already logged in to another company accepts an invitation
			// with their session still attached.
			other := ta.signUp("Other Co", "elsewhere-"+dialect+"@example.com")
			r = ta.call("POST", "/api/invitations", access, map[string]any{"email": other.Email, "role": "legal"})
			mustStatus(t, r, http.StatusCreated)
			r = ta.call("POST", "/api/invitations/accept", other.Access, map[string]any{"token": r.JSON(t)["token"], "password": "correct horse battery"})
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["role"] != "legal" || r.JSON(t)["tenant"].(map[string]any)["id"] != c.TenantID {
				t.Fatalf("accept while logged in elsewhere: %s", r.Body)
			}

			// Logout ends the session.
			mustStatus(t, ta.call("POST", "/api/auth/logout", "", map[string]any{"refresh_token": refreshed["refresh_token"]}), http.StatusNoContent)
			mustStatus(t, ta.call("POST", "/api/auth/refresh", "", map[string]any{"refresh_token": refreshed["refresh_token"]}), http.StatusUnauthorized)
		})
	}
}

// TestProblems checks that bad input gets RFC 7807 answers with stable codes.
func TestProblems(t *testing.T) {
	ta := newTestApp(t)
	c := ta.signUp("Acme", "acme@example.com")
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
		field                     string
	}{
		{"ValidationFailed", "POST", "/api/signup", "", map[string]any{"company_name": "", "name": "x", "email": "bad", "password": "short"}, 422, "validation_failed", "email"},
		{"EmailTaken", "POST", "/api/signup", "", map[string]any{"company_name": "B", "name": "x", "email": "acme@example.com", "password": "correct horse battery"}, 409, "email_taken", ""},
		{"MalformedJSON", "POST", "/api/signup", "", `{"company_name":`, 400, "malformed_json", ""},
		{"UnknownField", "POST", "/api/signup", "", `{"company":"x"}`, 400, "malformed_json", ""},
		{"TrailingData", "POST", "/api/auth/login", "", `{"email":"a","password":"b"} {}`, 400, "malformed_json", ""},
		{"InvalidCredentials", "POST", "/api/auth/login", "", map[string]any{"email": "acme@example.com", "password": "wrong password"}, 401, "invalid_credentials", ""},
		{"Unauthenticated", "GET", "/api/members", "", nil, 401, "unauthenticated", ""},
		{"BadToken", "GET", "/api/members", "not.a.jwt", nil, 401, "unauthenticated", ""},
		{"NotFoundRoute", "GET", "/api/nothing-here", "", nil, 404, "not_found", ""},
		{"NotFoundObject", "GET", "/api/members/00000000-0000-7000-8000-000000000000", c.Access, nil, 404, "not_found", ""},
		{"MalformedID", "GET", "/api/members/../../etc", c.Access, nil, 404, "not_found", ""},
		{"BadCursor", "GET", "/api/members?cursor=zzz", c.Access, nil, 400, "bad_cursor", ""},
		{"BadLimit", "GET", "/api/members?limit=100000", c.Access, nil, 400, "bad_limit", ""},
		{"BadRole", "POST", "/api/invitations", c.Access, map[string]any{"email": "x@example.com", "role": "god"}, 422, "validation_failed", "role"},
		{"InvalidRefresh", "POST", "/api/auth/refresh", "", map[string]any{"refresh_token": "srt_nope"}, 401, "invalid_token", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ta.call(tc.method, tc.path, tc.token, tc.body)
			mustStatus(t, r, tc.status)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p Problem
			if err := json.Unmarshal(r.Body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != tc.code || p.Status != tc.status || p.Title == "" || p.RequestID == "" || !strings.HasSuffix(p.Type, "/"+tc.code) {
				t.Fatalf("problem = %+v", p)
			}
			if tc.field != "" {
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == tc.field
				}
				if !found {
					t.Fatalf("no field error for %s: %+v", tc.field, p.Errors)
				}
			}
		})
	}
	t.Run("UnsupportedMediaType", func(t *testing.T) {
		r := ta.call("POST", "/api/auth/login", "", nil, "Content-Type", "text/plain")
		mustStatus(t, r, http.StatusUnsupportedMediaType)
	})
	t.Run("Lockout", func(t *testing.T) {
		ta.signUp("Locky", "locky@example.com")
		var r response
		for i := 0; i < 5; i++ {
			r = ta.call("POST", "/api/auth/login", "", map[string]any{"email": "locky@example.com", "password": "wrong password"})
		}
		mustStatus(t, r, http.StatusTooManyRequests)
		if r.JSON(t)["code"] != "login_locked" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("lockout answer: %s %v", r.Body, r.Header)
		}
	})
}

func TestIdempotency(t *testing.T) {
	ta := newTestApp(t)
	c := ta.signUp("Idem", "idem@example.com")
	body := map[string]any{"name": "ci", "scopes": []string{"members:read"}}
	first := ta.call("POST", "/api/api-keys", c.Access, body, "Idempotency-Key", "k-1")
	mustStatus(t, first, http.StatusCreated)
	t.Run("ReplaySameResponse", func(t *testing.T) {
		again := ta.call("POST", "/api/api-keys", c.Access, body, "Idempotency-Key", "k-1")
		mustStatus(t, again, http.StatusCreated)
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		r := ta.call("GET", "/api/api-keys", c.Access, nil)
		if n := len(r.JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d keys after a replay, want 1", n)
		}
	})
	t.Run("StoredResponseIsSealed", func(t *testing.T) {
		secret := first.JSON(t)["secret"].(string)
		var bodies [][]byte
		if err := ta.DB.Table("idempotency_records").Pluck("body", &bodies).Error; err != nil || len(bodies) == 0 {
			t.Fatalf("records: %d, %v", len(bodies), err)
		}
		for _, b := range bodies {
			if strings.Contains(string(b), secret) || strings.Contains(string(b), "sgk_") {
				t.Fatal("an API key secret is stored in clear in idempotency_records")
			}
		}
	})
	t.Run("KeyReusedWithOtherBody", func(t *testing.T) {
		r := ta.call("POST", "/api/api-keys", c.Access, map[string]any{"name": "other", "scopes": []string{"members:read"}}, "Idempotency-Key", "k-1")
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if r.JSON(t)["code"] != "idempotency_key_reused" {
			t.Fatal(string(r.Body))
		}
	})
	t.Run("KeysAreScopedPerPrincipal", func(t *testing.T) {
		// A second admin of the same tenant must not receive the first
		// admin's response, which holds a secret shown once.
		admin2, _ := ta.invite(c, "admin2@example.com", "admin")
		r := ta.call("POST", "/api/api-keys", admin2, body, "Idempotency-Key", "k-1")
		mustStatus(t, r, http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" || r.JSON(t)["secret"] == first.JSON(t)["secret"] {
			t.Fatal("a second admin received the first admin's replayed secret")
		}
	})
	t.Run("KeysAreScopedPerTenant", func(t *testing.T) {
		other := ta.signUp("Other", "other@example.com")
		r := ta.call("POST", "/api/api-keys", other.Access, body, "Idempotency-Key", "k-1")
		mustStatus(t, r, http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" || string(r.Body) == string(first.Body) {
			t.Fatal("another tenant got tenant A's replay")
		}
	})
	t.Run("FailedRequestsAreReplayedToo", func(t *testing.T) {
		bad := map[string]any{"name": "", "scopes": []string{}}
		r1 := ta.call("POST", "/api/api-keys", c.Access, bad, "Idempotency-Key", "k-2")
		r2 := ta.call("POST", "/api/api-keys", c.Access, bad, "Idempotency-Key", "k-2")
		mustStatus(t, r1, 422)
		mustStatus(t, r2, 422)
	})
	t.Run("AbandonedKeyIsTakenOver", func(t *testing.T) {
		// A replica that died during its request leaves the key in
		// progress: a retry is refused while the request could still be
		// running, and runs once it cannot be.
		fresh := map[string]any{"name": "after a crash", "scopes": []string{"members:read"}}
		r := ta.call("POST", "/api/api-keys", c.Access, fresh, "Idempotency-Key", "k-crash")
		mustStatus(t, r, http.StatusCreated)
		rows := ta.DB.Table("idempotency_records").Where("`key` = ?", "k-crash").
			Updates(map[string]any{"completed_at": nil, "status": 0, "created_at": time.Now().UTC().Add(-time.Minute)})
		if rows.Error != nil || rows.RowsAffected != 1 {
			t.Fatal(rows.Error)
		}
		mustStatus(t, ta.call("POST", "/api/api-keys", c.Access, fresh, "Idempotency-Key", "k-crash"), http.StatusConflict)
		ta.DB.Table("idempotency_records").Where("`key` = ?", "k-crash").Update("created_at", time.Now().UTC().Add(-3*time.Minute))
		again := ta.call("POST", "/api/api-keys", c.Access, fresh, "Idempotency-Key", "k-crash")
		mustStatus(t, again, http.StatusCreated)
		if again.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("an abandoned key was replayed instead of run")
		}
		mustStatus(t, ta.call("POST", "/api/api-keys", c.Access, fresh, "Idempotency-Key", "k-crash"), http.StatusCreated)
	})
	t.Run("BadKey", func(t *testing.T) {
		mustStatus(t, ta.call("POST", "/api/api-keys", c.Access, body, "Idempotency-Key", strings.Repeat("x", 201)), http.StatusBadRequest)
	})
}

func TestMetaEndpoints(t *testing.T) {
	ta := newTestApp(t)
	t.Run("Healthz", func(t *testing.T) {
		r := ta.call("GET", "/healthz", "", nil)
		mustStatus(t, r, 200)
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if r.Header.Get(h) != want {
				t.Errorf("%s = %q", h, r.Header.Get(h))
			}
		}
		if r.Header.Get("X-Request-Id") == "" {
			t.Error("no request id header")
		}
	})
	t.Run("Readyz", func(t *testing.T) {
		r := ta.call("GET", "/readyz", "", nil)
		mustStatus(t, r, 200)
		checks := r.JSON(t)["checks"].(map[string]any)
		if checks["database"] != "ok" || checks["vault"] != "ok" {
			t.Fatal(string(r.Body))
		}
	})
	t.Run("ReadyzFailsWithoutDatabase", func(t *testing.T) {
		broken := newTestApp(t)
		broken.DB.Close()
		r := broken.call("GET", "/readyz", "", nil)
		mustStatus(t, r, http.StatusServiceUnavailable)
	})
	t.Run("Metrics", func(t *testing.T) {
		ta.call("GET", "/healthz", "", nil)
		r := ta.call("GET", "/metrics", "", nil)
		mustStatus(t, r, 200)
		if !strings.Contains(string(r.Body), `signet_http_requests_total{method="GET",route="/healthz",status="200"}`) {
			t.Fatalf("metrics lack the request counter:\n%.2000s", r.Body)
		}
	})
}

func TestCORS(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.CORSOrigins = []string{"https://app.example.com"} })
	r := ta.call("OPTIONS", "/api/members", "", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("allowed origin not echoed: %v", r.Header)
	}
	r = ta.call("OPTIONS", "/api/members", "", nil, "Origin", "https://evil.example.com", "Access-Control-Request-Method", "GET")
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", r.Header)
	}
}
