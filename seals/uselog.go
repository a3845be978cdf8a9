package seals

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
)

// UseRequest is one attempt to stamp a document with a seal.
type UseRequest struct {
	SealID string
	Actor  Actor
	// PIN is the holder's seal PIN; not used when AutoStamp is set.
	PIN     string
	Purpose string
	// AutoStamp asks for server-side stamping, which needs an authorisation
	// that allows it.
	AutoStamp bool
	// DocumentDigest identifies what is stamped (hex SM3 or SHA-256).
	DocumentDigest string
}

// Grant is permission for one use of a seal, returned only by [Service.Use].
type Grant struct {
	UseID           string
	SealID          string
	AuthorisationID string
	// SESealKey is the vault key of the seal's SESeal DER.
	SESealKey string
	At        time.Time
}

// Use decides one attempt to use a seal and writes it to the use log,
// granted or refused with its reason. It returns [ErrNotFound],
// [ErrNotUsable] (pending, rejected, frozen, lost, revoked or expired),
// [ErrNotAuthorised], [ErrPINNotSet], [ErrPINWrong], [ErrPINLocked] or
// [ErrApprovalPending] (an approval request now waits for the custodian);
// refusals are [*RefusedError]. The signing service calls it before every
// stamp.
func (s *Service) Use(ctx context.Context, req UseRequest) (Grant, error) {
	return s.attempt(ctx, req, true)
}

// Check decides an attempt as Use does, with the same errors, but grants
// nothing: no approval is consumed and only a refusal is written to the
// use log (a wrong PIN counts towards the lockout as in Use). The signing
// service calls it before it spends the signer's willingness code, so
// that a mistyped PIN does not cost the code; Use follows once the code
// has been accepted.
func (s *Service) Check(ctx context.Context, req UseRequest) error {
	_, err := s.attempt(ctx, req, false)
	return err
}

// attempt decides a use and logs it: every outcome when grant is set,
// refusals only when not.
func (s *Service) attempt(ctx context.Context, req UseRequest, grant bool) (Grant, error) {
	seal, err := s.Seal(ctx, req.SealID)
	if err != nil {
		return Grant{}, err
	}
	g, err := s.decide(ctx, seal, req, grant)
	if err == nil && !grant {
		return g, nil
	}
	entry := UseEntry{
		ID: ids.New(), SealID: seal.ID, Actor: req.Actor.Principal.Actor(), PersonID: req.Actor.Principal.PersonID,
		Purpose: clip(req.Purpose, 200), DocumentDigest: clip(req.DocumentDigest, 128), AutoStamp: req.AutoStamp,
		Outcome: OutcomeGranted, IP: clip(req.Actor.IP, 45), UserAgent: clip(req.Actor.UserAgent, 255), At: s.now(),
	}
	var refused *RefusedError
	switch {
	case errors.As(err, &refused) && errors.Is(err, ErrApprovalPending):
		entry.Outcome, entry.Reason = OutcomePending, refused.Reason
	case errors.As(err, &refused):
		entry.Outcome, entry.Reason = OutcomeRefused, refused.Reason
	case err != nil:
		entry.Outcome, entry.Reason = OutcomeRefused, "error"
	}
	if lerr := s.db.WithContext(ctx).Create(&entry).Error; lerr != nil {
		return Grant{}, errors.Join(err, fmt.Errorf("write seal use log: %w", lerr))
	}
	if err != nil {
		return Grant{}, err
	}
	g.UseID, g.At = entry.ID, entry.At
	return g, nil
}

