package tenants

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/page"
	"signet/internal/valid"
)

// Invite creates an invitation and returns it with its secret token, which is
// shown only this once (it travels to the invitee by email or SMS).
func (s *Service) Invite(ctx context.Context, actor Principal, email string, role Role) (Invitation, string, error) {
	var v valid.Errors
	email = normEmail(&v, "email", email)
	if !role.Valid() {
		v.Add("role", "invalid", "must be one of owner, admin, member, legal")
	}
	if err := v.Err(); err != nil {
		return Invitation{}, "", err
	}
	if role == RoleOwner && actor.Role != RoleOwner {
		return Invitation{}, "", fmt.Errorf("invite: only an owner can invite an owner: %w", ErrForbidden)
	}
	tok, digest := newSecret("sit_")
	inv := Invitation{
		ID: ids.New(), Email: email, Role: role, TokenHash: digest,
		InvitedBy: actor.PersonID, ExpiresAt: s.now().Add(s.opt.InvitationTTL),
	}
	if err := s.db.WithContext(ctx).Create(&inv).Error; err != nil {
		return Invitation{}, "", fmt.Errorf("invite %s: %w", email, err)
	}
	return inv, tok, nil
}

// Invitations lists the tenant's invitations, newest first.
func (s *Service) Invitations(ctx context.Context, r page.Request) (page.Page[Invitation], error) {
	p, err := page.Find(s.db.WithContext(ctx), r, func(i Invitation) string { return i.ID })
	if err != nil && !errors.Is(err, page.ErrBadCursor) {
		return p, fmt.Errorf("list invitations: %w", err)
	}
	return p, err
}

// Invitation returns one of the tenant's invitations.
func (s *Service) Invitation(ctx context.Context, id string) (Invitation, error) {
	var inv Invitation
	if err := s.db.WithContext(ctx).Where("id = ?", id).First(&inv).Error; err != nil {
		return Invitation{}, notFound(err, "invitation", id)
	}
	return inv, nil
}

// InvitationPreview is what the holder of an invitation's token may learn
// before accepting: which company invites them, as what, until when, and
// whether their address already has an account (to log in) or not (to
// choose a name and password).
type InvitationPreview struct {
	Invitation Invitation
	Company    string
	HasAccount bool
}

// PreviewInvitation reads a pending invitation by its token, or returns
// [ErrTokenInvalid] for an unknown, used, revoked or expired one.
func (s *Service) PreviewInvitation(ctx context.Context, token string) (InvitationPreview, error) {
	db := s.db.WithContext(Unscoped(ctx))
	var out InvitationPreview
	err := db.Where("token_hash = ?", digestSecret(token)).First(&out.Invitation).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && out.Invitation.Status(s.now()) != "pending") {
		return out, ErrTokenInvalid
	}
	if err != nil {
		return out, fmt.Errorf("preview invitation: %w", err)
	}
	var t Tenant
	if err := db.Where("id = ?", out.Invitation.TenantID).First(&t).Error; err != nil {
		return out, fmt.Errorf("preview invitation: %w", err)
	}
	var n int64
	if err := db.Model(&Person{}).Where("email = ?", out.Invitation.Email).Count(&n).Error; err != nil {
		return out, fmt.Errorf("preview invitation: %w", err)
	}
	out.Company, out.HasAccount = t.Name, n > 0
	return out, nil
}

// RevokeInvitation withdraws a pending invitation; its token stops working.
func (s *Service) RevokeInvitation(ctx context.Context, id string) (Invitation, error) {
	inv, err := s.Invitation(ctx, id)
	if err != nil {
		return Invitation{}, err
	}
	if inv.Status(s.now()) != "pending" {
		return inv, nil
	}
	now := s.now()
	if err := s.db.WithContext(ctx).Model(&inv).Update("revoked_at", now).Error; err != nil {
		return Invitation{}, fmt.Errorf("revoke invitation %s: %w", id, err)
	}
	inv.RevokedAt = &now
	return inv, nil
}

// Accept is what an invitee gives to join. A new person also gives a name and
// password; a person who already has an account proves it with their password.
type Accept struct {
	Token    string
	Name     string
	Password string
}

// AcceptInvitation spends the invitation token and makes its holder a member.
// It finds the invitation by token across tenants (the invitee has none yet).
func (s *Service) AcceptInvitation(ctx context.Context, in Accept) (Person, Membership, error) {
	var (
		p Person
		m Membership
	)
	err := database.Transaction(s.db.WithContext(Unscoped(ctx)), func(tx *gorm.DB) error {
		p, m = Person{}, Membership{} // a rerun must not look the email up by a rolled-back id
		var inv Invitation
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("token_hash = ?", digestSecret(in.Token)).First(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrTokenInvalid
		}
		if err != nil {
			return err
		}
		if inv.Status(s.now()) != "pending" {
			return ErrTokenInvalid
		}
		err = tx.Where("email = ?", inv.Email).First(&p).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			var v valid.Errors
			name := checkName(&v, "name", in.Name, 100)
			checkPassword(&v, "password", in.Password, inv.Email)
			if err := v.Err(); err != nil {
				return err
			}
			hash, err := HashPassword(in.Password, s.opt.Password)
			if err != nil {
				return err
			}
			p = Person{ID: ids.New(), Email: inv.Email, Name: name, PasswordHash: hash}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			ok, err := CheckPassword(in.Password, p.PasswordHash)
			if err != nil || !ok {
				return ErrInvalidCredentials
			}
		}
		// The membership belongs to the invitation's tenant, whatever tenant
		// the caller happens to be logged in to.
		m = Membership{ID: ids.New(), TenantID: inv.TenantID, PersonID: p.ID, Role: inv.Role}
		if err := addMember(tx.WithContext(WithTenant(Unscoped(ctx), inv.TenantID)), &m); err != nil {
			return err
		}
		return tx.Model(&inv).Update("accepted_at", s.now()).Error
	})
	if err != nil {
		return Person{}, Membership{}, fmt.Errorf("accept invitation: %w", err)
	}
	return p, m, nil
}
