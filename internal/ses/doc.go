// Package ses encodes, signs and verifies GB/T 38540-2020 secure electronic
// seals, version 4: the seal (SESeal, made and signed by a seal maker) and
// the electronic signature that applies it to a document (SES_Signature).
//
// It is plumbing, like internal/cms: it proves that a seal was signed by the
// key of the certificate it carries and that a signature binds a seal, a
// signer certificate listed in that seal, a time and the hash of the signed
// data. Whether those certificates chain to a trusted root, are unrevoked
// and were valid at the signing time is the caller's question.
//
// Invariants:
//   - Every structure has exactly one encoding. Unmarshal rejects BER,
//     trailing data, versions other than 4, header ids other than "ES" and
//     any input that does not re-encode to the same bytes, so verifying
//     DER(SES_SealInfo) or DER(TBS_Sign) re-encoded from a parsed value
//     verifies the bytes that were received.
//   - Times are written as GeneralizedTime in UTC, to whole seconds.
//   - Signatures are SM2 with SM3 (OID 1.2.156.10197.1.501) and signer ID
//     1234567812345678. They are written as DER SEQUENCE { r, s }; the raw
//     64-byte r||s form other vendors write is accepted when verifying.
//   - The seal maker's certificate is an organisation certificate, as
//     [CheckOrganizationCert] defines it. SignSeal refuses any other, and a
//     seal made with any other never verifies.
//   - SignSignature never signs with a seal that does not verify, outside
//     the seal's validity, or with a certificate the seal does not list.
//     VerifySignature checks the same three things.
//   - The optional time-stamp token is carried, never checked here: it is
//     an RFC 3161 token over the signature value, for the TSA verifier.
package ses
