package app

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// TestLoginAnswersTellNobody (security suite): failed logins for an email
// with an account and for one without get the same status, code, body
// shape and headers, attempt after attempt, lock included.
func TestLoginAnswersTellNobody(t *testing.T) {
	ta := newTestApp(t)
	ta.signUp("Known", "known@tell.test")
	shape := func(email string) []string {
		var out []string
		for i := 0; i < 7; i++ {
			r := ta.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": "wrong password!"})
			m := r.JSON(t)
			var keys []string
			for k := range m {
				if k != "request_id" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			detail, _ := m["detail"].(string)
			detail, _, _ = strings.Cut(detail, " after ") // the lock's end time differs by a moment
			out = append(out, fmt.Sprintf("%d %v %v %q retry-after:%t", r.Status, m["code"], keys, detail, r.Header.Get("Retry-After") != ""))
		}
		return out
	}
	known, unknown := shape("known@tell.test"), shape("unknown@tell.test")
	for i := range known {
		if known[i] != unknown[i] {
			t.Fatalf("attempt %d differs:\nknown   %s\nunknown %s", i+1, known[i], unknown[i])
		}
	}
	if !strings.HasPrefix(known[4], "429 login_locked") || !strings.HasPrefix(known[3], "401 invalid_credentials") {
		t.Fatalf("answers: %q", known)
	}
}

// TestSignUpRefusesCommonPasswords: the password rules reach the API as
// field errors with stable codes.
func TestSignUpRefusesCommonPasswords(t *testing.T) {
	ta := newTestApp(t)
	for pw, code := range map[string]string{"1234567890": "common", "qwertyuiop": "common", "li.lei@example.com": "contains_email"} {
		r := ta.call("POST", "/api/signup", "", map[string]any{"company_name": "C", "name": "Li Lei", "email": "li.lei@example.com", "password": pw})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `{"field":"password","code":"`+code+`"`) {
			t.Fatalf("password %q: %s", pw, r.Body)
		}
	}
}
