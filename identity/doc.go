// Package identity holds the rules for the identifiers that real-name
// verification is built on: the PRC resident identity number (GB 11643),
// the unified social credit code of organisations (GB 32100) and mobile
// numbers, plus how Signet masks them for display and indexes them for
// look-up. It is pure: no database, no network, no clock beyond
// [ParseResidentID]'s "birth date not in the future".
//
// Invariants:
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
