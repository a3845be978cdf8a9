package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/internal/page"
	"signet/internal/valid"
	"signet/notify/webhooks"
)

var pageAll = page.Request{Limit: page.MaxLimit}

func TestEnqueueRolledBackSendsNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t)
		ep, _ := e.endpoint(t, rc.URL)
		boom := errors.New("state change failed")
		err := e.db.WithContext(e.ctx).Transaction(func(tx *gorm.DB) error {
			if err := e.svc.Enqueue(e.ctx, tx, webhooks.Event{Type: "contract.sent"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("transaction: %v", err)
		}
		if n := e.deliver(t, e.svc); n != 0 || len(rc.Hits()) != 0 || len(e.deliveries(t, ep.ID)) != 0 {
			t.Fatalf("rolled-back event was delivered: sent %d, hits %d", n, len(rc.Hits()))
		}
	})
}

func TestDeliverySignedAndVerified(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t)
		ep, secret := e.endpoint(t, rc.URL, "contract.completed")
		other, _ := e.endpoint(t, rc.URL, "seal.*")
		e.enqueue(t, webhooks.Event{ID: "evt-1", Type: "contract.completed", Data: map[string]string{"contract_id": "c1"}})
		if n := e.deliver(t, e.svc); n != 1 {
			t.Fatalf("sent %d, want 1", n)
		}
		hits := rc.Hits()
		if len(hits) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(hits))
		}
		h := hits[0]
		if h.Header.Get(webhooks.HeaderEventID) != "evt-1" || h.Header.Get(webhooks.HeaderEventType) != "contract.completed" {
			t.Fatalf("headers: %v", h.Header)
		}
		if !strings.Contains(string(h.Body), `"contract_id":"c1"`) || !strings.Contains(string(h.Body), `"id":"evt-1"`) {
			t.Fatalf("body: %s", h.Body)
		}
		sig := h.Header.Get(webhooks.HeaderSignature)
		if !strings.HasPrefix(sig, "t="+h.Header.Get(webhooks.HeaderTimestamp)+",v1=") {
			t.Fatalf("signature header %q", sig)
		}
		now := e.clock.Now()
		if err := webhooks.Verify(secret, sig, h.Body, now, 5*time.Minute); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		tampered := []byte(strings.Replace(string(h.Body), "c1", "c2", 1))
		if err := webhooks.Verify(secret, sig, tampered, now, 5*time.Minute); !errors.Is(err, webhooks.ErrSignatureMismatch) {
			t.Fatalf("tampered body: %v", err)
		}
		if err := webhooks.Verify("whsec_wrong", sig, h.Body, now, 5*time.Minute); !errors.Is(err, webhooks.ErrSignatureMismatch) {
			t.Fatalf("wrong secret: %v", err)
		}
		if err := webhooks.Verify(secret, sig, h.Body, now.Add(6*time.Minute), 5*time.Minute); !errors.Is(err, webhooks.ErrSignatureExpired) {
			t.Fatalf("old timestamp: %v", err)
		}
		if err := webhooks.Verify(secret, "v1=00", h.Body, now, 5*time.Minute); !errors.Is(err, webhooks.ErrSignatureMalformed) {
			t.Fatalf("malformed: %v", err)
		}
		if ds := e.deliveries(t, ep.ID); len(ds) != 1 || ds[0].State != webhooks.StateDelivered || ds[0].LastStatus != 200 {
			t.Fatalf("deliveries: %+v", ds)
		}
		if ds := e.deliveries(t, other.ID); len(ds) != 0 {
			t.Fatalf("unsubscribed endpoint got %d deliveries", len(ds))
		}

		// After rotation both secrets sign during the grace period.
		_, newSecret, err := e.svc.RotateSecret(e.ctx, ep.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.enqueue(t, webhooks.Event{ID: "evt-2", Type: "contract.completed"})
		e.deliver(t, e.svc)
		h = rc.Hits()[1]
		for _, s := range []string{secret, newSecret} {
			if err := webhooks.Verify(s, h.Header.Get(webhooks.HeaderSignature), h.Body, now, time.Minute); err != nil {
				t.Fatalf("after rotation: %v", err)
			}
		}
	})
}

