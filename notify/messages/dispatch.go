package messages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/lease"
	"signet/notify"
	"signet/tenants"
)

// Dispatch is the background job: it sends up to Options.Batch due
// messages of every tenant, at most Options.Concurrency recipients at a
// time, and returns how many the providers accepted. Messages to one
// recipient go one after the other in the order they were queued, so an
// invitation never arrives after its reminder. Messages it could not start
// before ctx ended stay due.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	ctx = tenants.Unscoped(ctx)
	if err := s.d.DB.WithContext(ctx).Where("expires_at < ?", s.now()).Delete(&quota{}).Error; err != nil {
		return 0, fmt.Errorf("dispatch messages: %w", err)
	}
	due, err := s.queue().Due(ctx, s.d.DB, s.opt.Batch, nil)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var rows []Message
	if err := s.d.DB.WithContext(ctx).Select("id", "to_digest").Where("id IN ?", due).Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("dispatch messages: %w", err)
	}
	digest := make(map[string]string, len(rows))
	for _, r := range rows {
		digest[r.ID] = r.ToDigest
	}
	var groups [][]string
	at := map[string]int{}
	for _, id := range due { // due is in queue order
		i, ok := at[digest[id]]
		if !ok {
			i = len(groups)
			at[digest[id]] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], id)
	}
	var sent atomic.Int64
	err = lease.Each(ctx, groups, s.opt.Concurrency, s.opt.Timeout, func(ctx context.Context, ids []string) error {
		var errs []error
		for _, id := range ids {
			if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(dl) < s.opt.Timeout {
				break
			}
			ok, err := s.sendOne(ctx, id)
			if ok {
				sent.Add(1)
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	return int(sent.Load()), err
}

// ErrRefused is returned by [Service.Send] when the provider refused the
// message for good (an invalid or unreachable number).
var ErrRefused = errors.New("messages: the provider refused the message")

// Send sends message id now, in the caller's goroutine, for messages a
// person is waiting for (a code). It returns nil once the provider has
// accepted it, an error matching [ErrRefused] when the provider refused it
// for good, or another error when it failed for now (the dispatcher then
// retries it while it is still useful).
func (s *Service) Send(ctx context.Context, id string) error {
	ok, err := s.sendOne(ctx, id)
	if err != nil || ok {
		return err
	}
	var m Message
	if err := s.d.DB.WithContext(tenants.Unscoped(ctx)).Omit("sealed").Where("id = ?", id).First(&m).Error; err != nil {
		return fmt.Errorf("send message %s: %w", id, err)
	}
	switch State(m.State) {
	case StateSent:
		return nil
	case StateFailed:
		return fmt.Errorf("send message %s: %w: %s", id, ErrRefused, m.Error)
	}
	return fmt.Errorf("send message %s: not sent yet: %s", id, m.Error)
}

// sendOne claims message id, sends it once and records the outcome. It
// reports whether the provider accepted it.
func (s *Service) sendOne(ctx context.Context, id string) (bool, error) {
	ctx = tenants.Unscoped(ctx)
	q := s.queue()
	hold := s.opt.Timeout + time.Minute
	token, err := q.Claim(ctx, s.d.DB, id, hold, nil)
	if err != nil || token == "" {
		return false, err
	}
	leaseEnd := time.Now().Add(hold)
	var m Message
	if err := s.d.DB.WithContext(ctx).Where("id = ?", id).First(&m).Error; err != nil {
		return false, errors.Join(fmt.Errorf("claim message %s: %w", id, err), q.Release(ctx, s.d.DB, id, token))
	}
	if m.TenantID != "" {
		ctx = tenants.WithTenant(ctx, m.TenantID)
	}
	body, err := s.open(m)
	if err != nil {
		return false, s.finish(ctx, m, token, outcome{state: StateFailed, status: notify.StatusFailed, code: "sealed", err: "cannot open: " + err.Error()})
	}

	// A row still marked in flight was claimed before and its worker never
	// recorded what happened: ask the provider before anything else. A
	// text the provider has is sent, however late or over the caps it
	// would be now (its attempt already took its share of them).
	if m.SendingSince != nil {
		if f, ok := s.d.SMS.(Finder); ok && m.Channel == notify.ChannelSMS {
			rc, found, err := f.Find(ctx, body.To, m.SendingSince.Add(-time.Minute), body.Text)
			if err != nil {
				return false, errors.Join(fmt.Errorf("reconcile message %s: %w", id, err), q.Release(ctx, s.d.DB, id, token))
			}
			s.d.Log.WarnContext(ctx, "message was left in flight: asked the provider", "message", m.ID, "since", m.SendingSince, "found", found, "provider_id", rc.ProviderID)
			if found {
				return true, s.finish(ctx, m, token, outcome{state: StateSent, status: orQueued(rc.Status), providerID: rc.ProviderID, text: body.Text})
			}
		}
	}
	now := s.now()
	if !now.Before(m.ExpiresAt) {
		return false, s.finish(ctx, m, token, outcome{state: StateExpired, status: notify.StatusExpired, err: "expired before it could be sent"})
	}
	if !m.Kind.Secret() {
		if wait, err := s.limited(ctx, m, now); err != nil || wait > 0 {
			if err != nil {
				return false, errors.Join(err, q.Release(ctx, s.d.DB, id, token))
			}
			return false, s.postpone(ctx, m, token, wait)
		}
	}
	res := s.d.DB.WithContext(ctx).Table(m.TableName()).Where("id = ? AND lease = ?", id, token).Update("sending_since", now)
	if res.Error != nil || res.RowsAffected != 1 {
		return false, errors.Join(fmt.Errorf("mark message %s in flight: %w", id, res.Error), q.Release(ctx, s.d.DB, id, token))
	}
	crash("message.sending")

	sctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	rc, err := s.deliver(sctx, m, body)
	cancel()
	crash("message.sent")
	if err != nil && ctx.Err() != nil {
		// Cut off by shutdown: the provider may or may not have it. The row
		// stays in flight, so the next attempt asks first.
		return false, q.Release(context.WithoutCancel(ctx), s.d.DB, id, token)
	}
	ctx = context.WithoutCancel(ctx)
	if err == nil {
		// The provider took it: record that while the lease lasts, even if
		// the database is away for a moment (else the next attempt must
		// ask the provider, which not every channel can answer).
		return true, lease.Persist(ctx, leaseEnd, func() error {
			return s.finish(ctx, m, token, outcome{state: StateSent, status: orQueued(rc.Status), providerID: rc.ProviderID, text: body.Text})
		})
	}
	var se *notify.SendError
	errors.As(err, &se)
	o := outcome{state: StateFailed, status: notify.StatusFailed, err: clip(err.Error(), 300)}
	if se != nil {
		o.code, o.err = se.Code, clip(se.Message, 300)
	} else {
		// A timeout or a dropped connection does not say whether the
		// provider took the message: stay in flight, so the next attempt
		// asks the provider first.
		o.inFlight = true
	}
	if se == nil || !se.Permanent {
		wait := lease.Backoff(m.Attempts, s.opt.BaseDelay, s.opt.MaxDelay)
		if se != nil && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		if next := s.now().Add(wait); next.Before(m.ExpiresAt) {
			o.state, o.status, o.retryAt = StatePending, notify.StatusPending, next
		} else {
			o.err = "gave up after " + fmt.Sprint(m.Attempts) + " attempts: " + o.err
		}
	}
	s.d.Log.WarnContext(ctx, "message not sent", "message", m.ID, "kind", m.Kind, "to", m.ToMasked, "attempt", m.Attempts,
		"retry", o.state == StatePending, "code", o.code, "err", o.err)
	return false, s.finish(ctx, m, token, o)
}

// deliver hands the message to its channel's sender.
func (s *Service) deliver(ctx context.Context, m Message, b sealedBody) (notify.Receipt, error) {
	switch m.Channel {
	case notify.ChannelSMS:
		cb := ""
		if s.d.StatusCallback != "" {
			cb = s.d.StatusCallback + "?m=" + m.ID
		}
		return s.d.SMS.SendSMS(ctx, notify.SMS{ID: m.ID, To: b.To, Body: b.Text, StatusCallback: cb})
	case notify.ChannelEmail:
		if s.d.Email == nil {
			return notify.Receipt{}, &notify.SendError{Permanent: true, Code: "no_mail_server", Message: "no mail server is configured"}
		}
		return s.d.Email.SendEmail(ctx, notify.Email{ID: m.ID, To: b.To, ToName: b.ToName, Subject: b.Subject, Text: b.Text, HTML: b.HTML})
	}
	return notify.Receipt{}, &notify.SendError{Permanent: true, Code: "channel", Message: "unknown channel " + string(m.Channel)}
}

func (s *Service) open(m Message) (sealedBody, error) {
	var b sealedBody
	plain, err := s.d.Keys.Open(sealLabel, m.Sealed)
	if err != nil {
		return b, err
	}
	defer clear(plain)
	return b, json.Unmarshal(plain, &b)
}

// outcome is what an attempt ended in.
type outcome struct {
	state      State
	status     string
	providerID string
	code, err  string
	retryAt    time.Time
	// text is what was sent, for the receipt (never kept for secret kinds).
	text string
	// inFlight keeps the message marked in flight: the attempt may have
	// reached the provider.
	inFlight bool
}

// finish records o for m under the lease: the row, a status report and,
// for a contract's message, a receipt on its evidence chain.
func (s *Service) finish(ctx context.Context, m Message, token string, o outcome) error {
	if s.d.Observe != nil {
		outcome := string(o.state)
		if o.state == StatePending {
			outcome = "retry"
		}
		s.d.Observe(m.Channel, m.Kind, outcome)
	}
	now := s.now()
	upd := map[string]any{"state": o.state, "status": o.status, "error_code": o.code, "error": o.err, "updated_at": now}
	if !o.inFlight || o.state != StatePending {
		upd["sending_since"] = nil
	}
	if o.state == StatePending {
		upd["next_attempt_at"] = o.retryAt
	} else {
		upd["sealed"] = nil // final: the words and the recipient go
	}
	if o.state == StateSent {
		upd["sent_at"], upd["provider_id"], upd["provider"] = now, o.providerID, s.provider(m.Channel)
	}
	var art evidence.Artefact
	if o.state == StateSent && m.ContractID != "" && !m.Kind.Secret() && s.d.Vault != nil && m.TenantID != "" {
		rec, _ := json.Marshal(map[string]any{"message_id": m.ID, "contract_id": m.ContractID, "party_id": m.PartyID, "channel": m.Channel,
			"kind": m.Kind, "to": m.ToMasked, "text": cutLinks(o.text), "at": now, "provider": s.provider(m.Channel), "provider_id": o.providerID})
		var err error
		if art, err = evidence.PutArtefact(ctx, s.d.Vault, m.TenantID, "notification-receipt", rec, "application/json"); err != nil {
			return errors.Join(fmt.Errorf("message %s receipt: %w", m.ID, err), s.queue().Release(ctx, s.d.DB, m.ID, token))
		}
	}
	// As a webhook delivery's: a deadlock between runners is retried.
	return database.Transaction(s.d.DB.WithContext(ctx), func(tx *gorm.DB) error {
		if err := s.queue().Finish(ctx, tx, m.ID, token, upd); err != nil {
			return fmt.Errorf("record message %s: %w", m.ID, err)
		}
		if o.state == StatePending {
			return nil
		}
		if err := tx.Create(&StatusReport{ID: ids.New(), TenantID: m.TenantID, MessageID: m.ID, Status: o.status, ErrorCode: o.code, Source: "send", At: now}).Error; err != nil {
			return fmt.Errorf("record message %s: %w", m.ID, err)
		}
		ev := NotificationEvent{ErrorCode: o.code, RecordKey: art.Key, RecordSM3: art.SM3}
		if o.state == StateSent {
			ev.ProviderID = o.providerID
		}
		return s.receipt(ctx, tx, m, o.status, ev, now)
	})
}

// receipt records a status of a contract's message on its chain: masked
// recipient, kind and status, never a link token or a code.
func (s *Service) receipt(ctx context.Context, tx *gorm.DB, m Message, status string, ev NotificationEvent, now time.Time) error {
	if m.ContractID == "" || m.TenantID == "" {
		return nil
	}
	ev.MessageID, ev.PartyID, ev.Channel, ev.Kind, ev.To, ev.Status = m.ID, m.PartyID, string(m.Channel), string(m.Kind), m.ToMasked, status
	_, err := evidence.Append(ctx, tx, evidence.Record{Chain: evidence.ContractChain(m.ContractID), Type: EventNotificationPrefix + status, Actor: "system", Payload: ev}, now)
	if err != nil {
		return fmt.Errorf("record message %s receipt: %w", m.ID, err)
	}
	return nil
}

// postpone puts a rate-limited message back without counting the attempt.
func (s *Service) postpone(ctx context.Context, m Message, token string, wait time.Duration) error {
	return s.queue().Finish(ctx, s.d.DB, m.ID, token, map[string]any{
		"next_attempt_at": s.now().Add(wait), "attempts": gorm.Expr("attempts - 1"), "error": "held back by the rate limit", "updated_at": s.now()})
}

// limited takes m's place in the rate limits and says how long it must
// wait instead, 0 if it may go now. The limits are counters in the
// database, taken by a conditional UPDATE, so they hold exactly across
// replicas and concurrent sends: a recipient's count per clock hour, a
// tenant's per clock minute.
func (s *Service) limited(ctx context.Context, m Message, now time.Time) (time.Duration, error) {
	hour := now.Truncate(time.Hour)
	ok, err := s.take(ctx, "to:"+m.ToDigest+":"+hour.Format("2006010215"), s.opt.PerRecipientPerHour, hour.Add(time.Hour))
	if err != nil || !ok {
		return hour.Add(time.Hour).Sub(now), err
	}
	if m.TenantID == "" {
		return 0, nil
	}
	minute := now.Truncate(time.Minute)
	ok, err = s.take(ctx, "tenant:"+m.TenantID+":"+minute.Format("200601021504"), s.opt.PerTenantPerMinute, minute.Add(time.Minute))
	if err != nil || !ok {
		// The recipient's place is given back: this message did not go.
		s.give(ctx, "to:"+m.ToDigest+":"+hour.Format("2006010215"))
		return minute.Add(time.Minute).Sub(now), err
	}
	return 0, nil
}

// quota is one rate-limit counter.
type quota struct {
	Key       string `gorm:"column:quota_key;primaryKey;size:120"`
	Used      int
	ExpiresAt time.Time
}

func (quota) TableName() string { return "message_quotas" }

// take counts one use of key if fewer than limit were counted.
func (s *Service) take(ctx context.Context, key string, limit int, expires time.Time) (bool, error) {
	var took bool
	err := database.Transaction(s.d.DB.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&quota{Key: key, ExpiresAt: expires}).Error; err != nil {
			return err
		}
		res := tx.Model(&quota{}).Where("quota_key = ? AND used < ?", key, limit).Update("used", gorm.Expr("used + 1"))
		took = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("rate limit: %w", err)
	}
	return took, nil
}

// give returns one use of key.
func (s *Service) give(ctx context.Context, key string) {
	_ = database.Transaction(s.d.DB.WithContext(ctx), func(tx *gorm.DB) error {
		return tx.Model(&quota{}).Where("quota_key = ? AND used > 0", key).Update("used", gorm.Expr("used - 1")).Error
	})
}

func (s *Service) provider(ch notify.Channel) string {
	if ch == notify.ChannelEmail {
		return "smtp"
	}
	if s.d.Provider == "" {
		return "sms"
	}
	return s.d.Provider
}

func orQueued(status string) string {
	if status == "" {
		return notify.StatusQueued
	}
	return status
}

var linkRE = regexp.MustCompile(`/s/[A-Za-z0-9_-]+`)

// cutLinks removes link tokens from a receipt's text.
func cutLinks(s string) string { return linkRE.ReplaceAllString(s, "/s/[link]") }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// crashAt is set only by tests that kill the process around a send.
var crashAt func(point string)

func crash(point string) {
	if crashAt != nil {
		crashAt(point)
	}
}
