package webhooks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"signet/internal/ids"
	"signet/tenants"
)

// Deliver is the background job: it claims up to Options.Batch due
// deliveries of every tenant, sends them with at most Options.Concurrency in
// flight, and records each attempt. It returns how many it sent
// successfully. Deliveries it could not start before ctx ended are released
// for the next run.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	now := s.now()
	var due []Delivery
	err := s.db.WithContext(tenants.Unscoped(ctx)).
		Where("state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", StatePending, now, now).
		Where("endpoint_id IN (?)", s.db.WithContext(tenants.Unscoped(ctx)).Model(&Endpoint{}).Select("id").Where("enabled = ?", true)).
		Order("next_attempt_at, id").Limit(s.opt.Batch).Find(&due).Error
	if err != nil {
		return 0, fmt.Errorf("deliver webhooks: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent int
		errs []error
		sem  = make(chan struct{}, s.opt.Concurrency)
	)
	for _, d := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(dl) < s.opt.Timeout {
			break // a send started now could not finish; leave it to the next run
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok, err := s.deliverOne(tenants.WithTenant(ctx, d.TenantID), d)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				sent++
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	return sent, errors.Join(errs...)
}

// deliverOne claims d, sends it once and records the outcome. A delivery
// another runner claimed first is skipped.
func (s *Service) deliverOne(ctx context.Context, d Delivery) (bool, error) {
	db := s.db.WithContext(ctx)
	now := s.now()
	lease := ids.New()
	until := now.Add(s.opt.Timeout + time.Minute)
	res := db.Model(&Delivery{}).
		Where("id = ? AND state = ? AND (locked_until IS NULL OR locked_until < ?)", d.ID, StatePending, now).
		Updates(map[string]any{"locked_until": until, "lease": lease})
	if res.Error != nil {
		return false, fmt.Errorf("claim webhook delivery %s: %w", d.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	if err := db.Where("id = ?", d.ID).First(&d).Error; err != nil {
		return false, fmt.Errorf("claim webhook delivery %s: %w", d.ID, err)
	}
	var (
		e  Endpoint
		ev eventRow
	)
	if err := db.Where("id = ?", d.EndpointID).First(&e).Error; err != nil {
		return false, s.release(ctx, d, lease, fmt.Errorf("webhook delivery %s: %w", d.ID, err))
	}
	if err := db.Where("event_id = ?", d.EventID).First(&ev).Error; err != nil {
		return false, s.release(ctx, d, lease, fmt.Errorf("webhook delivery %s: %w", d.ID, err))
	}
	secrets, err := s.secrets(e)
	if err != nil {
		return false, s.release(ctx, d, lease, err)
	}

	ts := s.now().Unix()
	a := Attempt{ID: ids.New(), DeliveryID: d.ID, N: d.Attempts + 1, At: s.now()}
	start := time.Now()
	resp, err := sendRequest(ctx, s.client, e.URL, map[string]string{
		HeaderEventID: d.EventID, HeaderEventType: d.EventType,
		HeaderTimestamp: strconv.FormatInt(ts, 10), HeaderSignature: signatureHeader(ts, ev.Payload, secrets...),
	}, ev.Payload)
	a.LatencyMS = time.Since(start).Milliseconds()
	if err != nil && ctx.Err() != nil {
		// Cut off by shutdown, not by the receiver: try again next run.
		return false, s.release(context.WithoutCancel(ctx), d, lease, nil)
	}
	if err != nil {
		a.Error = truncate(err.Error(), 500)
	} else {
		a.StatusCode = resp.StatusCode
		a.Response = readCapped(resp.Body, 1024)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			a.Error = "receiver answered " + strconv.Itoa(resp.StatusCode)
		}
	}
	return a.Error == "", s.record(context.WithoutCancel(ctx), d, lease, a)
}

// record stores attempt a and moves d on: delivered, dead once RetryUntil
// has passed, or pending again after a backoff. Only the lease holder may.
func (s *Service) record(ctx context.Context, d Delivery, lease string, a Attempt) error {
	now := s.now()
	upd := map[string]any{"attempts": a.N, "last_status": a.StatusCode, "last_error": a.Error,
		"locked_until": nil, "lease": "", "updated_at": now}
	switch {
	case a.Error == "":
		upd["state"], upd["delivered_at"] = StateDelivered, now
	case !now.Before(d.RetryUntil):
		upd["state"] = StateDead
	default:
		upd["next_attempt_at"] = now.Add(s.Backoff(a.N))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Delivery{}).Where("id = ? AND lease = ?", d.ID, lease).Updates(upd)
		if res.Error != nil {
			return fmt.Errorf("record webhook delivery %s: %w", d.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("record webhook delivery %s: lease lost", d.ID)
		}
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("record webhook delivery %s: %w", d.ID, err)
		}
		return nil
	})
}

// release gives up a claim without an attempt and returns cause.
func (s *Service) release(ctx context.Context, d Delivery, lease string, cause error) error {
	err := s.db.WithContext(ctx).Model(&Delivery{}).Where("id = ? AND lease = ?", d.ID, lease).
		Updates(map[string]any{"locked_until": nil, "lease": ""}).Error
	return errors.Join(cause, err)
}

// Backoff is the delay before attempt n+1 after n failures: BaseDelay·2^(n-1)
// capped at MaxDelay, of which the upper half is random (jitter), so
// receivers coming back from an outage are not hit all at once.
func (s *Service) Backoff(n int) time.Duration {
	d := s.opt.BaseDelay
	for i := 1; i < n && d < s.opt.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, s.opt.MaxDelay)
	half := d / 2
	return (half + rand.N(half+1)).Truncate(time.Millisecond)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
