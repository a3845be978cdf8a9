package messages_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/internal/dbtest"
	"signet/notify"
	"signet/notify/messages"
	"signet/tenants"
)

func forDialects(t *testing.T, f func(t *testing.T, e *env)) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) { f(t, newEnv(t, d)) })
	}
}

// TestTwilioDelivery: a queued invitation goes to Twilio once, with the
// tenant's signature, the status callback URL and the message's words;
// Twilio's status callbacks move it on and are recorded as receipts on the
// contract's chain; forged and replayed callbacks get 403 and change
// nothing.
func TestTwilioDelivery(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		out := invitation(mobile)
		id := e.enqueue(t, out)
		if got := e.row(t, id); got.State != string(messages.StatePending) || got.Status != notify.StatusPending || len(got.Sealed) == 0 {
			t.Fatalf("queued row: %+v", got)
		}
		if n := e.dispatch(t); n != 1 {
			t.Fatalf("dispatch sent %d, want 1", n)
		}
		if n := e.dispatch(t); n != 0 {
			t.Fatalf("a second dispatch sent %d more", n)
		}
		got := e.to(mobile)
		if len(got) != 1 {
			t.Fatalf("Twilio received %d messages, want 1", len(got))
		}
		m := got[0]
		if !strings.HasPrefix(m.Body, "【甲方科技】") || !strings.Contains(m.Body, out.Params.URL) || !strings.Contains(m.Body, "采购合同") {
			t.Errorf("body %q", m.Body)
		}
		if m.StatusCallback != e.public+"/notify/twilio/status?m="+id || m.From != fromNumber {
			t.Errorf("callback %q from %q", m.StatusCallback, m.From)
		}
		row := e.row(t, id)
		if row.State != string(messages.StateSent) || row.ProviderID != m.SID || row.Status != notify.StatusQueued || row.Sealed != nil || row.SentAt == nil {
			t.Fatalf("sent row: state %s status %s sid %s sealed %d", row.State, row.Status, row.ProviderID, len(row.Sealed))
		}

		ctx := context.Background()
		if st := status(t)(e.server.Callback(ctx, m.SID, "sent", 0)); st != 204 {
			t.Fatalf("sent callback: %d", st)
		}
		if st := status(t)(e.server.Callback(ctx, m.SID, "delivered", 0)); st != 204 {
			t.Fatalf("delivered callback: %d", st)
		}
		// Twilio may report "sent" late; the message stays delivered.
		if row := e.row(t, id); row.Status != notify.StatusDelivered {
			t.Fatalf("status after delivered: %s", row.Status)
		}

		// Replayed, forged and mismatched callbacks: 403, nothing changes.
		for name, mutate := range map[string]func(*string, url.Values, *string){
			"replayed":     func(*string, url.Values, *string) {},
			"wrong token":  func(target *string, f url.Values, sig *string) { *sig = signWith("another token", *target, f) },
			"changed form": func(_ *string, f url.Values, _ *string) { f.Set("MessageStatus", "failed") },
			"no signature": func(_ *string, _ url.Values, sig *string) { *sig = "" },
			"other message": func(target *string, f url.Values, sig *string) {
				*target = strings.Replace(*target, "?m="+id, "?m=01a00000-0000-7000-8000-000000000000", 1)
				*sig = signWith(authToken, *target, f)
			},
			"other sid": func(target *string, f url.Values, sig *string) {
				f.Set("MessageSid", "SM"+strings.Repeat("0", 32))
				f.Set("SmsSid", f.Get("MessageSid"))
				*sig = signWith(authToken, *target, f)
			},
		} {
			if st := status(t)(e.server.Forge(ctx, m.SID, "delivered", mutate)); st != 403 {
				t.Errorf("%s callback: %d, want 403", name, st)
			}
		}
		var reports []messages.StatusReport
		e.db.DB.WithContext(e.ctx).Where("message_id = ?", id).Order("id").Find(&reports)
		if len(reports) != 3 || reports[0].Source != "send" || reports[1].Status != "sent" || reports[2].Status != "delivered" {
			t.Fatalf("status reports: %+v", reports)
		}
		rows, reps, err := e.svc.ForContract(e.ctx, out.ContractID)
		if err != nil || len(rows) != 1 || len(reps[id]) != 3 || rows[0].Sealed != nil {
			t.Fatalf("ForContract: %d rows, %v", len(rows), err)
		}

		// Receipts on the chain: masked number, no link token, no body.
		evs, err := evidence.Events(e.ctx, e.db.DB, evidence.ContractChain(out.ContractID))
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
			p := string(ev.Payload)
			if strings.Contains(p, "13800000002") || strings.Contains(p, strings.Repeat("A", 43)) || !strings.Contains(p, "****0002") {
				t.Errorf("receipt %s payload %s", ev.Type, p)
			}
		}
		if strings.Join(types, ",") != "notification.queued,notification.sent,notification.delivered" {
			t.Errorf("chain: %v", types)
		}
		if err := evidence.VerifyChain(evidence.ContractChain(out.ContractID), evs); err != nil {
			t.Errorf("chain does not verify: %v", err)
		}
	})
}