func TestRetryBackoffGrows(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t, 500, 500, 200)
		ep, _ := e.endpoint(t, rc.URL)
		e.enqueue(t, webhooks.Event{ID: "retry-1", Type: "contract.created"})
		var delays []time.Duration
		for range 10 {
			e.deliver(t, e.svc)
			ds := e.deliveries(t, ep.ID)
			if ds[0].State == webhooks.StateDelivered {
				break
			}
			delays = append(delays, ds[0].NextAttemptAt.Sub(e.clock.Now()))
			// Not due yet: nothing is sent.
			e.clock.Add(delays[len(delays)-1] - time.Second)
			if n := e.deliver(t, e.svc); n != 0 {
				t.Fatal("sent before the backoff elapsed")
			}
			e.clock.Add(time.Second)
		}
		hits := rc.Hits()
		if len(hits) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(hits))
		}
		for _, h := range hits {
			if h.Header.Get(webhooks.HeaderEventID) != "retry-1" {
				t.Fatalf("event id changed on retry: %v", h.Header)
			}
		}
		if len(delays) != 2 || delays[0] <= 0 || delays[1] < delays[0] || delays[1] < 30*time.Second {
			t.Fatalf("backoff does not grow: %v", delays)
		}
		at, err := e.svc.Attempts(e.ctx, []string{e.deliveries(t, ep.ID)[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		var codes []int
		for _, a := range at[e.deliveries(t, ep.ID)[0].ID] {
			codes = append(codes, a.StatusCode)
		}
		if len(codes) != 3 || codes[0] != 500 || codes[1] != 500 || codes[2] != 200 {
			t.Fatalf("attempt log: %v", codes)
		}
	})
}

func TestHangingReceiverTimesOut(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{Timeout: 300 * time.Millisecond})
		release := make(chan struct{})
		rc := newReceiver(t)
		rc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		ep, _ := e.endpoint(t, rc.URL)
		e.enqueue(t, webhooks.Event{Type: "contract.created"})
		if n := e.deliver(t, e.svc); n != 0 {
			t.Fatalf("sent %d", n)
		}
		ds := e.deliveries(t, ep.ID)
		if ds[0].State != webhooks.StatePending || ds[0].Attempts != 1 || !strings.Contains(strings.ToLower(ds[0].LastError), "timeout") {
			t.Fatalf("delivery after timeout: %+v", ds[0])
		}
	})
}

func TestRestartDelivers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t)
		ep, _ := e.endpoint(t, rc.URL)
		e.enqueue(t, webhooks.Event{ID: "durable", Type: "contract.sent"})
		restarted := e.service(webhooks.Options{})
		if n := e.deliver(t, restarted); n != 1 || len(rc.Hits()) != 1 {
			t.Fatalf("restarted service sent %d", n)
		}
		if ds := e.deliveries(t, ep.ID); ds[0].State != webhooks.StateDelivered {
			t.Fatalf("state %s", ds[0].State)
		}
	})
}

func TestConcurrentRunnersNeverDoubleSend(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t)
		ep, _ := e.endpoint(t, rc.URL)
		const events = 30
		for i := range events {
			e.enqueue(t, webhooks.Event{ID: "c-" + string(rune('A'+i)), Type: "contract.created"})
		}
		runners := []*webhooks.Service{e.service(webhooks.Options{Concurrency: 4}), e.service(webhooks.Options{Concurrency: 4})}
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Go(func() {
				for range 5 {
					if _, err := r.Deliver(context.Background()); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, h := range rc.Hits() {
			seen[h.Header.Get(webhooks.HeaderEventID)]++
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s sent %d times", id, n)
			}
		}
		if len(seen) != events {
			t.Fatalf("%d distinct events sent, want %d", len(seen), events)
		}
		for _, dl := range e.deliveries(t, ep.ID) {
			if dl.State != webhooks.StateDelivered || dl.Attempts != 1 {
				t.Fatalf("delivery %+v", dl)
			}
		}
	})
}

