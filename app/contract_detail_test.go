package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The routes behind the console's contract detail: the webhook deliveries
// of one contract and its documents' revisions.

// TestContractWebhookDeliveries: a contract's detail lists what the
// tenant's endpoints were told about that contract and nothing about
// another one; another tenant gets 404.
func TestContractWebhookDeliveries(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.WebhookAllowLoopback = true })
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer rc.Close()
	sms := ta.inbox()
	c := ta.signUp("投递记录有限公司", "owner-deliveries@example.com")
	r := ta.call("POST", "/api/webhooks", c.Access, map[string]any{"url": rc.URL + "/hook", "events": []string{"contract.*"}})
	mustStatus(t, r, http.StatusCreated)
	endpoint := r.JSON(t)["id"].(string)

	first, _ := ta.sendToPerson(c, sms, "租赁合同", "王五", "13800000002")
	second, _ := ta.sendToPerson(c, sms, "保密协议", "赵六", "13800000003")
	if _, err := ta.Webhooks.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}

	r = ta.call("GET", "/api/contracts/"+first+"/webhook-deliveries", c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	var ds []map[string]any
	if err := json.Unmarshal(r.Body, &ds); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	if len(ds) == 0 {
		t.Fatalf("no deliveries for the sent contract: %s", r.Body)
	}
	events := map[string]bool{}
	for _, e := range ta.contractEventIDs(c.Access, first) {
		events[e] = true
	}
	for _, d := range ds {
		if d["endpoint_id"] != endpoint || !events[d["event_id"].(string)] || d["state"] != "delivered" || len(d["attempts"].([]any)) != 1 {
			t.Fatalf("delivery %v is not one of the contract's, or was not delivered", d)
		}
	}
	for _, e := range ta.contractEventIDs(c.Access, second) {
		if events[e] {
			t.Fatalf("the two contracts share event %s", e)
		}
	}

	other := ta.signUp("别家有限公司", "owner-other-deliveries@example.com")
	mustStatus(t, ta.call("GET", "/api/contracts/"+first+"/webhook-deliveries", other.Access, nil), http.StatusNotFound)
}

// contractEventIDs lists the ids of a contract's events.
func (ta *testApp) contractEventIDs(token, contractID string) []string {
	r := ta.call("GET", "/api/contracts/"+contractID+"/events", token, nil)
	mustStatus(ta.t, r, http.StatusOK)
	var evs []map[string]any
	if err := json.Unmarshal(r.Body, &evs); err != nil {
		ta.t.Fatalf("%v: %s", err, r.Body)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e["id"].(string)
	}
	return out
}

// TestContractRevisions: each signature adds a revision; every revision
// downloads with the digest the list gives, and another tenant gets 404.
func TestContractRevisions(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	c := ta.signUp("版本记录有限公司", "owner-revisions@example.com")
	id, _ := ta.sendToPerson(c, sms, "租赁合同", "王五", "13800000002")

	r := ta.call("GET", "/api/contracts/"+id+"/revisions", c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	var rs []map[string]any
	if err := json.Unmarshal(r.Body, &rs); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	if len(rs) != 1 || rs[0]["n"] != float64(0) {
		t.Fatalf("a sent, unsigned contract has its prepared revision only: %s", r.Body)
	}
	r = ta.call("GET", "/api/contracts/"+id+"/revisions/"+rs[0]["id"].(string)+"/pdf", c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	sum := sha256.Sum256(r.Body)
	if hex.EncodeToString(sum[:]) != rs[0]["sha256"] || !strings.Contains(r.Header.Get("Content-Disposition"), "-r0.pdf") {
		t.Fatalf("revision 0: sha256 %x, list %v, %s", sum, rs[0]["sha256"], r.Header.Get("Content-Disposition"))
	}

	other := ta.signUp("别家版本有限公司", "owner-other-revisions@example.com")
	mustStatus(t, ta.call("GET", "/api/contracts/"+id+"/revisions", other.Access, nil), http.StatusNotFound)
	mustStatus(t, ta.call("GET", "/api/contracts/"+id+"/revisions/"+rs[0]["id"].(string)+"/pdf", other.Access, nil), http.StatusNotFound)
	second, _ := ta.sendToPerson(c, sms, "保密协议", "赵六", "13800000003")
	mustStatus(t, ta.call("GET", "/api/contracts/"+second+"/revisions/"+rs[0]["id"].(string)+"/pdf", c.Access, nil), http.StatusNotFound)
}
