// Package verify is Signet's one place for judging signatures: the same
// rules decide online (POST /api/verify, the verification page, `signet
// verify`) and offline (`signet evidence verify` over an evidence package),
// so a file cannot pass one and fail the other.
//
// It starts with the electronic seal: [SESSignature] is the policy for a
// GB/T 38540 SES_Signature. Callers supply what they trust ([Trust]): the
// platform's roots and revocation records online, the package's pinned
// roots and CRLs offline.
//
// Invariants:
//   - A seal is valid only with a time-stamp that verifies over its
//     signature value; the trusted time, never the signer's claim, is when
//     the seal's validity, the signer's certificate and its revocation are
//     judged.
//   - The seal maker's certificate is judged when the seal was made.
package verify
