package tenants_test

import (
	"testing"

	"signet/tenants"
)

func TestCheckSMSSignature(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"甲方科技", true},
		{"Signet", true},
		{"签名", true},
		{"十二个字的公司签名正好十", true},
		{"甲", false},
		{"十三个字的公司签名正好十三", false},
		{"【甲方】", false},
		{"甲方[科技]", false},
		{"甲方（科技）", false},
		{"甲方《科技》", false},
		{" 甲方", false},
		{"甲方\n科技", false},
		{"", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if err := tenants.CheckSMSSignature(tc.in); (err == nil) != tc.ok {
				t.Fatalf("CheckSMSSignature(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}
