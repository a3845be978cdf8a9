package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"signet/notify"
)

// TestDevSMS: with the console sender, /dev/sms and /api/dev/sms show the
// texts to loopback clients only; with any other sender they do not exist.
func TestDevSMS(t *testing.T) {
	ta := newTestApp(t)
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": "13800000009"}), http.StatusAccepted)

	base := ta.serveLoopback(t)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	st, body := get("/api/dev/sms")
	var list devSMSDTO
	if err := json.Unmarshal([]byte(body), &list); st != 200 || err != nil || len(list.Items) != 1 || list.Items[0].To != "+8613800000009" {
		t.Fatalf("api/dev/sms: %d %s", st, body)
	}
	code := devCodeRE.FindString(list.Items[0].Body)
	if st, body := get("/dev/sms"); st != 200 || !strings.Contains(body, `data-code="`+code+`"`) {
		t.Fatalf("dev/sms: %d %s", st, body)
	}
	if st, body := get("/api/dev/sms?after=1"); st != 200 || strings.Contains(body, code) {
		t.Fatalf("after=1: %d %s", st, body)
	}

	// Not a loopback client (Fiber's in-memory test connection).
	if r := ta.call("GET", "/api/dev/sms", "", nil); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), code) {
		t.Fatalf("non-loopback client: %d %s", r.Status, r.Body)
	}

	// Another sender: the routes are not registered at all.
	other := &App{Config: ta.Config, Log: ta.Log, metrics: newMetrics(), SMS: otherSender{}}
	f := other.newHTTP()
	for _, rt := range other.routes {
		if strings.Contains(rt.Path, "/dev/") {
			t.Fatalf("%s %s registered without the console sender", rt.Method, rt.Path)
		}
	}
	for _, fr := range f.GetRoutes(true) {
		if strings.Contains(fr.Path, "/dev/") {
			t.Fatalf("fiber has %s without the console sender", fr.Path)
		}
	}
}

type otherSender struct{}

func (otherSender) SendSMS(context.Context, notify.SMS) (notify.Receipt, error) {
	return notify.Receipt{}, nil
}

// TestDemo makes the demo twice: the second run reuses the company and
// sends another contract; the signer's link and the owner's inbox work.
func TestDemo(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	first, err := ta.Demo(ctx, DemoOptions{VerifySigner: true, Pages: 10})
	if err != nil {
		t.Fatal(err)
	}
	second, err := ta.Demo(ctx, DemoOptions{VerifySigner: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.ContractID == second.ContractID || first.SigningLink == second.SigningLink {
		t.Fatalf("the second run reused the contract: %+v %+v", first, second)
	}
	r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": first.OwnerEmail, "password": first.OwnerPassword})
	mustStatus(t, r, http.StatusOK)
	owner := r.JSON(t)["access_token"].(string)
	r = ta.call("GET", "/api/seals", owner, nil)
	mustStatus(t, r, http.StatusOK)
	if n := strings.Count(string(r.Body), `"kind":"official"`); n != 1 {
		t.Fatalf("the demo company has %d official seals after two runs, want 1: %s", n, r.Body)
	}
	token := strings.TrimPrefix(second.SigningLink, "http://signet.test/s/")
	r = ta.call("GET", "/api/links/"+token+"/info", "", nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["state"] != "open" || m["sender"] != DemoCompany {
		t.Fatalf("link: %s", r.Body)
	}
	r = ta.call("GET", "/api/inbox", owner, nil)
	mustStatus(t, r, http.StatusOK)
	items := r.JSON(t)["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["sender"] != DemoCompany {
		t.Fatalf("inbox: %s", r.Body)
	}
	r = ta.call("GET", "/api/contracts/"+first.ContractID, owner, nil)
	mustStatus(t, r, http.StatusOK)
	docs := r.JSON(t)["documents"].([]any)
	if p := docs[0].(map[string]any)["pages"]; p != float64(10) {
		t.Fatalf("demo contract pages = %v", p)
	}
	// The signer was verified in advance: signing needs no operator.
	if _, err := ta.Identity.VerifiedMobile(ctx, mustPersonByMobile(t, ta, DemoSignerMobile)); err != nil {
		t.Fatalf("demo signer not verified: %v", err)
	}
}

func mustPersonByMobile(t *testing.T, ta *testApp, mobile string) string {
	t.Helper()
	p, _, err := ta.Tenants.PersonByMobile(context.Background(), mobile, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}
