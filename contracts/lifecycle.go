package contracts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
	"signet/notify"
	"signet/tenants"
)

// Preparer turns an original document into the document signers see,
// before anyone signs: the signing service adds the verification page with
// the contract's QR code there. Nil leaves the original as it is.
type Preparer func(ctx context.Context, c Contract, d Document, original []byte) ([]byte, error)

// SetPreparer installs the document preparer.
func (s *Service) SetPreparer(p Preparer) { s.prepare = p }

// Contract returns one of the tenant's contracts or [ErrNotFound].
func (s *Service) Contract(ctx context.Context, id string) (Contract, error) {
	var c Contract
	if err := tenants.DB(ctx, s.db).Where("id = ?", id).First(&c).Error; err != nil {
		return c, notFound(err, "contract "+id)
	}
	return c, nil
}

// Detail is a contract with its documents, parties and fields.
type Detail struct {
	Contract  Contract
	Documents []Document
	Parties   []Party
	Fields    []Field
}

// Detail returns the contract id with everything it owns.
func (s *Service) Detail(ctx context.Context, id string) (Detail, error) {
	c, err := s.Contract(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	return s.detail(ctx, tenants.DB(ctx, s.db), c)
}

func (s *Service) detail(_ context.Context, tx *gorm.DB, c Contract) (Detail, error) {
	d := Detail{Contract: c}
	if err := tx.Where("contract_id = ?", c.ID).Order("seq").Find(&d.Documents).Error; err != nil {
		return d, fmt.Errorf("load documents: %w", err)
	}
	if err := tx.Where("contract_id = ?", c.ID).Order("role DESC, sign_order, id").Find(&d.Parties).Error; err != nil {
		return d, fmt.Errorf("load parties: %w", err)
	}
	if err := tx.Where("contract_id = ?", c.ID).Order("id").Find(&d.Fields).Error; err != nil {
		return d, fmt.Errorf("load fields: %w", err)
	}
	return d, nil
}

// lockContract reads the contract for update inside tx, so that every
// transition of one contract is serialised.
func lockContract(tx *gorm.DB, id string) (Contract, error) {
	var c Contract
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).First(&c).Error; err != nil {
		return c, notFound(err, "contract "+id)
	}
	return c, nil
}

// save writes c's changed state, bumping its version.
func save(tx *gorm.DB, c *Contract, changes map[string]any) error {
	changes["version"] = c.Version + 1
	if err := tx.Model(&Contract{}).Where("id = ?", c.ID).Updates(changes).Error; err != nil {
		return fmt.Errorf("update contract: %w", err)
	}
	return tx.Where("id = ?", c.ID).First(c).Error
}

// Send starts the signing flow of a draft: the documents are prepared and
// stored as revision 0, the deadline starts, and the first signers in the
// order are notified.
func (s *Service) Send(ctx context.Context, a Actor, id string) (Contract, error) {
	d, err := s.Detail(ctx, id)
	if err != nil {
		return Contract{}, err
	}
	c := d.Contract
	if c.State != StateDraft {
		return c, fmt.Errorf("send contract: %w", ErrState)
	}
	tenantID, _ := tenants.FromContext(ctx)
	alg, err := s.algorithm(ctx)
	if err != nil {
		return c, err
	}
	c.Algorithm = alg
	// Prepare and store every document before any row points to it.
	prepared := make([]evidence.Artefact, len(d.Documents))
	for i, doc := range d.Documents {
		data, err := s.read(ctx, doc.OriginalKey)
		if err != nil {
			return c, err
		}
		if s.prepare != nil {
			if data, err = s.prepare(ctx, c, doc, data); err != nil {
				return c, fmt.Errorf("prepare %s: %w", doc.Name, err)
			}
		}
		if prepared[i], err = evidence.PutArtefact(ctx, s.vault, tenantID, kindRevision, data, "application/pdf"); err != nil {
			return c, err
		}
	}
	// MariaDB breaks deadlocks of concurrent sends by rolling one back: run it again.
	err = database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		c, err = lockContract(tx, id)
		if err != nil {
			return err
		}
		if c.State != StateDraft {
			return fmt.Errorf("send contract: %w", ErrState)
		}
		now := s.now()
		deadline := now.Add(time.Duration(c.DeadlineDays) * 24 * time.Hour)
		for i, doc := range d.Documents {
			art := prepared[i]
			rev := Revision{ID: ids.New(), ContractID: c.ID, DocumentID: doc.ID, N: 0, Key: art.Key, SM3: art.SM3, SHA256: art.SHA256, Size: art.Size, CreatedAt: now}
			if err := tx.Create(&rev).Error; err != nil {
				return fmt.Errorf("save revision: %w", err)
			}
			if err := tx.Model(&Document{}).Where("id = ?", doc.ID).Updates(map[string]any{
				"current_key": art.Key, "current_sm3": art.SM3, "prepared_sm3": art.SM3, "revision": 0}).Error; err != nil {
				return fmt.Errorf("update document: %w", err)
			}
		}
		if err := save(tx, &c, map[string]any{"state": StateInProgress, "sent_at": now, "deadline": deadline, "algorithm": alg}); err != nil {
			return err
		}
		digests := make([]string, len(prepared))
		for i, p := range prepared {
			digests[i] = p.SM3
		}
		if err := s.event(ctx, tx, c, a, "contract.sent", "contract.sent", map[string]any{
			"deadline": deadline, "documents_sm3": digests, "algorithm": alg}); err != nil {
			return err
		}
		return s.openRound(ctx, tx, &c, a)
	})
	if err != nil {
		return Contract{}, err
	}
	s.kick()
	return c, nil
}

