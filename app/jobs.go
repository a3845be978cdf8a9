package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"signet/evidence"
	"signet/internal/lease"
	"signet/tenants"
)

// job is a periodic background task. Jobs are domain methods; the runner
// owns schedule, leases and shutdown. Jobs that touch tenant data put the
// tenant into ctx themselves per tenant (see tenants.WithTenant).
//
// Every replica runs the runner. A queue job (an outbox, the exports, the
// stamp batches) runs on all of them at once: its rows are leased one by
// one (lease.Queue), so each item is worked on by one replica. Any other
// job is a sweep, and one replica runs it per period: a round first takes
// the job's named lease ("job:NAME") for the period, and keeps it when it
// ends, so the others find it held until the next period; a round cut
// off by shutdown gives it back. The round's ctx carries the lease, which
// a sweep's transactions can check with lease.FenceFrom.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
	// wake, if not nil, runs the job at once when signalled.
	wake <-chan struct{}
	// queue marks a job whose items are leased row by row.
	queue bool
}

func (a *App) jobs() []job {
	return []job{
		{"rotate-jwt-key", 10 * time.Minute, a.Tokens.RotateIfDue, nil, false},
		{"prune-idempotency", time.Hour, a.PruneIdempotency, nil, false},
		{"prune-rate-limits", time.Hour, func(ctx context.Context) error {
			_, err := a.limiter.Prune(ctx, time.Now().Add(-time.Hour))
			return err
		}, nil, false},
		{"expire-verifications", time.Hour, a.Identity.ExpireDue, nil, false},
		{"expire-seals", time.Hour, a.Seals.ExpireDue, nil, false},
		{"anchor-event-chains", 10 * time.Minute, func(ctx context.Context) error {
			_, err := evidence.AnchorAll(ctx, a.DB.DB, a.Timestamps)
			return err
		}, nil, false},
		{"deliver-webhooks", 5 * time.Second, a.deliverWebhooks, nil, true},
		{"send-messages", 5 * time.Second, a.sendMessages, a.Messages.Woken(), true},
		{"warn-deadlines", 10 * time.Minute, a.perOpenContractTenant(func(ctx context.Context) error {
			_, err := a.Contracts.SendDeadlineWarnings(ctx)
			return err
		}), nil, false},
		{"expire-contracts", time.Minute, a.perOpenContractTenant(func(ctx context.Context) error {
			_, err := a.Contracts.ExpireDue(ctx)
			return err
		}), nil, false},
		{"stamp-batches", 10 * time.Second, a.runStampBatches, nil, true},
		{"remind-signers", 10 * time.Minute, a.perOpenContractTenant(func(ctx context.Context) error {
			_, err := a.Contracts.SendReminders(ctx)
			return err
		}), nil, false},
		{"export-evidence", 5 * time.Second, a.runEvidenceExports, nil, true},
		{"archive-documents", 10 * time.Minute, a.perTenant(a.Contracts.TenantsWithArchiveDue, func(ctx context.Context) error {
			_, err := a.Contracts.ArchiveDue(ctx)
			return err
		}), nil, false},
		{"renew-certificates", 6 * time.Hour, func(ctx context.Context) error {
			_, err := a.PKI.RenewExpiring(ctx, 30*24*time.Hour)
			return err
		}, nil, false},
	}
}

// runStampBatches stamps queued batches until none is left or the
// runner's budget ends.
func (a *App) runStampBatches(ctx context.Context) error {
	for ctx.Err() == nil {
		found, err := a.Signing.RunBatches(ctx)
		if err != nil || !found {
			return err
		}
	}
	return nil
}

// perOpenContractTenant runs fn once per tenant with contracts in
// progress, with that tenant in ctx.
func (a *App) perOpenContractTenant(fn func(ctx context.Context) error) func(ctx context.Context) error {
	return a.perTenant(a.Contracts.TenantsWithOpenContracts, fn)
}

// perTenant runs fn once per tenant that list names, with that tenant in ctx.
func (a *App) perTenant(list func(ctx context.Context) ([]string, error), fn func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		ids, err := list(ctx)
		if err != nil {
			return err
		}
		var errs []error
		for _, id := range ids {
			if err := fn(tenants.WithTenant(ctx, id)); err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", id, err))
			}
		}
		return errors.Join(errs...)
	}
}

// startJobs runs every job on its schedule until ctx ends; the returned
// channel closes once all have stopped.
func (a *App) startJobs(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, j := range a.jobs() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				case <-j.wake: // a nil channel never fires
				}
				if err := a.runRound(ctx, j); err != nil {
					a.Log.Error("job failed", "job", j.name, "err", err)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

// runRound runs one round of j within half its period: a queue job at
// once, a sweep if this replica takes the job's lease for the period.
func (a *App) runRound(ctx context.Context, j job) error {
	jctx, cancel := context.WithTimeout(ctx, j.every/2)
	defer cancel()
	if j.queue {
		return j.run(jctx)
	}
	held, ok, err := a.leases.TryAcquire(jctx, a.DB.DB, "job:"+j.name, j.every)
	if err != nil || !ok {
		return err
	}
	err = j.run(lease.WithHeld(jctx, a.leases, held))
	if ctx.Err() != nil {
		// Cut off by shutdown: another replica may run the round now.
		err = errors.Join(err, a.leases.Release(context.WithoutCancel(ctx), a.DB.DB, held))
	}
	return err
}

// sendMessages runs one round of the message outbox, on the same terms as
// a webhook round.
func (a *App) sendMessages(ctx context.Context) error {
	return pastBudget(ctx, 30*time.Second, func(ctx context.Context) error {
		_, err := a.Messages.Dispatch(ctx)
		return err
	})
}

// deliverWebhooks runs one round of the webhook outbox. A round may need a
// receiver's full timeout, longer than the runner's budget of half the
// period, so it keeps the runner's cancellation while the budget lasts and
// otherwise ends on its own deadline (at most 30s, also at shutdown).
func (a *App) deliverWebhooks(ctx context.Context) error {
	return pastBudget(ctx, 30*time.Second, func(ctx context.Context) error {
		_, err := a.Webhooks.Deliver(ctx)
		return err
	})
}

// runEvidenceExports builds due bulk evidence exports, on the terms of an
// outbox round but with 30 minutes: a build outlasts the runner's budget
// by far. An export cut off by that deadline counts as a failed attempt;
// one cut off by shutdown goes back to the queue uncounted (shutdown
// reaches the round only while the runner's budget lasts).
func (a *App) runEvidenceExports(ctx context.Context) error {
	return pastBudget(ctx, 30*time.Minute, a.Exports.Run)
}

// pastBudget runs round with the runner's cancellation while its budget
// lasts and otherwise its own deadline, limit from now.
func pastBudget(ctx context.Context, limit time.Duration, round func(context.Context) error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	defer stop()
	return round(rctx)
}
