package seals_test

import (
	"errors"
	"strings"
	"testing"

	"signet/internal/ids"
	"signet/notify"
	"signet/seals"
	"signet/tenants"
)

// sentSince sends what the outbox holds and returns the SMS sent after the
// first mark ones.
func (e *env) sentSince(t *testing.T, mark int) []notify.SMS {
	t.Helper()
	if _, err := e.outbox.Dispatch(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e.sms.Sent()[mark:]
}

// person gives an actor an account with a name and a mobile.
func (e *env) person(t *testing.T, a seals.Actor, name, mobile string) {
	t.Helper()
	p := tenants.Person{ID: a.Principal.PersonID, Email: a.Principal.PersonID + "@example.com", Name: name, Mobile: mobile, PasswordHash: "-"}
	if err := e.db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
}

// TestApprovalRequestSent: a use that needs approval asks whoever decides
// it, once per request, by SMS naming the seal and what it is for.
func TestApprovalRequestSent(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		s := e.sealIn(t, seals.StateActive)
		zs, _ := e.svc.Authorisations(e.ctx, s.ID)
		for _, z := range zs {
			if err := e.svc.Deauthorise(e.ctx, e.owner, s.ID, z.ID); err != nil {
				t.Fatal(err)
			}
		}
		e.authoriseMember(t, s.ID, func(z *seals.Authorisation) { z.RequireApproval = true })
		keeper := seals.Actor{Principal: tenants.Principal{PersonID: ids.New(), TenantID: e.tenant, Role: tenants.RoleMember}}
		e.person(t, keeper, "韩梅梅", "+8613900001111")
		e.person(t, e.owner, "李雷", "+8613900002222")
		e.person(t, e.member, "王小明", "+8613900003333")
		for _, p := range []seals.Actor{keeper, e.owner, e.member} {
			m := tenants.Membership{ID: ids.New(), PersonID: p.Principal.PersonID, Role: p.Principal.Role}
			if err := e.db.WithContext(e.ctx).Create(&m).Error; err != nil {
				t.Fatal(err)
			}
		}
		use := func(purpose, digest string) {
			t.Helper()
			_, err := e.svc.Use(e.ctx, seals.UseRequest{SealID: s.ID, Actor: e.member, PIN: "246810", Purpose: purpose, DocumentDigest: digest})
			if !errors.Is(err, seals.ErrApprovalPending) {
				t.Fatalf("use: %v", err)
			}
		}
		check := func(body string, want ...string) {
			t.Helper()
			if !strings.HasPrefix(body, "【") {
				t.Fatalf("no signature: %q", body)
			}
			for _, w := range append(want, s.Name, "王小明", "https://sign.example.com/app/seals/"+s.ID+"/approvals") {
				if !strings.Contains(body, w) {
					t.Fatalf("request %q lacks %q", body, w)
				}
			}
		}

		t.Run("NoCustodianAsksTheOwners", func(t *testing.T) {
			mark := len(e.sms.Sent())
			use("季度报表", "aa01")
			got := e.sentSince(t, mark)
			if len(got) != 1 || got[0].To != "+8613900002222" {
				t.Fatalf("want one SMS to the owner, got %+v", got)
			}
			check(got[0].Body, "《季度报表》")
		})
		t.Run("CustodianAskedOnce", func(t *testing.T) {
			if _, err := e.svc.SetCustodian(e.ctx, e.owner, s.ID, keeper.Principal.PersonID); err != nil {
				t.Fatal(err)
			}
			mark := len(e.sms.Sent())
			use("contract 0190a0a0 《采购合同》", "bb02")
			got := e.sentSince(t, mark)
			if len(got) != 1 || got[0].To != "+8613900001111" {
				t.Fatalf("want one SMS to the custodian, got %+v", got)
			}
			check(got[0].Body, "《采购合同》")
			if strings.Contains(got[0].Body, "0190a0a0") {
				t.Fatalf("request %q quotes the whole purpose", got[0].Body)
			}
			// Trying again while the request waits asks nobody again.
			mark = len(e.sms.Sent())
			use("contract 0190a0a0 《采购合同》", "bb02")
			if got := e.sentSince(t, mark); len(got) != 0 {
				t.Fatalf("asked again: %+v", got)
			}
		})
	})
}
