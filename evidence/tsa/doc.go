// Package tsa is Signet's RFC 3161 time-stamping: the platform's own
// time-stamping authority (Authority, served over HTTP by its Handler), a
// client that obtains tokens from one or more TSAs (Client), and offline
// verification of a token against the data it time-stamps (Verify).
//
// A time-stamp proves that a signature existed at a given time, which keeps
// it verifiable after the signer's certificate expires and makes later
// changes detectable (the evidence behind Electronic Signature Law art. 13).
// GB/T 38540 seals carry one in their timeStamp field.
//
// # Invariants
//
//   - A Client returns a token only after it verified: status granted, the
//     nonce it sent echoed, the imprint it sent echoed, the CMS signature and
//     its ESS certificate binding good, and the TSA certificate chaining to
//     the Client's roots at the token's genTime. No other path turns a
//     response into a Token.
//   - An Authority checks the signature and certificate binding of each
//     token before answering, so a faulty signer yields a systemFailure, not
//     a bad token. It refuses to start with a certificate that
//     CheckCertificate rejects, a key that is not the certificate's, or a
//     chain whose links do not verify.
//   - An Authority never signs a genTime outside its certificate's validity.
//   - Every token carries a fresh random serial number of 128 bits, so
//     Authority replicas sharing a key need no coordination: two serials
//     collide with probability about n²/2¹²⁹.
//   - Verify works offline. It fetches nothing and checks no revocation;
//     the time it judges certificates at is the token's own genTime.
//   - A TSA certificate is accepted only with the extended key usage
//     id-kp-timeStamping, alone and marked critical (RFC 3161 §2.3). OpenSSL
//     requires the same, and crypto/x509 would not mark it critical by
//     itself: issue TSA certificates from CertificateTemplate.
//
// # Choices
//
// Message imprints may be SHA-256, SHA-384, SHA-512 or SM3. Tokens are
// signed with ECDSA (preferred) or RSA, with SHA-256 for P-256 and RSA keys:
// these are what OpenSSL and other verifiers check. SM2 signing is not
// offered because `openssl cms`/`openssl ts` cannot verify SM2 CMS, and a
// time-stamp meant for independent checks must be checkable by them.
//
// The signed attributes are contentType, messageDigest and ESS
// signingCertificateV2 (RFC 5035) naming the TSA certificate by SHA-256 and
// by issuer and serial; OpenSSL refuses a token without the latter. There is
// no signingTime: genTime is the time, and one clock per token is enough.
//
// Tokens are issued under DefaultPolicy unless configured otherwise, with
// DefaultAccuracy, genTime in milliseconds, no ordering, and the TSA named
// in the tsa field. Every arc of the policy identifier fits in 31 bits,
// so verifiers built on Go's encoding/asn1 read the token; tokens under
// the earlier UUID-arc LegacyPolicy still verify, and a client that asks
// for LegacyPolicy by name still gets it.
//
// The ASN.1 is written with golang.org/x/crypto/cryptobyte in
// internal/rfc3161 and internal/cms, not with a third-party time-stamp
// library: github.com/digitorus/timestamp maps imprint hashes to
// crypto.Hash, which has no SM3, and a strict parser of our own rejects
// any changed byte rather than skipping what it does not know.
package tsa
