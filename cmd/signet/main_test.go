package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"signet/app"
	"signet/internal/migrate"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"SIGNET_DATA_DIR": dir, "SIGNET_ARGON2_MEMORY_KIB": "1024", "SIGNET_ARGON2_TIME": "1",
		"SIGNET_OPERATOR_PASSWORD": "operator long password", "SIGNET_LOG_LEVEL": "error",
	}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out bytes.Buffer

	t.Run("Migrate", func(t *testing.T) {
		out.Reset()
		if err := run(ctx, []string{"migrate"}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("schema version %d\n", len(migrate.All))) {
			t.Fatalf("output: %s", out.String())
		}
	})
	t.Run("CreateOperator", func(t *testing.T) {
		out.Reset()
		if err := run(ctx, []string{"admin", "create-operator", "-email", "ops@signet.test", "-name", "Ops"}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "operator ops@signet.test") {
			t.Fatalf("output: %s", out.String())
		}
		// The operator can log in and reach the operator route; a tenant owner cannot.
		cfg, err := app.LoadConfig(nil, getenv)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, cfg, app.NewLogger(cfg, &bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		post := func(path, body string) *http.Response {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := a.HTTP.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		resp := post("/api/auth/login", `{"email":"ops@signet.test","password":"operator long password"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("operator login = %d", resp.StatusCode)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		decodeJSON(t, resp, &tok)
		req := httptest.NewRequest("GET", "/api/operator/tenants", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, _ = a.HTTP.Test(req, -1)
		if resp.StatusCode != 200 {
			t.Fatalf("operator route = %d", resp.StatusCode)
		}
		resp = post("/api/signup", `{"company_name":"C","name":"N","email":"own@example.com","password":"correct horse battery"}`)
		decodeJSON(t, resp, &tok)
		req = httptest.NewRequest("GET", "/api/operator/tenants", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, _ = a.HTTP.Test(req, -1)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("tenant owner on operator route = %d", resp.StatusCode)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		for name, args := range map[string][]string{
			"NoCommand":      nil,
			"Unknown":        {"frobnicate"},
			"OperatorNoMail": {"admin", "create-operator", "-name", "x"},
			"BadFlag":        {"migrate", "-no-such-flag"},
		} {
			t.Run(name, func(t *testing.T) {
				if err := run(ctx, args, getenv, &out, &out); err == nil {
					t.Fatal("accepted")
				}
			})
		}
	})
	t.Run("Version", func(t *testing.T) {
		out.Reset()
		if err := run(ctx, []string{"version"}, getenv, &out, &out); err != nil || !strings.HasPrefix(out.String(), "signet ") {
			t.Fatalf("%q %v", out.String(), err)
		}
	})
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
