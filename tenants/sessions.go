package tenants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
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
	// Version is the version of the session's rights when it was read; an
	// access token carries it (see [Service.Current]).
	Version int64
	Expires time.Time
}

// Principal returns the principal the session acts as.
func (s Session) Principal() Principal {
	return Principal{PersonID: s.PersonID, TenantID: s.TenantID, Role: s.Role, Operator: s.Operator,
		SessionID: s.FamilyID, SessionVersion: s.Version}
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
	sess, err := resolve(ctx, s.db, p, tenantID)
	if err != nil {
		return "", Session{}, err
	}
	sess.FamilyID, sess.Version = ids.New(), 1
	var tok string
	err = database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		row := sessionRow{ID: sess.FamilyID, PersonID: p.ID, ActiveTenantID: sess.TenantID, Version: sess.Version, CreatedAt: s.now()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		var err error
		tok, err = s.issueRefresh(tx, sess, meta)
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	return tok, sess, nil
}

// resolve finds the role p holds in tenantID, reading through db.
func resolve(ctx context.Context, db *gorm.DB, p Person, tenantID string) (Session, error) {
	sess := Session{PersonID: p.ID, Operator: p.PlatformRole == PlatformOperator}
	ms, err := membershipsOf(ctx, db, p.ID)
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
//
// The token is spent by one conditional UPDATE, so of two concurrent
// refreshes exactly one wins and the other is a reuse, on every dialect.
func (s *Service) Refresh(ctx context.Context, token string, meta ClientMeta) (string, Session, error) {
	digest := digestSecret(token)
	var (
		next string
		sess Session
		err  error
	)
	for attempt := 0; attempt < 3; attempt++ {
		next, sess, err = s.spend(ctx, digest, meta)
		if !database.Deadlock(err) {
			break
		}
	}
	switch {
	case errors.Is(err, errNotSpendable):
		return "", Session{}, s.whyNotSpendable(ctx, digest)
	case errors.Is(err, ErrTokenInvalid):
		return "", Session{}, fmt.Errorf("refresh: %w", ErrTokenInvalid)
	case err != nil:
		return "", Session{}, fmt.Errorf("refresh: %w", err)
	}
	return next, sess, nil
}

var errNotSpendable = errors.New("refresh token not spendable")

// spend marks the token used and issues its successor in one transaction.
func (s *Service) spend(ctx context.Context, digest string, meta ClientMeta) (string, Session, error) {
	var (
		next string
		sess Session
	)
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		now := s.now()
		res := tx.Model(&refreshToken{}).
			Where("token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", digest, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errNotSpendable
		}
		var rt refreshToken
		if err := tx.Where("token_hash = ?", digest).First(&rt).Error; err != nil {
			return err
		}
		var p Person
		if err := tx.Where("id = ?", rt.PersonID).First(&p).Error; err != nil {
			return ErrTokenInvalid
		}
		var err error
		sess, err = resolve(ctx, tx, p, rt.ActiveTenantID)
		if errors.Is(err, ErrNotFound) {
			return ErrTokenInvalid // no longer a member of that tenant
		}
		if err != nil {
			return err
		}
		sess.FamilyID = rt.FamilyID
		if sess.Version, err = s.sessionVersion(tx, rt); err != nil {
			return err
		}
		if next, err = s.issueRefresh(tx, sess, meta); err != nil {
			return err
		}
		sess.Expires = now.Add(s.opt.RefreshTTL)
		return nil
	})
	return next, sess, err
}

// sessionVersion returns the version of rt's session, recording the session
// if its family began before sessions were (migration 12).
func (s *Service) sessionVersion(tx *gorm.DB, rt refreshToken) (int64, error) {
	var row sessionRow
	err := tx.Where("id = ?", rt.FamilyID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = sessionRow{ID: rt.FamilyID, PersonID: rt.PersonID, ActiveTenantID: rt.ActiveTenantID, Version: 1, CreatedAt: s.now()}
		if err := tx.Create(&row).Error; err != nil {
			return 0, fmt.Errorf("record session %s: %w", rt.FamilyID, err)
		}
	case err != nil:
		return 0, fmt.Errorf("read session %s: %w", rt.FamilyID, err)
	case row.RevokedAt != nil:
		return 0, ErrTokenInvalid
	}
	return row.Version, nil
}

// whyNotSpendable tells a replayed token (which revokes its family) from an
// unknown, expired or revoked one.
func (s *Service) whyNotSpendable(ctx context.Context, digest string) error {
	var rt refreshToken
	err := s.db.WithContext(ctx).Where("token_hash = ?", digest).First(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("refresh: %w", ErrTokenInvalid)
	}
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	if rt.UsedAt != nil && rt.RevokedAt == nil && s.now().Before(rt.ExpiresAt) {
		if err := s.revokeFamily(ctx, rt.FamilyID); err != nil {
			return err
		}
		return fmt.Errorf("refresh: %w", ErrTokenReused)
	}
	return fmt.Errorf("refresh: %w", ErrTokenInvalid)
}

// Logout revokes the session the refresh token belongs to, its access tokens
// included (from their next request on). Unknown tokens are ignored, so
// logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, token string) error {
	var rt refreshToken
	err := s.db.WithContext(ctx).Where("token_hash = ?", digestSecret(token)).First(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return s.revokeFamily(ctx, rt.FamilyID)
}

// RevokeAll ends every session of the person, on every device, access
// tokens included (from their next request on).
func (s *Service) RevokeAll(ctx context.Context, personID string) error {
	return s.revoke(ctx, sessionsOf{personID: personID})
}

// revokeFamily ends one session: its refresh tokens and access tokens.
func (s *Service) revokeFamily(ctx context.Context, familyID string) error {
	return s.revoke(ctx, sessionsOf{id: familyID})
}

func (s *Service) revoke(ctx context.Context, f sessionsOf) error {
	err := database.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB) error {
		return s.revokeSessions(tx, f)
	})
	s.checked.forget(f.matches)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// revokeSessions revokes, within tx, the sessions f selects and their
// refresh tokens. The caller forgets them in s.checked after commit.
func (s *Service) revokeSessions(tx *gorm.DB, f sessionsOf) error {
	now := s.now()
	q, err := f.where(tx.Model(&refreshToken{}), "family_id")
	if err != nil {
		return err
	}
	if err := q.Where("revoked_at IS NULL").Update("revoked_at", now).Error; err != nil {
		return err
	}
	q, _ = f.where(tx.Model(&sessionRow{}), "id")
	return q.Where("revoked_at IS NULL").Updates(map[string]any{"revoked_at": now, "version": gorm.Expr("version + 1")}).Error
}

// bumpSessions raises, within tx, the version of the sessions f selects:
// the rights they carry changed, so tokens issued before are re-checked.
func bumpSessions(tx *gorm.DB, f sessionsOf) error {
	q, err := f.where(tx.Model(&sessionRow{}), "id")
	if err != nil {
		return err
	}
	return q.Where("revoked_at IS NULL").Update("version", gorm.Expr("version + 1")).Error
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
