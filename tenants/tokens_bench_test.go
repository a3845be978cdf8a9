package tenants_test

import (
	"context"
	"testing"
	"time"

	"signet/tenants"
)

// BenchmarkTokenParse is the cost every authenticated request pays.
func BenchmarkTokenParse(b *testing.B) {
	clk := &clock{t: time.Now().UTC()}
	ti, _ := newIssuerTB(b, clk)
	tok, _, err := ti.Issue(tenants.Principal{PersonID: "p", TenantID: "t", Role: tenants.RoleMember, SessionID: "s"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ti.Parse(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
