package contracts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"signet/contracts"
	"signet/tenants"
)

// bodiesTo returns the SMS bodies sent to mobile so far, oldest first.
func (e *env) bodiesTo(t testing.TB, mobile string) []string {
	t.Helper()
	var out []string
	for _, m := range e.sent(t) {
		if m.To == mobile {
			out = append(out, m.Body)
		}
	}
	return out
}

// TestNotices: signers hear of their turn, of the deadline 24 hours ahead
// (once per deadline), and of how the contract ended; an organisation's
// contact gets a link that shows the contract but does not sign it.
func TestNotices(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		m1, m2 := "+8613800000001", "+8613800000002"
		doc := e.upload(t, twoPages())
		c, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "通知合同", DocumentIDs: []string{doc.ID}, DeadlineDays: 3,
			Parties: []contracts.PartySpec{personSigner(1, 1), personSigner(2, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
			t.Fatal(err)
		}
		if b := e.bodiesTo(t, m1); len(b) != 1 || !strings.HasPrefix(b[0], "【Signet】甲公司邀请您签署《通知合同》") {
			t.Fatalf("invitation: %q", b)
		}

		// The deadline warning: none early, one inside the last 24 hours,
		// not twice; again after an extension brings the deadline close
		// once more.
		if n, err := e.svc.SendDeadlineWarnings(e.ctx); err != nil || n != 0 {
			t.Fatalf("early warnings: %d %v", n, err)
		}
		e.advance(2*24*time.Hour + time.Hour)
		if n, err := e.svc.SendDeadlineWarnings(e.ctx); err != nil || n != 2 {
			t.Fatalf("warnings: %d %v, want 2", n, err)
		}
		if n, _ := e.svc.SendDeadlineWarnings(e.ctx); n != 0 {
			t.Fatalf("warned twice: %d", n)
		}
		if b := e.bodiesTo(t, m2); len(b) != 2 || !strings.Contains(b[1], "截止签署") {
			t.Fatalf("warning SMS: %q", b)
		}
		if _, err := e.svc.Extend(e.ctx, e.actor, c.ID, 2); err != nil {
			t.Fatal(err)
		}
		e.advance(2 * 24 * time.Hour)
		if n, err := e.svc.SendDeadlineWarnings(e.ctx); err != nil || n != 2 {
			t.Fatalf("warnings after an extension: %d %v, want 2", n, err)
		}

		// A rejection tells the other signer, with the reason; not the one
		// who rejected.
		acc := e.open(t, m1)
		if _, err := e.svc.Reject(acc, actorOf(acc), "金额有误"); err != nil {
			t.Fatal(err)
		}
		last := func(m string) string { b := e.bodiesTo(t, m); return b[len(b)-1] }
		if got := last(m2); !strings.Contains(got, "拒签") || !strings.Contains(got, "金额有误") {
			t.Fatalf("rejected notice: %q", got)
		}
		if got := last(m1); strings.Contains(got, "拒签") {
			t.Fatalf("the rejecter was told of their own rejection: %q", got)
		}

		// A revocation tells those asked to sign.
		c2, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "撤回合同", DocumentIDs: []string{e.upload(t, twoPages()).ID},
			Parties: []contracts.PartySpec{personSigner(1, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Send(e.ctx, e.actor, c2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Revoke(e.ctx, e.actor, c2.ID, "条款变更"); err != nil {
			t.Fatal(err)
		}
		if got := last(m1); !strings.Contains(got, "撤回") || !strings.Contains(got, "条款变更") {
			t.Fatalf("revoked notice: %q", got)
		}

		// An organisation's contact: a link that informs but never signs.
		org := contracts.PartySpec{Kind: contracts.Organisation, Order: 1, Name: "联系人", Mobile: "+8613800000005", OrgName: "丙方贸易有限公司",
			OrgUSCC: "91350100M000100Y43", Fields: []contracts.FieldSpec{{Kind: contracts.FieldSeal, Page: 2, X: 300, Y: 300}}}
		c3, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "企业合同", DocumentIDs: []string{e.upload(t, twoPages()).ID},
			Parties: []contracts.PartySpec{org}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Send(e.ctx, e.actor, c3.ID); err != nil {
			t.Fatal(err)
		}
		body := last("+8613800000005")
		if !strings.Contains(body, "丙方贸易有限公司") || !strings.Contains(body, "请认证后盖章") {
			t.Fatalf("org invitation: %q", body)
		}
		token := linkRE.FindStringSubmatch(body)[1]
		info, err := e.svc.LinkInfo(context.Background(), token)
		if err != nil || info.PartyKind != contracts.Organisation || info.OrgUSCC != "91350100M000100Y43" || info.PartyID == "" {
			t.Fatalf("org link info: %+v %v", info, err)
		}
		_, err = e.svc.OpenLink(context.Background(), token, contracts.Caller{Mobile: "+8613800000005",
			Actor: contracts.Actor{Principal: tenants.Principal{PersonID: "p-contact"}}})
		if !errors.Is(err, contracts.ErrNotSigner) {
			t.Fatalf("an organisation's link opened for signing: %v", err)
		}
	})
}

// TestCompletedLinks: the completion notice carries a link to the final
// documents, and the invitation's link keeps working too: signers come
// back through whichever they kept.
func TestCompletedLinks(t *testing.T) {
	e := newEnv(t, "sqlite")
	m := "+8613800000001"
	doc := e.upload(t, twoPages())
	c, err := e.svc.Create(e.ctx, e.actor, contracts.Draft{Title: "完成", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{personSigner(1, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
		t.Fatal(err)
	}
	invitation := e.links(t)[m]
	acc := e.open(t, m)
	if _, err := e.svc.Sign(acc, actorOf(acc), signWith(testSigner(t))); err != nil {
		t.Fatal(err)
	}
	b := e.bodiesTo(t, m)
	completed := linkRE.FindStringSubmatch(b[len(b)-1])
	if len(b) != 2 || !strings.Contains(b[1], "均已签署") || completed == nil || completed[1] == invitation {
		t.Fatalf("completion notice: %q", b)
	}
	for _, token := range []string{invitation, completed[1]} {
		if _, err := e.svc.OpenLink(context.Background(), token, contracts.Caller{Mobile: m,
			Actor: contracts.Actor{Principal: tenants.Principal{PersonID: "p-" + m}}}); err != nil {
			t.Fatalf("link %s… after completion: %v", token[:6], err)
		}
	}
}
