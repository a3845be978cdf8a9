package app

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/evidence"
	"signet/internal/pdfsig"
	"signet/internal/pdftest"
	"signet/notify/webhooks"
	"signet/pki"
	"signet/tenants"
)

func tenantCtx(id string) context.Context { return tenants.WithTenant(context.Background(), id) }

// contractPDF is a two-page contract with the anchors the fields use.
func contractPDF() []byte {
	return pdftest.Document(
		pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{
			{X: 72, Y: 760, Size: 18, S: "采购合同 Purchase Agreement"},
			{X: 72, Y: 700, Size: 12, S: "甲方：示例科技有限公司"},
			{X: 72, Y: 680, Size: 12, S: "乙方：王五"},
		}},
		pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{
			{X: 72, Y: 300, Size: 12, S: "甲方（盖章）"},
			{X: 320, Y: 300, Size: 12, S: "乙方（签字）"},
			{X: 72, Y: 200, Size: 12, S: "丙方（盖章）"},
		}},
	)
}

// uploadFile posts a document to /api/files.
func (ta *testApp) uploadFile(token, name string, data []byte) response {
	ta.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	return ta.call("POST", "/api/files", token, body.Bytes(), "Content-Type", w.FormDataContentType())
}

// verifyPerson runs a person with their own mobile through manual review.
func (ta *testApp) verifyPerson(token, ops string, sms *smsInbox, name, id, mobile string) {
	ta.t.Helper()
	mustStatus(ta.t, ta.call("POST", "/api/identity/person/mobile-code", token, map[string]any{"mobile": mobile}), http.StatusAccepted)
	r := ta.call("PUT", "/api/identity/person", token, map[string]any{"name": name, "id_number": id, "mobile": mobile, "code": sms.code(ta.t), "method": "manual"})
	mustStatus(ta.t, r, http.StatusOK)
	vid := r.JSON(ta.t)["id"].(string)
	for _, k := range []string{"id_front", "id_back"} {
		mustStatus(ta.t, ta.upload("/api/identity/person/documents", token, k, pngBytes(ta.t)), http.StatusCreated)
	}
	mustStatus(ta.t, ta.call("POST", "/api/identity/person/submit", token, nil), http.StatusOK)
	mustStatus(ta.t, ta.call("POST", "/api/operator/identity/persons/"+vid+"/approve", ops, nil), http.StatusOK)
}

// verifiedOrgWithSeal makes a company whose owner and organisation are
// verified and which has an active round seal; it returns the seal id.
func (ta *testApp) verifiedOrgWithSeal(ops string, sms *smsInbox, company, email, name, ownerID, mobile, uscc string) (company, string) {
	t := ta.t
	t.Helper()
	c := ta.signUp(company, email)
	ta.verifyPerson(c.Access, ops, sms, name, ownerID, mobile)
	r := ta.call("PUT", "/api/identity/organisation", c.Access, map[string]any{"name": company, "uscc": uscc, "legal_rep_name": name, "legal_rep_id_number": ownerID})
	mustStatus(t, r, http.StatusOK)
	oid := r.JSON(t)["id"].(string)
	mustStatus(t, ta.upload("/api/identity/organisation/documents", c.Access, "authorisation", letterPDF), http.StatusCreated)
	mustStatus(t, ta.call("POST", "/api/identity/organisation/submit", c.Access, nil), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/operator/identity/organisations/"+oid+"/approve", ops, nil), http.StatusOK)
	r = ta.call("POST", "/api/seals", c.Access, map[string]any{"kind": "official", "style": "round", "name": company, "text": "合同专用章", "size_mm": 42})
	mustStatus(t, r, http.StatusCreated)
	seal := r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/operator/seals/"+seal+"/approve", ops, nil), http.StatusOK)
	return c, seal
}

var (
	// signLinkRE finds the links that ask an individual to sign: an
	// invitation, a reminder or a deadline warning. Organisations'
	// contacts get links to sign-up ("请认证后盖章"), and ended contracts
	// send links to view them to every party, the CC included; the outbox
	// may send those after a later contract's invitation.
	signLinkRE = regexp.MustCompile(`(?:邀请您签署|待您签署|截止签署|Please sign|Reminder: sign)[^"]*/s/([A-Za-z0-9_-]{43})`)
)

// lastLink sends what waits in the outbox and returns the last link the
// console sender printed asking an individual to sign.
func (b *smsInbox) lastLink(t *testing.T) string {
	t.Helper()
	if _, err := b.app.Messages.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	m := signLinkRE.FindAllStringSubmatch(b.buf.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no signing link in the console log:\n%s", b.buf.String())
	}
	return m[len(m)-1][1]
}

func TestContractFlow(t *testing.T) {
	for _, tc := range []struct{ name, alg string }{{"sqlite_ecdsa", "ecdsa"}, {"mariadb_sm2", "sm2"}} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []testOpt{func(c *Config) { c.WebhookAllowLoopback = true }}
			if strings.HasPrefix(tc.name, "mariadb") {
				opts = append(opts, withMariaDB(t))
			}
			// The ECDSA run is served at its public URL, so that poppler
			// asks the OCSP responder its certificates name.
			served, serve := servedAtPublicURL(t)
			ta := newTestApp(t, append(opts, served)...)
			serve(ta)
			testContractFlow(t, ta, tc.alg)
		})
	}
}