// algorithm is the signature algorithm of the tenant in ctx: sm2 unless
// the tenant chose otherwise.
func (s *Service) algorithm(ctx context.Context) (string, error) {
	if s.algorithmOf == nil {
		return "sm2", nil
	}
	alg, err := s.algorithmOf(ctx)
	if err != nil {
		return "", fmt.Errorf("read tenant algorithm: %w", err)
	}
	if alg == "" {
		return "sm2", nil
	}
	return alg, nil
}

// Extend moves an open contract's deadline by days, never past 90 days
// from now. Signing links follow the deadline.
func (s *Service) Extend(ctx context.Context, a Actor, id string, days int) (Contract, error) {
	var c Contract
	err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		var err error
		if c, err = lockContract(tx, id); err != nil {
			return err
		}
		if c.State != StateInProgress {
			return fmt.Errorf("extend contract: %w", ErrState)
		}
		now := s.now()
		if days < 1 || days > int(MaxDeadline/(24*time.Hour)) {
			return valid.Errors{{Field: "days", Code: "out_of_range", Message: "must be between 1 and 90"}}
		}
		deadline := c.Deadline.Add(time.Duration(days) * 24 * time.Hour)
		if deadline.After(now.Add(MaxDeadline)) {
			return valid.Errors{{Field: "days", Code: "out_of_range", Message: "the deadline may be at most 90 days from now"}}
		}
		old := *c.Deadline
		if err := save(tx, &c, map[string]any{"deadline": deadline, "extensions": c.Extensions + 1}); err != nil {
			return err
		}
		if err := tx.Model(&Link{}).Where("contract_id = ? AND revoked_at IS NULL", c.ID).Update("expires_at", deadline).Error; err != nil {
			return fmt.Errorf("extend links: %w", err)
		}
		return s.event(ctx, tx, c, a, "contract.extended", "contract.extended", map[string]any{"old_deadline": old, "deadline": deadline, "days": days})
	})
	return c, err
}

// Revoke withdraws an open contract (or discards a draft) with a reason.
// Nobody can sign it afterwards and its links stop working.
func (s *Service) Revoke(ctx context.Context, a Actor, id, reason string) (Contract, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return Contract{}, err
	}
	var c Contract
	err = database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
		var err error
		if c, err = lockContract(tx, id); err != nil {
			return err
		}
		if c.State != StateInProgress && c.State != StateDraft {
			return fmt.Errorf("revoke contract: %w", ErrState)
		}
		return s.end(ctx, tx, &c, a, StateRevoked, reason, "contract.revoked")
	})
	return c, err
}

