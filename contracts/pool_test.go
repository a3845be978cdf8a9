package contracts_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"signet/contracts"
	"signet/tenants"
)

// TestSigningsDoNotExhaustPool: more slow signings of different contracts in
// flight on MariaDB than the pool has connections (32) all finish. A
// signing holds no connection while it works (time-stamps, big PDFs): it
// reads, works, and only then takes one for its commit. (It used to hold
// a GET_LOCK connection throughout, and then needed the pool bounded.)
func TestSigningsDoNotExhaustPool(t *testing.T) {
	e := newEnv(t, "mariadb")
	const n = 40
	signer := testSigner(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var accs []contracts.Access
	for i := range n {
		doc := e.upload(t, twoPages())
		mobile := fmt.Sprintf("+86139%08d", i)
		d := contracts.Draft{Title: "池", DocumentIDs: []string{doc.ID}, Parties: []contracts.PartySpec{personSigner(0, 1)}}
		d.Parties[0].Mobile = mobile
		c, err := e.svc.Create(e.ctx, e.actor, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Send(e.ctx, e.actor, c.ID); err != nil {
			t.Fatal(err)
		}
		acc, err := e.svc.OpenLink(ctx, e.links(t)[mobile], contracts.Caller{Mobile: mobile,
			Actor: contracts.Actor{Principal: tenants.Principal{PersonID: "p-" + mobile}}})
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, acc)
	}
	// A signing takes a moment (time-stamp authority, big PDFs).
	slow := func(ctx context.Context, job contracts.Job) ([]contracts.Signed, error) {
		time.Sleep(2 * time.Second)
		return signWith(signer)(ctx, job)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for _, acc := range accs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Sign(acc, actorOf(acc), slow)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	var first error
	for err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	t.Logf("%d parallel signings of different contracts: %d failed after %s (first: %v)", n, failed, time.Since(start).Round(time.Second), first)
	if failed > 0 {
		t.Fatalf("signings of different contracts deadlocked on the connection pool")
	}
}
