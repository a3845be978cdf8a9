// Package signing puts signatures on contract documents and stamps
// documents in batches.
//
// A person's signing is approved by a willingness check (意愿认证): an SMS
// code bound to the exact intent, the SM3 of the contract, the party, each
// document as prepared, the seal or signature image and every field
// position. Any change gives another intent and the code no longer
// matches. The passed check is recorded in the vault and on the
// contract's chain with time, address, user agent, masked number and the
// intent digest.
//
// Each signing appends one PDF incremental update per document with the
// visible marks (seal or signature at its fields, the date, cross-page
// slices) and a CMS signature (SM2 with SM3 by default, ECDSA P-256 where
// the tenant chose it) carrying an RFC 3161 time-stamp. Each use of a seal
// also makes a GB/T 38540 SES_Signature signed with the organisation's SM2
// key, time-stamped and stored in the vault.
//
// Invariants:
//   - No signature without a passed willingness check, except an
//     auto-stamp, which needs an explicit auto-stamp authorisation of the
//     seal (seals.Service.Use is the only gate, and logs every attempt).
//   - No signature without a time-stamp: a TSA failure fails the signing.
//   - The signer's key is their own certificate's, issued on real-name
//     verification; without one the signing fails with [ErrNoCertificate].
package signing
