package identity_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"signet/identity"
	"signet/notify"
	"signet/notify/messages"
	"signet/notify/messages/messagestest"
	"signet/tenants"
)

const publicURL = "https://sign.example.com/"

// sentSince sends what the outbox holds and returns the SMS sent after the
// first mark ones.
func (e *env) sentSince(mark int) []notify.SMS {
	e.t.Helper()
	if _, err := e.outbox.Dispatch(ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.sms.Sent()[mark:]
}

const orgPage = "https://sign.example.com/app/identity/organisation"

// notice expects exactly one SMS since mark, to mobile, and returns its body.
func (e *env) notice(mark int, mobile string, want ...string) string {
	e.t.Helper()
	got := e.sentSince(mark)
	if len(got) != 1 || got[0].To != mobile {
		e.t.Fatalf("want one SMS to %s, got %+v", mobile, got)
	}
	body := got[0].Body
	if !strings.HasPrefix(body, "【") || sixDigits.MatchString(body) {
		e.t.Fatalf("notice %q: no signature, or a code in it", body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			e.t.Fatalf("notice %q lacks %q", body, w)
		}
	}
	// An organisation's applicant is sent to its verification page; a
	// person verifies where they were asked to, so gets no link.
	if org := strings.Contains(body, "企业认证"); org != strings.Contains(body, orgPage) || !org && strings.Contains(body, "http") {
		e.t.Fatalf("notice %q: link", body)
	}
	return body
}

func TestVerificationNotices(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		const pid, tenantA = "0190a0a0-0000-7000-8000-000000000061", "0190a0a0-0000-7000-8000-0000000000e1"
		const mobile = "+8613812345678"
		tctx := tenants.WithTenant(ctx, tenantA)
		// The account's name differs: the notice uses the verified one.
		if err := e.db.Create(&tenants.Person{ID: pid, Email: "zhang@example.com", Name: "zs", PasswordHash: "-"}).Error; err != nil {
			t.Fatal(err)
		}

		t.Run("PersonRejected", func(t *testing.T) {
			e.save(pid, "张三", idAlice, identity.MethodManual)
			e.uploadIDs(pid)
			pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid))
			if err != nil {
				t.Fatal(err)
			}
			mark := len(e.sms.Sent())
			// An operator acting from within a tenant still sends a
			// platform notice: a person's verification is no tenant's.
			if _, err := e.svc.RejectPerson(tctx, pv.ID, "照片模糊", operator); err != nil {
				t.Fatal(err)
			}
			e.notice(mark, mobile, "张三", "实名认证未通过", "照片模糊")
			var rows []messages.Message
			if err := e.db.WithContext(tenants.Unscoped(ctx)).Where("kind = ?", notify.KindVerificationRejected).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].TenantID != "" {
				t.Fatalf("rejection notice rows %+v", rows)
			}
		})
		t.Run("PersonApproved", func(t *testing.T) {
			e.uploadIDs(pid)
			pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid))
			if err != nil {
				t.Fatal(err)
			}
			mark := len(e.sms.Sent())
			if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil {
				t.Fatal(err)
			}
			e.notice(mark, mobile, "张三", "实名认证已通过")
		})
		t.Run("OrgRejectedThenApproved", func(t *testing.T) {
			ov := e.applyOrg(tctx, pid, usccA, identity.MethodReview)
			mark := len(e.sms.Sent())
			if _, err := e.svc.RejectOrg(ctx, ov.ID, "授权书未盖章", operator); err != nil {
				t.Fatal(err)
			}
			e.notice(mark, mobile, "示例科技有限公司的企业认证未通过", "授权书未盖章")
			if _, err := e.svc.AddOrgDocument(tctx, identity.DocAuthorisation, letter, applicant(pid)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.SubmitOrg(tctx, applicant(pid)); err != nil {
				t.Fatal(err)
			}
			mark = len(e.sms.Sent())
			if _, err := e.svc.ApproveOrg(ctx, ov.ID, operator); err != nil {
				t.Fatal(err)
			}
			e.notice(mark, mobile, "示例科技有限公司的企业认证已通过")
			var rows []messages.Message
			if err := e.db.WithContext(tctx).Where("kind = ?", notify.KindVerificationApproved).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("the organisation's notice is not its tenant's: %+v", rows)
			}
		})
		t.Run("FailedApprovalTellsNobody", func(t *testing.T) {
			// Approving twice is a state error and queues nothing.
			mark := len(e.sms.Sent())
			if _, err := e.svc.ApproveOrg(ctx, mustOrg(t, e, tctx).ID, operator); err == nil {
				t.Fatal("approved twice")
			}
			if got := e.sentSince(mark); len(got) != 0 {
				t.Fatalf("sent %+v", got)
			}
		})
	})
}

func mustOrg(t *testing.T, e *env, tctx context.Context) identity.OrgVerification {
	t.Helper()
	ov, err := e.svc.Organisation(tctx)
	if err != nil {
		t.Fatal(err)
	}
	return ov
}

