package tenants

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/page"
	"signet/internal/valid"
)

// Members lists the tenant's members, newest first, with their people.
func (s *Service) Members(ctx context.Context, r page.Request) (page.Page[Membership], error) {
	p, err := page.Find(s.db.WithContext(ctx).Preload("Person"), r, func(m Membership) string { return m.ID })
	if err != nil && !errors.Is(err, page.ErrBadCursor) {
		return p, fmt.Errorf("list members: %w", err)
	}
	return p, err
}

// Member returns one membership of the tenant.
func (s *Service) Member(ctx context.Context, id string) (Membership, error) {
	var m Membership
	if err := s.db.WithContext(ctx).Preload("Person").Where("id = ?", id).First(&m).Error; err != nil {
		return Membership{}, notFound(err, "member", id)
	}
	return m, nil
}

// SetRole changes a member's role. Only owners may make or unmake owners,
// and the last owner cannot step down ([ErrLastOwner]). The member's
// sessions in the tenant carry the new role from their next request.
func (s *Service) SetRole(ctx context.Context, actor Principal, id string, role Role) (Membership, error) {
	if !role.Valid() {
		var v valid.Errors
		v.Add("role", "invalid", "must be one of owner, admin, member, legal")
		return Membership{}, v
	}
	var m Membership
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).First(&m).Error; err != nil {
			return notFound(err, "member", id)
		}
		if (m.Role == RoleOwner || role == RoleOwner) && actor.Role != RoleOwner {
			return fmt.Errorf("set role: only an owner can change owners: %w", ErrForbidden)
		}
		if m.Role == RoleOwner && role != RoleOwner {
			if err := s.keepAnOwner(tx, m.ID); err != nil {
				return err
			}
		}
		m.Role = role
		if err := tx.Model(&m).Update("role", role).Error; err != nil {
			return err
		}
		return bumpSessions(tx, sessionsOf{personID: m.PersonID, tenantID: m.TenantID})
	})
	if m.PersonID != "" {
		s.checked.forget(sessionsOf{personID: m.PersonID, tenantID: m.TenantID}.matches)
	}
	if err != nil {
		return Membership{}, err
	}
	return s.Member(ctx, id)
}

// RemoveMember takes a person out of the tenant. Their sessions in it are
// revoked with the membership: refresh tokens and access tokens stop
// working at once.
func (s *Service) RemoveMember(ctx context.Context, actor Principal, id string) error {
	var m Membership
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).First(&m).Error; err != nil {
			return notFound(err, "member", id)
		}
		if m.Role == RoleOwner {
			if actor.Role != RoleOwner {
				return fmt.Errorf("remove member: only an owner can remove an owner: %w", ErrForbidden)
			}
			if err := s.keepAnOwner(tx, m.ID); err != nil {
				return err
			}
		}
		if err := tx.Delete(&m).Error; err != nil {
			return err
		}
		return s.revokeSessions(tx, sessionsOf{personID: m.PersonID, tenantID: m.TenantID})
	})
	if m.PersonID != "" {
		s.checked.forget(sessionsOf{personID: m.PersonID, tenantID: m.TenantID}.matches)
	}
	return err
}

// SetTenantStatus suspends ([TenantSuspended]) or reinstates
// ([TenantActive]) a tenant. Only platform operators may call it. A
// suspended tenant's sessions stop working from their next request (their
// refresh tokens already fail), and its API keys at once. record, when
// given, runs in the same transaction (the caller's evidence of who changed
// it and why), so the change and its record commit or fail together.
func (s *Service) SetTenantStatus(ctx context.Context, tenantID, status string, record func(tx *gorm.DB) error) error {
	if status != TenantActive && status != TenantSuspended {
		var v valid.Errors
		v.Add("status", "invalid", "must be active or suspended")
		return v
	}
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		res := tx.Model(&Tenant{}).Where("id = ?", tenantID).Update("status", status)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("find tenant %s: %w", tenantID, ErrNotFound)
		}
		if record != nil {
			if err := record(tx); err != nil {
				return err
			}
		}
		return bumpSessions(tx, sessionsOf{tenantID: tenantID})
	})
	s.checked.forget(sessionsOf{tenantID: tenantID}.matches)
	if err != nil {
		return fmt.Errorf("set status of tenant %s: %w", tenantID, err)
	}
	return nil
}

// keepAnOwner fails unless an owner other than membershipID remains. The
// owners are locked so two owners cannot demote each other at once.
func (s *Service) keepAnOwner(tx *gorm.DB, membershipID string) error {
	var owners []Membership
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("role = ?", RoleOwner).Find(&owners).Error; err != nil {
		return err
	}
	for _, o := range owners {
		if o.ID != membershipID {
			return nil
		}
	}
	return ErrLastOwner
}

// addMember puts a person in the tenant in ctx.
func addMember(tx *gorm.DB, m *Membership) error {
	err := tx.Create(m).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrAlreadyMember
	}
	return err
}
