package identity

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"signet/notify"
	"signet/notify/messages"
	"signet/tenants"
)

// Messages queues SMS and emails inside the caller's transaction and wakes
// the dispatcher once it has committed; *messages.Service satisfies it.
type Messages interface {
	// Enqueue writes m to the outbox through tx, so it commits or rolls
	// back with the decision it tells of. With no tenant in ctx the
	// message is the platform's.
	Enqueue(ctx context.Context, tx *gorm.DB, m messages.Outgoing) (string, error)
	// Kick wakes the dispatcher after the transaction committed; it never
	// blocks.
	Kick()
}

// contact is where a notice to a person goes; empty fields are skipped.
type contact struct {
	name, mobile, email string
}

// tellPerson queues decision k on a person's verification to that person,
// inside tx. A person's verification is global, so the notice is a
// platform message whatever tenant the request came through.
func (s *Service) tellPerson(ctx context.Context, tx *gorm.DB, row PersonVerification, k notify.Kind, reason string) error {
	if s.msgs == nil {
		return nil
	}
	to, err := s.contactOf(tx, row.PersonID, &row)
	if err != nil {
		return err
	}
	// A person verifies where they were asked to (a signing link, the
	// organisation's page), so their notice carries no link of its own.
	return s.tell(tenants.WithTenant(ctx, ""), tx, to, k, notify.Params{Reason: reason})
}

// tellOrg queues decision k on an organisation's verification to its
// applicant (经办人), inside tx; ctx carries the organisation's tenant, so
// the tenant's SMS signature and language apply.
func (s *Service) tellOrg(ctx context.Context, tx *gorm.DB, row OrgVerification, k notify.Kind, reason string) error {
	if s.msgs == nil {
		return nil
	}
	var pvs []PersonVerification
	if err := tx.Where("person_id = ?", row.ApplicantID).Limit(1).Find(&pvs).Error; err != nil {
		return fmt.Errorf("find applicant %s: %w", row.ApplicantID, err)
	}
	var pv *PersonVerification
	if len(pvs) == 1 {
		pv = &pvs[0]
	}
	to, err := s.contactOf(tx, row.ApplicantID, pv)
	if err != nil {
		return err
	}
	return s.tell(ctx, tx, to, k, notify.Params{Org: row.Name, Reason: reason, URL: s.link()})
}

// contactOf finds how to reach person personID: the name and mobile they
// gave in their verification v (nil when they have none; the mobile was
// proved by a code), else their account's, and their account's email.
func (s *Service) contactOf(tx *gorm.DB, personID string, v *PersonVerification) (contact, error) {
	var c contact
	var ps []tenants.Person
	if err := tx.Select("name", "email", "mobile").Where("id = ?", personID).Limit(1).Find(&ps).Error; err != nil {
		return c, fmt.Errorf("find person %s: %w", personID, err)
	}
	if len(ps) == 1 {
		c = contact{name: ps[0].Name, mobile: ps[0].Mobile, email: ps[0].Email}
	}
	if v == nil {
		return c, nil
	}
	if v.Name != "" {
		c.name = v.Name
	}
	if v.MobileEnc != nil {
		pt, err := s.keys.Open(sealLabel("person", v.ID, "mobile"), v.MobileEnc)
		if err != nil {
			return c, fmt.Errorf("open mobile of person %s: %w", personID, err)
		}
		c.mobile = string(pt)
	}
	return c, nil
}

// tell queues kind k to c by SMS and by email, each when c has one.
func (s *Service) tell(ctx context.Context, tx *gorm.DB, c contact, k notify.Kind, params notify.Params) error {
	params.Name = c.name
	out := messages.Outgoing{Kind: k, To: c.mobile, ToName: c.name, Params: params}
	if strings.HasPrefix(c.mobile, "+") {
		if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
			return fmt.Errorf("queue %s: %w", k, err)
		}
	}
	if messages.Mailable(c.email) {
		out.Channel, out.To = notify.ChannelEmail, c.email
		if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
			return fmt.Errorf("queue %s email: %w", k, err)
		}
	}
	return nil
}

// link is where an organisation's applicant follows the verification up.
func (s *Service) link() string {
	if s.baseURL == "" {
		return ""
	}
	return s.baseURL + "/app/identity/organisation"
}

// kick wakes the message dispatcher after a decision committed.
func (s *Service) kick() {
	if s.msgs != nil {
		s.msgs.Kick()
	}
}
