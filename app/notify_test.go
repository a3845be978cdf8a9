package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"signet/internal/testenv"
	"signet/notify/twiliotest"
)

const (
	testTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	testTwilioToken = "0123456789abcdef0123456789abcdef"
)

// withTwilio sends SMS through the Twilio sender to the stand-in s, with
// Signet served on a real loopback port as its public URL, so that the
// stand-in's status callbacks reach POST /notify/twilio/status.
func withTwilio(t *testing.T, s *twiliotest.Server, ln net.Listener) testOpt {
	return func(c *Config) {
		c.SMSSender, c.TwilioAccountSID, c.TwilioAuthToken = "twilio", testTwilioSID, testTwilioToken
		c.TwilioFrom, c.TwilioBaseURL = "+15005550006", s.URL()
		c.PublicURL = "http://" + ln.Addr().String()
		c.LogLevel = slog.LevelDebug // everything is logged, and scanned for secrets below
	}
}

func withMailpit(m testenv.MailpitServer) testOpt {
	return func(c *Config) { c.SMTPURL, c.SMTPFrom = m.SMTPURL, "Signet <no-reply@signet.test>" }
}

// serve answers HTTP on ln until the test ends.
func (ta *testApp) serve(ln net.Listener) {
	go ta.HTTP.Listener(ln)
	ta.t.Cleanup(func() { ta.HTTP.Shutdown() })
}

var (
	twilioLinkRE = regexp.MustCompile(`/s/([A-Za-z0-9_-]{43})`)
	twilioCodeRE = regexp.MustCompile(`\b(\d{6})\b`)
)

