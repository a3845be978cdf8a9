package contracts

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/notify"
	"signet/tenants"
)

// Nudge reminds a signer whose turn it is, at most once per
// [NudgeInterval] ([ErrTooSoon]). Individuals get a fresh link.
func (s *Service) Nudge(ctx context.Context, a Actor, contractID, partyID string) (Party, error) {
	var p Party
	err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, contractID)
		if err != nil {
			return err
		}
		if p, err = findParty(tx, c.ID, partyID); err != nil {
			return err
		}
		if err := s.canAct(c, p); err != nil {
			return err
		}
		now := s.now()
		if p.LastRemindedAt != nil && now.Sub(*p.LastRemindedAt) < NudgeInterval {
			return &TooSoonError{RetryAfter: p.LastRemindedAt.Add(NudgeInterval)}
		}
		base, err := s.params(tx, c)
		if err != nil {
			return err
		}
		if err := s.notify(ctx, tx, c, &p, now, notify.KindReminder, base); err != nil {
			return err
		}
		return s.event(ctx, tx, c, a, "signer.reminded", "signer.reminded", partyEvent(p))
	})
	if err != nil {
		return Party{}, err
	}
	s.kick()
	return p, nil
}

// TooSoonError is [ErrTooSoon] with the time a reminder is allowed again.
type TooSoonError struct{ RetryAfter time.Time }

func (e *TooSoonError) Error() string {
	return "nudge: signer was reminded too recently; retry after " + e.RetryAfter.UTC().Format(time.RFC3339)
}

// Unwrap makes errors.Is(err, ErrTooSoon) hold.
func (e *TooSoonError) Unwrap() error { return ErrTooSoon }

// SendReminders reminds, for the tenant in ctx, every signer whose turn it
// is and who has not signed for the contract's reminder interval since
// being notified or last reminded. It is a job.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	q := tenants.DB(ctx, s.db).Where("state = ? AND remind_every_hours > 0", StateInProgress)
	return s.tellWaiting(ctx, q, reminderDue, notify.KindReminder, "signer.reminded", "signer.reminded")
}

// tellWaiting sends kind k to every signer of the contracts q finds whom
// due says is owed it, and records event typ (and webhook hook). What is
// due is found without locking anything; only those contracts are then
// locked, and checked again, to send.
func (s *Service) tellWaiting(ctx context.Context, q *gorm.DB, due func(Contract, Party, time.Time) bool, k notify.Kind, typ, hook string) (int, error) {
	var open []Contract
	if err := q.Limit(1000).Find(&open).Error; err != nil {
		return 0, fmt.Errorf("find open contracts: %w", err)
	}
	if len(open) == 0 {
		return 0, nil
	}
	byID := make(map[string]Contract, len(open))
	ids := make([]string, len(open))
	for i, c := range open {
		byID[c.ID], ids[i] = c, c.ID
	}
	var waiting []Party
	if err := tenants.DB(ctx, s.db).Where("contract_id IN ? AND role = ? AND state IN ?", ids, RoleSigner,
		[]PartyState{PartyNotified, PartyViewed}).Find(&waiting).Error; err != nil {
		return 0, fmt.Errorf("find waiting signers: %w", err)
	}
	now := s.now()
	owed := map[string]bool{}
	for _, p := range waiting {
		if due(byID[p.ContractID], p, now) {
			owed[p.ContractID] = true
		}
	}
	sent := 0
	for id := range owed {
		var reminded int // counted by the run that commits
		err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
			reminded = 0
			c, err := lockContract(tx, id)
			if err != nil || c.State != StateInProgress {
				return err
			}
			var parties []Party
			if err := tx.Where("contract_id = ? AND role = ?", c.ID, RoleSigner).Find(&parties).Error; err != nil {
				return fmt.Errorf("find signers: %w", err)
			}
			now := s.now()
			base, err := s.params(tx, c)
			if err != nil {
				return err
			}
			for _, p := range parties {
				if !due(c, p, now) {
					continue
				}
				if err := s.notify(ctx, tx, c, &p, now, k, base); err != nil {
					return err
				}
				if err := s.event(ctx, tx, c, System, typ, hook, partyEvent(p)); err != nil {
					return err
				}
				reminded++
			}
			return nil
		})
		if err != nil {
			return sent, err
		}
		sent += reminded
		s.kick()
	}
	return sent, nil
}

// reminderDue reports whether signer p of c is owed a scheduled reminder
// at now: it is their turn, they have not acted, the contract's reminder
// interval has passed since they were notified or last reminded, and the
// deadline has not.
func reminderDue(c Contract, p Party, now time.Time) bool {
	if c.State != StateInProgress || c.RemindEveryHours <= 0 || c.Deadline == nil || !now.Before(*c.Deadline) ||
		p.Role != RoleSigner || p.Order != c.Round || (p.State != PartyNotified && p.State != PartyViewed) {
		return false
	}
	last := p.NotifiedAt
	if p.LastRemindedAt != nil {
		last = p.LastRemindedAt
	}
	return last != nil && now.Sub(*last) >= time.Duration(c.RemindEveryHours)*time.Hour
}

// DeadlineWarning is how long before the deadline signers who have not
// signed are warned.
const DeadlineWarning = 24 * time.Hour

// SendDeadlineWarnings warns, for the tenant in ctx, every signer whose
// turn it is, who has not acted, and whose contract's deadline is less
// than [DeadlineWarning] away, once per deadline (an extended deadline
// warns again). It is a job.
func (s *Service) SendDeadlineWarnings(ctx context.Context) (int, error) {
	now := s.now()
	q := tenants.DB(ctx, s.db).Where("state = ? AND deadline > ? AND deadline <= ?", StateInProgress, now, now.Add(DeadlineWarning))
	return s.tellWaiting(ctx, q, deadlineWarningDue, notify.KindDeadlineWarning, "signer.deadline_warned", "")
}

// deadlineWarningDue reports whether p has not been warned about c's
// current deadline yet.
func deadlineWarningDue(c Contract, p Party, now time.Time) bool {
	if c.State != StateInProgress || c.Deadline == nil || p.Role != RoleSigner || p.Order != c.Round ||
		(p.State != PartyNotified && p.State != PartyViewed) {
		return false
	}
	warnFrom := c.Deadline.Add(-DeadlineWarning)
	return now.Before(*c.Deadline) && !now.Before(warnFrom) && (p.DeadlineWarnedAt == nil || p.DeadlineWarnedAt.Before(warnFrom))
}
