package seals

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/tenants"
)

// Action is a lifecycle step.
type Action string

// The lifecycle actions. Approve makes the seal; Expire is taken by the
// ExpireDue job.
const (
	ActionApprove    Action = "approve"
	ActionReject     Action = "reject"
	ActionFreeze     Action = "freeze"
	ActionUnfreeze   Action = "unfreeze"
	ActionReportLost Action = "report_lost"
	ActionRevoke     Action = "revoke"
	ActionExpire     Action = "expire"
)

// transitions is the whole lifecycle: action → from → to. Rejected,
// revoked and expired are terminal; lost can only be revoked.
var transitions = map[Action]map[State]State{
	ActionApprove:    {StatePending: StateActive},
	ActionReject:     {StatePending: StateRejected},
	ActionFreeze:     {StateActive: StateFrozen},
	ActionUnfreeze:   {StateFrozen: StateActive},
	ActionReportLost: {StateActive: StateLost, StateFrozen: StateLost},
	ActionRevoke:     {StatePending: StateRevoked, StateActive: StateRevoked, StateFrozen: StateRevoked, StateLost: StateRevoked},
	ActionExpire:     {StateActive: StateExpired, StateFrozen: StateExpired},
}

// Next returns the state action leads to from, or [ErrState].
func Next(from State, action Action) (State, error) {
	to, ok := transitions[action][from]
	if !ok {
		return from, fmt.Errorf("%s a %s seal: %w", action, from, ErrState)
	}
	return to, nil
}

// Approve is an operator's review of a pending seal: it makes the seal
// ([Service.make]) and activates it. It returns [ErrForbidden] for anyone
// but an operator, [ErrState], or [ErrUnverified] when the owner is no
// longer verified.
func (s *Service) Approve(ctx context.Context, a Actor, id string) (Seal, error) {
	if !a.Principal.Operator {
		return Seal{}, fmt.Errorf("approve seal: %w", ErrForbidden)
	}
	return s.transition(ctx, a, id, ActionApprove, "")
}

// Reject is an operator's refusal of a pending seal, with a reason.
func (s *Service) Reject(ctx context.Context, a Actor, id, reason string) (Seal, error) {
	if !a.Principal.Operator {
		return Seal{}, fmt.Errorf("reject seal: %w", ErrForbidden)
	}
	return s.transition(ctx, a, id, ActionReject, reason)
}

// Freeze suspends an active seal; a tenant manager may unfreeze it.
func (s *Service) Freeze(ctx context.Context, a Actor, id, reason string) (Seal, error) {
	return s.managed(ctx, a, id, ActionFreeze, reason)
}

// Unfreeze makes a frozen seal active again.
func (s *Service) Unfreeze(ctx context.Context, a Actor, id string) (Seal, error) {
	return s.managed(ctx, a, id, ActionUnfreeze, "")
}

// ReportLost makes a seal unusable at once; only revocation follows.
func (s *Service) ReportLost(ctx context.Context, a Actor, id, reason string) (Seal, error) {
	return s.managed(ctx, a, id, ActionReportLost, reason)
}

// Revoke ends a seal forever: it never signs again. The seal is bound to
// its owner's party certificate, which also signs contracts, so the
// certificate itself is not revoked here; the binding ends because a
// revoked seal never yields a [Grant].
func (s *Service) Revoke(ctx context.Context, a Actor, id, reason string) (Seal, error) {
	if !a.manages() && !a.Principal.Operator {
		return Seal{}, fmt.Errorf("revoke seal: %w", ErrForbidden)
	}
	return s.transition(ctx, a, id, ActionRevoke, reason)
}

func (s *Service) managed(ctx context.Context, a Actor, id string, action Action, reason string) (Seal, error) {
	if !a.manages() {
		return Seal{}, fmt.Errorf("%s seal: %w", action, ErrForbidden)
	}
	return s.transition(ctx, a, id, action, reason)
}

// transition moves one seal under a row lock and records the event in the
// same transaction.
func (s *Service) transition(ctx context.Context, a Actor, id string, action Action, reason string) (Seal, error) {
	// Making a seal talks to the CA and the vault, so it happens before the
	// transaction (SQLite transactions take the write lock at once); the
	// transaction then checks that the seal is still pending.
	var made *Seal
	if action == ActionApprove {
		row, err := s.Seal(ctx, id)
		if err != nil {
			return Seal{}, fmt.Errorf("%s seal %s: %w", action, id, err)
		}
		if _, err := Next(row.State, action); err != nil {
			return Seal{}, fmt.Errorf("%s seal %s: %w", action, id, err)
		}
		if err := s.make(ctx, &row); err != nil {
			return Seal{}, fmt.Errorf("%s seal %s: %w", action, id, err)
		}
		made = &row
	}
	var row Seal
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var err error
		if row, err = findSeal(tx.Clauses(clause.Locking{Strength: "UPDATE"}), id); err != nil {
			return err
		}
		from := row.State
		to, err := Next(from, action)
		if err != nil {
			return err
		}
		if made != nil {
			row.SESealKey, row.CertSerial, row.ValidStart, row.ValidEnd = made.SESealKey, made.CertSerial, made.ValidStart, made.ValidEnd
		}
		row.State, row.Reason = to, reason
		if action == ActionApprove || action == ActionReject {
			row.DecidedBy = a.Principal.Actor()
		}
		if err := tx.Save(&row).Error; err != nil {
			return fmt.Errorf("save seal: %w", err)
		}
		return s.event(ctx, tx, a, "seal."+string(action), map[string]any{
			"seal_id": row.ID, "from": from, "to": to, "reason": reason, "seseal": row.SESealKey,
		})
	})
	if err != nil {
		return Seal{}, fmt.Errorf("%s seal %s: %w", action, id, err)
	}
	return row, nil
}

// ExpireDue moves every active or frozen seal past its validity to expired,
// tenant by tenant, each with its own event. It is a background job.
func (s *Service) ExpireDue(ctx context.Context) error {
	var due []Seal
	err := s.db.WithContext(tenants.Unscoped(ctx)).
		Where("state IN ? AND valid_end IS NOT NULL AND valid_end <= ?", []State{StateActive, StateFrozen}, s.now()).
		Find(&due).Error
	if err != nil {
		return fmt.Errorf("expire seals: %w", err)
	}
	system := Actor{Principal: tenants.Principal{PersonID: "system"}}
	for _, d := range due {
		if _, err := s.transition(tenants.WithTenant(ctx, d.TenantID), system, d.ID, ActionExpire, "validity ended"); err != nil {
			return err
		}
	}
	return nil
}
