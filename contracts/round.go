package contracts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/notify"
	"signet/notify/messages"
	"signet/tenants"
)

// openRound notifies the signers whose turn it is, or completes the
// contract when everyone has signed. It runs inside the transaction of the
// transition that made it necessary.
func (s *Service) openRound(ctx context.Context, tx *gorm.DB, c *Contract, a Actor) error {
	var parties []Party
	if err := tx.Where("contract_id = ?", c.ID).Order("sign_order, id").Find(&parties).Error; err != nil {
		return fmt.Errorf("load parties: %w", err)
	}
	round := 0
	for _, p := range parties {
		if p.Role == RoleSigner && p.State != PartySigned {
			round = p.Order
			break
		}
	}
	if round == 0 {
		return s.complete(ctx, tx, c, a, parties)
	}
	if round != c.Round {
		if err := save(tx, c, map[string]any{"round": round}); err != nil {
			return err
		}
	}
	now := s.now()
	base, err := s.params(tx, *c)
	if err != nil {
		return err
	}
	for _, p := range parties {
		if p.Role != RoleSigner || p.Order != round || p.State != PartyPending {
			continue
		}
		if err := s.notify(ctx, tx, *c, &p, now, notify.KindInvitation, base); err != nil {
			return err
		}
		if err := s.event(ctx, tx, *c, a, "signer.notified", "signer.notified", partyEvent(p)); err != nil {
			return err
		}
	}
	return nil
}

// complete ends the contract as signed by all and tells everyone: the
// CC recipients and individual signers get a link to the final PDF.
func (s *Service) complete(ctx context.Context, tx *gorm.DB, c *Contract, a Actor, parties []Party) error {
	if err := s.end(ctx, tx, c, a, StateCompleted, "", "contract.completed"); err != nil {
		return err
	}
	now := s.now()
	if err := tx.Model(&Document{}).Where("contract_id = ? AND format = ?", c.ID, FormatPDF).Update("archive_due_at", now).Error; err != nil {
		return fmt.Errorf("mark documents for archiving: %w", err)
	}
	base, err := s.params(tx, *c)
	if err != nil {
		return err
	}
	for _, p := range parties {
		if p.Role != RoleCC && p.Kind != Person {
			continue
		}
		if err := s.notify(ctx, tx, *c, &p, now, notify.KindCompleted, base); err != nil {
			return err
		}
	}
	return nil
}

// notify marks p notified and queues its message of kind k (an invitation,
// reminder, deadline warning or completion notice) by SMS and, when p has
// an address, by email. Individuals and CC recipients get a new link (any
// older one is revoked); an organisation's contact person gets a link that
// leads through sign-up and organisation verification to the contract.
// base is s.params(tx, c), read once by callers that tell several parties.
func (s *Service) notify(ctx context.Context, tx *gorm.DB, c Contract, p *Party, now time.Time, k notify.Kind, base notify.Params) error {
	changes := map[string]any{"updated_at": now}
	if p.State == PartyPending {
		changes["state"], changes["notified_at"] = PartyNotified, now
	}
	switch k {
	case notify.KindReminder:
		changes["last_reminded_at"], changes["reminders"] = now, p.Reminders+1
	case notify.KindDeadlineWarning:
		changes["deadline_warned_at"] = now
	}
	if err := tx.Model(&Party{}).Where("id = ?", p.ID).Updates(changes).Error; err != nil {
		return fmt.Errorf("update party: %w", err)
	}
	if err := tx.Where("id = ?", p.ID).First(p).Error; err != nil {
		return err
	}
	if p.Mobile == "" && p.Email == "" {
		return nil
	}
	token, err := s.issueLink(tx, c, *p, now)
	if err != nil {
		return err
	}
	if p.Kind == Organisation && p.Role == RoleSigner && k == notify.KindInvitation {
		k = notify.KindOrgInvitation
	}
	params := base
	params.URL = strings.TrimRight(s.publicURL, "/") + "/s/" + token
	params.Org = p.OrgName
	return s.message(ctx, tx, c, *p, k, params)
}

