package migrate

import (
	"time"

	"gorm.io/gorm"
)

// v0012SessionsLoginThrottles adds two tables:
//
//   - sessions: one row per refresh-token family (the row's id is the
//     family id), which every access token names. Its version is bumped in
//     the transaction of any change to the rights it carries (role,
//     membership, tenant status) and revoked_at is set on logout or
//     revoke-all, so a change takes effect on the next request rather than
//     when the access token expires. Families issued before this version
//     get their row at their next refresh. The tenant column is named
//     active_tenant_id, as in refresh_tokens, because the row is read
//     before a tenant is known and must stay outside tenant scoping.
//   - login_throttles: failed-login counters keyed by a digest of the
//     normalised email alone and of the email with the client address,
//     whether or not an account has that email, so the answer never
//     tells who has one.
//
// persons.failed_logins and persons.locked_until are no longer used and
// stay (dropping a column rebuilds the table on SQLite).
func v0012SessionsLoginThrottles(tx *gorm.DB) error {
	type session struct {
		ID             string     `gorm:"primaryKey;size:36"`
		PersonID       string     `gorm:"size:36;not null;index:ix_sessions_person"`
		ActiveTenantID string     `gorm:"size:36;not null;default:'';index:ix_sessions_tenant"`
		Version        int64      `gorm:"not null;default:1"`
		RevokedAt      *time.Time `gorm:""`
		CreatedAt      time.Time
	}
	type loginThrottle struct {
		Key         string     `gorm:"column:throttle_key;primaryKey;size:80"`
		Failures    int        `gorm:"not null;default:0"`
		WindowUntil time.Time  `gorm:"not null;index:ix_login_throttles_window"`
		LockedUntil *time.Time `gorm:""`
	}
	return createMissing(tx.Set("gorm:table_options", tableOptions(tx)),
		table{"sessions", &session{}},
		table{"login_throttles", &loginThrottle{}},
	)
}
