package app

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestLogsRedactLinkTokens: a signing-link token is a bearer credential.
// The access log hid it, but the error log line of a failed request (and
// any other line) carried it; every line of the app's logger hides it now.
func TestLogsRedactLinkTokens(t *testing.T) {
	ta := newTestApp(t)
	const token = "lnk_SECRETtoken0123456789abcdef"

	// The error handler's line for an unexpected failure, on a link route.
	f := fiber.New(fiber.Config{ErrorHandler: errorHandler(ta.Log)})
	f.Post("/api/links/:token/sign", func(c *fiber.Ctx) error { return errors.New("decode signature: unexpected EOF") })
	resp, err := f.Test(httptest.NewRequest("POST", "/api/links/"+token+"/sign", nil), -1)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("status %v, %v", resp.StatusCode, err)
	}
	// Any other line: attributes, errors and nested groups.
	ta.Log.Error("something", "url", "http://signet.test/s/"+token+"?x=1", "err", errors.New("get /api/links/"+token+"/info: boom"))
	ta.Log.With("path", "/s/"+token).WithGroup("g").Error("grouped", "link", "/s/"+token)

	logs := ta.logs.String()
	if strings.Contains(logs, "SECRETtoken") {
		t.Fatalf("a log line holds the link token:\n%s", logs)
	}
	for _, want := range []string{`"path":"/api/links/[token]/sign"`, `/s/[token]?x=1`, `/api/links/[token]/info: boom`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestRedactTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/s/abc":                       "/s/[token]",
		"/s/abc/done":                  "/s/[token]/done",
		"/api/links/abc/info?x=1":      "/api/links/[token]/info?x=1",
		"see https://x.test/s/abc now": "see https://x.test/s/[token] now",
		"/api/links/:token/sign":       "/api/links/:token/sign",
		"/s/[token]":                   "/s/[token]",
		"/api/contracts/abc":           "/api/contracts/abc",
		"/s/":                          "/s/",
		`{"a":"/s/abc","b":"/s/def"}`:  `{"a":"/s/[token]","b":"/s/[token]"}`,
		"/assets/s/index.js":           "/assets/s/[token]",
	} {
		if got := redactTokens(in); got != want {
			t.Errorf("redactTokens(%q) = %q, want %q", in, got, want)
		}
	}
}
