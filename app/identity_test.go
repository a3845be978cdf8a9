package app

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"signet/identity"
	"signet/internal/testenv"
	"signet/notify"
)

// Identity fixtures: valid GB 11643 numbers and credit codes.
const (
	idOwnerA    = "11010519491231002X"
	idMember    = "360426199101010071"
	mobileRaw   = "13812345678"
	usccOrgA    = "91110000600037341L"
	usccOrgB    = "91350100M000100Y43"
	idOwnerB    = "110101199003070089"
	bankAccount = "6222021234567890"
)

// smsInbox is the console SMS sender writing to a buffer the test reads.
type smsInbox struct {
	mu  sync.Mutex
	buf bytes.Buffer
	app *App
}

func (b *smsInbox) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// smsCodeRE finds a code in a console log line's body.
var smsCodeRE = regexp.MustCompile(`"body":"[^"]*?\b(\d{6})\b`)

// code returns the last code the console sender printed.
func (b *smsInbox) code(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	m := smsCodeRE.FindAllStringSubmatch(b.buf.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no SMS code in the console log:\n%s", b.buf.String())
	}
	return m[len(m)-1][1]
}

// codesTo lists, in order, the codes texted to mobile. Several signers
// share the console, and under faults a code's text can be printed late,
// so a signer reads only texts to its own number.
func (b *smsInbox) codesTo(mobile string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	to := `"to":"` + notify.MaskNumber(mobile) + `"`
	var codes []string
	for _, line := range strings.Split(b.buf.String(), "\n") {
		if m := smsCodeRE.FindStringSubmatch(line); m != nil && strings.Contains(line, to) {
			codes = append(codes, m[1])
		}
	}
	return codes
}

// inbox routes the app's SMS through a console sender logging to a buffer.
func (ta *testApp) inbox() *smsInbox {
	b := &smsInbox{app: ta.App}
	ta.SMS = notify.NewConsole(slog.New(slog.NewJSONHandler(b, nil)))
	return b
}

// operatorToken creates a platform operator and logs them in.
func (ta *testApp) operatorToken() string {
	ta.t.Helper()
	if _, err := ta.Tenants.CreateOperator(context.Background(), "ops@signet.test", "Ops", "operator long password"); err != nil {
		ta.t.Fatal(err)
	}
	r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": "ops@signet.test", "password": "operator long password"})
	mustStatus(ta.t, r, http.StatusOK)
	return r.JSON(ta.t)["access_token"].(string)
}

