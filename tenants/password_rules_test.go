package tenants_test

import (
	"context"
	"testing"

	"signet/internal/dbtest"
	"signet/tenants"
)

// TestPasswordRules: sign-up refuses short, long, common and email-bearing
// passwords with stable field codes, and takes ordinary long ones.
func TestPasswordRules(t *testing.T) {
	s := tenants.NewService(dbtest.MustOpenSQLite(t).DB, tenants.Options{Password: fastHash})
	long := make([]byte, tenants.MaxPasswordLen+1)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	cases := []struct {
		name, email, password, code string
	}{
		{"OK", "li.lei@example.com", "correct horse battery", ""},
		{"OKPassphrase", "wang@example.com", "我的印章放在第三个抽屉", ""},
		{"TooShort", "li@example.com", "abc12345", "too_short"},
		{"TooLong", "li@example.com", string(long), "too_long"},
		{"Common", "li@example.com", "1234567890", "common"},
		{"CommonAnyCase", "li@example.com", "QwertyUIOP", "common"},
		{"CommonWithTail", "li@example.com", "iloveyou2024!", "common"},
		{"CommonChinese", "li@example.com", "woaini1314", "common"},
		{"FewCharacters", "li@example.com", "abababababab", "common"},
		{"EqualsEmail", "lilei@example.com", "lilei@example.com", "contains_email"},
		{"ContainsEmail", "lilei@example.com", "LILEI@example.com!", "contains_email"},
		{"ContainsName", "zhangwei88@example.com", "my Zhangwei88 secret", "contains_email"},
		{"ShortNameIgnored", "li@example.com", "lightning over li river", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.SignUp(context.Background(), tenants.SignUp{CompanyName: "C", Name: "N", Email: tc.email, Password: tc.password})
			got := fieldCodes(err)["password"]
			if got != tc.code {
				t.Fatalf("password %q for %s: code %q, want %q (err %v)", tc.password, tc.email, got, tc.code, err)
			}
		})
	}
}
