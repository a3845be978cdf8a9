package app

import (
	"net/http"
	"strings"
	"testing"
)

// TestOperatorSuspendsTenant: an operator suspends a tenant with a reason,
// its members are refused from their next request and cannot sign in to
// it, and after reactivation they sign in and work again. The tenant list
// shows who changed the status, when and why. Nobody but an operator may
// do either.
func TestOperatorSuspendsTenant(t *testing.T) {
	ta := newTestApp(t)
	ops := ta.operatorToken()
	a := ta.signUp("停用测试有限公司", "owner-a@example.com")
	memberA, _ := ta.invite(a, "member-a@example.com", "member")
	b := ta.signUp("旁观者公司", "owner-b@example.com")

	suspend := "/api/operator/tenants/" + a.TenantID + "/suspend"
	reactivate := "/api/operator/tenants/" + a.TenantID + "/reactivate"

	t.Run("NotAnOperator", func(t *testing.T) {
		for _, tok := range []string{a.Access, b.Access, memberA} {
			mustStatus(t, ta.call("POST", suspend, tok, map[string]any{"reason": "probe"}), http.StatusForbidden)
			mustStatus(t, ta.call("POST", reactivate, tok, nil), http.StatusForbidden)
		}
		mustStatus(t, ta.call("POST", suspend, "", map[string]any{"reason": "probe"}), http.StatusUnauthorized)
		mustStatus(t, ta.call("GET", "/api/members", memberA, nil), http.StatusOK)
	})

	t.Run("ReasonRequired", func(t *testing.T) {
		r := ta.call("POST", suspend, ops, map[string]any{"reason": "  "})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"field":"reason"`) {
			t.Fatalf("no field error for reason: %s", r.Body)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		mustStatus(t, ta.call("POST", "/api/operator/tenants/0190c2d4-0000-7000-8000-000000000000/suspend", ops, map[string]any{"reason": "x"}), http.StatusNotFound)
	})

	t.Run("SuspendAndReactivate", func(t *testing.T) {
		r := ta.call("POST", suspend, ops, map[string]any{"reason": "合同欺诈投诉，暂停使用"})
		mustStatus(t, r, http.StatusOK)
		m := r.JSON(t)
		if m["status"] != "suspended" || m["status_reason"] != "合同欺诈投诉，暂停使用" || m["status_changed_by_name"] != "Ops" || m["status_changed_at"] == nil {
			t.Fatalf("suspension answer: %s", r.Body)
		}
		for _, tok := range []string{a.Access, memberA} {
			if r := ta.call("GET", "/api/members", tok, nil); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
				t.Fatalf("a suspended tenant's member was served: %d %s", r.Status, r.Body)
			}
		}
		if r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": "member-a@example.com", "password": "invitee long passphrase"}); r.Status == http.StatusOK {
			if strings.Contains(string(r.Body), `"tenant":{"id":"`+a.TenantID) {
				t.Fatalf("signed in to a suspended tenant: %s", r.Body)
			}
		}
		// Other tenants go on as before.
		mustStatus(t, ta.call("GET", "/api/members", b.Access, nil), http.StatusOK)

		r = ta.call("GET", "/api/operator/tenants?limit=100", ops, nil)
		mustStatus(t, r, http.StatusOK)
		listed := false
		for _, it := range r.JSON(t)["items"].([]any) {
			m := it.(map[string]any)
			if m["id"] == a.TenantID {
				listed = m["status"] == "suspended" && m["status_reason"] == "合同欺诈投诉，暂停使用" && m["status_changed_by_name"] == "Ops"
			}
		}
		if !listed {
			t.Fatalf("the tenant list does not show the suspension: %s", r.Body)
		}

		r = ta.call("POST", reactivate, ops, nil)
		mustStatus(t, r, http.StatusOK)
		if m := r.JSON(t); m["status"] != "active" || m["status_reason"] != nil || m["status_changed_by_name"] != "Ops" {
			t.Fatalf("reactivation answer: %s", r.Body)
		}
		r = ta.call("POST", "/api/auth/login", "", map[string]any{"email": "member-a@example.com", "password": "invitee long passphrase"})
		mustStatus(t, r, http.StatusOK)
		tok, _ := r.JSON(t)["access_token"].(string)
		if tok == "" {
			t.Fatalf("no session after reactivation: %s", r.Body)
		}
		mustStatus(t, ta.call("GET", "/api/members", tok, nil), http.StatusOK)
	})
}