// upload posts a multipart form with kind and file.
func (ta *testApp) upload(path, token, kind string, data []byte) response {
	ta.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("kind", kind)
	fw, _ := w.CreateFormFile("file", "upload.jpg") // the name lies on purpose: content decides
	fw.Write(data)
	w.Close()
	return ta.call("POST", path, token, body.Bytes(), "Content-Type", w.FormDataContentType())
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 12, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var letterPDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// savePerson proves the mobile and saves a person application.
func (ta *testApp) savePerson(token string, sms *smsInbox, name, id, method string) response {
	ta.t.Helper()
	mustStatus(ta.t, ta.call("POST", "/api/identity/person/mobile-code", token, map[string]any{"mobile": mobileRaw}), http.StatusAccepted)
	return ta.call("PUT", "/api/identity/person", token, map[string]any{"name": name, "id_number": id, "mobile": mobileRaw, "code": sms.code(ta.t), "method": method})
}

// verifyManually runs a person through manual review to approval.
func (ta *testApp) verifyManually(token, opToken string, sms *smsInbox, name, id string) string {
	ta.t.Helper()
	r := ta.savePerson(token, sms, name, id, "manual")
	mustStatus(ta.t, r, http.StatusOK)
	vid := r.JSON(ta.t)["id"].(string)
	for _, k := range []string{"id_front", "id_back"} {
		mustStatus(ta.t, ta.upload("/api/identity/person/documents", token, k, pngBytes(ta.t)), http.StatusCreated)
	}
	mustStatus(ta.t, ta.call("POST", "/api/identity/person/submit", token, nil), http.StatusOK)
	mustStatus(ta.t, ta.call("POST", "/api/operator/identity/persons/"+vid+"/approve", opToken, nil), http.StatusOK)
	return vid
}

// providerStandIn is a local third-party 3-factor check.
func providerStandIn(t *testing.T, register map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		want := identity.SignHTTPRequest("stand-in-secret", r.URL.Path, r.Header.Get("X-Signet-Timestamp"), r.Header.Get("X-Signet-Nonce"), body.Bytes())
		if r.Header.Get("X-Signet-Signature") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		code := "1"
		for id, name := range register {
			if strings.Contains(body.String(), `"id_number":"`+id+`"`) && strings.Contains(body.String(), `"name":"`+name+`"`) {
				code = "0"
			}
		}
		fmt.Fprintf(w, `{"code":%q,"message":"checked","serial":"T-1"}`, code)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func withProvider(url string) testOpt {
	return func(c *Config) { c.IdentityHTTPURL, c.IdentityHTTPSecret = url+"/check", "stand-in-secret" }
}

// TestIdentityFlow is issue 3's "done when", through the API on SQLite and
// MariaDB: a person verifies by manual review and another by the HTTP
// check, an organisation by review and another by micro-deposit; both hold
// certificates that OpenSSL verifies; revocation reaches the CRL.
func TestIdentityFlow(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			srv := providerStandIn(t, map[string]string{idMember: "韩梅梅", idOwnerA: "李雷", idOwnerB: "王芳"})
			opts := []testOpt{withProvider(srv.URL)}
			if dialect == "mariadb" {
				opts = append(opts, withMariaDB(t))
			}
			ta := newTestApp(t, opts...)
			sms := ta.inbox()
			ops := ta.operatorToken()
			a := ta.signUp("示例科技有限公司", "owner@example.com")
			var bodies []string
			keep := func(r response) response { bodies = append(bodies, string(r.Body)); return r }

			// Person, manual: bad input is 422 with field codes.
			r := keep(ta.savePerson(a.Access, sms, "李雷", "110105194912310021", "manual"))
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.Body), `"code":"resident_id.checksum"`) {
				t.Fatalf("checksum error: %s", r.Body)
			}
			r = keep(ta.savePerson(a.Access, sms, "李雷", idOwnerA, "manual"))
			mustStatus(t, r, http.StatusOK)
			pv := r.JSON(t)
			if pv["state"] != "draft" || pv["id_number"] != "110105********002X" || pv["mobile"] != "138****5678" {
				t.Fatalf("draft = %s", r.Body)
			}
			vid := pv["id"].(string)
			r = keep(ta.upload("/api/identity/person/documents", a.Access, "id_front", []byte("GIF89a not really")))
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.Body), `"not_image"`) {
				t.Fatalf("non-image: %s", r.Body)
			}
			r = keep(ta.upload("/api/identity/person/documents", a.Access, "id_front", append(pngBytes(t), make([]byte, 10<<20)...)))
			mustStatus(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.Body), `"too_large"`) {
				t.Fatalf("oversized: %s", r.Body)
			}
			mustStatus(t, ta.call("POST", "/api/identity/person/submit", a.Access, nil), http.StatusConflict)
			front := pngBytes(t)
			mustStatus(t, keep(ta.upload("/api/identity/person/documents", a.Access, "id_front", front)), http.StatusCreated)
			mustStatus(t, keep(ta.upload("/api/identity/person/documents", a.Access, "id_back", pngBytes(t))), http.StatusCreated)
			r = keep(ta.call("POST", "/api/identity/person/submit", a.Access, nil))
			mustStatus(t, r, http.StatusOK)

			// The operator's queue, view and decrypted images.
			mustStatus(t, ta.call("GET", "/api/operator/identity/queue", a.Access, nil), http.StatusForbidden)
			r = keep(ta.call("GET", "/api/operator/identity/queue", ops, nil))
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.Body), vid) {
				t.Fatalf("queue: %s", r.Body)
			}
			r = keep(ta.call("GET", "/api/operator/identity/persons/"+vid, ops, nil))
			mustStatus(t, r, http.StatusOK)
			docs := r.JSON(t)["documents"].([]any)
			if len(docs) != 2 {
				t.Fatalf("documents: %s", r.Body)
			}
			docID := docs[0].(map[string]any)["id"].(string)
			mustStatus(t, ta.call("GET", "/api/operator/identity/documents/"+docID, a.Access, nil), http.StatusForbidden)
			r = ta.call("GET", "/api/operator/identity/documents/"+docID, ops, nil)
			mustStatus(t, r, http.StatusOK)
			if !bytes.Equal(r.Body, front) || r.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("document stream: %s, %d bytes", r.Header.Get("Content-Type"), len(r.Body))
			}
			// Reject with a reason, resubmit, approve.
			mustStatus(t, keep(ta.call("POST", "/api/operator/identity/persons/"+vid+"/reject", ops, map[string]any{"reason": "photo is blurred"})), http.StatusOK)
			r = keep(ta.call("GET", "/api/identity/person", a.Access, nil))
			if r.JSON(t)["state"] != "rejected" || r.JSON(t)["reason"] != "photo is blurred" {
				t.Fatalf("after rejection: %s", r.Body)
			}
			mustStatus(t, keep(ta.upload("/api/identity/person/documents", a.Access, "id_front", pngBytes(t))), http.StatusCreated)
			r = keep(ta.call("POST", "/api/identity/person/submit", a.Access, nil))
			if r.JSON(t)["state"] != "resubmitted" {
				t.Fatalf("resubmit: %s", r.Body)
			}
			r = keep(ta.call("POST", "/api/operator/identity/persons/"+vid+"/approve", ops, nil))
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["state"] != "approved" {
				t.Fatalf("approve: %s", r.Body)
			}
			r = keep(ta.call("GET", "/api/operator/identity/persons/"+vid, ops, nil))
			if h := string(r.Body); !strings.Contains(h, "identity.person.rejected") || !strings.Contains(h, "photo is blurred") {
				t.Fatalf("history lost the rejection: %s", r.Body)
			}
			// The person sees each submission and decision, the earlier
			// rejection's reason included, but not who reviewed it.
			r = keep(ta.call("GET", "/api/identity/person/history", a.Access, nil))
			mustStatus(t, r, http.StatusOK)
			var steps []map[string]any
			if err := json.Unmarshal(r.Body, &steps); err != nil {
				t.Fatalf("%v: %s", err, r.Body)
			}
			var got []string
			for _, st := range steps {
				got = append(got, st["state"].(string))
			}
			if strings.Join(got, ",") != "submitted,rejected,resubmitted,approved" || steps[1]["reason"] != "photo is blurred" ||
				strings.Contains(string(r.Body), "person:") || strings.Contains(string(r.Body), `"ip"`) {
				t.Fatalf("person's history: %s", r.Body)
			}

			// Person, HTTP check: a member verifies at once.
			memberToken, _ := ta.invite(a, "member@example.com", "member")
			r = keep(ta.savePerson(memberToken, sms, "韩梅梅", idMember, "http"))
			mustStatus(t, r, http.StatusOK)
			r = keep(ta.call("POST", "/api/identity/person/submit", memberToken, nil))
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["state"] != "approved" {
				t.Fatalf("http check: %s", r.Body)
			}

			// Organisation, review.
			org := map[string]any{"name": "示例科技有限公司", "uscc": usccOrgA, "legal_rep_name": "李雷", "legal_rep_id_number": idOwnerA}
			mustStatus(t, ta.call("PUT", "/api/identity/organisation", memberToken, org), http.StatusForbidden)
			r = keep(ta.call("PUT", "/api/identity/organisation", a.Access, org))
			mustStatus(t, r, http.StatusOK)
			oid := r.JSON(t)["id"].(string)
			r = keep(ta.upload("/api/identity/organisation/documents", a.Access, "authorisation", []byte("just some words, not a letter")))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "unsupported_type") {
				t.Fatalf("text letter: %d %s", r.Status, r.Body)
			}
			mustStatus(t, keep(ta.upload("/api/identity/organisation/documents", a.Access, "authorisation", letterPDF)), http.StatusCreated)
			r = keep(ta.call("GET", "/api/identity/organisation/history", a.Access, nil))
			if mustStatus(t, r, http.StatusOK); string(r.Body) != "[]" {
				t.Fatalf("a draft has no steps yet: %s", r.Body)
			}
			mustStatus(t, keep(ta.call("POST", "/api/identity/organisation/submit", a.Access, nil)), http.StatusOK)
			r = keep(ta.call("GET", "/api/operator/identity/organisations/"+oid, ops, nil))
			mustStatus(t, r, http.StatusOK)
			mustStatus(t, keep(ta.call("POST", "/api/operator/identity/organisations/"+oid+"/reject", ops, map[string]any{"reason": "letter unsigned"})), http.StatusOK)
			mustStatus(t, keep(ta.call("POST", "/api/identity/organisation/submit", a.Access, nil)), http.StatusOK)
			mustStatus(t, keep(ta.call("POST", "/api/operator/identity/organisations/"+oid+"/approve", ops, nil)), http.StatusOK)
			r = keep(ta.call("GET", "/api/identity/organisation", memberToken, nil))
			if r.JSON(t)["state"] != "approved" {
				t.Fatalf("org review: %s", r.Body)
			}
			// Every member reads the company's steps, the rejection's reason
			// included, but not who reviewed it.
			r = keep(ta.call("GET", "/api/identity/organisation/history", memberToken, nil))
			mustStatus(t, r, http.StatusOK)
			var orgSteps []map[string]any
			if err := json.Unmarshal(r.Body, &orgSteps); err != nil {
				t.Fatalf("%v: %s", err, r.Body)
			}
			var orgGot []string
			for _, st := range orgSteps {
				orgGot = append(orgGot, st["state"].(string))
			}
			if strings.Join(orgGot, ",") != "submitted,rejected,resubmitted,approved" || orgSteps[1]["reason"] != "letter unsigned" || strings.Contains(string(r.Body), "person:") {
				t.Fatalf("organisation's history: %s", r.Body)
			}

			// Organisation, micro-deposit: tenant B. Its owner cannot claim
			// an ID number already verified for someone else.
			b := ta.signUp("乙方有限公司", "owner-b@example.com")
			mustStatus(t, keep(ta.savePerson(b.Access, sms, "李雷", idOwnerA, "http")), http.StatusConflict)
			mustStatus(t, keep(ta.savePerson(b.Access, sms, "王芳", idOwnerB, "http")), http.StatusOK)
			r = keep(ta.call("POST", "/api/identity/person/submit", b.Access, nil))
			if r.JSON(t)["state"] != "approved" {
				t.Fatalf("owner B: %s", r.Body)
			}
			r = keep(ta.call("PUT", "/api/identity/organisation", b.Access, map[string]any{"name": "乙方有限公司", "uscc": usccOrgB,
				"legal_rep_name": "王芳", "legal_rep_id_number": idOwnerB, "method": "deposit", "bank_name": "示例银行", "bank_account": bankAccount}))
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["bank_account"] != "************7890" {
				t.Fatalf("bank account not masked: %s", r.Body)
			}
			mustStatus(t, keep(ta.upload("/api/identity/organisation/documents", b.Access, "authorisation", pngBytes(t))), http.StatusCreated)
			mustStatus(t, keep(ta.call("POST", "/api/identity/organisation/submit", b.Access, nil)), http.StatusOK)
			mustStatus(t, ta.call("POST", "/api/identity/organisation/deposit", b.Access, map[string]any{"amount": "0.01"}), http.StatusConflict) // not sent yet
			r = ta.call("GET", "/api/operator/identity/payouts", ops, nil)
			mustStatus(t, r, http.StatusOK)
			var list []map[string]any
			if err := json.Unmarshal(r.Body, &list); err != nil || len(list) != 1 || list[0]["account"] != bankAccount {
				t.Fatalf("payouts: %v %s", err, r.Body)
			}
			amount := list[0]["amount"].(string)
			mustStatus(t, ta.call("POST", "/api/operator/identity/payouts/"+list[0]["id"].(string)+"/sent", ops, map[string]any{"reference": "BANK-1"}), http.StatusOK)
			fen, _ := identity.ParseFen(amount)
			r = keep(ta.call("POST", "/api/identity/organisation/deposit", b.Access, map[string]any{"amount": identity.FormatFen(fen%99 + 1)}))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "deposit_mismatch") {
				t.Fatalf("wrong amount: %d %s", r.Status, r.Body)
			}
			r = keep(ta.call("POST", "/api/identity/organisation/deposit", b.Access, map[string]any{"amount": amount}))
			mustStatus(t, r, http.StatusOK)
			if r.JSON(t)["state"] != "approved" {
				t.Fatalf("deposit: %s", r.Body)
			}

			// Certificates verify with OpenSSL.
			checkWithOpenSSL(t, ta, a.Access, "/api/identity/person/certificate")
			checkWithOpenSSL(t, ta, a.Access, "/api/identity/organisation/certificate")
			checkWithOpenSSL(t, ta, b.Access, "/api/identity/organisation/certificate")
			checkWithOpenSSL(t, ta, memberToken, "/api/identity/person/certificate")

			// Revocation reaches the CRL.
			r = ta.call("GET", "/api/identity/person/certificate?alg=ecdsa", a.Access, nil)
			blk, _ := pem.Decode(r.Body)
			cert, err := smx509.ParseCertificate(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, ta.call("POST", "/api/operator/identity/persons/"+vid+"/revoke", ops, map[string]any{"reason": "fraud report"}), http.StatusOK)
			mustStatus(t, ta.call("GET", "/api/identity/person/certificate?alg=ecdsa", a.Access, nil), http.StatusNotFound)
			r = ta.call("GET", "/pki/crl?alg=ecdsa", "", nil)
			mustStatus(t, r, http.StatusOK)
			crl, err := smx509.ParseRevocationList(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range crl.RevokedCertificateEntries {
				found = found || e.SerialNumber.Cmp(cert.SerialNumber) == 0
			}
			if !found {
				t.Fatal("revoked certificate missing from the CRL")
			}

			// Nothing unmasked in any identity answer, nor in the SMS log.
			sms.mu.Lock()
			bodies = append(bodies, sms.buf.String())
			sms.mu.Unlock()
			for _, body := range bodies {
				for _, secret := range []string{idOwnerA, idMember, idOwnerB, mobileRaw, bankAccount} {
					if strings.Contains(body, secret) {
						t.Fatalf("%q appears unmasked in %s", secret, body)
					}
				}
			}
		})
	}
}