// end moves c to a final state, revokes its links and records it.
func (s *Service) end(ctx context.Context, tx *gorm.DB, c *Contract, a Actor, to State, reason, typ string) error {
	now := s.now()
	if err := save(tx, c, map[string]any{"state": to, "reason": reason, "ended_at": now}); err != nil {
		return err
	}
	if to != StateCompleted {
		if err := tx.Model(&Link{}).Where("contract_id = ? AND revoked_at IS NULL", c.ID).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke links: %w", err)
		}
	}
	if err := s.event(ctx, tx, *c, a, typ, typ, map[string]any{"state": to, "reason": reason}); err != nil {
		return err
	}
	return s.tellEnded(ctx, tx, *c)
}

// endedKinds are the messages telling people a contract ended unsigned.
var endedKinds = map[State]notify.Kind{StateRejected: notify.KindRejected, StateRevoked: notify.KindRevoked, StateExpired: notify.KindExpired}

// tellEnded tells the parties who had been asked to act (except whoever
// rejected) and the initiator, by email, that c ended unsigned; or the
// initiator that it completed.
func (s *Service) tellEnded(ctx context.Context, tx *gorm.DB, c Contract) error {
	k, unsigned := endedKinds[c.State]
	if c.State == StateCompleted {
		k = notify.KindCompleted
	}
	if k == "" {
		return nil
	}
	params, err := s.params(tx, c)
	if err != nil {
		return err
	}
	if c.State == StateExpired {
		params.Reason = "" // the deadline says it
	}
	var parties []Party
	if err := tx.Where("contract_id = ?", c.ID).Order("sign_order, id").Find(&parties).Error; err != nil {
		return fmt.Errorf("load parties: %w", err)
	}
	for _, p := range parties {
		if p.State == PartyRejected {
			params.Party = p.Name
			if p.Kind == Organisation {
				params.Party = p.OrgName
			}
		}
	}
	if unsigned {
		for _, p := range parties {
			if p.NotifiedAt == nil || p.State == PartyRejected || p.Role != RoleSigner {
				continue
			}
			if err := s.message(ctx, tx, c, p, k, params); err != nil {
				return err
			}
		}
	}
	// The initiator hears by email, with a link to the contract in the
	// console.
	var who tenants.Person
	id, ok := strings.CutPrefix(c.CreatedBy, "person:")
	if !ok || tx.Select("name", "email").Where("id = ?", id).Limit(1).Find(&who).Error != nil || who.Email == "" {
		return nil
	}
	params.URL = strings.TrimRight(s.publicURL, "/") + "/app/contracts/" + c.ID
	return s.message(ctx, tx, c, Party{Name: who.Name, Email: who.Email}, k, params)
}

// ExpireDue ends every contract of the tenant in ctx whose deadline has
// passed unsigned. It is a job; the runner calls it per tenant.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	var due []Contract
	if err := tenants.DB(ctx, s.db).Where("state = ? AND deadline <= ?", StateInProgress, s.now()).Limit(500).Find(&due).Error; err != nil {
		return 0, fmt.Errorf("find due contracts: %w", err)
	}
	n := 0
	for _, c := range due {
		var ended bool // set by the run that commits
		err := database.Transaction(tenants.DB(ctx, s.db), func(tx *gorm.DB) error {
			c, err := lockContract(tx, c.ID)
			if err != nil {
				return err
			}
			if ended = c.State == StateInProgress && !c.Deadline.After(s.now()); !ended {
				return nil
			}
			return s.end(ctx, tx, &c, System, StateExpired, "deadline passed", "contract.expired")
		})
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// TenantsWithOpenContracts lists the tenants that have contracts in
// progress, for the job runner. It reads across tenants.
func (s *Service) TenantsWithOpenContracts(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(tenants.Unscoped(ctx)).Model(&Contract{}).Where("state = ?", StateInProgress).Distinct().Pluck("tenant_id", &out).Error
	if err != nil {
		return nil, fmt.Errorf("list tenants with open contracts: %w", err)
	}
	return out, nil
}

// checkReason trims a rejection or revocation reason, which is required
// and at most 500 characters.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var v valid.Errors
	if v.Required("reason", reason) {
		v.MaxLen("reason", reason, 500)
	}
	return reason, v.Err()
}