func TestDuplicateEventIDIsNoOp(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t)
		ep, _ := e.endpoint(t, rc.URL)
		e.enqueue(t, webhooks.Event{ID: "same", Type: "contract.created"})
		e.enqueue(t, webhooks.Event{ID: "same", Type: "contract.created"})
		if ds := e.deliveries(t, ep.ID); len(ds) != 1 {
			t.Fatalf("%d deliveries, want 1", len(ds))
		}
		e.deliver(t, e.svc)
		if len(rc.Hits()) != 1 {
			t.Fatalf("%d requests, want 1", len(rc.Hits()))
		}
		err := e.db.WithContext(e.ctx).Transaction(func(tx *gorm.DB) error {
			return e.svc.Enqueue(e.ctx, tx, webhooks.Event{Type: "no.such.event"})
		})
		if !errors.Is(err, webhooks.ErrUnknownEvent) {
			t.Fatalf("unknown type: %v", err)
		}
	})
}

func TestSSRFRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		strict := webhooks.NewService(e.db.DB, e.keys, webhooks.Options{Now: e.clock.Now})
		for _, u := range []string{"https://10.0.0.5/hook", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data",
			"https://[::1]/", "https://localhost/", "http://127.0.0.1:8080/", "https://[fd00::1]/", "http://example.com/", "ftp://example.com/"} {
			_, _, err := strict.CreateEndpoint(e.ctx, webhooks.EndpointInput{URL: &u, Events: []string{"*"}})
			var v valid.Errors
			if !errors.As(err, &v) {
				t.Errorf("%s: accepted (%v)", u, err)
			}
		}
		// A loopback endpoint registered while allowed is refused when
		// connecting by a service that does not allow it.
		rc := newReceiver(t)
		ep, _ := e.endpoint(t, rc.URL)
		e.enqueue(t, webhooks.Event{Type: "contract.created"})
		if n, err := strict.Deliver(context.Background()); n != 0 || err != nil {
			t.Fatalf("Deliver: %d %v", n, err)
		}
		ds := e.deliveries(t, ep.ID)
		if len(rc.Hits()) != 0 || !strings.Contains(ds[0].LastError, "non-public address") {
			t.Fatalf("reached loopback: hits %d, %+v", len(rc.Hits()), ds[0])
		}
	})
}

func TestDeadAfterRetryWindow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, webhooks.Options{})
		rc := newReceiver(t, 503)
		ep, _ := e.endpoint(t, rc.URL)
		start := e.clock.Now()
		e.enqueue(t, webhooks.Event{Type: "contract.expired"})
		var last webhooks.Delivery
		for range 200 {
			e.deliver(t, e.svc)
			last = e.deliveries(t, ep.ID)[0]
			if last.State != webhooks.StatePending {
				break
			}
			e.clock.Add(last.NextAttemptAt.Sub(e.clock.Now()))
		}
		if last.State != webhooks.StateDead {
			t.Fatalf("state %s after %d attempts", last.State, last.Attempts)
		}
		if span := e.clock.Now().Sub(start); span < 24*time.Hour || span > 26*time.Hour {
			t.Fatalf("dead after %s, want 24h..26h", span)
		}
		if last.Attempts != len(rc.Hits()) || last.Attempts < 10 {
			t.Fatalf("%d attempts, %d requests", last.Attempts, len(rc.Hits()))
		}
		e.clock.Add(48 * time.Hour)
		if n := e.deliver(t, e.svc); n != 0 || len(rc.Hits()) != last.Attempts {
			t.Fatal("a dead delivery was sent again")
		}
		// Redelivery revives it.
		if _, err := e.svc.Redeliver(e.ctx, ep.ID, last.ID); err != nil {
			t.Fatal(err)
		}
		e.deliver(t, e.svc)
		if len(rc.Hits()) != last.Attempts+1 {
			t.Fatal("redelivery not sent")
		}
	})
}