// TestVerificationNoticesAutomatic: decisions nobody typed (the provider's
// answer, a failed deposit check) are told too.
func TestVerificationNoticesAutomatic(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := newStandIn(t)
		e := newEnv(t, dialect, func(d *identity.Deps, _ *identity.Options) { d.Provider = s.provider(t) })
		const pid, pid2 = "0190a0a0-0000-7000-8000-000000000071", "0190a0a0-0000-7000-8000-000000000072"
		const mobile = "+8613812345678"
		e.save(pid, "张三", idAlice, identity.MethodHTTP)
		mark := len(e.sms.Sent())
		if pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid)); err != nil || pv.State != identity.StateApproved {
			t.Fatalf("http check: %v %+v", err, pv.State)
		}
		e.notice(mark, mobile, "张三", "实名认证已通过")

		e.save(pid2, "王五", idBob, identity.MethodHTTP)
		mark = len(e.sms.Sent())
		pv, err := e.svc.SubmitPerson(ctx, pid2, applicant(pid2))
		if err != nil || pv.State != identity.StateRejected {
			t.Fatalf("mismatch: %v %+v", err, pv.State)
		}
		e.notice(mark, mobile, "王五", "实名认证未通过", pv.Reason)

		// Three wrong deposit amounts reject the organisation.
		tctx := tenants.WithTenant(ctx, "0190a0a0-0000-7000-8000-0000000000e2")
		e.applyOrg(tctx, pid, usccB, identity.MethodDeposit)
		ps, err := e.svc.PendingPayouts(ctx)
		if err != nil || len(ps) != 1 {
			t.Fatalf("payouts %+v %v", ps, err)
		}
		if _, err := e.svc.RecordPayout(ctx, ps[0].ID, "BANK-REF", operator); err != nil {
			t.Fatal(err)
		}
		wrong := identity.FormatFen(ps[0].AmountFen%99 + 1)
		mark = len(e.sms.Sent())
		for range 3 {
			e.svc.ConfirmDeposit(tctx, wrong, applicant(pid))
		}
		e.notice(mark, mobile, "的企业认证未通过", "the deposit amount was entered wrongly") // shortened to fit two SMS parts
	})
}

// mailbox records emails.
type mailbox struct {
	mu   sync.Mutex
	sent []notify.Email
}

func (m *mailbox) SendEmail(_ context.Context, e notify.Email) (notify.Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return notify.Receipt{ProviderID: "mail-1", Status: notify.StatusSent}, nil
}

// TestVerificationNoticeEmail: the account's email gets the notice too,
// unless it is the placeholder of an account made by SMS sign-in.
func TestVerificationNoticeEmail(t *testing.T) {
	box := &mailbox{}
	var outbox *messages.Service
	e := newEnv(t, "sqlite", func(d *identity.Deps, _ *identity.Options) {
		var err error
		outbox, err = messages.NewService(messages.Deps{DB: d.DB, Keys: d.Keys, SMS: &messagestest.Recorder{}, Email: box, DigestKey: make([]byte, 32)}, messages.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.Messages = outbox
	})
	const pid, pid2 = "0190a0a0-0000-7000-8000-000000000081", "0190a0a0-0000-7000-8000-000000000082"
	for id, email := range map[string]string{pid: "zhang@example.com", pid2: "8613800000000@mobile.invalid"} {
		if err := e.db.Create(&tenants.Person{ID: id, Email: email, Name: "x", PasswordHash: "-"}).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct{ id, number string }{{pid, idAlice}, {pid2, idBob}} {
		pv := e.save(p.id, "张三", p.number, identity.MethodManual)
		e.uploadIDs(p.id)
		if _, err := e.svc.SubmitPerson(ctx, p.id, applicant(p.id)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := outbox.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if len(box.sent) != 1 || box.sent[0].To != "zhang@example.com" || !strings.Contains(box.sent[0].Subject, "实名认证已通过") ||
		strings.Contains(box.sent[0].Text, "https://") {
		t.Fatalf("emails %+v", box.sent)
	}
}

// TestNoMessagesNoNotices: without an outbox, decisions are made silently.
func TestNoMessagesNoNotices(t *testing.T) {
	e := newEnv(t, "sqlite", func(d *identity.Deps, _ *identity.Options) { d.Messages = nil })
	const pid = "0190a0a0-0000-7000-8000-000000000091"
	pv := e.save(pid, "张三", idAlice, identity.MethodManual)
	e.uploadIDs(pid)
	if _, err := e.svc.SubmitPerson(ctx, pid, applicant(pid)); err != nil {
		t.Fatal(err)
	}
	mark := len(e.sms.Sent())
	if _, err := e.svc.ApprovePerson(ctx, pv.ID, operator); err != nil {
		t.Fatal(err)
	}
	if got := e.sentSince(mark); len(got) != 0 {
		t.Fatalf("sent %+v", got)
	}
}
