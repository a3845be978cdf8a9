package app

import (
	"net/http"
	"testing"
)

// TestMobileEmailSquatting: nobody can sign up with the placeholder
// address a mobile number's account gets, which would stop that number
// from ever signing in by SMS (and so from signing what is sent to it).
func TestMobileEmailSquatting(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	r := ta.call("POST", "/api/signup", "", map[string]any{"company_name": "Squatter", "name": "S", "email": "8613800000002@mobile.invalid", "password": "correct horse battery"})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": "13800000002"}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": "13800000002", "code": sms.code(t), "name": "王五"})
	t.Logf("mobile login -> %d %s", r.Status, r.Body)
	if r.Status != http.StatusOK {
		t.Errorf("victim cannot sign in by SMS: %d", r.Status)
	}
}
