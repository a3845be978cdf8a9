package app

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicRecovery mounts the real middleware on a route that panics: the
// client gets a generic 500 problem, never the panic's text or a stack.
func TestPanicRecovery(t *testing.T) {
	ta := newTestApp(t)
	f := fiber.New(fiber.Config{ErrorHandler: errorHandler(ta.Log)})
	ta.useMiddleware(f)
	f.Get("/boom", func(*fiber.Ctx) error { panic("secret internal detail") })
	resp, err := f.Test(httptest.NewRequest("GET", "/boom", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || strings.Contains(string(body), "secret internal detail") || strings.Contains(string(body), "goroutine") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Code != "internal_error" || p.RequestID == "" {
		t.Fatalf("problem = %s (%v)", body, err)
	}
	// The server keeps serving after a panic.
	resp, _ = f.Test(httptest.NewRequest("GET", "/boom", nil), -1)
	if resp.StatusCode != 500 {
		t.Fatalf("second request: %d", resp.StatusCode)
	}
}
