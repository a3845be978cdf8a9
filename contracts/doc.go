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
//   - A signing holds no lock while it works: it reads the documents, signs
//     them (time-stamps and all) and commits in one transaction that locks
//     the contract's row and checks that each document is still the
//     revision it signed. A signature over a revision that changed meanwhile
//     is never committed: the signing is done again on top of the new
//     revision. Parallel signers therefore never lose one.
//   - Every transition is an event on the contract's hash chain
//     ([evidence.ContractChain]) and, for the public event types, a webhook
//     in the same transaction. Messages are queued in that transaction too
//     and sent by the outbox after it commits.
//   - Final states are final: nothing signs, rejects or extends them, and
//     their links stop working (a completed contract's copies stay
//     reachable by their links until they expire). The one revision a
//     completed document still gets is its archive (archive.go): validation
//     data and a document time-stamp appended by the [Archiver], at
//     completion and again before that time-stamp's certificate expires,
//     committed like a signing (only over the revision it archived).
package contracts