// message queues kind k to party p by SMS and, when p has an address, by
// email, inside tx.
func (s *Service) message(ctx context.Context, tx *gorm.DB, c Contract, p Party, k notify.Kind, params notify.Params) error {
	if s.msgs == nil {
		return nil
	}
	out := messages.Outgoing{Kind: k, To: p.Mobile, ToName: p.Name, Lang: notify.ParseLang(p.Lang), Params: params, ContractID: c.ID, PartyID: p.ID}
	if p.Mobile != "" {
		if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
			return fmt.Errorf("queue %s to party %s: %w", k, p.ID, err)
		}
	}
	if p.Email != "" {
		out.Channel, out.To = notify.ChannelEmail, p.Email
		if _, err := s.msgs.Enqueue(ctx, tx, out); err != nil {
			return fmt.Errorf("queue %s email to party %s: %w", k, p.ID, err)
		}
	}
	return nil
}

// params are the words every message about c shares: its title, its
// deadline and who sent it.
func (s *Service) params(tx *gorm.DB, c Contract) (notify.Params, error) {
	var t tenants.Tenant
	if err := tx.Select("name").Where("id = ?", c.TenantID).First(&t).Error; err != nil {
		return notify.Params{}, fmt.Errorf("find sender of contract %s: %w", c.ID, err)
	}
	p := notify.Params{Title: c.Title, Sender: t.Name, Reason: c.Reason}
	if c.Deadline != nil {
		p.Deadline = *c.Deadline
	}
	return p, nil
}

// kick wakes the message dispatcher after a transaction that queued
// messages has committed.
func (s *Service) kick() {
	if s.msgs != nil {
		s.msgs.Kick()
	}
}

// issueLink makes a new signing link for p, revoking any older one while
// the contract is open; a completed contract's older links stay, so a
// signer coming back through the invitation still reaches the final PDF.
// The token is 256 random bits; only its SHA-256 is stored.
func (s *Service) issueLink(tx *gorm.DB, c Contract, p Party, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("link token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if c.State != StateCompleted {
		if err := tx.Model(&Link{}).Where("party_id = ? AND revoked_at IS NULL", p.ID).Update("revoked_at", now).Error; err != nil {
			return "", fmt.Errorf("revoke old links: %w", err)
		}
	}
	expires := now.Add(MaxDeadline)
	if c.Deadline != nil {
		expires = *c.Deadline
	}
	if c.State == StateCompleted {
		expires = now.Add(MaxDeadline) // copies stay reachable for a while
	}
	l := Link{ID: ids.New(), ContractID: c.ID, PartyID: p.ID, TokenHash: hashToken(token), ExpiresAt: expires, CreatedAt: now}
	if err := tx.Create(&l).Error; err != nil {
		return "", fmt.Errorf("save link: %w", err)
	}
	return token, nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte("signet/contract-link/v1\x00" + token))
	return hex.EncodeToString(h[:])
}

// NewLink issues a fresh link for a party of an open contract, revoking the
// old one, so the initiator can pass it on another way. It returns the URL.
func (s *Service) NewLink(ctx context.Context, a Actor, contractID, partyID string) (string, error) {
	var url string
	// MariaDB breaks deadlocks of concurrent sends by rolling one back: run it again.
	err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, contractID)
		if err != nil {
			return err
		}
		p, err := findParty(tx, c.ID, partyID)
		if err != nil {
			return err
		}
		if c.State != StateInProgress || p.Kind != Person || p.Role != RoleSigner || p.State == PartyPending || p.State == PartySigned || p.State == PartyRejected {
			return fmt.Errorf("new link: %w", ErrState)
		}
		token, err := s.issueLink(tx, c, p, s.now())
		if err != nil {
			return err
		}
		url = strings.TrimRight(s.publicURL, "/") + "/s/" + token
		return s.event(ctx, tx, c, a, "signer.link_issued", "", partyEvent(p))
	})
	return url, err
}

// RevokeLinks revokes every live link of a party.
func (s *Service) RevokeLinks(ctx context.Context, a Actor, contractID, partyID string) error {
	return database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err := lockContract(tx, contractID)
		if err != nil {
			return err
		}
		p, err := findParty(tx, c.ID, partyID)
		if err != nil {
			return err
		}
		if err := tx.Model(&Link{}).Where("party_id = ? AND revoked_at IS NULL", p.ID).Update("revoked_at", s.now()).Error; err != nil {
			return fmt.Errorf("revoke links: %w", err)
		}
		return s.event(ctx, tx, c, a, "signer.links_revoked", "", partyEvent(p))
	})
}

func findParty(tx *gorm.DB, contractID, id string) (Party, error) {
	var p Party
	if err := tx.Where("id = ? AND contract_id = ?", id, contractID).First(&p).Error; err != nil {
		return p, notFound(err, "party "+id)
	}
	return p, nil
}