// TestNotificationsThroughTwilioAndSMTP: a contract's invitations go out
// through Twilio (the local stand-in) with the tenant's 【signature】 in each
// party's language and through SMTP (Mailpit) to parties with an email;
// Twilio's status callbacks land on the contract's messages and its
// evidence chain; forged and replayed callbacks get 403; a number Twilio
// refuses shows on the contract; a willingness code goes through Twilio at
// once; and no code or link token appears in any log line.
func TestNotificationsThroughTwilioAndSMTP(t *testing.T) {
	stand := twiliotest.New(t, testTwilioSID, testTwilioToken)
	mp := testenv.Mailpit(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t, withTwilio(t, stand, ln), withMailpit(mp))
	ta.serve(ln)
	ctx := context.Background()

	c := ta.signUp("甲方科技有限公司", "owner-notify@example.com")
	r := ta.call("PATCH", "/api/tenant", c.Access, map[string]any{"sms_signature": "【甲方】"})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	mustStatus(t, ta.call("PATCH", "/api/tenant", c.Access, map[string]any{"sms_signature": "甲方科技"}), http.StatusOK)

	// A landline cannot receive SMS: refused when drafting.
	r = ta.uploadFile(c.Access, "合同.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	doc := r.JSON(t)["id"].(string)
	sig := []any{map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80}}
	r = ta.call("POST", "/api/contracts", c.Access, map[string]any{"title": "采购合同", "document_ids": []string{doc},
		"parties": []any{map[string]any{"kind": "person", "name": "王五", "mobile": "010 6552 9988", "fields": sig}}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), `"not_mobile"`) {
		t.Fatalf("landline: %s", r.Body)
	}

	email := testenv.RandomName("wangwu") + "@example.test"
	stand.FailTo("+8613800000009", 21614, 400)
	r = ta.call("POST", "/api/contracts", c.Access, map[string]any{"title": "采购合同", "document_ids": []string{doc}, "send": true,
		"parties": []any{
			map[string]any{"kind": "person", "name": "王五", "mobile": "13800000002", "email": email, "fields": sig},
			map[string]any{"kind": "person", "name": "Alice Smith", "mobile": "13800000003", "lang": "en", "fields": sig},
			map[string]any{"kind": "person", "name": "赵六", "mobile": "13800000009", "fields": sig},
		}})
	mustStatus(t, r, http.StatusCreated)
	id := r.JSON(t)["id"].(string)
	if _, err := ta.Messages.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}

	byTo := map[string]twiliotest.Message{}
	for _, m := range stand.Messages() {
		byTo[m.To] = m
	}
	zh, en := byTo["+8613800000002"], byTo["+8613800000003"]
	if !strings.HasPrefix(zh.Body, "【甲方科技】") || !strings.Contains(zh.Body, "邀请您签署《采购合同》") || !twilioLinkRE.MatchString(zh.Body) {
		t.Fatalf("zh invitation: %q", zh.Body)
	}
	if !strings.HasPrefix(en.Body, "【甲方科技】") || !strings.Contains(en.Body, "sign") || !twilioLinkRE.MatchString(en.Body) {
		t.Fatalf("en invitation: %q", en.Body)
	}
	if zh.StatusCallback != ta.Config.PublicURL+"/notify/twilio/status?m="+messageIDOf(t, zh.StatusCallback) || zh.AuthUser != testTwilioSID {
		t.Fatalf("callback %q, auth %q", zh.StatusCallback, zh.AuthUser)
	}
	if _, refused := byTo["+8613800000009"]; refused {
		t.Fatal("the stand-in recorded a refused message")
	}

	// The email invitation, through Mailpit.
	mails := mp.Messages(t, email)
	if len(mails) != 1 || mails[0].Subject != "请签署《采购合同》" || len(mails[0].To) != 1 || mails[0].To[0].Name != "王五" {
		t.Fatalf("mail: %+v", mails)
	}
	mail := mp.Message(t, mails[0].ID)
	link := twilioLinkRE.FindString(zh.Body)
	// One link per party, in both: signing through it still needs an SMS
	// code to the party's number.
	if !strings.Contains(mail.Text, ta.Config.PublicURL+link) || !strings.Contains(mail.HTML, ta.Config.PublicURL+link) {
		t.Fatalf("mail links:\n%s\n%s", mail.Text, mail.HTML)
	}
	if raw := mp.Raw(t, mails[0].ID); !regexp.MustCompile(`Subject:\s+=\?UTF-8\?[qQbB]\?`).MatchString(raw) {
		t.Fatalf("subject not RFC 2047 encoded:\n%.600s", raw)
	}

	// Status callbacks, signed as Twilio signs them, through real HTTP.
	for _, st := range []string{"sent", "delivered"} {
		if code := callbackStatus(t)(stand.Callback(ctx, zh.SID, st, 0)); code != http.StatusNoContent {
			t.Fatalf("%s callback: %d", st, code)
		}
	}
	if code := callbackStatus(t)(stand.Callback(ctx, zh.SID, "delivered", 0)); code != http.StatusForbidden {
		t.Fatalf("replayed callback: %d, want 403", code)
	}
	if code := callbackStatus(t)(stand.Forge(ctx, en.SID, "failed", func(_ *string, _ url.Values, s *string) {
		*s = twiliotest.Sign("not the auth token", ta.Config.PublicURL, nil)
	})); code != http.StatusForbidden {
		t.Fatalf("forged callback: %d, want 403", code)
	}
	if code := callbackStatus(t)(stand.Callback(ctx, en.SID, "undelivered", 30006)); code != http.StatusNoContent {
		t.Fatalf("undelivered callback: %d", code)
	}

	r = ta.call("GET", "/api/contracts/"+id+"/messages", c.Access, nil)
	mustStatus(t, r, http.StatusOK)
	var msgs []messageDTO
	if err := json.Unmarshal(r.Body, &msgs); err != nil {
		t.Fatal(err)
	}
	got := map[string]messageDTO{}
	for _, m := range msgs {
		got[m.Channel+" "+m.To] = m
	}
	if m := got["sms ****0002"]; m.Status != "delivered" || len(m.Statuses) != 3 || m.Kind != "invitation" || m.Lang != "zh-CN" {
		t.Errorf("zh sms: %+v", m)
	}
	if m := got["sms ****0003"]; m.Status != "undelivered" || m.ErrorCode != "30006" || m.Lang != "en" {
		t.Errorf("en sms: %+v", m)
	}
	if m := got["sms ****0009"]; m.State != "failed" || m.ErrorCode != "21614" {
		t.Errorf("refused sms: %+v", m)
	}
	if m := got["email w***@example.test"]; m.State != "sent" || m.Provider != "smtp" {
		t.Errorf("email: %+v", m)
	}
	if strings.Contains(string(r.Body), "13800000002") || strings.Contains(string(r.Body), link) {
		t.Fatalf("messages show a number or a link: %s", r.Body)
	}
	// The refused number shows on the contract itself.
	r = ta.call("GET", "/api/contracts/"+id, c.Access, nil)
	if !strings.Contains(string(r.Body), `"error_code":"21614"`) {
		t.Fatalf("contract does not show the refused number: %s", r.Body)
	}
	// Another tenant sees nothing.
	other := ta.signUp("乙方有限公司", "owner-other@example.com")
	mustStatus(t, ta.call("GET", "/api/contracts/"+id+"/messages", other.Access, nil), http.StatusNotFound)

	// Receipts on the evidence chain: masked, no link, no text.
	r = ta.call("GET", "/api/contracts/"+id+"/events", c.Access, nil)
	for _, typ := range []string{"notification.queued", "notification.sent", "notification.delivered", "notification.undelivered", "notification.failed"} {
		if !strings.Contains(string(r.Body), `"type":"`+typ+`"`) {
			t.Errorf("no %s receipt on the chain", typ)
		}
	}
	if strings.Contains(string(r.Body), link[3:]) || strings.Contains(string(r.Body), "13800000002") {
		t.Fatal("the chain holds a link token or a whole number")
	}

	// A willingness code through Twilio, at once.
	token := link[3:]
	mustStatus(t, ta.call("POST", "/api/links/"+token+"/login-code", "", nil), http.StatusAccepted)
	all := stand.Messages()
	codeSMS := all[len(all)-1]
	code := twilioCodeRE.FindString(codeSMS.Body)
	if codeSMS.To != "+8613800000002" || code == "" || strings.Contains(codeSMS.Body, "http") {
		t.Fatalf("code SMS: %+v", codeSMS)
	}
	r = ta.call("POST", "/api/links/"+token+"/login", "", map[string]any{"code": code})
	mustStatus(t, r, http.StatusOK)

	// Metrics count attempts by channel, kind and outcome, and nothing more.
	r = ta.call("GET", "/metrics", "", nil)
	for _, want := range []string{`signet_messages_total{channel="sms",kind="invitation",outcome="sent"} 2`,
		`signet_messages_total{channel="sms",kind="invitation",outcome="failed"} 1`,
		`signet_messages_total{channel="email",kind="invitation",outcome="sent"} 1`,
		`signet_messages_total{channel="sms",kind="login_code",outcome="sent"} 1`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, line := range strings.Split(string(r.Body), "\n") {
		if strings.HasPrefix(line, "signet_messages_total{") && (strings.Contains(line, code) || strings.Contains(line, "0002")) {
			t.Errorf("a metric holds a code or a number: %s", line)
		}
	}

	// Nothing secret in any log line of this app, at debug level.
	logs := ta.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) && !strings.Contains(logs, `"level":"INFO"`) {
		t.Fatal("the log was not captured at debug level")
	}
	for _, m := range stand.Messages() {
		for _, secret := range append(twilioLinkRE.FindAllString(m.Body, -1), twilioCodeRE.FindAllString(m.Body, -1)...) {
			if strings.Contains(logs, strings.TrimPrefix(secret, "/s/")) {
				t.Errorf("the log contains %q from an SMS", secret)
			}
		}
	}
}

// messageIDOf returns the ?m= of a status callback URL.
func messageIDOf(t *testing.T, callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("m")
}

func callbackStatus(t *testing.T) func(*http.Response, error) int {
	return func(r *http.Response, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
}
