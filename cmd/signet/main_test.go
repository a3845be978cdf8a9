package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	newServer(t, getenv) // verifying reads a platform; it makes none
	unsigned := filepath.Join(dir, "unsigned.pdf")
	pdf := "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
	xref := len(pdf)
	pdf += fmt.Sprintf("xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", 9, strings.Index(pdf, "2 0 obj"), xref)
	if err := os.WriteFile(unsigned, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	notPDF := filepath.Join(dir, "note.pdf")
	os.WriteFile(notPDF, []byte("not a pdf"), 0o600)
	var out bytes.Buffer
	t.Run("UnsignedFails", func(t *testing.T) {
		err := run(ctx, []string{"verify", unsigned}, getenv, &out, &out)
		if err == nil || !strings.Contains(out.String(), "unsigned, 0 signature(s)") {
			t.Fatalf("err %v, output %s", err, out.String())
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out.Reset()
		_ = run(ctx, []string{"verify", unsigned, "-json"}, getenv, &out, &out)
		var rep app.VerificationReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Verdict != "unsigned" {
			t.Fatalf("json report %q: %v", out.String(), err)
		}
	})
	t.Run("NotAPDF", func(t *testing.T) {
		if err := run(ctx, []string{"verify", notPDF}, getenv, &out, &out); err == nil {
			t.Fatal("a text file verified")
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if err := run(ctx, []string{"verify", filepath.Join(dir, "nope.pdf")}, getenv, &out, &out); err == nil {
			t.Fatal("a missing file verified")
		}
	})
}
