package contracts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"signet/evidence"
	"signet/identity"
	"signet/internal/ids"
	"signet/tenants"
)

// notice is a text message decided inside a transaction and sent after it
// commits.
type notice struct {
	To, Body   string
	ContractID string
	PartyID    string
	// Purpose says why: notify, remind, completed.
	Purpose string
}

// deliver sends notices after their transaction committed and keeps a
// receipt of each in the vault, named by an event on the contract's
// chain. ctx carries the contract's tenant.
func (s *Service) deliver(ctx context.Context, ns []notice) {
	for _, n := range ns {
		err := s.sendSMS(ctx, n.To, n.Body)
		if rerr := s.receipt(ctx, n, err); rerr != nil {
			s.log.WarnContext(ctx, "notification receipt not recorded", "contract", n.ContractID, "err", rerr)
		}
	}
}

// receipt records that a notice was sent, or failed: the masked number,
// the text with the link token cut out, the time and the outcome.
func (s *Service) receipt(ctx context.Context, n notice, sendErr error) error {
	tenantID, _ := tenants.FromContext(ctx)
	status, detail := "sent", ""
	if sendErr != nil {
		status, detail = "failed", clip(sendErr.Error(), 300)
	}
	rec := map[string]any{"contract_id": n.ContractID, "party_id": n.PartyID, "channel": "sms", "purpose": n.Purpose,
		"to": identity.MaskMobile(n.To), "text": linkRE.ReplaceAllString(n.Body, "/s/[link]"), "at": s.now(), "status": status, "error": detail}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	art, err := evidence.PutArtefact(ctx, s.vault, tenantID, "notification-receipt", data, "application/json")
	if err != nil {
		return err
	}
	_, err = evidence.Append(ctx, s.db, evidence.Record{Chain: evidence.ContractChain(n.ContractID), Type: "notification." + status, Actor: "system",
		Payload: map[string]any{"party_id": n.PartyID, "channel": "sms", "purpose": n.Purpose, "to": identity.MaskMobile(n.To), "record_key": art.Key, "record_sm3": art.SM3}}, s.now())
	return err
}

