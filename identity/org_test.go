package identity_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/evidence"
	"signet/identity"
	"signet/pki"
	"signet/tenants"
)

const (
	usccA = "91110000600037341L"
	usccB = "91350100M000100Y43"
)

var letter = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// verifiedApplicant approves a person so they may apply for an organisation.
func (e *env) verifiedApplicant(pid, id string) {
	e.t.Helper()
	pv := e.save(pid, "经办人", id, identity.MethodManual)
	e.uploadIDs(pid)
	if _, err := e.svc.SubmitPerson(ctx, pid, applicant(pid)); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) applyOrg(tctx context.Context, pid, uscc, method string) identity.OrgVerification {
	e.t.Helper()
	in := identity.OrgApplication{Name: "示例科技有限公司", USCC: uscc, LegalRepName: "张三", LegalRepIDNumber: idAlice, Method: method}
	if method == identity.MethodDeposit {
		in.BankName, in.BankAccount = "示例银行", "6222 0212 3456 7890"
	}
	if _, err := e.svc.SaveOrg(tctx, pid, in, applicant(pid)); err != nil {
		e.t.Fatalf("save org: %v", err)
	}
	if _, err := e.svc.AddOrgDocument(tctx, identity.DocAuthorisation, letter, applicant(pid)); err != nil {
		e.t.Fatalf("upload letter: %v", err)
	}
	ov, err := e.svc.SubmitOrg(tctx, applicant(pid))
	if err != nil {
		e.t.Fatalf("submit org: %v", err)
	}
	return ov
}

func TestOrgReview(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid, tenantA = "0190a0a0-0000-7000-8000-000000000021", "0190a0a0-0000-7000-8000-0000000000aa"
		tctx := tenants.WithTenant(ctx, tenantA)
		in := identity.OrgApplication{Name: "示例科技有限公司", USCC: usccA, LegalRepName: "张三", LegalRepIDNumber: idAlice}
		if _, err := e.svc.SaveOrg(tctx, pid, in, applicant(pid)); !errors.Is(err, identity.ErrApplicantUnverified) {
			t.Fatalf("unverified applicant: %v", err)
		}
		bad := in
		bad.USCC = "91110000600037341A"
		if _, err := e.svc.SaveOrg(tctx, pid, bad, applicant(pid)); fieldCodes(err)["uscc"] != "uscc.checksum" {
			t.Fatalf("bad uscc: %v", err)
		}
		e.verifiedApplicant(pid, idBob)
		if _, err := e.svc.SaveOrg(tctx, pid, in, applicant(pid)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SubmitOrg(tctx, applicant(pid)); !errors.Is(err, identity.ErrDocumentsMissing) {
			t.Fatalf("submit without letter: %v", err)
		}
		if _, err := e.svc.AddOrgDocument(tctx, identity.DocAuthorisation, []byte("plain text"), applicant(pid)); fieldCodes(err)["file"] != "unsupported_type" {
			t.Fatalf("text letter: %v", err)
		}
		if _, err := e.svc.AddOrgDocument(tctx, identity.DocAuthorisation, letter, applicant(pid)); err != nil {
			t.Fatal(err)
		}
		ov, err := e.svc.SubmitOrg(tctx, applicant(pid))
		if err != nil || ov.State != identity.StateSubmitted {
			t.Fatal(err)
		}
		// Another tenant sees nothing of it.
		if _, err := e.svc.Organisation(tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000bb")); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("other tenant: %v", err)
		}
		if _, err := e.svc.RejectOrg(ctx, ov.ID, "letter unsigned", operator); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddOrgDocument(tctx, identity.DocAuthorisation, letter, applicant(pid)); err != nil {
			t.Fatal(err)
		}
		if ov, err = e.svc.SubmitOrg(tctx, applicant(pid)); err != nil || ov.State != identity.StateResubmitted {
			t.Fatalf("resubmit: %v %v", err, ov.State)
		}
		if ov, err = e.svc.ApproveOrg(ctx, ov.ID, operator); err != nil || ov.State != identity.StateApproved {
			t.Fatalf("approve: %v", err)
		}
		cred, err := e.ca.PartyCredential(ctx, pki.Organisation, tenantA, pki.SM2)
		if err != nil || cred.Certificate.Subject.OrganizationalUnit[0] != usccA {
			t.Fatalf("org certificate: %v", err)
		}
		evs, _ := e.svc.OrgHistory(ctx, ov)
		got := strings.Join(eventTypes(t, evs), ",")
		if !strings.Contains(got, "identity.org.rejected") || !strings.HasSuffix(got, "identity.org.approved") {
			t.Fatalf("history %s", got)
		}
		if err := evidence.VerifyChain(evidence.TenantChain(tenantA), evs); err != nil {
			t.Fatal(err)
		}
		// The same credit code cannot be verified by a second tenant.
		e.applyOrg(tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000cc"), pid, usccB, identity.MethodReview)
		if _, err := e.svc.SaveOrg(tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000dd"), pid, in, applicant(pid)); !errors.Is(err, identity.ErrDuplicate) {
			t.Fatalf("duplicate uscc: %v", err)
		}
		// Revocation.
		if ov, err = e.svc.RevokeOrg(ctx, ov.ID, "licence withdrawn", operator); err != nil || ov.State != identity.StateRevoked {
			t.Fatalf("revoke: %v", err)
		}
		if _, err := e.ca.PartyCredential(ctx, pki.Organisation, tenantA, pki.ECDSA); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("certificate after revocation: %v", err)
		}
	})
}

