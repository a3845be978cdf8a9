package app

import (
	"net/http"
	"testing"
	"time"
)

// TestAutoStampNeedsContractsWrite: an API key with only seals:use (a
// stamp-batch key) cannot complete an inbox contract by auto-stamp.
func TestAutoStampNeedsContractsWrite(t *testing.T) {
	ta := newTestApp(t)
	sms := ta.inbox()
	ops := ta.operatorToken()
	b, seal := ta.verifiedOrgWithSeal(ops, sms, "丙方贸易有限公司", "owner-c@example.com", "韩梅梅", idOwnerB, "13800000003", usccOrgB)
	r := ta.call("POST", "/api/api-keys", b.Access, map[string]any{"name": "stamp batches only", "scopes": []string{"seals:use"}})
	mustStatus(t, r, http.StatusCreated)
	key, keyID := r.JSON(t)["secret"].(string), r.JSON(t)["id"].(string)
	mustStatus(t, ta.call("POST", "/api/seals/"+seal+"/authorisations", b.Access, map[string]any{"api_key_id": keyID, "auto_stamp": true, "valid_until": time.Now().Add(time.Hour)}), http.StatusCreated)

	a := ta.signUp("甲方", "owner-a@example.com")
	r = ta.uploadFile(a.Access, "c.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/contracts", a.Access, map[string]any{"title": "采购", "document_ids": []string{fileID}, "send": true,
		"parties": []any{map[string]any{"kind": "organization", "org_name": "丙方贸易有限公司", "org_uscc": usccOrgB, "auto_stamp": true,
			"fields": []any{map[string]any{"kind": "seal", "document": 0, "page": 2, "x": 200, "y": 120}}}}})
	mustStatus(t, r, http.StatusCreated)
	k := r.JSON(t)
	party := k["parties"].([]any)[0].(map[string]any)["id"].(string)

	read := ta.call("GET", "/api/inbox/"+party, key, nil)
	sign := ta.call("POST", "/api/inbox/"+party+"/sign", key, map[string]any{"seal_id": seal, "code": "000000"})
	auto := ta.call("POST", "/api/inbox/"+party+"/auto-stamp", key, map[string]any{"seal_id": seal})
	st := ta.call("GET", "/api/contracts/"+k["id"].(string), a.Access, nil).JSON(t)["state"]
	t.Logf("seals:use-only key: read inbox %d, sign %d, auto-stamp %d; contract now %v", read.Status, sign.Status, auto.Status, st)
	if read.Status == http.StatusForbidden && auto.Status == http.StatusOK {
		t.Fatalf("a key without contracts:read or contracts:write completed the contract (%v)", st)
	}
}