// TestTwilioFailures: an invalid or unreachable number fails at once and
// for good, with Twilio's code on the row and the contract's chain; 429
// and 5xx are retried with backoff; an undelivered report keeps its code.
func TestTwilioFailures(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		e.server.FailTo("+8613800000009", 21614, 400)
		bad := e.enqueue(t, invitation("+8613800000009"))
		e.dispatch(t)
		e.server.FailNext(20429, 429)
		busy := e.enqueue(t, invitation("+8613800000003"))
		e.dispatch(t)

		row := e.row(t, bad)
		if row.State != string(messages.StateFailed) || row.ErrorCode != "21614" || row.Status != notify.StatusFailed || row.Sealed != nil {
			t.Fatalf("21614: %+v", row)
		}
		row = e.row(t, busy)
		if row.State != string(messages.StatePending) || row.Attempts != 1 || !row.NextAttemptAt.After(e.clock.now()) {
			t.Fatalf("429: state %s attempts %d next %v", row.State, row.Attempts, row.NextAttemptAt)
		}
		if n := e.dispatch(t); n != 0 {
			t.Fatalf("retried before its backoff: %d", n)
		}
		e.clock.advance(2 * time.Second)
		e.server.FailNext(0, 503)
		e.dispatch(t)
		if row = e.row(t, busy); row.State != string(messages.StatePending) || row.Attempts != 2 {
			t.Fatalf("503: state %s attempts %d", row.State, row.Attempts)
		}
		e.clock.advance(5 * time.Second)
		if n := e.dispatch(t); n != 1 {
			t.Fatalf("third attempt sent %d", n)
		}
		if got := e.to("+8613800000003"); len(got) != 1 {
			t.Fatalf("Twilio has %d copies after two refusals", len(got))
		}

		// The carrier could not deliver it.
		sid := e.row(t, busy).ProviderID
		if st := status(t)(e.server.Callback(context.Background(), sid, "undelivered", 30003)); st != 204 {
			t.Fatalf("undelivered callback: %d", st)
		}
		if row = e.row(t, busy); row.Status != notify.StatusUndelivered || row.ErrorCode != "30003" {
			t.Fatalf("undelivered: %s %s", row.Status, row.ErrorCode)
		}

		evs, _ := evidence.Events(tenants.WithTenant(context.Background(), e.tenant), e.db.DB, evidence.ContractChain(e.row(t, bad).ContractID))
		if len(evs) != 1 || evs[0].Type != "notification.failed" || !strings.Contains(string(evs[0].Payload), "21614") {
			t.Fatalf("failure receipt: %+v", evs)
		}
	})
}

// TestCodesExpire: a code that could not go out while valid is never sent
// late.
func TestCodesExpire(t *testing.T) {
	e := newEnv(t, "sqlite")
	id := e.enqueue(t, messages.Outgoing{Kind: notify.KindCode, To: mobile, Params: notify.Params{Code: "123456", TTL: 5 * time.Minute},
		ExpiresAt: e.clock.now().Add(5 * time.Minute)})
	e.server.FailNext(0, 500)
	e.dispatch(t)
	e.clock.advance(6 * time.Minute)
	e.dispatch(t)
	if row := e.row(t, id); row.State != string(messages.StateExpired) || row.Sealed != nil {
		t.Fatalf("late code: %+v", row)
	}
	if got := e.to(mobile); len(got) != 0 {
		t.Fatalf("a stale code was sent: %v", got)
	}
}

// TestSendRefused: Send, for a person waiting for a code, reports a
// permanent refusal at once as ErrRefused.
func TestSendRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.server.FailTo("+8613800000009", 21211, 400)
	id := e.enqueue(t, messages.Outgoing{Kind: notify.KindLoginCode, To: "+8613800000009", Params: notify.Params{Code: "123456"}})
	if err := e.svc.Send(context.Background(), id); !errors.Is(err, messages.ErrRefused) {
		t.Fatalf("Send = %v, want ErrRefused", err)
	}
	ok := e.enqueue(t, messages.Outgoing{Kind: notify.KindLoginCode, To: mobile, Params: notify.Params{Code: "654321"}})
	if err := e.svc.Send(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	if got := e.to(mobile); len(got) != 1 || !strings.Contains(got[0].Body, "654321") {
		t.Fatalf("code SMS: %v", got)
	}
}