// checkWithOpenSSL fetches /pki/ca and a party certificate per algorithm
// and verifies the chain with openssl. OpenSSL 3.0 applies the SM2
// distinguishing ID only to the certificate being verified, so the SM2
// chain is checked one link per command.
func checkWithOpenSSL(t *testing.T, ta *testApp, token, certPath string) {
	t.Helper()
	testenv.Tool(t, "openssl")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command("openssl", args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, alg := range []string{"sm2", "ecdsa"} {
		r := ta.call("GET", "/pki/ca?alg="+alg, "", nil)
		mustStatus(t, r, http.StatusOK)
		issuingBlock, rest := pem.Decode(r.Body)
		rootBlock, _ := pem.Decode(rest)
		if issuingBlock == nil || rootBlock == nil {
			t.Fatalf("/pki/ca?alg=%s: %s", alg, r.Body)
		}
		issuing := write(alg+"-issuing.pem", pem.EncodeToMemory(issuingBlock))
		root := write(alg+"-root.pem", pem.EncodeToMemory(rootBlock))
		r = ta.call("GET", certPath+"?alg="+alg, token, nil)
		mustStatus(t, r, http.StatusOK)
		leaf := write(alg+"-leaf.pem", r.Body)
		if alg == "sm2" {
			const distID = "distid:1234567812345678"
			run("verify", "-vfyopt", distID, "-CAfile", root, issuing)
			run("verify", "-vfyopt", distID, "-partial_chain", "-CAfile", issuing, leaf)
		} else {
			run("verify", "-CAfile", root, "-untrusted", issuing, leaf)
		}
	}
}
