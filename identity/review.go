package identity

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"signet/evidence"
	"signet/pki"
	"signet/tenants"
)

// Application kinds in the review queue.
const (
	KindPerson       = "person"
	KindOrganisation = "organisation"
)

// QueueItem is one application waiting for an operator.
type QueueItem struct {
	Kind        string
	ID          string
	State       State
	Method      string
	Name        string
	SubmittedAt time.Time
}

// Queue lists the applications an operator must decide, oldest first:
// pending manual person checks (including HTTP checks the provider could
// not answer) and pending organisation reviews. Operators only.
func (s *Service) Queue(ctx context.Context) ([]QueueItem, error) {
	pending := []State{StateSubmitted, StateResubmitted}
	var ps []PersonVerification
	if err := s.db.WithContext(ctx).Where("state IN ?", pending).Order("submitted_at").Limit(200).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("review queue: %w", err)
	}
	var orgs []OrgVerification
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("state IN ? AND method = ?", pending, MethodReview).
		Order("submitted_at").Limit(200).Find(&orgs).Error; err != nil {
		return nil, fmt.Errorf("review queue: %w", err)
	}
	out := make([]QueueItem, 0, len(ps)+len(orgs))
	for _, p := range ps {
		out = append(out, QueueItem{Kind: KindPerson, ID: p.ID, State: p.State, Method: p.Method, Name: p.Name, SubmittedAt: deref(p.SubmittedAt)})
	}
	for _, o := range orgs {
		out = append(out, QueueItem{Kind: KindOrganisation, ID: o.ID, State: o.State, Method: o.Method, Name: o.Name, SubmittedAt: deref(o.SubmittedAt)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SubmittedAt.Before(out[j].SubmittedAt) })
	return out, nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// PersonHistory returns the audit events of a person's verification, oldest
// first: every save, upload, submission and decision, rejections included.
func (s *Service) PersonHistory(ctx context.Context, personID string) ([]evidence.Event, error) {
	return evidence.Events(tenants.WithTenant(ctx, PlatformTenant), s.db, PersonChain(personID))
}

// Step is one submission or decision of a verification as its applicant
// sees it: what happened, when, and a rejection's or revocation's reason.
// Who reviewed it and from where stays with the operators.
type Step struct {
	State  State
	At     time.Time
	Reason string
}

// PersonSteps returns the submissions and decisions of a person's
// verification, oldest first, from its audit chain.
func (s *Service) PersonSteps(ctx context.Context, personID string) ([]Step, error) {
	evs, err := s.PersonHistory(ctx, personID)
	if err != nil {
		return nil, err
	}
	return steps(evs, "identity.person."), nil
}

// OrgSteps returns the submissions and decisions of the tenant's
// organisation verification, oldest first; none before it applied.
func (s *Service) OrgSteps(ctx context.Context) ([]Step, error) {
	row, err := s.Organisation(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	evs, err := s.OrgHistory(ctx, row)
	if err != nil {
		return nil, err
	}
	return steps(evs, "identity.org."), nil
}

// steps keeps the submissions and decisions among a verification's events
// (types prefix+state).
func steps(evs []evidence.Event, prefix string) []Step {
	var out []Step
	for _, e := range evs {
		st := State(strings.TrimPrefix(e.Type, prefix))
		switch st {
		case StateSubmitted, StateResubmitted, StateApproved, StateRejected, StateExpired, StateRevoked:
		default:
			continue
		}
		step := Step{State: st, At: e.At}
		if st == StateRejected || st == StateRevoked {
			if p, err := evidence.Decode[map[string]any](e); err == nil {
				step.Reason, _ = p["reason"].(string)
			}
		}
		out = append(out, step)
	}
	return out
}

// OrgHistory returns the identity events of an organisation's verification
// from its tenant's chain.
func (s *Service) OrgHistory(ctx context.Context, row OrgVerification) ([]evidence.Event, error) {
	evs, err := evidence.Events(tenants.WithTenant(ctx, row.TenantID), s.db, evidence.TenantChain(row.TenantID))
	if err != nil {
		return nil, err
	}
	out := evs[:0]
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "identity.org.") {
			out = append(out, e)
		}
	}
	return out, nil
}

// ExpireDue is the background job: approvals past their ExpiresAt become
// expired (and their certificates are revoked), and deposit checks past
// their window are rejected. It returns the first error after trying all.
func (s *Service) ExpireDue(ctx context.Context) error {
	now := s.now()
	system := Actor{Ref: "system"}
	var errs []error
	var ps []PersonVerification
	if err := s.db.WithContext(ctx).Where("state = ? AND expires_at <= ?", StateApproved, now).Limit(500).Find(&ps).Error; err != nil {
		return fmt.Errorf("expire verifications: %w", err)
	}
	for _, p := range ps {
		if _, err := s.endPerson(ctx, p, StateExpired, "the verification expired", pki.ReasonCessationOfOperation, system); err != nil && !errors.Is(err, ErrState) {
			errs = append(errs, err)
		}
	}
	var orgs []OrgVerification
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("state = ? AND expires_at <= ?", StateApproved, now).Limit(500).Find(&orgs).Error; err != nil {
		return fmt.Errorf("expire verifications: %w", err)
	}
	for _, o := range orgs {
		if _, err := s.endOrg(tenants.WithTenant(ctx, o.TenantID), o, StateExpired, "the verification expired", pki.ReasonCessationOfOperation, system); err != nil && !errors.Is(err, ErrState) {
			errs = append(errs, err)
		}
	}
	orgs = nil
	if err := s.db.WithContext(tenants.Unscoped(ctx)).Where("state IN ? AND method = ? AND deposit_deadline <= ?",
		[]State{StateSubmitted, StateResubmitted}, MethodDeposit, now).Limit(500).Find(&orgs).Error; err != nil {
		return fmt.Errorf("expire deposits: %w", err)
	}
	for _, o := range orgs {
		if _, err := s.rejectOrg(tenants.WithTenant(ctx, o.TenantID), o, "the deposit was not confirmed within the time allowed", system); err != nil && !errors.Is(err, ErrState) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("expire verifications: %w", errors.Join(errs...))
	}
	return nil
}
