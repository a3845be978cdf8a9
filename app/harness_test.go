package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"signet/internal/testenv"
)

// testApp is a Signet built by New exactly as `signet serve` builds it, on a
// temporary SQLite database and local vault (or MariaDB / MinIO when asked).
type testApp struct {
	*App
	t *testing.T
	// logs is everything the app logged at warn and above, or lower when
	// the config's level is lower.
	logs *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines and the
// test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testOpt func(*Config)

func withMariaDB(t *testing.T) testOpt {
	dsn := testenv.MySQLDSN(t)
	return func(c *Config) { c.DBDSN = dsn }
}

func newTestApp(t *testing.T, opts ...testOpt) *testApp {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"SIGNET_DATA_DIR":          dir,
		"SIGNET_PUBLIC_URL":        "http://signet.test",
		"SIGNET_ARGON2_MEMORY_KIB": "1024",
		"SIGNET_ARGON2_TIME":       "1",
		"SIGNET_AUTH_RATE_PER_MIN": "100000",
		"SIGNET_VAULT_RETENTION":   "1s",
		"SIGNET_LOG_LEVEL":         "error",
	}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: min(slog.LevelWarn, cfg.LogLevel)}))
	a, err := New(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Close()
		if l := logs.String(); t.Failed() && l != "" {
			t.Logf("server log:\n%s", l)
		}
	})
	return &testApp{App: a, t: t, logs: logs}
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// call sends one request through the full middleware stack.
func (ta *testApp) call(method, path, token string, body any, headers ...string) response {
	ta.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ta.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ta.HTTP.Test(req, -1)
	if err != nil {
		ta.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// mustStatus fails the test unless r has the status.
func mustStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

// company is a signed-up tenant with its owner's session.
type company struct {
	TenantID, OwnerID, Access, Refresh, Email string
}

func (ta *testApp) signUp(name, email string) company {
	ta.t.Helper()
	r := ta.call("POST", "/api/signup", "", map[string]any{"company_name": name, "name": "Owner of " + name, "email": email, "password": "correct horse battery"})
	mustStatus(ta.t, r, http.StatusCreated)
	m := r.JSON(ta.t)
	return company{
		TenantID: m["tenant"].(map[string]any)["id"].(string), OwnerID: m["person"].(map[string]any)["id"].(string),
		Access: m["access_token"].(string), Refresh: m["refresh_token"].(string), Email: email,
	}
}

// invite adds a member with role to c and returns their access token and membership id.
func (ta *testApp) invite(c company, email, role string) (access, memberID string) {
	ta.t.Helper()
	r := ta.call("POST", "/api/invitations", c.Access, map[string]any{"email": email, "role": role})
	mustStatus(ta.t, r, http.StatusCreated)
	tok := r.JSON(ta.t)["token"].(string)
	r = ta.call("POST", "/api/invitations/accept", "", map[string]any{"token": tok, "name": "Member " + role, "password": "invitee long passphrase"})
	mustStatus(ta.t, r, http.StatusOK)
	access = r.JSON(ta.t)["access_token"].(string)
	r = ta.call("GET", "/api/me", access, nil)
	for _, m := range r.JSON(ta.t)["memberships"].([]any) {
		mm := m.(map[string]any)
		if mm["tenant_id"] == c.TenantID {
			memberID = mm["id"].(string)
		}
	}
	return access, memberID
}

// serveLoopback runs the whole server (jobs included) on a loopback port
// until the test ends, and returns its base URL.
func (ta *testApp) serveLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ta.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}
