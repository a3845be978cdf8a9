package seals

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/valid"
	"signet/tenants"
)

// Authorisation lets a named person, or everyone holding a role, use a seal
// between ValidFrom and ValidUntil.
type Authorisation struct {
	ID       string `gorm:"primaryKey;size:36"`
	TenantID string `gorm:"size:36;not null"`
	SealID   string `gorm:"size:36;not null"`
	// PersonID, Role or APIKeyID names who is authorised; exactly one is
	// set. An API key may only be authorised to auto-stamp: that is how
	// systems stamp through the API with no human step.
	PersonID string       `gorm:"size:36;not null;default:''"`
	Role     tenants.Role `gorm:"size:16;not null;default:''"`
	APIKeyID string       `gorm:"column:api_key_id;size:36;not null;default:''"`
	// AutoStamp allows server-side stamping without the holder present (no
	// PIN); it must be granted explicitly.
	AutoStamp bool `gorm:"not null;default:false"`
	// RequireApproval makes each use wait for the custodian's approval.
	RequireApproval bool `gorm:"not null;default:false"`
	ValidFrom       time.Time
	ValidUntil      time.Time
	RevokedAt       *time.Time
	CreatedBy       string `gorm:"size:80;not null"`
	CreatedAt       time.Time
}

// TableName pins the table to its migration.
func (Authorisation) TableName() string { return "seal_authorisations" }

// current reports whether the authorisation is in force at now.
func (z Authorisation) current(now time.Time) bool {
	return z.RevokedAt == nil && !now.Before(z.ValidFrom) && now.Before(z.ValidUntil)
}

// covers reports whether the authorisation names the principal.
func (z Authorisation) covers(p tenants.Principal) bool {
	if p.APIKeyID != "" {
		return z.AutoStamp && z.APIKeyID == p.APIKeyID
	}
	return z.PersonID != "" && z.PersonID == p.PersonID || z.Role != "" && z.Role == p.Role
}

// Authorise grants use of a seal; tenant managers only. PersonID must be a
// member of the tenant (the caller checks), or Role a tenant role.
func (s *Service) Authorise(ctx context.Context, a Actor, z Authorisation) (Authorisation, error) {
	if !a.manages() {
		return Authorisation{}, fmt.Errorf("authorise seal use: %w", ErrForbidden)
	}
	var v valid.Errors
	named := 0
	for _, f := range []string{z.PersonID, string(z.Role), z.APIKeyID} {
		if f != "" {
			named++
		}
	}
	if named != 1 {
		v.Add("person_id", "required", "name exactly one of person_id, role and api_key_id")
	}
	if z.APIKeyID != "" && (!z.AutoStamp || z.RequireApproval) {
		v.Add("auto_stamp", "required", "an API key can only be authorised to auto-stamp, without approval")
	}
	if z.Role != "" && !z.Role.Valid() {
		v.Add("role", "invalid", "must be owner, admin, member or legal")
	}
	if !z.ValidUntil.After(z.ValidFrom) {
		v.Add("valid_until", "invalid", "must be after valid_from")
	}
	if err := v.Err(); err != nil {
		return Authorisation{}, err
	}
	seal, err := s.Seal(ctx, z.SealID)
	if err != nil {
		return Authorisation{}, err
	}
	if seal.State == StateRevoked || seal.State == StateRejected || seal.State == StateExpired {
		return Authorisation{}, fmt.Errorf("authorise use of a %s seal: %w", seal.State, ErrState)
	}
	z.ID, z.TenantID, z.RevokedAt, z.CreatedBy = ids.New(), "", nil, a.Principal.Actor()
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Create(&z).Error; err != nil {
			return fmt.Errorf("create authorisation: %w", err)
		}
		return s.event(ctx, tx, a, "seal.authorised", map[string]any{"seal_id": z.SealID, "authorisation_id": z.ID,
			"person_id": z.PersonID, "role": z.Role, "api_key_id": z.APIKeyID, "auto_stamp": z.AutoStamp, "require_approval": z.RequireApproval,
			"valid_from": z.ValidFrom, "valid_until": z.ValidUntil})
	})
	if err != nil {
		return Authorisation{}, fmt.Errorf("authorise seal use: %w", err)
	}
	return z, nil
}

// Authorisations lists a seal's authorisations, revoked ones included.
func (s *Service) Authorisations(ctx context.Context, sealID string) ([]Authorisation, error) {
	if _, err := s.Seal(ctx, sealID); err != nil {
		return nil, err
	}
	var rows []Authorisation
	if err := s.db.WithContext(ctx).Where("seal_id = ?", sealID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list authorisations: %w", err)
	}
	return rows, nil
}

// Deauthorise revokes an authorisation at once; tenant managers only.
func (s *Service) Deauthorise(ctx context.Context, a Actor, sealID, id string) error {
	if !a.manages() {
		return fmt.Errorf("deauthorise seal use: %w", ErrForbidden)
	}
	return database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		var z Authorisation
		if err := tx.Where("id = ? AND seal_id = ?", id, sealID).First(&z).Error; err != nil {
			return notFound(err, "authorisation "+id)
		}
		if z.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if err := tx.Model(&z).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke authorisation: %w", err)
		}
		return s.event(ctx, tx, a, "seal.deauthorised", map[string]any{"seal_id": sealID, "authorisation_id": id})
	})
}

// authorisationFor returns the principal's authorisation in force for the
// seal: an explicit one, or the implicit one of a personal seal's owner.
// Among several, one allowing auto-stamping wins when autoStamp is asked,
// and one without custodian approval wins otherwise.
func (s *Service) authorisationFor(ctx context.Context, seal Seal, p tenants.Principal, autoStamp bool) (Authorisation, bool, error) {
	now := s.now()
	if seal.Kind == Personal && p.APIKeyID == "" && p.PersonID == seal.OwnerPersonID && !autoStamp {
		return Authorisation{SealID: seal.ID, PersonID: p.PersonID, ValidFrom: now, ValidUntil: now.Add(time.Second)}, true, nil
	}
	var rows []Authorisation
	if err := s.db.WithContext(ctx).Where("seal_id = ? AND revoked_at IS NULL", seal.ID).Order("id").Find(&rows).Error; err != nil {
		return Authorisation{}, false, fmt.Errorf("find authorisation: %w", err)
	}
	var best *Authorisation
	for i := range rows {
		z := rows[i]
		if !z.current(now) || !z.covers(p) || autoStamp && !z.AutoStamp {
			continue
		}
		if best == nil || best.RequireApproval && !z.RequireApproval {
			best = &rows[i]
		}
	}
	if best == nil {
		return Authorisation{}, false, nil
	}
	return *best, true, nil
}

// CanView reports whether the principal may see the seal's image: tenant
// managers, a personal seal's owner, and anyone authorised now.
func (s *Service) CanView(ctx context.Context, p tenants.Principal, sealID string) (bool, error) {
	seal, err := s.Seal(ctx, sealID)
	if err != nil {
		return false, err
	}
	if (Actor{Principal: p}).manages() {
		return true, nil
	}
	_, ok, err := s.authorisationFor(ctx, seal, p, false)
	return ok, err
}
