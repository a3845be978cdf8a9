// Package verify is Signet's one place for judging signatures: the same
// rules decide online (POST /api/verify, the verification page, `signet
// verify`) and offline (`signet evidence verify` over an evidence package),
// so a file cannot pass one and fail the other.
//
// [PDF] judges every signature of a PDF and the electronic seal each one
// carries; [SESSignature] is the one policy for a GB/T 38540
// SES_Signature, also applied to the SES files of an evidence package.
// Callers supply what they trust ([Trust]): the platform's roots and
// revocation records online, the package's pinned roots and CRLs offline.
//
// Invariants:
//   - A seal is valid only with a time-stamp that verifies over its
//     signature value; the trusted time, never the signer's claim, is when
//     the seal's validity, the signer's certificate and its revocation are
//     judged.
//   - The seal maker's certificate is judged when the seal was made.
package verify