func TestOrgDeposit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid = "0190a0a0-0000-7000-8000-000000000031"
		e.verifiedApplicant(pid, idBob)
		tctx := tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000a1")
		e.applyOrg(tctx, pid, usccA, identity.MethodDeposit)
		if _, err := e.svc.ConfirmDeposit(tctx, "0.01", applicant(pid)); !errors.Is(err, identity.ErrDepositNotSent) {
			t.Fatalf("confirm before sending: %v", err)
		}
		payouts, err := e.svc.PendingPayouts(ctx)
		if err != nil || len(payouts) != 1 || payouts[0].Account != "6222021234567890" || payouts[0].AmountFen < 1 || payouts[0].AmountFen > 99 {
			t.Fatalf("payouts = %+v, %v", payouts, err)
		}
		p := payouts[0]
		if _, err := e.svc.RecordPayout(ctx, p.ID, "BANK-REF-1", operator); err != nil {
			t.Fatal(err)
		}
		if ps, _ := e.svc.PendingPayouts(ctx); len(ps) != 0 {
			t.Fatalf("payout still pending")
		}
		wrongAmount := identity.FormatFen(p.AmountFen%99 + 1)
		if _, err := e.svc.ConfirmDeposit(tctx, wrongAmount, applicant(pid)); !errors.Is(err, identity.ErrDepositMismatch) {
			t.Fatalf("wrong amount: %v", err)
		}
		if _, err := e.svc.ConfirmDeposit(tctx, "1.50", applicant(pid)); fieldCodes(err)["amount"] != "invalid" {
			t.Fatalf("out of range: %v", err)
		}
		ov, err := e.svc.ConfirmDeposit(tctx, identity.FormatFen(p.AmountFen), applicant(pid))
		if err != nil || ov.State != identity.StateApproved {
			t.Fatalf("right amount: %v %+v", err, ov.State)
		}

		// Three wrong amounts reject; resubmitting draws a new deposit.
		t2 := tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000a2")
		e.applyOrg(t2, pid, usccB, identity.MethodDeposit)
		ps, _ := e.svc.PendingPayouts(ctx)
		e.svc.RecordPayout(ctx, ps[0].ID, "BANK-REF-2", operator)
		wrongAmount = identity.FormatFen(ps[0].AmountFen%99 + 1)
		for i := 0; i < 2; i++ {
			if _, err := e.svc.ConfirmDeposit(t2, wrongAmount, applicant(pid)); !errors.Is(err, identity.ErrDepositMismatch) {
				t.Fatalf("wrong %d: %v", i+1, err)
			}
		}
		if _, err := e.svc.ConfirmDeposit(t2, wrongAmount, applicant(pid)); !errors.Is(err, identity.ErrDepositFailed) {
			t.Fatalf("third wrong: %v", err)
		}
		if ov, _ := e.svc.Organisation(t2); ov.State != identity.StateRejected || ov.Reason == "" {
			t.Fatalf("after three wrong amounts: %+v", ov.State)
		}
		if _, err := e.svc.ConfirmDeposit(t2, identity.FormatFen(ps[0].AmountFen), applicant(pid)); !errors.Is(err, identity.ErrState) {
			t.Fatalf("right amount after rejection: %v", err)
		}
		if _, err := e.svc.AddOrgDocument(t2, identity.DocAuthorisation, letter, applicant(pid)); err != nil {
			t.Fatal(err)
		}
		if ov, err := e.svc.SubmitOrg(t2, applicant(pid)); err != nil || ov.State != identity.StateResubmitted {
			t.Fatalf("resubmit: %v", err)
		}
		ps, _ = e.svc.PendingPayouts(ctx)
		if len(ps) != 1 {
			t.Fatalf("no new payout: %+v", ps)
		}
		e.svc.RecordPayout(ctx, ps[0].ID, "BANK-REF-3", operator)

		// Seven days later the window is closed.
		e.clock.advance(7*24*time.Hour + time.Minute)
		if _, err := e.svc.ConfirmDeposit(t2, identity.FormatFen(ps[0].AmountFen), applicant(pid)); !errors.Is(err, identity.ErrDepositFailed) {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestParseFen(t *testing.T) {
	for in, want := range map[string]int{"0.37": 37, "0.5": 50, "¥0.01": 1, " 0.99 ": 99, ".07": 7} {
		if got, ok := identity.ParseFen(in); !ok || got != want {
			t.Errorf("ParseFen(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"0.371", "abc", "-0.1", "0,37", ""} {
		if got, ok := identity.ParseFen(in); ok && in != "" {
			t.Errorf("ParseFen(%q) = %d accepted", in, got)
		}
	}
}

func TestExpireDue(t *testing.T) {
	e := newEnv(t, "sqlite", func(_ *identity.Deps, o *identity.Options) { o.Validity = time.Hour })
	const pid = "0190a0a0-0000-7000-8000-000000000041"
	e.verifiedApplicant(pid, idBob)
	if err := e.svc.ExpireDue(ctx); err != nil || mustPerson(t, e, pid).State != identity.StateApproved {
		t.Fatalf("expired early: %v", err)
	}
	e.clock.advance(2 * time.Hour)
	if err := e.svc.ExpireDue(ctx); err != nil {
		t.Fatal(err)
	}
	if st := mustPerson(t, e, pid).State; st != identity.StateExpired {
		t.Fatalf("state %s", st)
	}
	if _, err := e.ca.PartyCredential(ctx, pki.Person, pid, pki.SM2); !errors.Is(err, pki.ErrNotFound) {
		t.Fatalf("certificate after expiry: %v", err)
	}
}

// TestDepositConcurrentGuesses: amounts sent in parallel may test at most
// DepositAttempts (3) guesses in all; a read-compare-count check compared a
// whole wave but counted only its compare-and-swap winners (review finding).
func TestDepositConcurrentGuesses(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid = "0190a0a0-0000-7000-8000-000000000041"
		e.verifiedApplicant(pid, idBob)
		tctx := tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000b1")
		e.applyOrg(tctx, pid, usccA, identity.MethodDeposit)
		ps, err := e.svc.PendingPayouts(ctx)
		if err != nil || len(ps) != 1 {
			t.Fatalf("payouts = %+v, %v", ps, err)
		}
		if _, err := e.svc.RecordPayout(ctx, ps[0].ID, "BANK-REF-C", operator); err != nil {
			t.Fatal(err)
		}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			tested int
		)
		// A wave of six distinct wrong amounts: every answer other than approval
		// tells the caller "not this one", so each must count as an attempt.
		sent := 0
		for fen := 1; fen <= 99 && sent < 6; fen++ {
			if fen == ps[0].AmountFen {
				continue
			}
			sent++
			wg.Add(1)
			go func(fen int) {
				defer wg.Done()
				_, err := e.svc.ConfirmDeposit(tctx, identity.FormatFen(fen), applicant(pid))
				mu.Lock()
				defer mu.Unlock()
				if errors.Is(err, identity.ErrDepositMismatch) {
					tested++
				}
			}(fen)
		}
		wg.Wait()
		if tested > 2 {
			t.Fatalf("%d wrong amounts were tested and answered 'mismatch'; at most 2 may be before the third fails the application", tested)
		}
		if ov, _ := e.svc.Organisation(tctx); ov.State != identity.StateRejected {
			t.Fatalf("state after six parallel wrong amounts: %s (they were all compared, so the 3-attempt limit is spent)", ov.State)
		}
		if _, err := e.svc.ConfirmDeposit(tctx, identity.FormatFen(ps[0].AmountFen), applicant(pid)); err == nil {
			t.Fatal("the right amount still approved after the attempts were used up")
		}
	})
}