var linkRE = regexp.MustCompile(`/s/[A-Za-z0-9_-]+`)

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// openRound notifies the signers whose turn it is, or completes the
// contract when everyone has signed. It runs inside the transaction of the
// transition that made it necessary.
func (s *Service) openRound(ctx context.Context, tx *gorm.DB, c *Contract, a Actor) ([]notice, error) {
	var parties []Party
	if err := tx.Where("contract_id = ?", c.ID).Order("sign_order, id").Find(&parties).Error; err != nil {
		return nil, fmt.Errorf("load parties: %w", err)
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
			return nil, err
		}
	}
	var out []notice
	now := s.now()
	for _, p := range parties {
		if p.Role != RoleSigner || p.Order != round || p.State != PartyPending {
			continue
		}
		n, err := s.notify(ctx, tx, *c, &p, now, false)
		if err != nil {
			return nil, err
		}
		out = append(out, n...)
		if err := s.event(ctx, tx, *c, a, "signer.notified", "signer.notified", partyPayload(p)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// complete ends the contract as signed by all and tells the CC recipients.
func (s *Service) complete(ctx context.Context, tx *gorm.DB, c *Contract, a Actor, parties []Party) ([]notice, error) {
	if err := s.end(ctx, tx, c, a, StateCompleted, "", "contract.completed"); err != nil {
		return nil, err
	}
	var out []notice
	now := s.now()
	for _, p := range parties {
		if p.Role != RoleCC {
			continue
		}
		n, err := s.notify(ctx, tx, *c, &p, now, false)
		if err != nil {
			return nil, err
		}
		out = append(out, n...)
	}
	return out, nil
}

// notify marks p notified and prepares its message: individuals get a new
// link (any older one is revoked); organisations' contacts are told to
// sign through their Signet account.
func (s *Service) notify(ctx context.Context, tx *gorm.DB, c Contract, p *Party, now time.Time, reminder bool) ([]notice, error) {
	changes := map[string]any{"updated_at": now}
	if p.State == PartyPending {
		changes["state"], changes["notified_at"] = PartyNotified, now
	}
	if reminder {
		changes["last_reminded_at"], changes["reminders"] = now, p.Reminders+1
	}
	if err := tx.Model(&Party{}).Where("id = ?", p.ID).Updates(changes).Error; err != nil {
		return nil, fmt.Errorf("update party: %w", err)
	}
	if err := tx.Where("id = ?", p.ID).First(p).Error; err != nil {
		return nil, err
	}
	if p.Mobile == "" {
		return nil, nil
	}
	var body string
	switch {
	case p.Kind == Person || p.Role == RoleCC:
		token, err := s.issueLink(tx, c, *p, now)
		if err != nil {
			return nil, err
		}
		url := strings.TrimRight(s.publicURL, "/") + "/s/" + token
		switch {
		case p.Role == RoleCC:
			body = fmt.Sprintf("【Signet】%s 已签署完成，查看：%s", c.Title, url)
		case reminder:
			body = fmt.Sprintf("【Signet】提醒：请在 %s 前签署《%s》：%s", c.Deadline.In(chinaTime).Format("2006-01-02 15:04"), c.Title, url)
		default:
			body = fmt.Sprintf("【Signet】请签署《%s》：%s 截止 %s", c.Title, url, c.Deadline.In(chinaTime).Format("2006-01-02 15:04"))
		}
	default:
		body = fmt.Sprintf("【Signet】%s 待盖章：《%s》。请登录 Signet 在待签列表中处理。", p.OrgName, c.Title)
	}
	purpose := "notify"
	switch {
	case p.Role == RoleCC:
		purpose = "completed"
	case reminder:
		purpose = "remind"
	}
	return []notice{{To: p.Mobile, Body: body, ContractID: c.ID, PartyID: p.ID, Purpose: purpose}}, nil
}

// chinaTime is the zone messages are written in.
var chinaTime = time.FixedZone("CST", 8*3600)

// issueLink makes a new signing link for p, revoking any older one. The
// token is 256 random bits; only its SHA-256 is stored.
func (s *Service) issueLink(tx *gorm.DB, c Contract, p Party, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("link token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if err := tx.Model(&Link{}).Where("party_id = ? AND revoked_at IS NULL", p.ID).Update("revoked_at", now).Error; err != nil {
		return "", fmt.Errorf("revoke old links: %w", err)
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
	err := tenants.DB(ctx, s.db).Transaction(func(tx *gorm.DB) error {
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
		return s.event(ctx, tx, c, a, "signer.link_issued", "", partyPayload(p))
	})
	return url, err
}

// RevokeLinks revokes every live link of a party.
func (s *Service) RevokeLinks(ctx context.Context, a Actor, contractID, partyID string) error {
	return tenants.DB(ctx, s.db).Transaction(func(tx *gorm.DB) error {
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
		return s.event(ctx, tx, c, a, "signer.links_revoked", "", partyPayload(p))
	})
}

func findParty(tx *gorm.DB, contractID, id string) (Party, error) {
	var p Party
	if err := tx.Where("id = ? AND contract_id = ?", id, contractID).First(&p).Error; err != nil {
		return p, notFound(err, "party "+id)
	}
	return p, nil
}

// partyPayload is what events say about a party: no full mobile number.
func partyPayload(p Party) map[string]any {
	m := map[string]any{"party_id": p.ID, "role": p.Role, "kind": p.Kind, "order": p.Order, "name": p.Name}
	if p.Kind == Organisation {
		m["org_name"], m["org_uscc"] = p.OrgName, p.OrgUSCC
	}
	if p.Mobile != "" {
		m["mobile"] = identity.MaskMobile(p.Mobile)
	}
	return m
}
