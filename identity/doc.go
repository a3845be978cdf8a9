// Package identity is real-name verification (实名认证) of people and
// organisations, and the identifiers it is built on: the PRC resident
// identity number (GB 11643), the unified social credit code of
// organisations (GB 32100) and mobile numbers, with how Signet masks them
// for display and indexes them for look-up. The identifier functions are
// pure: no database, no network, no clock beyond [ParseResidentID]'s "birth
// date not in the future".
//
// Invariants of [Service]:
//   - A person is global: a [PersonVerification] has no tenant and one row
//     per person, reused for each round. An [OrgVerification] belongs to
//     its tenant (one per tenant) and is scoped by the tenants plugin;
//     operator methods reach across tenants only through tenants.Unscoped.
//   - States move draft → submitted → approved | rejected, rejected →
//     resubmitted → approved | rejected, approved → expired | revoked, and
//     an expired or revoked application can be edited into a new draft.
//     Every transition and upload is appended to the audit log in the same
//     transaction: a person's to chain [PersonChain] under tenant
//     [PlatformTenant], an organisation's to its tenant chain. Events carry
//     the actor, time, IP and user agent, and only masked identifiers.
//   - ID numbers, mobiles, bank cards, accounts and deposit amounts are
//     sealed with the keyring under labels bound to their row and field
//     ("identity/person/<id>/id_number"); look-up and duplicate detection
//     use keyed blind indexes. An ID number verified for one person cannot
//     be approved for another ([ErrDuplicate]; a unique index holds it),
//     nor a credit code for two tenants.
//   - Uploaded documents are sniffed from their bytes (JPEG, PNG; PDF for
//     the authorisation letter; at most [MaxDocumentSize]), sealed, and
//     written to the vault under a fresh key before the row that points at
//     them; only [Service.OpenDocument], for operators, decrypts them.
//   - An approved party holds an SM2 and an ECDSA certificate; a person's
//     carries a reference derived from the blind index, never the ID
//     number. Certificates are issued before the approval is recorded and
//     revoked again if recording fails, so no unapproved party keeps a
//     usable one; revocation and expiry revoke them before the state changes.
//   - Each approval and rejection is told to the applicant (a person's
//     verification: the person; an organisation's: its 经办人) by SMS and
//     email through the message outbox, queued in the transaction that
//     records the decision ([Deps].Messages). A person's notice is a
//     platform message; an organisation's is its tenant's.
//
// Invariants of the identifiers:
//   - A value of [ResidentID] or [USCC] exists only if it passed every check
//     of its Parse function; the zero values are not valid identifiers.
//   - Parsed values are normalised (uppercase X and letters, no white
//     space, mobiles in E.164), so equal identifiers compare equal as
//     strings and get equal [BlindIndex] values.
//   - Errors never contain the input. Every rejection is an [*Error] with a
//     stable Code, reachable with errors.Is and errors.As through the
//     wrapping, so an HTTP layer can turn it into an RFC 7807 field error.
//   - A [ResidentID] prints masked through fmt, %#v and log/slog; only
//     [ResidentID.Number] returns the full number.
//   - Mask functions never panic and never reveal more than their pattern:
//     input of an unexpected shape is masked completely.
//   - [BlindIndex] is keyed (HMAC-SM3) and domain-separated by kind, so an
//     index can neither be recomputed without the key nor match a value of
//     another kind.
package identity
