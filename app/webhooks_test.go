package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/notify/webhooks"
)

func ptr[T any](v T) *T { return &v }

// TestWebhooksEndToEnd registers an endpoint through the API, sends a test
// event, runs the delivery job and checks what the receiver got and what
// the delivery log shows.
func TestWebhooksEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			opts := []testOpt{func(c *Config) { c.WebhookAllowLoopback = true }}
			if dialect == "mariadb" {
				opts = append(opts, withMariaDB(t))
			}
			testWebhooksEndToEnd(t, newTestApp(t, opts...))
		})
	}
}

func testWebhooksEndToEnd(t *testing.T, ta *testApp) {
	var (
		mu   sync.Mutex
		hits []*http.Request
		body [][]byte
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits, body = append(hits, r), append(body, b)
		mu.Unlock()
		_, _ = io.WriteString(w, "thanks")
	}))
	defer rc.Close()

	c := ta.signUp("Webhook Co", "owner-wh@example.com")
	r := ta.call("POST", "/api/webhooks", c.Access, map[string]any{"url": "https://10.1.2.3/hook", "events": []string{"contract.*"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	r = ta.call("POST", "/api/webhooks", c.Access, map[string]any{"url": rc.URL + "/hook", "events": []string{"no.such"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)

	r = ta.call("POST", "/api/webhooks", c.Access, map[string]any{"url": rc.URL + "/hook", "events": []string{"contract.*", "signer.signed"}})
	mustStatus(t, r, http.StatusCreated)
	m := r.JSON(t)
	id, secret := m["id"].(string), m["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	r = ta.call("GET", "/api/webhooks/"+id, c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), `"secret"`) {
		t.Fatalf("secret shown again: %s", r.Body)
	}

	// API keys with webhooks:write read and test, but never register.
	r = ta.call("POST", "/api/api-keys", c.Access, map[string]any{"name": "hooks", "scopes": []string{"webhooks:write"}})
	mustStatus(t, r, http.StatusCreated)
	key := r.JSON(t)["secret"].(string)
	mustStatus(t, ta.call("POST", "/api/webhooks", key, map[string]any{"url": rc.URL, "events": []string{"*"}}), http.StatusForbidden)
	r = ta.call("GET", "/api/webhooks", key, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), id) {
		t.Fatalf("list: %s", r.Body)
	}

	r = ta.call("POST", "/api/webhooks/"+id+"/test", key, nil)
	mustStatus(t, r, http.StatusAccepted)
	deliveryID := r.JSON(t)["id"].(string)
	n, err := ta.Webhooks.Deliver(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Deliver: %d, %v", n, err)
	}
	mu.Lock()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests", len(hits))
	}
	h, b := hits[0], body[0]
	mu.Unlock()
	if h.Header.Get("Signet-Event-Type") != "webhook.test" || h.URL.Path != "/hook" {
		t.Fatalf("request %s %v", h.URL, h.Header)
	}
	if err := webhooks.Verify(secret, h.Header.Get("Signet-Signature"), b, time.Now(), 5*time.Minute); err != nil {
		t.Fatalf("signature: %v", err)
	}

	r = ta.call("GET", "/api/webhooks/"+id+"/deliveries", c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	items := r.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("deliveries: %s", r.Body)
	}
	d := items[0].(map[string]any)
	attempts := d["attempts"].([]any)
	if d["id"] != deliveryID || d["state"] != "delivered" || len(attempts) != 1 ||
		attempts[0].(map[string]any)["status_code"] != float64(200) || attempts[0].(map[string]any)["response"] != "thanks" {
		t.Fatalf("delivery log: %s", r.Body)
	}

	// Redelivery sends the same event again; rotation changes the secret.
	mustStatus(t, ta.call("POST", "/api/webhooks/"+id+"/deliveries/"+deliveryID+"/redeliver", key, nil), http.StatusAccepted)
	r = ta.call("POST", "/api/webhooks/"+id+"/rotate-secret", c.Access, map[string]any{"grace_seconds": 0})
	mustStatus(t, r, http.StatusOK)
	newSecret := r.JSON(t)["secret"].(string)
	if _, err := ta.Webhooks.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(hits) != 2 || hits[1].Header.Get("Signet-Event-Id") != hits[0].Header.Get("Signet-Event-Id") {
		t.Fatalf("redelivery: %d requests", len(hits))
	}
	if err := webhooks.Verify(newSecret, hits[1].Header.Get("Signet-Signature"), body[1], time.Now(), time.Minute); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	mu.Unlock()

	// Disabling stops nothing already sent; deleting removes the log.
	r = ta.call("PATCH", "/api/webhooks/"+id, c.Access, map[string]any{"enabled": false})
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["enabled"] != false {
		t.Fatalf("update: %s", r.Body)
	}
	mustStatus(t, ta.call("DELETE", "/api/webhooks/"+id, c.Access, nil), http.StatusNoContent)
	mustStatus(t, ta.call("GET", "/api/webhooks/"+id+"/deliveries", c.Access, nil), http.StatusNotFound)
}
