package app

import (
	"net/http"
	"testing"
)

// TestNamesRefuseControlCharacters: a name that reaches a page, a PDF or a
// log line may not carry control or text-direction characters (U+202E
// shows "invoice‮fdp.exe" reversed; CR/LF forge log lines); each is a
// field error from the domain's validation.
func TestNamesRefuseControlCharacters(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.signUp("名称测试有限公司", "names@example.com")
	r := ta.uploadFile(owner.Access, "contract.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	doc := r.JSON(t)["id"].(string)
	for _, tc := range []struct {
		name  string
		call  func() response
		field string
	}{
		{"TenantName", func() response {
			return ta.call("POST", "/api/signup", "", map[string]any{"company_name": "示例\u202e公司", "name": "Li Lei", "email": "rlo@example.com", "password": "correct horse battery"})
		}, "company_name"},
		{"PersonName", func() response {
			return ta.call("POST", "/api/signup", "", map[string]any{"company_name": "示例公司", "name": "Li\x1b[2JLei", "email": "esc@example.com", "password": "correct horse battery"})
		}, "name"},
		{"ContractTitle", func() response {
			return ta.call("POST", "/api/contracts", owner.Access, map[string]any{"title": "采购合同\r\nforged log line", "document_ids": []string{doc}})
		}, "title"},
		{"PartyName", func() response {
			return ta.call("POST", "/api/contracts", owner.Access, map[string]any{"title": "采购合同", "document_ids": []string{doc},
				"parties": []map[string]any{{"role": "signer", "kind": "person", "name": "王\u202e五", "mobile": "13800000009"}}})
		}, "parties[0].name"},
		{"FileName", func() response { return ta.uploadFile(owner.Access, "invoice\u202efdp.pdf", contractPDF()) }, "name"},
		{"SealName", func() response {
			return ta.call("POST", "/api/seals", owner.Access, map[string]any{"kind": "official", "style": "round", "name": "公章\x00"})
		}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.call()
			mustStatus(t, r, http.StatusUnprocessableEntity)
			wantCode(t, r, "validation_failed")
			errs, _ := r.JSON(t)["errors"].([]any)
			found := false
			for _, e := range errs {
				fe := e.(map[string]any)
				found = found || fe["field"] == tc.field && fe["code"] == "control_characters"
			}
			if !found {
				t.Fatalf("no control_characters error on %s: %s", tc.field, r.Body)
			}
		})
	}
}
