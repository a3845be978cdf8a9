// Package exports hands completed contracts' evidence out: one contract's
// package at once ([Service.Package]), or up to [MaxContracts] of them in
// the background as one zip ([Service.Request], built by [Service.Run]).
//
// A package is gathered here from the contracts, identity and pki domains,
// the event chains and the vault (documents and revisions, SES signatures,
// signature time-stamps, certificates and CRLs, willingness records,
// notification receipts, the anchored chain, the report model), and
// written and sealed by evidence/bundle, which owns the format.
//
// A bulk export is a row of evidence_exports, a queue served by
// internal/lease: the export-evidence job claims one row at a time (a
// conditional UPDATE with a lease token, so two processes never build the
// same export), builds each package into one zip, stores that zip in the
// vault, and only then marks the row done with its key. A process that
// dies mid-way leaves the row leased; once the lease runs out the next
// claim starts it again from the first contract.
//
// Invariants:
//   - Every method but [Service.Run] needs a tenant in ctx. Another
//     tenant's contract or export is not found, whoever asks; only then
//     is the role checked ([MayExport]).
//   - A row never points to a missing object: the zip is in the vault
//     before the row says done.
//   - Only the holder of an export's lease records anything about it, and
//     a done export's contract-chain records (evidence.exported) commit
//     with its row, so a run that lost its lease leaves no trace but an
//     unreferenced zip in the vault.
//   - A stored row is queued, done or failed. One being built stays
//     queued, with a live lease, so that a dead build is found again;
//     [Export.Status] shows it as running.
//   - An export is tried at most Options.MaxAttempts times, with a backoff
//     between tries; an attempt cut off by shutdown does not count.
//   - Every package handed out is recorded on its contract's chain (who,
//     from where, the manifest's digests); bulk requests and downloads on
//     the tenant's chain.
//   - Only completed contracts have packages ([ErrNotCompleted]): a
//     rejected, revoked or expired contract has no fully signed final
//     document, and its package would fail bundle.Verify.
package exports
