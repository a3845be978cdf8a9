package seals

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
	// back with the approval request it tells of; ctx carries the tenant,
	// whose SMS signature and language apply.
	Enqueue(ctx context.Context, tx *gorm.DB, m messages.Outgoing) (string, error)
	// Kick wakes the dispatcher after the transaction committed; it never
	// blocks.
	Kick()
}

// askCustodian queues, inside tx, the request to decide ap to whoever may
// decide it (see mayDecide): the seal's custodian, or the tenant's owners
// and admins when it names none; never the person asking. Each gets an SMS
// when their account has a mobile and an email when it has an address.
func (s *Service) askCustodian(ctx context.Context, tx *gorm.DB, seal Seal, ap UseApproval, purpose string) error {
	if s.msgs == nil {
		return nil
	}
	deciders := []string{seal.CustodianPersonID}
	if seal.CustodianPersonID == "" {
		var ms []tenants.Membership
		if err := tx.Where("role IN ?", []tenants.Role{tenants.RoleOwner, tenants.RoleAdmin}).Order("id").Limit(50).Find(&ms).Error; err != nil {
			return fmt.Errorf("find who approves seal use: %w", err)
		}
		deciders = deciders[:0]
		for _, m := range ms {
			deciders = append(deciders, m.PersonID)
		}
	}
	var people []tenants.Person
	if err := tx.Select("id", "name", "email", "mobile").Where("id IN ?", append(deciders, ap.PersonID)).Find(&people).Error; err != nil {
		return fmt.Errorf("find who approves seal use: %w", err)
	}
	byID := make(map[string]tenants.Person, len(people))
	for _, p := range people {
		byID[p.ID] = p
	}
	params := notify.Params{Seal: seal.Name, Title: titleOf(purpose), Sender: byID[ap.PersonID].Name}
	if s.baseURL != "" {
		params.URL = s.baseURL + "/app/seals/" + seal.ID + "/approvals"
	}
	for _, id := range deciders {
		p, ok := byID[id]
		if !ok || id == ap.PersonID {
			continue
		}
		out := messages.Outgoing{Kind: notify.KindSealApproval, To: p.Mobile, ToName: p.Name, Params: params}
		if strings.HasPrefix(p.Mobile, "+") {
			if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
				return fmt.Errorf("ask custodian: %w", err)
			}
		}
		if messages.Mailable(p.Email) {
			out.Channel, out.To = notify.ChannelEmail, p.Email
			if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
				return fmt.Errorf("ask custodian by email: %w", err)
			}
		}
	}
	return nil
}

// kick wakes the message dispatcher after a request committed.
func (s *Service) kick() {
	if s.msgs != nil {
		s.msgs.Kick()
	}
}

// titleOf is what a use is for, in few words: the title a purpose quotes
// in 《》 (signing says "contract <id> 《title》"), else the whole purpose.
func titleOf(purpose string) string {
	t := purpose
	if _, rest, ok := strings.Cut(purpose, "《"); ok {
		if i := strings.LastIndex(rest, "》"); i > 0 {
			t = rest[:i]
		}
	}
	t = strings.TrimSpace(t)
	if r := []rune(t); len(r) > 100 {
		t = string(r[:100]) + "…"
	}
	return t
}
