package app

import (
	"encoding/json"
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

// TestOperatorDecisionsNameTheDecider: every decision an operator console
// shows says who made it and when: the history of a person's and an
// organisation's application, a seal's review and a recorded payout.
func TestOperatorDecisionsNameTheDecider(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	c, _ := ta.verifiedOrgWithSeal(ops, sms, "丙方贸易有限公司", "owner-c@example.com", "韩梅梅", idOwnerB, "13800000003", usccOrgB)

	decidedBy := func(t *testing.T, path, event string) {
		t.Helper()
		r := ta.call("GET", path, ops, nil)
		mustStatus(t, r, http.StatusOK)
		for _, h := range r.JSON(t)["history"].([]any) {
			e := h.(map[string]any)
			if e["type"] == event {
				if e["actor_name"] != "Ops" || e["at"] == nil {
					t.Fatalf("%s names %v at %v, want Ops: %s", event, e["actor_name"], e["at"], r.Body)
				}
				return
			}
		}
		t.Fatalf("no %s in the history: %s", event, r.Body)
	}
	t.Run("Person", func(t *testing.T) {
		r := ta.call("GET", "/api/identity/person", c.Access, nil)
		mustStatus(t, r, http.StatusOK)
		decidedBy(t, "/api/operator/identity/persons/"+r.JSON(t)["id"].(string), "identity.person.approved")
	})
	t.Run("Organisation", func(t *testing.T) {
		r := ta.call("GET", "/api/identity/organisation", c.Access, nil)
		mustStatus(t, r, http.StatusOK)
		decidedBy(t, "/api/operator/identity/organisations/"+r.JSON(t)["id"].(string), "identity.org.approved")
	})
	t.Run("Seal", func(t *testing.T) {
		r := ta.call("POST", "/api/seals", c.Access, map[string]any{"kind": "official", "style": "round", "name": "丙方贸易有限公司", "text": "财务专用章", "size_mm": 42})
		mustStatus(t, r, http.StatusCreated)
		id := r.JSON(t)["id"].(string)
		r = ta.call("GET", "/api/operator/seals/queue", ops, nil)
		mustStatus(t, r, http.StatusOK)
		var queued map[string]any
		for _, s := range jsonList(t, r) {
			if s.(map[string]any)["id"] == id {
				queued = s.(map[string]any)
			}
		}
		if queued == nil || queued["tenant_name"] != "丙方贸易有限公司" || queued["applied_by_name"] != "Owner of 丙方贸易有限公司" || queued["state"] != "pending" || queued["decided_at"] != nil {
			t.Fatalf("queued seal: %v in %s", queued, r.Body)
		}
		r = ta.call("POST", "/api/operator/seals/"+id+"/reject", ops, map[string]any{"reason": "印文不清"})
		mustStatus(t, r, http.StatusOK)
		if m := r.JSON(t); m["state"] != "rejected" || m["decided_by_name"] != "Ops" || m["decided_at"] == nil || m["reason"] != "印文不清" {
			t.Fatalf("rejected seal: %s", r.Body)
		}
	})
	t.Run("Payout", func(t *testing.T) {
		d := ta.signUp("丁方公司", "owner-d@example.com")
		ta.verifyPerson(d.Access, ops, sms, "李雷", idOwnerA, "13800000004")
		r := ta.call("PUT", "/api/identity/organisation", d.Access, map[string]any{"name": "丁方公司", "uscc": usccOrgA, "legal_rep_name": "李雷",
			"legal_rep_id_number": idOwnerA, "method": "deposit", "bank_name": "示例银行", "bank_account": bankAccount})
		mustStatus(t, r, http.StatusOK)
		mustStatus(t, ta.upload("/api/identity/organisation/documents", d.Access, "authorisation", letterPDF), http.StatusCreated)
		mustStatus(t, ta.call("POST", "/api/identity/organisation/submit", d.Access, nil), http.StatusOK)
		r = ta.call("GET", "/api/operator/identity/payouts", ops, nil)
		mustStatus(t, r, http.StatusOK)
		id := jsonList(t, r)[0].(map[string]any)["id"].(string)
		r = ta.call("POST", "/api/operator/identity/payouts/"+id+"/sent", ops, map[string]any{"reference": "ICBC-1"})
		mustStatus(t, r, http.StatusOK)
		if m := r.JSON(t); m["recorded_by_name"] != "Ops" || m["recorded_at"] == nil || m["reference"] != "ICBC-1" {
			t.Fatalf("recorded payout: %s", r.Body)
		}
	})
}

// jsonList decodes an answer that is a JSON array.
func jsonList(t *testing.T, r response) []any {
	t.Helper()
	var out []any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("not a JSON array: %v: %s", err, r.Body)
	}
	return out
}