func (s *Service) decide(ctx context.Context, seal Seal, req UseRequest, grant bool) (Grant, error) {
	if err := seal.Usable(s.now()); err != nil {
		return Grant{}, err
	}
	p := req.Actor.Principal
	z, ok, err := s.authorisationFor(ctx, seal, p, req.AutoStamp)
	if err != nil {
		return Grant{}, err
	}
	if !ok {
		reason := "not_authorised"
		if req.AutoStamp {
			reason = "auto_stamp_not_authorised"
		}
		return Grant{}, &RefusedError{Reason: reason, Err: ErrNotAuthorised}
	}
	if !req.AutoStamp {
		if err := s.checkPIN(ctx, seal.ID, p.PersonID, req.PIN); err != nil {
			return Grant{}, err
		}
	}
	if z.RequireApproval {
		if err := s.consumeApproval(ctx, seal, p.PersonID, req, grant); err != nil {
			return Grant{}, err
		}
	}
	return Grant{SealID: seal.ID, AuthorisationID: z.ID, SESealKey: seal.SESealKey}, nil
}

// The outcomes of a use attempt.
const (
	OutcomeGranted = "granted"
	OutcomeRefused = "refused"
	OutcomePending = "pending"
)

// UseEntry is one row of the seal-use log.
type UseEntry struct {
	ID             string `gorm:"primaryKey;size:36"`
	TenantID       string `gorm:"size:36;not null"`
	SealID         string `gorm:"size:36;not null"`
	Actor          string `gorm:"size:80;not null"`
	PersonID       string `gorm:"size:36;not null;default:''"`
	Purpose        string `gorm:"size:200;not null;default:''"`
	DocumentDigest string `gorm:"size:128;not null;default:''"`
	AutoStamp      bool   `gorm:"not null;default:false"`
	Outcome        string `gorm:"size:16;not null"`
	Reason         string `gorm:"size:64;not null;default:''"`
	IP             string `gorm:"size:45;not null;default:''"`
	UserAgent      string `gorm:"size:255;not null;default:''"`
	At             time.Time
}

// TableName pins the table to its migration.
func (UseEntry) TableName() string { return "seal_uses" }

// Uses returns a seal's use log, oldest first.
func (s *Service) Uses(ctx context.Context, sealID string) ([]UseEntry, error) {
	if _, err := s.Seal(ctx, sealID); err != nil {
		return nil, err
	}
	var rows []UseEntry
	if err := s.db.WithContext(ctx).Where("seal_id = ?", sealID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list seal uses: %w", err)
	}
	return rows, nil
}

