package app

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/tenants"
)

// TestTenantIsolation enumerates every route Fiber has registered and calls
// each as three principals of tenant B (owner, member, API key with every
// scope) against tenant A's objects. Routes that name an object must answer
// 404 (or 403 where a member or key hits a manager-only route); no answer may
// contain anything of A's; A's objects must be unchanged afterwards.
//
// A new route is covered automatically: if it names a path parameter or a
// request body this test has no fixture for, the test fails and says so.
func TestTenantIsolation(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mariadb"} {
		t.Run(dialect, func(t *testing.T) {
			var opts []testOpt
			if dialect == "mariadb" {
				opts = append(opts, withMariaDB(t))
			}
			testIsolation(t, newTestApp(t, opts...))
		})
	}
}

func testIsolation(t *testing.T, ta *testApp) {
	// Tenant A and its objects.
	a := ta.signUp("Tenant A 甲公司", "owner-a@example.com")
	memberTokenA, memberA := ta.invite(a, "member-a@example.com", "member")
	r := ta.call("POST", "/api/invitations", a.Access, map[string]any{"email": "pending-a@example.com", "role": "legal"})
	mustStatus(t, r, http.StatusCreated)
	invitationA := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/api-keys", a.Access, map[string]any{"name": "A's key", "scopes": []string{"members:read"}})
	mustStatus(t, r, http.StatusCreated)
	apiKeyA := r.JSON(t)["id"].(string)

	// A's identity objects: its owner verified by an operator, and its
	// organisation waiting for a micro-deposit.
	sms := ta.inbox()
	ops := ta.operatorToken()
	personVerA := ta.verifyManually(a.Access, ops, sms, "李雷", idOwnerA)
	r = ta.call("PUT", "/api/identity/organisation", a.Access, map[string]any{"name": "甲公司", "uscc": usccOrgA,
		"legal_rep_name": "李雷", "legal_rep_id_number": idOwnerA, "method": "deposit", "bank_name": "示例银行", "bank_account": bankAccount})
	mustStatus(t, r, http.StatusOK)
	orgVerA := r.JSON(t)["id"].(string)
	r = ta.upload("/api/identity/organisation/documents", a.Access, "authorisation", letterPDF)
	mustStatus(t, r, http.StatusCreated)
	documentA := r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/identity/organisation/submit", a.Access, nil), http.StatusOK)
	r = ta.call("GET", "/api/operator/identity/payouts", ops, nil)
	mustStatus(t, r, http.StatusOK)
	payoutA := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(string(r.Body))[1]

	// A's seal: its verified owner's personal name seal, usable by A's
	// member with a PIN after the custodian approves each use.
	r = ta.call("POST", "/api/seals", a.Access, map[string]any{"kind": "personal", "style": "name", "name": "李雷", "suffix": "之印"})
	mustStatus(t, r, http.StatusCreated)
	sealA := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/seals/"+sealA+"/authorisations", a.Access, map[string]any{"member_id": memberA, "require_approval": true,
		"valid_until": time.Now().Add(time.Hour)})
	mustStatus(t, r, http.StatusCreated)
	authorisationA := r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("PUT", "/api/seals/"+sealA+"/pin", memberTokenA, map[string]any{"pin": "246810"}), http.StatusNoContent)
	mustStatus(t, ta.call("POST", "/api/seals/"+sealA+"/uses", memberTokenA, map[string]any{"pin": "246810", "purpose": "A's contract", "document_digest": "a1"}), http.StatusConflict)
	r = ta.call("GET", "/api/seals/"+sealA+"/approvals", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	approvalA := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(string(r.Body))[1]

	// A's webhook endpoint and the delivery of a test event to it.
	r = ta.call("POST", "/api/webhooks", a.Access, map[string]any{"url": "https://hooks.example.com/tenant-a", "events": []string{"contract.*"}})
	mustStatus(t, r, http.StatusCreated)
	webhookA := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/webhooks/"+webhookA+"/test", a.Access, nil)
	mustStatus(t, r, http.StatusAccepted)
	deliveryA := r.JSON(t)["id"].(string)

	// A's contract, sent to an individual and to A's own organisation.
	r = ta.uploadFile(a.Access, "合同.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileA := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "甲的秘密合同", "document_ids": []string{fileA}, "send": true,
		"parties": []any{
			map[string]any{"kind": "person", "name": "王五", "mobile": "13800000002", "fields": []any{map[string]any{"kind": "signature", "document": 0, "page": 1, "x": 100, "y": 100}}},
			map[string]any{"kind": "organization", "org_name": "甲公司", "org_uscc": usccOrgA, "fields": []any{map[string]any{"kind": "seal", "document": 0, "page": 2, "x": 100, "y": 100}}},
		}})
	mustStatus(t, r, http.StatusCreated)
	contractA := r.JSON(t)["id"].(string)
	codeA := r.JSON(t)["verify_code"].(string)
	partyA := r.JSON(t)["parties"].([]any)[0].(map[string]any)["id"].(string)
	tokenA := sms.lastLink(t)
	r = ta.call("GET", "/api/contracts/"+contractA+"/revisions", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	revisionA := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(string(r.Body))[1]

	r = ta.createTemplate(a.Access, "甲的模板", contractPDF(), templateSpec())
	mustStatus(t, r, http.StatusCreated)
	templateA := r.JSON(t)["id"].(string)

	r = ta.stampBatch(a.Access, sealA, contractPDF())
	mustStatus(t, r, http.StatusAccepted)
	batchA := r.JSON(t)["id"].(string)

	// A's bulk evidence export (of a contract not yet completed: it fails it).
	r = ta.call("POST", "/api/evidence/exports", a.Access, map[string]any{"contract_ids": []string{contractA}})
	mustStatus(t, r, http.StatusAccepted)
	exportA := r.JSON(t)["id"].(string)

	// Path parameters resolve to A's objects.
	params := map[string]string{
		"sealID":               sealA,
		"authorisationID":      authorisationA,
		"approvalID":           approvalA,
		"personID":             a.OwnerID,
		"memberID":             memberA,
		"invitationID":         invitationA,
		"apiKeyID":             apiKeyA,
		"personVerificationID": personVerA,
		"orgVerificationID":    orgVerA,
		"documentID":           documentA,
		"payoutID":             payoutA,
		"webhookID":            webhookA,
		"deliveryID":           deliveryA,
		"fileID":               fileA,
		"contractID":           contractA,
		"revisionID":           revisionA,
		"tenantID":             a.TenantID,
		"partyID":              partyA,
		"token":                tokenA,
		"templateID":           templateA,
		"batchID":              batchA,
		"exportID":             exportA,
		"n":                    "1",
		"code":                 codeA,
	}
	secretsOfA := []string{a.TenantID, a.OwnerID, memberA, invitationA, apiKeyA, "owner-a@example.com", "member-a@example.com", "pending-a@example.com", "甲公司",
		personVerA, orgVerA, documentA, payoutA, idOwnerA, usccOrgA, bankAccount, sealA, authorisationA, approvalA,
		webhookA, deliveryA, "hooks.example.com/tenant-a", fileA, contractA, partyA, "甲的秘密合同", templateA, "甲的模板", batchA, exportA}

	// Tenant B's principals.
	b := ta.signUp("Tenant B", "owner-b@example.com")
	memberB, _ := ta.invite(b, "member-b@example.com", "member")
	r = ta.call("POST", "/api/api-keys", b.Access, map[string]any{"name": "B's key", "scopes": tenants.Scopes})
	mustStatus(t, r, http.StatusCreated)
	keyB := r.JSON(t)["secret"].(string)
	callers := []struct {
		name, token string
		manages     bool
	}{{"owner", b.Access, true}, {"member", memberB, false}, {"apikey", keyB, false}}

	n := 0
	samples := sampleBodies(a.TenantID, &n)
	routes := map[string]*route{}
	for _, rt := range ta.routes {
		routes[rt.Method+" "+rt.Path] = rt
	}
	covered := 0
	for _, fr := range ta.HTTP.GetRoutes(true) {
		method := fr.Method
		if method == "HEAD" || method == "OPTIONS" || method == "CONNECT" || method == "TRACE" {
			continue // HEAD mirrors GET; the others are answered by Fiber itself
		}
		if fr.Path == "/" || fr.Path == "" {
			continue // the catch-all 404 handler
		}
		rt := routes[method+" "+fr.Path]
		if rt == nil {
			t.Errorf("%s %s is registered outside router.add: it has no access rule, no OpenAPI entry and no isolation check", method, fr.Path)
			continue
		}
		path := fr.Path
		for _, p := range pathParams(fr.Path) {
			id, ok := params[p]
			if !ok {
				t.Errorf("%s %s: no fixture for path parameter :%s; add one of tenant A's objects to params", method, fr.Path, p)
				continue
			}
			path = strings.Replace(path, ":"+p, id, 1)
		}
		var body any
		if rt.Request != nil {
			mk, ok := samples[reflect.TypeOf(rt.Request)]
			if !ok {
				t.Errorf("%s %s: no sample body for %T; add one to sampleBodies", method, fr.Path, rt.Request)
				continue
			}
			body = mk()
		}
		covered++
		if fr.Path == "/api/auth/revoke-all" {
			// It names nothing of A's and ends the caller's own sessions,
			// access tokens included (TestRevokedRightsOnNextRequest): walked
			// here, it would log B out of the rest of the walk.
			continue
		}
		if strings.Contains(fr.Path, ":code") {
			// A verification code is a capability printed on the document
			// itself: whoever holds it may see the public record, from any
			// tenant or none (TestContractFlow checks what that record shows).
			continue
		}
		if rt.Access == public && strings.Contains(fr.Path, ":token") {
			// So is a signing link, texted to the signer: whoever holds it
			// may see what it is for and text a sign-in code to the number
			// it was sent to, nothing more (TestLinkSignIn checks both).
			continue
		}
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s_%s_as_%s", method, fr.Path, c.name), func(t *testing.T) {
				resp := ta.call(method, path, c.token, body)
				if resp.Status >= 500 {
					t.Fatalf("status %d: %s", resp.Status, resp.Body)
				}
				// The problem's "instance" echoes the URL the caller sent; that
				// tells them nothing they did not know.
				seen := strings.ReplaceAll(string(resp.Body), path, "")
				for _, s := range secretsOfA {
					if strings.Contains(seen, s) {
						t.Fatalf("answer leaks tenant A's %q: %s", s, resp.Body)
					}
				}
				if len(pathParams(fr.Path)) == 0 {
					return
				}
				want := http.StatusNotFound
				switch {
				case rt.Access == manager && !c.manages || rt.Access == operator:
					want = http.StatusForbidden
				case rt.Access == person && c.name == "apikey":
					want = http.StatusForbidden // API keys never act as people
				case strings.Contains(fr.Path, ":token"):
					// A signing link is a capability: B holds A's link here,
					// but is not the person it was sent to.
					want = http.StatusForbidden
				}
				if resp.Status != want {
					t.Fatalf("status %d, want %d: %s", resp.Status, want, resp.Body)
				}
			})
		}
	}
	if covered < len(ta.routes) {
		t.Errorf("covered %d of %d routes", covered, len(ta.routes))
	}

	// A's objects are untouched.
	r = ta.call("GET", "/api/members/"+memberA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["role"] != "member" {
		t.Fatalf("A's member changed: %s", r.Body)
	}
	r = ta.call("GET", "/api/invitations/"+invitationA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["status"] != "pending" {
		t.Fatalf("A's invitation changed: %s", r.Body)
	}
	r = ta.call("GET", "/api/api-keys/"+apiKeyA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["revoked_at"] != nil {
		t.Fatalf("A's key revoked by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/identity/organisation", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["state"] != "submitted" || m["deposit_attempts"] != float64(0) {
		t.Fatalf("A's organisation verification changed: %s", r.Body)
	}
	r = ta.call("GET", "/api/identity/person", a.Access, nil)
	if r.JSON(t)["state"] != "approved" {
		t.Fatalf("A's person verification changed: %s", r.Body)
	}
	r = ta.call("GET", "/api/seals/"+sealA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if r.JSON(t)["state"] != "active" {
		t.Fatalf("A's seal changed by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/seals/"+sealA+"/approvals", a.Access, nil)
	if !strings.Contains(string(r.Body), `"state":"pending"`) {
		t.Fatalf("A's pending seal use decided by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/seals/"+sealA+"/authorisations", a.Access, nil)
	if strings.Contains(string(r.Body), "revoked_at") {
		t.Fatalf("A's seal authorisation withdrawn by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/webhooks/"+webhookA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["enabled"] != true || m["url"] != "https://hooks.example.com/tenant-a" || m["old_secret_until"] != nil {
		t.Fatalf("A's webhook endpoint changed by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/webhooks/"+webhookA+"/deliveries", a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if n := strings.Count(string(r.Body), `"event_type":"webhook.test"`); n != 1 {
		t.Fatalf("A's deliveries changed by B (%d test deliveries): %s", n, r.Body)
	}
	r = ta.call("GET", "/api/contracts/"+contractA, a.Access, nil)
	mustStatus(t, r, http.StatusOK)
	if m := r.JSON(t); m["state"] != "in_progress" || m["extensions"] != float64(0) {
		t.Fatalf("A's contract changed by B: %s", r.Body)
	}
	if strings.Contains(string(r.Body), `"reminders":1`) || strings.Contains(string(r.Body), `"state":"rejected"`) {
		t.Fatalf("A's signer touched by B: %s", r.Body)
	}
	r = ta.call("GET", "/api/tenant", a.Access, nil)
	if r.JSON(t)["name"] != "Tenant A 甲公司" {
		t.Fatalf("A's tenant renamed by B: %s", r.Body)
	}
}

// sampleBodies gives a valid request body for every request DTO, aimed at
// tenant A where a body can name a tenant.
func sampleBodies(tenantA string, n *int) map[reflect.Type]func() any {
	uniq := func(prefix string) string { *n++; return fmt.Sprintf("%s-%d@example.com", prefix, *n) }
	return map[reflect.Type]func() any{
		reflect.TypeOf(signUpRequest{}): func() any {
			return signUpRequest{CompanyName: "Probe", Name: "Probe", Email: uniq("probe"), Password: "correct horse battery"}
		},
		reflect.TypeOf(loginRequest{}): func() any {
			return loginRequest{Email: "owner-b@example.com", Password: "correct horse battery", TenantID: tenantA}
		},
		reflect.TypeOf(refreshRequest{}):           func() any { return refreshRequest{RefreshToken: "srt_not-a-real-token"} },
		reflect.TypeOf(updateTenantRequest{}):      func() any { n := "Renamed by probe"; return updateTenantRequest{Name: &n} },
		reflect.TypeOf(setRoleRequest{}):           func() any { return setRoleRequest{Role: "admin"} },
		reflect.TypeOf(inviteRequest{}):            func() any { return inviteRequest{Email: uniq("invitee"), Role: "member"} },
		reflect.TypeOf(acceptInvitationRequest{}):  func() any { return acceptInvitationRequest{Token: "sit_not-a-real-token", Password: "x"} },
		reflect.TypeOf(previewInvitationRequest{}): func() any { return previewInvitationRequest{Token: "sit_not-a-real-token"} },
		reflect.TypeOf(setCustodianRequest{}):      func() any { return setCustodianRequest{PersonID: ""} },
		reflect.TypeOf(createAPIKeyRequest{}):      func() any { return createAPIKeyRequest{Name: "probe", Scopes: []string{"members:read"}} },
		reflect.TypeOf(mobileCodeRequest{}):        func() any { return mobileCodeRequest{Mobile: "13912345678"} },
		reflect.TypeOf(savePersonRequest{}): func() any {
			return savePersonRequest{Name: "Probe", IDNumber: idOwnerA, Mobile: "13912345678", Code: "123456"}
		},
		reflect.TypeOf(saveOrgRequest{}): func() any {
			return saveOrgRequest{Name: "Probe", USCC: usccOrgA, LegalRepName: "Probe", LegalRepIDNumber: idOwnerA}
		},
		reflect.TypeOf(confirmDepositRequest{}): func() any { return confirmDepositRequest{Amount: "0.42"} },
		reflect.TypeOf(decisionRequest{}):       func() any { return decisionRequest{Reason: "probe"} },
		reflect.TypeOf(payoutSentRequest{}):     func() any { return payoutSentRequest{Reference: "probe"} },
		reflect.TypeOf(sealDesignRequest{}): func() any {
			return sealDesignRequest{Kind: "personal", Style: "name", Name: "韩梅梅"}
		},
		reflect.TypeOf(signatureRequest{}):  func() any { return signatureRequest{Default: true} },
		reflect.TypeOf(sealReasonRequest{}): func() any { return sealReasonRequest{Reason: "probe"} },
		reflect.TypeOf(authoriseRequest{}): func() any {
			return authoriseRequest{Role: "member", AutoStamp: true, ValidUntil: time.Now().Add(time.Hour)}
		},
		reflect.TypeOf(createWebhookRequest{}): func() any {
			return createWebhookRequest{URL: "https://probe.example.com/hook", Events: []string{"*"}}
		},
		reflect.TypeOf(updateWebhookRequest{}): func() any {
			disabled := false
			return updateWebhookRequest{URL: ptr("https://probe.example.com/moved"), Events: []string{"seal.*"}, Enabled: &disabled}
		},
		reflect.TypeOf(rotateWebhookSecretRequest{}): func() any { return rotateWebhookSecretRequest{GraceSeconds: ptr(60)} },
		reflect.TypeOf(sealPINRequest{}):             func() any { return sealPINRequest{PIN: "135790"} },
		reflect.TypeOf(createContractRequest{}): func() any {
			return createContractRequest{Title: "probe", DocumentIDs: []string{"01a20000-0000-7000-8000-000000000000"}}
		},
		reflect.TypeOf(fromTemplateRequest{}): func() any {
			return fromTemplateRequest{Parties: map[string]templatePartyRequest{"乙方": {Name: "probe", Mobile: "13900000000"}}}
		},
		reflect.TypeOf(extendRequest{}):         func() any { return extendRequest{Days: 3} },
		reflect.TypeOf(reasonRequest{}):         func() any { return reasonRequest{Reason: "probe"} },
		reflect.TypeOf(smsLoginCodeRequest{}):   func() any { return smsLoginCodeRequest{Mobile: "13912345678"} },
		reflect.TypeOf(smsLoginRequest{}):       func() any { return smsLoginRequest{Mobile: "13912345678", Code: "123456", Name: "probe"} },
		reflect.TypeOf(linkLoginRequest{}):      func() any { return linkLoginRequest{Code: "123456"} },
		reflect.TypeOf(typedSignatureRequest{}): func() any { return typedSignatureRequest{} },
		reflect.TypeOf(demoRequest{}):           func() any { return demoRequest{} },
		reflect.TypeOf(markRequest{}):           func() any { return markRequest{SignaturePNG: []byte("\x89PNG")} },
		reflect.TypeOf(signRequest{}):           func() any { return signRequest{SignaturePNG: []byte("\x89PNG"), Code: "123456"} },
		reflect.TypeOf(autoStampRequest{}):      func() any { return autoStampRequest{SealID: "01a20000-0000-7000-8000-000000000000"} },
		reflect.TypeOf(createEvidenceExportRequest{}): func() any {
			return createEvidenceExportRequest{ContractIDs: []string{"01a20000-0000-7000-8000-000000000000"}}
		},
		reflect.TypeOf(sealUseRequest{}): func() any {
			return sealUseRequest{PIN: "246810", Purpose: "probe", DocumentDigest: "b2", AutoStamp: true}
		},
	}
}
