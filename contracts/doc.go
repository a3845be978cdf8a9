// Package contracts is the contract domain: documents are uploaded
// (checked by parsing, office files converted), a contract is drafted
// with its signers, CC recipients and their fields, sent, signed in order
// (equal order numbers in parallel, ascending ones in sequence), and ends
// completed, rejected, revoked or expired. Templates with fill fields make
// contracts one at a time or from a CSV.
//
// Invariants:
//   - Initiator-side methods need the initiator's tenant in ctx; another
//     tenant's contract, document or template is [ErrNotFound].
//   - Signers reach a contract only through an [Access]: a live link whose
//     token (256 random bits, stored as a SHA-256) was sent to the number
//     the caller proved by SMS ([Service.OpenLink]), or membership of the
//     tenant verified under the organisation's credit code
//     ([Service.OrgParty]). An Access acts in the contract's tenant.
//   - A document's bytes are in the vault before any row points to them,
//     and every revision starts with every byte of the one before: a
//     signed revision that does not extend the current one is refused.
//   - Signings of one contract take turns (a process lock and a database
//     lock); a signature computed over a revision that changed meanwhile is
//     refused, never stored. Parallel signers therefore never lose one.
//   - Every transition is an event on the contract's hash chain
//     ([evidence.ContractChain]) and, for the public event types, a webhook
//     in the same transaction. Text messages go out after the commit.
//   - Final states are final: nothing signs, rejects or extends them, and
//     their links stop working (a completed contract's copies stay
//     reachable by their links until they expire).
package contracts