// ExportUses writes a seal's use log as CSV with a header row.
func (s *Service) ExportUses(ctx context.Context, sealID string, w io.Writer) error {
	rows, err := s.Uses(ctx, sealID)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "at", "seal_id", "actor", "person_id", "outcome", "reason", "auto_stamp", "purpose", "document_digest", "ip", "user_agent"})
	for _, r := range rows {
		_ = cw.Write([]string{r.ID, r.At.UTC().Format(time.RFC3339Nano), r.SealID, r.Actor, r.PersonID, r.Outcome, r.Reason,
			strconv.FormatBool(r.AutoStamp), csvSafe(r.Purpose), r.DocumentDigest, r.IP, csvSafe(r.UserAgent)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formula injection in free text.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@') {
		return "'" + v
	}
	return v
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// UseApproval is a use waiting for, or decided by, the seal's custodian (a
// tenant manager). An approved one is consumed by the next matching use.
type UseApproval struct {
	ID             string `gorm:"primaryKey;size:36"`
	TenantID       string `gorm:"size:36;not null"`
	SealID         string `gorm:"size:36;not null"`
	PersonID       string `gorm:"size:36;not null"`
	Purpose        string `gorm:"size:200;not null;default:''"`
	DocumentDigest string `gorm:"size:128;not null;default:''"`
	// State is pending, approved, rejected or consumed.
	State     string `gorm:"size:16;not null"`
	DecidedBy string `gorm:"size:80;not null;default:''"`
	DecidedAt *time.Time
	CreatedAt time.Time
}

// TableName pins the table to its migration.
func (UseApproval) TableName() string { return "seal_use_approvals" }

// consumeApproval spends an approved request for this person and document,
// or files a pending one (once, and asks the custodian in the same
// transaction) and refuses with [ErrApprovalPending].
func (s *Service) consumeApproval(ctx context.Context, seal Seal, personID string, req UseRequest, consume bool) error {
	sealID := seal.ID
	digest := clip(req.DocumentDigest, 128)
	var consumed, asked bool
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		consumed, asked = false, false // a rerun decides afresh
		var open []UseApproval
		if err := tx.Where("seal_id = ? AND person_id = ? AND document_digest = ? AND state IN ?", sealID, personID, digest, []string{"approved", "pending"}).
			Order("id").Find(&open).Error; err != nil {
			return fmt.Errorf("find approval: %w", err)
		}
		for _, ap := range open {
			if ap.State != "approved" {
				continue
			}
			if !consume {
				consumed = true // there is one to consume
				return nil
			}
			res := tx.Model(&UseApproval{}).Where("id = ? AND state = ?", ap.ID, "approved").Update("state", "consumed")
			if res.Error != nil {
				return fmt.Errorf("consume approval: %w", res.Error)
			}
			if res.RowsAffected == 1 {
				consumed = true
				return nil
			}
		}
		if len(open) > 0 {
			return nil // already waiting for the custodian
		}
		ap := UseApproval{ID: ids.New(), SealID: sealID, PersonID: personID, Purpose: clip(req.Purpose, 200), DocumentDigest: digest, State: "pending"}
		if err := tx.Create(&ap).Error; err != nil {
			return fmt.Errorf("request approval: %w", err)
		}
		asked = true
		return s.askCustodian(ctx, tx, seal, ap, req.Purpose)
	})
	if err != nil {
		return err
	}
	if asked {
		s.kick()
	}
	if !consumed {
		return &RefusedError{Reason: "approval_pending", Err: ErrApprovalPending}
	}
	return nil
}

// Approvals lists a seal's use approvals, oldest first.
func (s *Service) Approvals(ctx context.Context, a Actor, sealID string) ([]UseApproval, error) {
	seal, err := s.Seal(ctx, sealID)
	if err != nil {
		return nil, err
	}
	custodian := seal.CustodianPersonID != "" && a.Principal.APIKeyID == "" && a.Principal.PersonID == seal.CustodianPersonID
	if !custodian && !a.manages() {
		return nil, fmt.Errorf("list approvals: %w", ErrForbidden)
	}
	var rows []UseApproval
	if err := s.db.WithContext(ctx).Where("seal_id = ?", sealID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return rows, nil
}

// DecideApproval approves or rejects a pending use. Only the seal's
// custodian decides, or, when it names none, an owner or admin; nobody
// decides their own use. It returns [ErrNotFound], [ErrForbidden] or [ErrState].
func (s *Service) DecideApproval(ctx context.Context, a Actor, sealID, id string, approve bool) (UseApproval, error) {
	seal, err := s.Seal(ctx, sealID)
	if err != nil {
		return UseApproval{}, err
	}
	var ap UseApproval
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND seal_id = ?", id, sealID).First(&ap).Error; err != nil {
			return notFound(err, "use approval "+id)
		}
		if err := mayDecide(seal, a, ap); err != nil {
			return err
		}
		if ap.State != "pending" {
			return fmt.Errorf("decide a %s use: %w", ap.State, ErrState)
		}
		now := s.now()
		ap.State, ap.DecidedBy, ap.DecidedAt = "rejected", a.Principal.Actor(), &now
		if approve {
			ap.State = "approved"
		}
		if err := tx.Save(&ap).Error; err != nil {
			return fmt.Errorf("save use approval: %w", err)
		}
		return s.event(ctx, tx, a, "seal.use_"+ap.State, map[string]any{"seal_id": sealID, "approval_id": id, "person_id": ap.PersonID, "document_digest": ap.DocumentDigest})
	})
	if err != nil {
		return UseApproval{}, err
	}
	return ap, nil
}
