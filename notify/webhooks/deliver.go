package webhooks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/tenants"
)

// queue is the deliveries table as a leased queue.
func (s *Service) queue() lease.Queue {
	return lease.Queue{Table: Delivery{}.TableName(), Pending: string(StatePending), Now: s.opt.Now}
}

// Deliver is the background job: it finds up to Options.Batch due
// deliveries of every tenant, sends them with at most Options.Concurrency in
// flight, and records each attempt. It returns how many it sent
// successfully. Deliveries it could not start before ctx ended stay due for
// the next run.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	due, err := s.queue().Due(tenants.Unscoped(ctx), s.db, s.opt.Batch, func(tx *gorm.DB) *gorm.DB {
		return tx.Where("endpoint_id IN (?)", s.db.WithContext(tenants.Unscoped(ctx)).Model(&Endpoint{}).Select("id").Where("enabled = ?", true))
	})
	if err != nil {
		return 0, fmt.Errorf("deliver webhooks: %w", err)
	}
	var sent atomic.Int64
	err = lease.Each(ctx, due, s.opt.Concurrency, s.opt.Timeout, func(ctx context.Context, id string) error {
		ok, err := s.deliverOne(tenants.Unscoped(ctx), id)
		if ok {
			sent.Add(1)
		}
		return err
	})
	return int(sent.Load()), err
}

// deliverOne claims delivery id, sends it once and records the outcome. A
// delivery another runner claimed first is skipped.
func (s *Service) deliverOne(ctx context.Context, id string) (bool, error) {
	q := s.queue()
	hold := s.opt.Timeout + time.Minute
	token, err := q.Claim(ctx, s.db, id, hold, nil)
	if err != nil || token == "" {
		return false, err
	}
	leaseEnd := time.Now().Add(hold)
	var d Delivery
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&d).Error; err != nil {
		return false, errors.Join(fmt.Errorf("claim webhook delivery %s: %w", id, err), q.Release(ctx, s.db, id, token))
	}
	ctx = tenants.WithTenant(ctx, d.TenantID)
	db := s.db.WithContext(ctx)
	var (
		e  Endpoint
		ev eventRow
	)
	if err := db.Where("id = ?", d.EndpointID).First(&e).Error; err != nil {
		return false, errors.Join(fmt.Errorf("webhook delivery %s: %w", d.ID, err), q.Release(ctx, s.db, id, token))
	}
	if err := db.Where("event_id = ?", d.EventID).First(&ev).Error; err != nil {
		return false, errors.Join(fmt.Errorf("webhook delivery %s: %w", d.ID, err), q.Release(ctx, s.db, id, token))
	}
	secrets, err := s.secrets(e)
	if err != nil {
		return false, errors.Join(err, q.Release(ctx, s.db, id, token))
	}

	ts := s.now().Unix()
	a := Attempt{ID: ids.New(), DeliveryID: d.ID, N: d.Attempts, At: s.now()}
	start := time.Now()
	resp, err := sendRequest(ctx, s.client, e.URL, map[string]string{
		HeaderEventID: d.EventID, HeaderEventType: d.EventType,
		HeaderTimestamp: strconv.FormatInt(ts, 10), HeaderSignature: signatureHeader(ts, ev.Payload, secrets...),
	}, ev.Payload)
	a.LatencyMS = time.Since(start).Milliseconds()
	if err != nil && ctx.Err() != nil {
		// Cut off by shutdown, not by the receiver: try again next run.
		return false, q.Release(context.WithoutCancel(ctx), s.db, id, token)
	}
	if err != nil {
		a.Error = deliveryError(err)
	} else {
		a.StatusCode = resp.StatusCode
		a.Response = readCapped(resp.Body, 1024)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			a.Error = "receiver answered " + strconv.Itoa(resp.StatusCode)
		}
	}
	// The receiver has its answer: record it while the lease lasts, even if
	// the database is away for a moment, or the event goes out twice.
	ctx = context.WithoutCancel(ctx)
	return a.Error == "", lease.Persist(ctx, leaseEnd, func() error { return s.record(ctx, d, token, a) })
}

// record stores attempt a and moves d on: delivered, dead once RetryUntil
// has passed, or pending again after a backoff. Only the lease holder may.
func (s *Service) record(ctx context.Context, d Delivery, token string, a Attempt) error {
	now := s.now()
	upd := map[string]any{"last_status": a.StatusCode, "last_error": a.Error, "updated_at": now}
	switch {
	case a.Error == "":
		upd["state"], upd["delivered_at"] = StateDelivered, now
	case !now.Before(d.RetryUntil):
		upd["state"] = StateDead
	default:
		upd["next_attempt_at"] = now.Add(s.Backoff(a.N))
	}
	// Concurrent runners finishing neighbouring rows can deadlock on
	// MariaDB; the server rolls the loser back and it simply runs again.
	return database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := s.queue().Finish(ctx, tx, d.ID, token, upd); err != nil {
			return fmt.Errorf("record webhook delivery: %w", err)
		}
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("record webhook delivery %s: %w", d.ID, err)
		}
		return nil
	})
}

// Backoff is the delay before attempt n+1 after n failures (see
// [lease.Backoff]).
func (s *Service) Backoff(n int) time.Duration {
	return lease.Backoff(n, s.opt.BaseDelay, s.opt.MaxDelay)
}
