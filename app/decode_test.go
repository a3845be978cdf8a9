package app

import (
	"net/http"
	"strings"
	"testing"
)

// TestDecodeFieldErrors: a JSON body with a value of the wrong type is a
// field error on that field, and no answer names a Go type
// (createContractRequest.title of type string).
func TestDecodeFieldErrors(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.signUp("解码测试有限公司", "decode@example.com")
	for _, tc := range []struct {
		name, path, token, body string
		status                  int
		field, code             string
	}{
		{"WrongType", "/api/contracts", owner.Access, `{"title": 5}`, http.StatusUnprocessableEntity, "title", "wrong_type"},
		{"WrongTypeNested", "/api/contracts", owner.Access, `{"title":"t","parties":[{"name":7}]}`, http.StatusUnprocessableEntity, "parties.name", "wrong_type"},
		{"UnknownField", "/api/signup", "", `{"company_nme":"x"}`, http.StatusBadRequest, "", ""},
		{"Syntax", "/api/signup", "", `{"company_name": }`, http.StatusBadRequest, "", ""},
		{"NotAnObject", "/api/signup", "", `[1,2]`, http.StatusBadRequest, "", ""},
		{"Empty", "/api/signup", "", ``, http.StatusBadRequest, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ta.call("POST", tc.path, tc.token, tc.body)
			mustStatus(t, r, tc.status)
			body := string(r.Body)
			for _, leak := range []string{"Request.", "Request ", "app.", "of type", "Go ", "json:"} {
				if strings.Contains(body, leak) {
					t.Fatalf("the answer shows %q: %s", leak, body)
				}
			}
			if tc.code == "" {
				wantCode(t, r, "malformed_json")
				return
			}
			wantCode(t, r, "validation_failed")
			errs, _ := r.JSON(t)["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors: %s", body)
			}
			fe := errs[0].(map[string]any)
			if fe["field"] != tc.field || fe["code"] != tc.code {
				t.Fatalf("field error %v, want %s/%s", fe, tc.field, tc.code)
			}
		})
	}
}
