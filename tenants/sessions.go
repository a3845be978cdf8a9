package tenants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"signet/internal/ids"
)

// Session is what a refresh token stands for: a person, optionally acting in
// one tenant with a role, or a platform operator.
type Session struct {
	PersonID string
	TenantID string
	Role     Role
	Operator bool
	FamilyID string
	Expires  time.Time
}

// Principal returns the principal the session acts as.
func (s Session) Principal() Principal {
	return Principal{PersonID: s.PersonID, TenantID: s.TenantID, Role: s.Role, Operator: s.Operator}
}

// ClientMeta describes where a request came from, for session records and audit.
type ClientMeta struct {
	IP        string
	UserAgent string
}

// StartSession opens a session for p in tenantID (empty: the person's first
// tenant, or none for an operator without tenants) and returns its first
// refresh token.
func (s *Service) StartSession(ctx context.Context, p Person, tenantID string, meta ClientMeta) (string, Session, error) {
	sess, err := s.resolve(ctx, p, tenantID)
	if err != nil {
		return "", Session{}, err
	}
	sess.FamilyID = ids.New()
	tok, err := s.issueRefresh(s.db.WithContext(ctx), sess, meta)
	return tok, sess, err
}

// resolve finds the role p holds in tenantID.
func (s *Service) resolve(ctx context.Context, p Person, tenantID string) (Session, error) {
	sess := Session{PersonID: p.ID, Operator: p.PlatformRole == PlatformOperator}
	ms, err := s.MembershipsOf(ctx, p.ID)
	if err != nil {
		return Session{}, err
	}
	for _, m := range ms {
		if tenantID == "" || m.TenantID == tenantID {
			sess.TenantID, sess.Role = m.TenantID, m.Role
			return sess, nil
		}
	}
	if tenantID != "" {
		return Session{}, fmt.Errorf("start session in tenant %s: %w", tenantID, ErrNotFound)
	}
	return sess, nil
}

func (s *Service) issueRefresh(db *gorm.DB, sess Session, meta ClientMeta) (string, error) {
	tok, digest := newSecret("srt_")
	now := s.now()
	row := refreshToken{
		ID: ids.New(), PersonID: sess.PersonID, ActiveTenantID: sess.TenantID, FamilyID: sess.FamilyID,
		TokenHash: digest, ExpiresAt: now.Add(s.opt.RefreshTTL), IP: truncate(meta.IP, 45), UserAgent: truncate(meta.UserAgent, 255),
	}
	if err := db.Create(&row).Error; err != nil {
		return "", fmt.Errorf("issue refresh token: %w", err)
	}
	return tok, nil
}

// Refresh spends a refresh token and returns its successor. A token that was
// already spent revokes its whole family and returns [ErrTokenReused]; an
// unknown, expired or revoked one returns [ErrTokenInvalid]. The role is
// read afresh, so a demoted or removed member's next refresh reflects it.
func (s *Service) Refresh(ctx context.Context, token string, meta ClientMeta) (string, Session, error) {
	var (
		next string
		sess Session
	)
	reusedFamily := ""
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rt refreshToken
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("token_hash = ?", digestSecret(token)).First(&rt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrTokenInvalid
		}
		if err != nil {
			return err
		}
		now := s.now()
		if rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) {
			return ErrTokenInvalid
		}
		if rt.UsedAt != nil {
			reusedFamily = rt.FamilyID
			return nil
		}
		if err := tx.Model(&refreshToken{}).Where("id = ? AND used_at IS NULL", rt.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		var p Person
		if err := tx.Where("id = ?", rt.PersonID).First(&p).Error; err != nil {
			return ErrTokenInvalid
		}
		sess, err = s.resolve(ctx, p, rt.ActiveTenantID)
		if errors.Is(err, ErrNotFound) {
			return ErrTokenInvalid // no longer a member of that tenant
		}
		if err != nil {
			return err
		}
		sess.FamilyID = rt.FamilyID
		next, err = s.issueRefresh(tx, sess, meta)
		if err != nil {
			return err
		}
		sess.Expires = now.Add(s.opt.RefreshTTL)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrTokenInvalid) {
			return "", Session{}, fmt.Errorf("refresh: %w", ErrTokenInvalid)
		}
		return "", Session{}, fmt.Errorf("refresh: %w", err)
	}
	if reusedFamily != "" {
		if err := s.revokeWhere(ctx, "family_id = ?", reusedFamily); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, fmt.Errorf("refresh: %w", ErrTokenReused)
	}
	return next, sess, nil
}

// Logout revokes the session the refresh token belongs to. Unknown tokens are
// ignored, so logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, token string) error {
	var rt refreshToken
	err := s.db.WithContext(ctx).Where("token_hash = ?", digestSecret(token)).First(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return s.revokeWhere(ctx, "family_id = ?", rt.FamilyID)
}

// RevokeAll ends every session of the person, on every device.
func (s *Service) RevokeAll(ctx context.Context, personID string) error {
	return s.revokeWhere(ctx, "person_id = ?", personID)
}

func (s *Service) revokeWhere(ctx context.Context, where string, args ...any) error {
	err := s.db.WithContext(ctx).Model(&refreshToken{}).Where(where, args...).Where("revoked_at IS NULL").
		Update("revoked_at", s.now()).Error
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
