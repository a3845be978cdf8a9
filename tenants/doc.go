// Package tenants owns organisations (tenants), people and their accounts:
// sign-up, login, sessions, memberships and roles, invitations and API keys,
// and the one place where tenant isolation is enforced.
//
// Invariants:
//   - Every query on a row with a TenantID is limited to the tenant in ctx by
//     [Plugin]; without one it fails with [ErrNoTenant]. Only [Unscoped]
//     crosses tenants, and only where no tenant can be known yet.
//   - A person is global: one account, any number of memberships, each with
//     one [Role]. The platform operator role sits outside tenants.
//   - Secrets (refresh tokens, invitation tokens, API keys) are shown once and
//     stored only as SHA-256 digests; passwords only as argon2id hashes.
//   - A refresh token is used once. Presenting a used one revokes its whole
//     family, because only a thief replays a rotated token.
//   - A tenant always keeps at least one owner.
//   - An access token is only as good as its session: every change to a
//     session's rights (role, membership, tenant status, logout,
//     revoke-all) bumps its version in the changing transaction, and
//     [Service.Current] judges each request by the session, not the token.
//   - Failed logins are counted per email, with or without an account, so
//     no answer tells whether an account exists ([Lockout]).
package tenants