// TestRolledBack: a message queued in a transaction that rolls back is
// never sent.
func TestRolledBack(t *testing.T) {
	e := newEnv(t, "sqlite")
	boom := errors.New("the change failed")
	err := e.db.DB.WithContext(e.ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := e.svc.Enqueue(e.ctx, tx, invitation(mobile)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := e.dispatch(t); n != 0 || len(e.server.Messages()) != 0 {
		t.Fatalf("sent %d for a rolled-back change", n)
	}
}

// TestOrderAndLimits: messages to one number go in the order queued, and
// a number over its hourly limit waits instead of being dropped.
func TestOrderAndLimits(t *testing.T) {
	e := newEnv(t, "sqlite")
	var want []string
	for i := range 12 {
		o := invitation(mobile)
		o.Params.Title = "合同" + string(rune('A'+i))
		e.enqueue(t, o)
		want = append(want, o.Params.Title)
	}
	e.dispatch(t)
	got := e.to(mobile)
	if len(got) != 10 {
		t.Fatalf("%d sent in the first hour, want the limit of 10", len(got))
	}
	for i, m := range got {
		if !strings.Contains(m.Body, want[i]) {
			t.Fatalf("message %d is %q, want %s", i, m.Body, want[i])
		}
	}
	e.clock.advance(61 * time.Minute)
	e.dispatch(t)
	if got := e.to(mobile); len(got) != 12 {
		t.Fatalf("after an hour: %d sent, want all 12", len(got))
	}
}

// TestReplicas: two outboxes dispatching the same table at once send each
// message exactly once.
func TestReplicas(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			a := newEnv(t, d)
			b := newEnvOn(t, a.db, a.server)
			const n = 30
			for i := range n {
				a.enqueue(t, invitation("+86138000001"+string(rune('0'+i/10))+string(rune('0'+i%10))))
			}
			var wg sync.WaitGroup
			for _, x := range []*env{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := x.svc.Dispatch(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			seen := map[string]int{}
			for _, m := range a.server.Messages() {
				seen[m.To]++
			}
			if len(seen) != n {
				t.Fatalf("%d numbers reached, want %d", len(seen), n)
			}
			for to, c := range seen {
				if c != 1 {
					t.Errorf("%s got %d copies", to, c)
				}
			}
		})
	}
}

// TestTenantLimit: a tenant over its per-minute limit waits; another
// tenant's messages are not held back by it.
func TestTenantLimit(t *testing.T) {
	e := newEnv(t, "sqlite")
	limited, err := messages.NewService(messages.Deps{DB: e.db.DB, Keys: e.keys, SMS: e.twilio, DigestKey: []byte(strings.Repeat("k", 32))},
		messages.Options{Now: e.clock.now, PerTenantPerMinute: 3})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = limited
	for i := range 5 {
		e.enqueue(t, invitation("+86138000002"+string(rune('0'+i))+"0"))
	}
	other := newEnvOn(t, e.db, e.server)
	other.svc = limited
	other.enqueue(t, invitation("+8613800000399"))
	e.dispatch(t)
	if got := len(e.server.Messages()); got != 4 {
		t.Fatalf("%d sent, want 3 of the busy tenant and 1 of the other", got)
	}
	e.clock.advance(61 * time.Second)
	e.dispatch(t)
	if got := len(e.server.Messages()); got != 6 {
		t.Fatalf("after a minute: %d sent, want all 6", got)
	}
}

// TestEnqueueNeedsNoSecondConnection: queuing a message inside a
// transaction reads the tenant's signature through that transaction. On
// the pool it would need a second connection, and with every connection
// held by such a transaction none would ever come: the server hung under
// load that way.
func TestEnqueueNeedsNoSecondConnection(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d)
			sqlDB, err := e.db.DB.DB()
			if err != nil {
				t.Fatal(err)
			}
			sqlDB.SetMaxOpenConns(1)
			ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			err = e.db.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				_, err := e.svc.Enqueue(ctx, tx, invitation(mobile))
				return err
			})
			if err != nil {
				t.Fatalf("enqueue with one connection: %v", err)
			}
		})
	}
}
