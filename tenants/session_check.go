package tenants

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Rights take effect on the next request. An access token names its session
// (the refresh-token family) and the version of the session's rights it was
// issued at. Every request with one asks [Service.Current] whether the
// session still stands and what role its person holds now; the answer comes
// from one indexed query, kept in memory for at most
// [Options.SessionCheckTTL]:
//
//   - on the replica where a change happens, the cached answer is dropped
//     when the change commits, so the change holds from the next request;
//   - other replicas see it once their cached answer is older than the TTL
//     (one second by default), or at once when a token carries a newer
//     version than they hold;
//   - sensitive actions do not rely on the cache at all: the HTTP layer
//     re-reads the role with [Service.CurrentRole].
//
// The role a token carries is a hint for clients only: a demoted member's
// token keeps working with the lower role, and a removed member's, a
// revoked session's and a suspended tenant's stop working.

// DefaultSessionCheckTTL is how long a replica trusts what it read about a
// session.
const DefaultSessionCheckTTL = time.Second

// maxCheckedSessions bounds the cache; past it, stale entries are swept and,
// if that is not enough, the cache starts afresh.
const maxCheckedSessions = 50_000

// sessionState is what the database says about a session now.
type sessionState struct {
	id       string
	personID string
	tenantID string
	version  int64
	live     bool // not revoked; a member of an active tenant, if any
	role     Role
	operator bool
	read     time.Time
}

// sessionsOf selects sessions by id, person and/or tenant. A zero value
// selects nothing, so that a bug can never revoke everyone.
type sessionsOf struct{ id, personID, tenantID string }

func (f sessionsOf) where(q *gorm.DB, idColumn string) (*gorm.DB, error) {
	if f == (sessionsOf{}) {
		return nil, errors.New("select sessions: no condition")
	}
	if f.id != "" {
		q = q.Where(idColumn+" = ?", f.id)
	}
	if f.personID != "" {
		q = q.Where("person_id = ?", f.personID)
	}
	if f.tenantID != "" {
		q = q.Where("active_tenant_id = ?", f.tenantID)
	}
	return q, nil
}

func (f sessionsOf) matches(st sessionState) bool {
	return f != (sessionsOf{}) &&
		(f.id == "" || f.id == st.id) &&
		(f.personID == "" || f.personID == st.personID) &&
		(f.tenantID == "" || f.tenantID == st.tenantID)
}

// sessionCache holds what this replica last read about sessions. gen
// counts invalidations, so that an answer read before a change committed is
// never stored after it.
type sessionCache struct {
	mu  sync.Mutex
	m   map[string]sessionState
	gen uint64
}

func (c *sessionCache) get(id string, minVersion int64, notBefore time.Time) (sessionState, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[id]
	if !ok || st.version < minVersion || !st.read.After(notBefore) {
		return sessionState{}, c.gen, false
	}
	return st, c.gen, true
}

func (c *sessionCache) put(st sessionState, gen uint64, notBefore time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string]sessionState{}
	}
	if len(c.m) >= maxCheckedSessions {
		for id, old := range c.m {
			if !old.read.After(notBefore) {
				delete(c.m, id)
			}
		}
		if len(c.m) >= maxCheckedSessions {
			c.m = map[string]sessionState{}
		}
	}
	c.m[st.id] = st
}

// forget drops every entry match selects. Callers run it after the change
// committed (or failed: forgetting too much only costs a query).
func (c *sessionCache) forget(match func(sessionState) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for id, st := range c.m {
		if match(st) {
			delete(c.m, id)
		}
	}
}

// Current returns p as it stands now, or [ErrTokenInvalid] when its session
// was revoked, its person left the tenant or the tenant was suspended. The
// role and operator flag are the database's, not the token's. API keys are
// returned as they are: [Service.AuthenticateAPIKey] reads them afresh on
// every request.
func (s *Service) Current(ctx context.Context, p Principal) (Principal, error) {
	if p.APIKeyID != "" {
		return p, nil
	}
	if p.SessionID == "" {
		return Principal{}, ErrTokenInvalid // issued before sessions were recorded
	}
	now := s.now()
	notBefore := now.Add(-s.opt.SessionCheckTTL)
	st, gen, ok := s.checked.get(p.SessionID, p.SessionVersion, notBefore)
	if !ok {
		var err error
		if st, err = s.readSession(ctx, p.SessionID, now); err != nil {
			return Principal{}, err
		}
		s.checked.put(st, gen, notBefore)
	}
	if !st.live || st.personID != p.PersonID || st.tenantID != p.TenantID || st.version < p.SessionVersion {
		return Principal{}, ErrTokenInvalid
	}
	p.Role, p.Operator = st.role, st.operator
	return p, nil
}

// readSession reads a session's state in one query over primary and unique keys.
func (s *Service) readSession(ctx context.Context, id string, now time.Time) (sessionState, error) {
	var rows []struct {
		PersonID       string
		ActiveTenantID string
		Version        int64
		Revoked        int
		PlatformRole   string
		Role           *string
		TenantStatus   *string
	}
	err := s.db.WithContext(Unscoped(ctx)).Raw(`SELECT s.person_id, s.active_tenant_id, s.version,
	CASE WHEN s.revoked_at IS NULL THEN 0 ELSE 1 END AS revoked,
	p.platform_role, m.role, t.status AS tenant_status
FROM sessions s
JOIN persons p ON p.id = s.person_id
LEFT JOIN memberships m ON m.tenant_id = s.active_tenant_id AND m.person_id = s.person_id
LEFT JOIN tenants t ON t.id = s.active_tenant_id
WHERE s.id = ?`, id).Scan(&rows).Error
	if err != nil {
		return sessionState{}, fmt.Errorf("check session %s: %w", id, err)
	}
	st := sessionState{id: id, read: now}
	if len(rows) == 0 {
		return st, nil // unknown: not live; cached like any other answer
	}
	r := rows[0]
	st.personID, st.tenantID, st.version = r.PersonID, r.ActiveTenantID, r.Version
	st.operator = r.PlatformRole == PlatformOperator
	st.live = r.Revoked == 0
	if st.tenantID != "" {
		st.live = st.live && r.Role != nil && r.TenantStatus != nil && *r.TenantStatus == TenantActive
		if r.Role != nil {
			st.role = Role(*r.Role)
		}
	}
	return st, nil
}

// CurrentRole reads the role the person holds now in the tenant in ctx,
// straight from the database. The HTTP layer calls it before every action
// that manages the tenant (members, invitations, API keys, webhooks, seal
// authorisations), so no cache and no token can stand in for the role.
// It returns [ErrForbidden] if the person is no longer a member.
func (s *Service) CurrentRole(ctx context.Context, personID string) (Role, error) {
	var m Membership
	err := s.db.WithContext(ctx).Select("role").Where("person_id = ?", personID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("current role of %s: %w", personID, ErrForbidden)
	}
	if err != nil {
		return "", fmt.Errorf("current role of %s: %w", personID, err)
	}
	return m.Role, nil
}
