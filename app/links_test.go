package app

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/http"
	"strings"
	"testing"
)

// sendToPerson sends a one-document contract from c to an individual and
// returns its id and the signing link's token.
func (ta *testApp) sendToPerson(c company, sms *smsInbox, title, name, mobile string) (string, string) {
	t := ta.t
	t.Helper()
	r := ta.uploadFile(c.Access, "合同.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	r = ta.call("POST", "/api/contracts", c.Access, map[string]any{"title": title, "document_ids": []string{r.JSON(t)["id"].(string)}, "send": true,
		"parties": []any{map[string]any{"kind": "person", "name": name, "mobile": mobile,
			"fields": []any{map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80}}}}})
	mustStatus(t, r, http.StatusCreated)
	return r.JSON(t)["id"].(string), sms.lastLink(t)
}

// TestLinkSignIn: a signing link tells, before sign-in, what it is for and
// which (masked) number to sign in with; a code texted to that number signs
// the person in; and once the contract has ended the link says how it
// ended and signs nobody in.
func TestLinkSignIn(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	c := ta.signUp("链接测试有限公司", "owner-link@example.com")
	_, token := ta.sendToPerson(c, sms, "租赁合同", "王五", "13800000002")

	r := ta.call("GET", "/api/links/"+token+"/info", "", nil)
	mustStatus(t, r, http.StatusOK)
	info := r.JSON(t)
	if info["state"] != "open" || info["sender"] != "链接测试有限公司" || info["contract_title"] != "租赁合同" ||
		info["mobile"] != "138****0002" || info["party_kind"] != "person" || info["deadline"] == nil {
		t.Fatalf("info: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "13800000002") || strings.Contains(string(r.Body), "王五") {
		t.Fatalf("info shows the whole number or name: %s", r.Body)
	}
	r = ta.call("GET", "/api/links/"+strings.Repeat("x", 43)+"/info", "", nil)
	mustStatus(t, r, http.StatusNotFound)
	if r.JSON(t)["code"] != "link_invalid" {
		t.Fatalf("unknown link: %s", r.Body)
	}

	// The code goes to the link's number, whoever asks for it.
	mustStatus(t, ta.call("POST", "/api/links/"+token+"/login-code", "", nil), http.StatusAccepted)
	code := sms.code(t)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r = ta.call("POST", "/api/links/"+token+"/login", "", map[string]any{"code": wrong})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if p := r.JSON(t); p["code"] != "otp_mismatch" || p["tries_left"] != float64(4) {
		t.Fatalf("wrong code: %s", r.Body)
	}
	r = ta.call("POST", "/api/links/"+token+"/login", "", map[string]any{"code": code})
	mustStatus(t, r, http.StatusOK)
	session := r.JSON(t)["access_token"].(string)
	r = ta.call("GET", "/api/links/"+token, session, nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["sender"] != "链接测试有限公司" || m["your_turn"] != true {
		t.Fatalf("signer view: %s", r.Body)
	}

	// A typed signature needs a verified name.
	r = ta.call("POST", "/api/signatures/typed", session, map[string]any{})
	mustStatus(t, r, http.StatusConflict)

	// Ended: the link says how, and signs nobody in.
	mustStatus(t, ta.call("POST", "/api/links/"+token+"/reject", session, map[string]any{"reason": "价格不对"}), http.StatusOK)
	r = ta.call("GET", "/api/links/"+token+"/info", "", nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["state"] != "rejected" {
		t.Fatalf("rejected link: %s", r.Body)
	}
	mustStatus(t, ta.call("POST", "/api/links/"+token+"/login-code", "", nil), http.StatusNotFound)

	id, token2 := ta.sendToPerson(c, sms, "第二份合同", "王五", "13800000002")
	mustStatus(t, ta.call("POST", "/api/contracts/"+id+"/revoke", c.Access, map[string]any{"reason": "发错了"}), http.StatusOK)
	r = ta.call("GET", "/api/links/"+token2+"/info", "", nil)
	if r.JSON(t)["state"] != "revoked" {
		t.Fatalf("revoked link: %s", r.Body)
	}
	mustStatus(t, ta.call("POST", "/api/links/"+token2+"/login", "", map[string]any{"code": code}), http.StatusNotFound)
}

// TestTypedSignature draws a verified person's name for signing.
func TestTypedSignature(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	c := ta.signUp("签名测试有限公司", "owner-typed@example.com")
	ta.verifyPerson(c.Access, ops, sms, "李雷", idOwnerA, "13800000001")
	r := ta.call("POST", "/api/signatures/typed", c.Access, map[string]any{})
	mustStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	fonts, _ := m["fonts"].([]any)
	if len(fonts) == 0 || m["font"] != fonts[0] {
		t.Fatalf("fonts: %s", r.Body)
	}
	img, err := base64.StdEncoding.DecodeString(m["png"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("png: %v", err)
	}
	r = ta.call("POST", "/api/signatures/typed", c.Access, map[string]any{"font": "/etc/passwd"})
	mustStatus(t, r, http.StatusUnprocessableEntity)
}
