package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"signet/signing"
)

// The security suite's attacks that held when Signet was first tried as an
// attacker, kept as tests so they keep holding: SMS-code brute force under
// concurrency, a signing link replayed after the contract completed, and
// SQL-injection strings in every string filter of the contract list. The
// cross-tenant walk is TestTenantIsolation; JWT tampering and refresh
// replay are in tenants (TestTokens, TestRefreshReuse*, the race test);
// revoked rights are TestRevokedRightsOnNextRequest.

// TestOTPBruteForceConcurrent: 100 wrong guesses at once at a willingness
// code get exactly 5 evaluated; after them the right code is refused too.
func TestOTPBruteForceConcurrent(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testOTPBruteForce(t, newTestApp(t)) })
	t.Run("mariadb", func(t *testing.T) { testOTPBruteForce(t, newTestApp(t, withMariaDB(t))) })
}

func testOTPBruteForce(t *testing.T, ta *testApp) {
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲方科技有限公司", "owner@example.com")
	p := ta.sendForSigning(owner, ops, sms, "张三", idMember, "13812345678")
	sig := signaturePNG(t)
	mustStatus(t, ta.call("POST", "/api/links/"+p.link+"/code", p.signer, map[string]any{"signature_png": sig}), http.StatusAccepted)
	code := sms.code(t)

	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 100 {
		guess := fmt.Sprintf("%06d", i)
		if guess == code {
			guess = "999999"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ta.call("POST", "/api/links/"+p.link+"/sign", p.signer, map[string]any{"signature_png": sig, "code": guess})
			mu.Lock()
			defer mu.Unlock()
			codes[problemCode(r)]++
		}()
	}
	wg.Wait()
	// At most four are told the code is wrong; the guess that used it up,
	// and those that came after, that it is used up or gone.
	if codes["422 otp_mismatch"] > 4 || codes["422 otp_mismatch"]+codes["422 otp_exhausted"]+codes["422 otp_expired"] != 100 {
		t.Fatalf("100 concurrent guesses: %v; want at most 4 otp_mismatch and the rest refused", codes)
	}
	// What counts is how many were compared with the code: exactly five.
	var attempts []int
	if err := ta.DB.DB.Raw("SELECT attempts FROM otp_codes WHERE purpose = ?", signing.WillingnessPurpose).Scan(&attempts).Error; err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 1 || attempts[0] != 5 {
		t.Fatalf("the code's evaluated guesses: %v, want exactly 5", attempts)
	}
	r := ta.call("POST", "/api/links/"+p.link+"/sign", p.signer, map[string]any{"signature_png": sig, "code": code})
	if c := problemCode(r); c != "422 otp_exhausted" && c != "422 otp_expired" {
		t.Fatalf("the right code after five wrong ones: %d %s", r.Status, r.Body)
	}
	ta.mustBeUnsigned(owner, p.kid)
}

// TestLinkReplayAfterCompletion: once the contract is complete, its
// signer's link neither texts a code nor signs again.
func TestLinkReplayAfterCompletion(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲方科技有限公司", "owner@example.com")
	p := ta.sendForSigning(owner, ops, sms, "张三", idMember, "13812345678")
	sig := signaturePNG(t)
	var codeMu sync.Mutex
	mustStatus(t, ta.trySign(p, sms, &codeMu, sig), http.StatusOK)
	ta.mustBeSignedOnce(owner, p.kid)
	code := sms.code(t)

	r := ta.call("POST", "/api/links/"+p.link+"/code", p.signer, map[string]any{"signature_png": sig})
	if r.Status < 400 || r.Status == http.StatusInternalServerError {
		t.Fatalf("a code for a completed contract: %d %s", r.Status, r.Body)
	}
	r = ta.call("POST", "/api/links/"+p.link+"/sign", p.signer, map[string]any{"signature_png": sig, "code": code})
	if r.Status < 400 || r.Status == http.StatusInternalServerError {
		t.Fatalf("signing a completed contract again: %d %s", r.Status, r.Body)
	}
	ta.mustBeSignedOnce(owner, p.kid)
}

// TestSQLInjectionInFilters: injection strings in every string filter of
// the contract list are searched for as text (or refused as invalid), never
// run: no 500, and never another tenant's contract.
func TestSQLInjectionInFilters(t *testing.T) {
	ta := newTestApp(t)
	a := ta.signUp("甲方科技有限公司", "a@example.com")
	b := ta.signUp("乙方贸易有限公司", "b@example.com")
	draft := func(c company, title string) string {
		r := ta.uploadFile(c.Access, "c.pdf", contractPDF())
		mustStatus(t, r, http.StatusCreated)
		r = ta.call("POST", "/api/contracts", c.Access, map[string]any{"title": title, "document_ids": []string{r.JSON(t)["id"].(string)},
			"parties": []any{map[string]any{"kind": "person", "name": "李四", "mobile": "13900000001",
				"fields": []any{map[string]any{"kind": "signature", "document": 0, "page": 2, "x": 300, "y": 250}}}}})
		mustStatus(t, r, http.StatusCreated)
		return r.JSON(t)["id"].(string)
	}
	draft(a, "甲方的合同")
	other := draft(b, "乙方的机密合同")
	attacks := []string{
		`' OR '1'='1`, `' OR 1=1 -- `, `"; DROP TABLE contracts; --`, `%' OR tenant_id LIKE '%`,
		`1) UNION SELECT id, tenant_id, title FROM contracts --`, `\'; SELECT SLEEP(5); --`,
		"' OR 1=1\x00", `%`, `_`, `\`, `合同' OR '1'='1`, strings.Repeat("'", 300),
	}
	for _, param := range []string{"q", "party", "status", "from", "to", "cursor"} {
		for _, s := range attacks {
			r := ta.call("GET", "/api/contracts?"+param+"="+url.QueryEscape(s), a.Access, nil)
			if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
				t.Fatalf("?%s=%q: %d %s", param, s, r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), other) || strings.Contains(string(r.Body), "乙方的机密合同") {
				t.Fatalf("?%s=%q showed another tenant's contract: %s", param, s, r.Body)
			}
		}
	}
	// The tables are still there and still answer.
	r := ta.call("GET", "/api/contracts", b.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), other) {
		t.Fatalf("tenant B's contract list after the attacks: %s", r.Body)
	}
}