// TestNoSelfReview: an operator never approves their own person application,
// nor that of an organisation they are a member of.
func TestNoSelfReview(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid, tenantC = "0190a0a0-0000-7000-8000-000000000051", "0190a0a0-0000-7000-8000-0000000000c1"
		pv := e.save(pid, "经办人", idBob, identity.MethodManual)
		e.uploadIDs(pid)
		if _, err := e.svc.SubmitPerson(ctx, pid, applicant(pid)); err != nil {
			t.Fatal(err)
		}
		self := identity.Actor{Ref: "person:" + pid, IP: "198.51.100.8"}
		if _, err := e.svc.ApprovePerson(ctx, pv.ID, self); !errors.Is(err, identity.ErrSelfReview) {
			t.Fatalf("an operator approved their own application: %v", err)
		}
		if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil {
			t.Fatal(err)
		}
		tctx := tenants.WithTenant(ctx, tenantC)
		ov := e.applyOrg(tctx, pid, usccA, identity.MethodReview)
		if err := e.db.WithContext(tctx).Create(&tenants.Membership{ID: "0190a0a0-0000-7000-8000-0000000000d1", PersonID: pid, Role: tenants.RoleOwner}).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApproveOrg(ctx, ov.ID, self); !errors.Is(err, identity.ErrSelfReview) {
			t.Fatalf("an operator approved their own organisation: %v", err)
		}
		if ov, err := e.svc.ApproveOrg(ctx, ov.ID, operator); err != nil || ov.State != identity.StateApproved {
			t.Fatalf("another operator approves: %v", err)
		}
	})
}