// servedAtPublicURL makes the app's public URL a loopback listener and
// returns the option that sets it and the function that serves the app's
// HTTP handlers there until the test ends.
func servedAtPublicURL(t *testing.T) (testOpt, func(*testApp)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opt := func(c *Config) { c.PublicURL = "http://" + ln.Addr().String() }
	return opt, func(ta *testApp) {
		// The HTTP handlers only: the test runs the jobs itself.
		done := make(chan error, 1)
		go func() { done <- ta.HTTP.Listener(ln) }()
		t.Cleanup(func() { ta.HTTP.Shutdown(); <-done })
	}
}

func testContractFlow(t *testing.T, ta *testApp, alg string) {
	ctx := context.Background()
	sms := ta.inbox()
	ops := ta.operatorToken()
	const (
		mobileA      = "13800000001"
		mobileC      = "13800000003"
		mobileSigner = "13800000002"
	)
	a, sealA := ta.verifiedOrgWithSeal(ops, sms, "示例科技有限公司", "owner-a@example.com", "李雷", idOwnerA, mobileA, usccOrgA)
	cc, sealC := ta.verifiedOrgWithSeal(ops, sms, "丙方贸易有限公司", "owner-c@example.com", "韩梅梅", idOwnerB, mobileC, usccOrgB)
	mustStatus(t, ta.call("PATCH", "/api/tenant", a.Access, map[string]any{"signature_algorithm": alg}), http.StatusOK)

	// A's owner holds A's seal with a PIN; C's system stamps with an API key.
	mustStatus(t, ta.call("POST", "/api/seals/"+sealA+"/authorisations", a.Access, map[string]any{"role": "owner", "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)
	mustStatus(t, ta.call("PUT", "/api/seals/"+sealA+"/pin", a.Access, map[string]any{"pin": "246810"}), http.StatusNoContent)
	r := ta.call("POST", "/api/api-keys", cc.Access, map[string]any{"name": "licensing system", "scopes": []string{"seals:use", "contracts:read", "contracts:write"}})
	mustStatus(t, r, http.StatusCreated)
	keyC, keyCID := r.JSON(t)["secret"].(string), r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/seals/"+sealC+"/authorisations", cc.Access, map[string]any{"api_key_id": keyCID, "valid_until": time.Now().Add(time.Hour)}), http.StatusUnprocessableEntity)
	mustStatus(t, ta.call("POST", "/api/seals/"+sealC+"/authorisations", cc.Access, map[string]any{"api_key_id": keyCID, "auto_stamp": true, "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)

	// A webhook endpoint receives signed deliveries.
	var (
		mu    sync.Mutex
		hooks []*http.Request
		bods  [][]byte
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks, bods = append(hooks, r), append(bods, b)
		mu.Unlock()
	}))
	defer rc.Close()
	r = ta.call("POST", "/api/webhooks", a.Access, map[string]any{"url": rc.URL + "/hook", "events": []string{"contract.*", "signer.*"}})
	mustStatus(t, r, http.StatusCreated)
	secret := r.JSON(t)["secret"].(string)

	// Bad uploads are clear 422s.
	for _, c := range []struct {
		data []byte
		code string
	}{{[]byte("hello, not a document"), "unsupported_format"}, {pdftest.Encrypted(), "encrypted_pdf"}, {[]byte("%PDF-1.7\nbroken beyond repair"), "invalid_pdf"}} {
		r = ta.uploadFile(a.Access, "bad.pdf", c.data)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		wantCode(t, r, c.code)
	}
	r = ta.uploadFile(a.Access, "采购合同.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	file := r.JSON(t)
	fileID := file["id"].(string)
	if file["pages"] != float64(2) || len(file["original_sm3"].(string)) != 64 {
		t.Fatalf("upload: %s", r.Body)
	}

	// Draft errors are reported field by field.
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "", "document_ids": []string{fileID},
		"parties": []any{map[string]any{"kind": "person", "name": "王五", "mobile": "123", "fields": []any{map[string]any{"kind": "signature", "document": 0, "page": 9}}}}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	for _, f := range []string{`"title"`, `"parties[0].mobile"`, `"parties[0].fields[0].page"`} {
		if !strings.Contains(string(r.Body), f) {
			t.Fatalf("want an error for %s: %s", f, r.Body)
		}
	}

	// The contract: A (seal, date, cross-page seal) and 王五 in parallel,
	// then C by auto-stamp, with a CC recipient.
	body := map[string]any{"title": "采购合同 2026-001", "document_ids": []string{fileID}, "deadline_days": 10, "send": true,
		"parties": []any{
			map[string]any{"kind": "organization", "order": 1, "org_name": "示例科技有限公司", "org_uscc": usccOrgA, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "anchor": "甲方（盖章）", "offset_x": 70, "offset_y": -40},
				map[string]any{"kind": "date", "document": 0, "anchor": "甲方（盖章）", "offset_y": -60},
				map[string]any{"kind": "cross_page", "document": 0},
			}},
			map[string]any{"kind": "person", "order": 1, "name": "王五", "mobile": mobileSigner, "fields": []any{
				map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -10},
			}},
			map[string]any{"kind": "organization", "order": 2, "org_name": "丙方贸易有限公司", "org_uscc": usccOrgB, "auto_stamp": true, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "page": 2, "x": 200, "y": 120},
			}},
			map[string]any{"role": "cc", "kind": "person", "name": "法务赵六", "mobile": "13800000009"},
		}}
	r = ta.call("POST", "/api/contracts", a.Access, body)
	mustStatus(t, r, http.StatusCreated)
	k := r.JSON(t)
	kid := k["id"].(string)
	if k["state"] != "in_progress" || k["round"] != float64(1) || k["algorithm"] != alg {
		t.Fatalf("sent contract: %s", r.Body)
	}
	parties := k["parties"].([]any)
	partyID := func(i int) string { return parties[i].(map[string]any)["id"].(string) }
	orgA, person, orgC := partyID(0), partyID(1), partyID(2)
	if strings.Contains(string(r.Body), mobileSigner[3:]) {
		t.Fatalf("full mobile number in the response: %s", r.Body)
	}
	link := sms.lastLink(t)

	// Another tenant cannot see it.
	r = ta.call("GET", "/api/contracts/"+kid, cc.Access, nil)
	mustStatus(t, r, http.StatusNotFound)
	if strings.Contains(string(r.Body), "采购合同") {
		t.Fatalf("leak: %s", r.Body)
	}

	// Deadline extension, nudge and its rate limit, order enforcement.
	deadline := k["deadline"].(string)
	r = ta.call("POST", "/api/contracts/"+kid+"/extend", a.Access, map[string]any{"days": 5})
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["deadline"] == deadline || r.JSON(t)["extensions"] != float64(1) {
		t.Fatalf("extend: %s", r.Body)
	}
	mustStatus(t, ta.call("POST", "/api/contracts/"+kid+"/extend", a.Access, map[string]any{"days": 90}), http.StatusUnprocessableEntity)
	mustStatus(t, ta.call("POST", "/api/contracts/"+kid+"/parties/"+person+"/nudge", a.Access, nil), http.StatusOK)
	r = ta.call("POST", "/api/contracts/"+kid+"/parties/"+person+"/nudge", a.Access, nil)
	mustStatus(t, r, http.StatusTooManyRequests)
	wantCode(t, r, "nudge_too_soon")
	link = sms.lastLink(t) // the nudge sent a fresh link
	r = ta.call("POST", "/api/inbox/"+orgC+"/auto-stamp", keyC, map[string]any{"seal_id": sealC})
	mustStatus(t, r, http.StatusConflict)
	wantCode(t, r, "not_your_turn")

	// The individual signs in by SMS, opens the link and signs with a code
	// bound to exactly this signing.
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": mobileSigner}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": mobileSigner, "code": sms.code(t), "name": "王五"})
	mustStatus(t, r, http.StatusOK)
	signer := r.JSON(t)["access_token"].(string)
	mustStatus(t, ta.call("GET", "/api/links/"+link, a.Access, nil), http.StatusForbidden) // not the addressee
	r = ta.call("GET", "/api/links/"+link, signer, nil)
	mustStatus(t, r, http.StatusOK)
	if v := r.JSON(t); v["your_turn"] != true || v["you"].(map[string]any)["state"] != "viewed" {
		t.Fatalf("signer view: %s", r.Body)
	}
	ta.verifyPerson(signer, ops, sms, "王五", idMember, mobileSigner)
	sig := signaturePNG(t)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/code", signer, map[string]any{"signature_png": sig}), http.StatusAccepted)
	code := sms.code(t)
	r = ta.call("POST", "/api/links/"+link+"/sign", signer, map[string]any{"signature_png": pngBytes(t), "code": code})
	mustStatus(t, r, http.StatusUnprocessableEntity) // another image is another intent
	wantCode(t, r, "otp_mismatch")
	r = ta.call("POST", "/api/links/"+link+"/sign", signer, map[string]any{"signature_png": sig, "code": code})
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["state"] != "signed" {
		t.Fatalf("person signed: %s", r.Body)
	}

	// A plain member of A may see the inbox but not refuse for A.
	memberA, _ := ta.invite(a, "member-a@example.com", "member")
	mustStatus(t, ta.call("GET", "/api/inbox/"+orgA, memberA, nil), http.StatusOK)
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgA+"/reject", memberA, map[string]any{"reason": "no"}), http.StatusForbidden)

	// A's owner stamps from the inbox with code and PIN; a wrong PIN is refused.
	mustStatus(t, ta.call("POST", "/api/inbox/"+orgA+"/code", a.Access, map[string]any{"seal_id": sealA}), http.StatusAccepted)
	pinCode := sms.code(t)
	r = ta.call("POST", "/api/inbox/"+orgA+"/sign", a.Access, map[string]any{"seal_id": sealA, "code": pinCode, "pin": "000000"})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	wantCode(t, r, "pin_wrong")
	r = ta.call("GET", "/api/inbox", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), orgA) {
		t.Fatalf("inbox: %s", r.Body)
	}
	// The wrong PIN did not cost the code: the same one signs with the
	// right PIN, and no new text was sent.
	r = ta.call("POST", "/api/inbox/"+orgA+"/sign", a.Access, map[string]any{"seal_id": sealA, "code": pinCode, "pin": "246810"})
	mustStatus(t, r, http.StatusOK)

	// C's system auto-stamps; the contract completes.
	r = ta.call("POST", "/api/inbox/"+orgC+"/auto-stamp", keyC, map[string]any{"seal_id": sealC})
	mustStatus(t, r, http.StatusOK)
	r = ta.call("GET", "/api/contracts/"+kid, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["state"] != "completed" {
		t.Fatalf("contract: %s", r.Body)
	}

	// The final PDF: three valid, time-stamped signatures, each followed
	// only by signatures and validation data, then the archive's document
	// time-stamp: PAdES B-LTA.
	r = ta.call("GET", "/api/files/"+fileID+"/pdf", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	final := r.Body
	if dir := os.Getenv("SIGNET_KEEP_PDF"); dir != "" {
		os.WriteFile(filepath.Join(dir, "contract-"+alg+".pdf"), final, 0o644) // to look at by hand
	}
	roots := ta.verifyOptions(t)
	reps, err := pdfsig.Verify(final, roots)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 4 || !reps[3].DocTimeStamp || reps[3].Err != nil || reps[3].Change != pdfsig.ValidationDataOnly {
		t.Fatalf("%d signatures, want 3 and a document time-stamp followed by its validation data: %+v", len(reps), reps)
	}
	for i, rep := range reps[:3] {
		if !rep.Intact || rep.Err != nil || rep.Level != pdfsig.LevelLTA {
			t.Errorf("signature %d: level %q, err %v; want B-LTA", i, rep.Level, rep.Err)
		}
		if want := pdfsig.FurtherSignaturesOnly; rep.Change != want {
			t.Errorf("signature %d change %v, want %v", i, rep.Change, want)
		}
	}
	// Thirty years on, every certificate has expired; what the document
	// carries still proves each signature.
	future := roots
	future.Now = time.Now().AddDate(30, 0, 0)
	if reps, err := pdfsig.Verify(final, future); err != nil || reps[0].Err != nil || reps[2].Err != nil || reps[2].Level != pdfsig.LevelLTA {
		t.Fatalf("in 30 years: %v %+v", err, reps)
	}
	vr := verifyBody(t, ta, final)
	if vr.Verdict != "valid" || len(vr.Signatures) != 4 || vr.Signatures[3].Kind != "document-timestamp" || vr.Signatures[0].Level != "B-LTA" {
		t.Fatalf("verification report: %+v", vr)
	}
	// The validation data after the archive time-stamp is covered by no
	// signature; a changed byte in it is still caught (its CRL or OCSP
	// response no longer verifies) and named by the longterm row.
	tail := bytes.LastIndex(final, []byte(">>\nstream\n")) + len(">>\nstream\n") + 60
	bad := bytes.Clone(final)
	bad[tail] ^= 0x01
	if vr := verifyBody(t, ta, bad); vr.Verdict != "invalid" || checkOf(vr.Signatures[0], "longterm") != "fail" {
		t.Fatalf("a changed byte in the last validation data: %+v", vr)
	}
	if alg == "ecdsa" {
		popplerCheck(t, ta, final, 3)
		pdftest.CheckQPDF(t, final)
		pdftest.CheckDigitorus(t, final, ecdsaRootPEM(t, ta), 3, 1)
	}

	// The verification page was added before anyone signed; its code
	// finds the platform's record of the final document.
	if info, err := pdfsig.Inspect(final); err != nil || info.Pages != 3 {
		t.Fatalf("final PDF: %+v %v, want 2 pages and the verification page", info, err)
	}
	r = ta.call("GET", "/api/verify/codes/"+k["verify_code"].(string), "", nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["state"] != "completed" || !strings.Contains(string(r.Body), fmt.Sprintf("%x", sm3.Sum(final))) ||
		strings.Contains(string(r.Body), "王五") || !strings.Contains(string(r.Body), `"name":"*五"`) {
		t.Fatalf("public record: %s", r.Body)
	}
	// The QR code's page belongs to the web app, which reads the record above.
	r = ta.call("GET", "/v/"+k["verify_code"].(string), "", nil)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("verification page: %d %v %s", r.Status, r.Header, r.Body)
	}
	mustStatus(t, ta.call("GET", "/api/verify/codes/ABCDEFGHJK", "", nil), http.StatusNotFound)

	// The event chain is whole and tells the story.
	ownerCtx := tenantCtx(a.TenantID)
	tsRoots, tsInter, err := ta.TimestampRoots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := evidence.CheckChain(ownerCtx, ta.DB.DB, evidence.ContractChain(kid), tsRoots, tsInter); err != nil || rep.Events < 10 || rep.Anchors == 0 {
		t.Fatalf("chain: %+v %v", rep, err)
	}
	if anchors, err := evidence.Anchors(ownerCtx, ta.DB.DB, evidence.ContractChain(kid)); err != nil || len(anchors) == 0 {
		t.Fatalf("the completed contract's chain was not anchored: %d anchors, %v", len(anchors), err)
	}
	r = ta.call("GET", "/api/contracts/"+kid+"/events", a.Access, nil)
	if strings.Contains(string(r.Body), link) {
		t.Fatal("a signing link token is in the event log")
	}
	for _, ev := range []string{"notification.delivered", "contract.created", "contract.sent", "contract.extended", "signer.notified", "signer.reminded", "signer.viewed",
		"signer.willingness_verified", "signer.signed", "contract.completed", "document.archived"} {
		if !strings.Contains(string(r.Body), `"type":"`+ev+`"`) {
			t.Errorf("no %s event: %s", ev, r.Body)
		}
	}

	// Webhooks went out signed.
	if err := ta.deliverWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := map[string]bool{}
	for i, h := range hooks {
		if err := webhooks.Verify(secret, h.Header.Get("Signet-Signature"), bods[i], time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
		for _, typ := range []string{"contract.sent", "contract.extended", "signer.signed", "signer.reminded", "contract.completed"} {
			if bytes.Contains(bods[i], []byte(`"type":"`+typ+`"`)) {
				got[typ] = true
			}
		}
	}
	mu.Unlock()
	if len(got) != 5 {
		t.Fatalf("webhook event types delivered: %v", got)
	}

	// A rejected flow and a revoked flow end with their events.
	for _, end := range []string{"reject", "revoke"} {
		r = ta.uploadFile(a.Access, "c.pdf", contractPDF())
		mustStatus(t, r, http.StatusCreated)
		body["document_ids"] = []string{r.JSON(t)["id"].(string)}
		body["title"] = "合同 " + end
		r = ta.call("POST", "/api/contracts", a.Access, body)
		mustStatus(t, r, http.StatusCreated)
		id := r.JSON(t)["id"].(string)
		l := sms.lastLink(t)
		if end == "reject" {
			r = ta.call("POST", "/api/links/"+l+"/reject", signer, map[string]any{"reason": "价格不对"})
			mustStatus(t, r, http.StatusOK)
		} else {
			mustStatus(t, ta.call("POST", "/api/contracts/"+id+"/revoke", a.Access, map[string]any{"reason": ""}), http.StatusUnprocessableEntity)
			r = ta.call("POST", "/api/contracts/"+id+"/revoke", a.Access, map[string]any{"reason": "条款变更"})
			mustStatus(t, r, http.StatusOK)
		}
		want := map[string]string{"reject": "rejected", "revoke": "revoked"}[end]
		if r.JSON(t)["state"] != want {
			t.Fatalf("%s: %s", end, r.Body)
		}
		r = ta.call("GET", "/api/links/"+l, signer, nil)
		mustStatus(t, r, http.StatusNotFound)
		wantCode(t, r, "link_invalid")
		r = ta.call("GET", "/api/contracts/"+id+"/events", a.Access, nil)
		if !strings.Contains(string(r.Body), `"type":"contract.`+want+`"`) {
			t.Fatalf("no contract.%s event: %s", want, r.Body)
		}
		mustStatus(t, ta.call("POST", "/api/inbox/"+orgA+"/code", a.Access, map[string]any{"seal_id": sealA}), http.StatusConflict)
	}

	// The list filters by status, party and keyword.
	for q, n := range map[string]int{"?status=completed": 1, "?status=rejected,revoked": 2, "?q=采购": 1, "?q=合同": 3, "?party=王五": 3,
		"?party=" + usccOrgB: 3, "?q=2026": 1, "?q=revo": 1, "?status=draft": 0} {
		r = ta.call("GET", "/api/contracts"+q, a.Access, nil)
		mustStatus(t, r, http.StatusOK)
		if got := strings.Count(string(r.Body), `"verify_code"`); got != n {
			t.Errorf("list %s: %d contracts, want %d", q, got, n)
		}
	}
	mustStatus(t, ta.call("GET", "/api/contracts?status=bogus", a.Access, nil), http.StatusUnprocessableEntity)
}

// signaturePNG is a drawn signature: a few dark strokes on transparency.
func signaturePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 400, 160))
	for x := 20; x < 380; x++ {
		y := 80 + int(40*float64((x%90)-45)/45)
		for dy := -3; dy <= 3; dy++ {
			img.Set(x, y+dy, color.NRGBA{10, 10, 40, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// popplerCheck runs poppler's pdfsig against the platform's ECDSA root
// and wants n valid, trusted signatures.
func popplerCheck(t *testing.T, ta *testApp, pdf []byte, n int) {
	t.Helper()
	pdftest.CheckSignatures(t, pdf, ecdsaRootPEM(t, ta), n)
}

// ecdsaRootPEM is the platform's ECDSA root certificate alone.
func ecdsaRootPEM(t *testing.T, ta *testApp) []byte {
	t.Helper()
	chain, err := ta.PKI.Chain(pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	var root []byte
	for rest := chain; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		root = pem.EncodeToMemory(b) // the last certificate is the root
	}
	return root
}

// verifyOptions trusts what the platform trusts.
func (ta *testApp) verifyOptions(t *testing.T) pdfsig.VerifyOptions {
	t.Helper()
	tr, err := ta.verifyTrust(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pdfsig.VerifyOptions{Roots: tr.Roots, TSARoots: tr.TSARoots}
}

// TestSigningWithoutTSA: when no time-stamping authority answers, signing
// fails cleanly and nothing changes; it never signs without a time-stamp.
func TestSigningWithoutTSA(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.TSAURLs = []string{"http://127.0.0.1:1/tsa"} })
	sms := ta.inbox()
	ops := ta.operatorToken()
	a := ta.signUp("甲公司", "owner-n@example.com")
	r := ta.uploadFile(a.Access, "c.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "无时间戳", "document_ids": []string{fileID}, "send": true,
		"parties": []any{map[string]any{"kind": "person", "name": "王五", "mobile": "13800000002",
			"fields": []any{map[string]any{"kind": "signature", "document": 0, "page": 2, "x": 300, "y": 250}}}}})
	mustStatus(t, r, http.StatusCreated)
	kid := r.JSON(t)["id"].(string)
	link := sms.lastLink(t)
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": "13800000002"}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": "13800000002", "code": sms.code(t), "name": "王五"})
	mustStatus(t, r, http.StatusOK)
	signer := r.JSON(t)["access_token"].(string)
	ta.verifyPerson(signer, ops, sms, "王五", idMember, "13800000002")
	sig := signaturePNG(t)
	mustStatus(t, ta.call("POST", "/api/links/"+link+"/code", signer, map[string]any{"signature_png": sig}), http.StatusAccepted)
	r = ta.call("POST", "/api/links/"+link+"/sign", signer, map[string]any{"signature_png": sig, "code": sms.code(t)})
	mustStatus(t, r, http.StatusServiceUnavailable)
	wantCode(t, r, "tsa_unavailable")
	r = ta.call("GET", "/api/contracts/"+kid, a.Access, nil)
	k := r.JSON(t)
	doc := k["documents"].([]any)[0].(map[string]any)
	if k["state"] != "in_progress" || doc["revision"] != float64(0) || strings.Contains(string(r.Body), `"state":"signed"`) {
		t.Fatalf("a failed signing changed the contract: %s", r.Body)
	}
}
