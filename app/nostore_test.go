package app

import (
	"net/http"
	"testing"
)

// TestNoStore: responses that carry secrets (API key secrets, tokens) and
// documents (PDF downloads) tell every cache not to keep them.
func TestNoStore(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.signUp("缓存测试有限公司", "nostore@example.com")
	r := ta.call("POST", "/api/api-keys", owner.Access, map[string]any{"name": "ci", "scopes": []string{"contracts:read"}})
	mustStatus(t, r, http.StatusCreated)
	checks := map[string]response{"APIKey": r}
	r = ta.call("POST", "/api/auth/refresh", "", map[string]any{"refresh_token": owner.Refresh})
	mustStatus(t, r, http.StatusOK)
	checks["Refresh"] = r
	r = ta.uploadFile(owner.Access, "contract.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	id := r.JSON(t)["id"].(string)
	r = ta.call("GET", "/api/files/"+id+"/pdf", owner.Access, nil)
	mustStatus(t, r, http.StatusOK)
	checks["PDF"] = r
	checks["Error"] = ta.call("GET", "/api/files/"+id+"x/pdf", owner.Access, nil)
	for name, r := range checks {
		t.Run(name, func(t *testing.T) {
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Fatalf("Cache-Control = %q, want no-store", got)
			}
		})
	}
	// Public, cacheable things keep their own policy.
	r = ta.call("GET", "/pki/ca?alg=sm2", "", nil)
	if got := r.Header.Get("Cache-Control"); r.Status == http.StatusOK && got == "no-store" {
		t.Fatalf("the CA chain is no-store")
	}
}
