// Package bundle builds and verifies a contract's evidence package: one zip
// that a legal team hands to a court or an expert, and that verifies
// offline, with no Signet server, both with `signet evidence verify` and
// with independent tools (OpenSSL, poppler's pdfsig). RECIPE.md is the
// step-by-step OpenSSL check; every command in it is run by the tests.
//
// # Layout
//
//	documents/<n>-original.pdf, <n>-rev-<k>.pdf, <n>-final.pdf   the documents, as signed
//	ses/<id>.der                 GB/T 38540 SES_Signature values
//	certs/*.pem, crl/*.crl       certificates and CRLs of the signers
//	timestamps/*.tsr             RFC 3161 time-stamps taken while signing
//	willingness/*.json           willingness checks (masked)
//	notifications/*.json         receipts of the messages sent to parties (masked)
//	events.json                  the event chains, every field as stored
//	anchors.json, anchors/*.tsr  the time-stamped chain heads
//	report-zh.pdf, report-en.pdf the human-readable report
//	keys/evidence-sm2.pem        SM2 evidence certificate (-ca.pem: its issuing CA; .pub.pem: its public key)
//	keys/evidence-ecdsa.pem      ECDSA evidence certificate (likewise -ca.pem and .pub.pem)
//	keys/tsa.pem, tsa-ca.pem     the time-stamping authority's certificate and issuing CA
//	keys/root-{sm2,ecdsa,tsa}.pem the roots those chain to
//	manifest.json                every file above with size, SM3 and SHA-256
//	manifest.sig.sm2             SM2-with-SM3 signature (DER, ID 1234567812345678) over manifest.json
//	manifest.sig.ecdsa           ECDSA P-256 SHA-256 signature (DER) over manifest.json
//	manifest.tsr                 RFC 3161 TimeStampResp over SHA-256(manifest.json)
//
// # Invariants
//
//   - Every entry but the three signature files and manifest.json itself is
//     listed in the manifest with its size and both digests, and nothing
//     else is in the zip. Verify fails on any entry outside the manifest, a
//     missing or duplicate entry, or a name that is not a clean relative path.
//   - So the manifest signatures cover every byte of every file, and a
//     single changed byte anywhere in the content of any entry fails Verify.
//   - Build is deterministic: the same Contents give the same bytes except
//     the three signature files (fixed entry order and times, sorted JSON).
//   - events.json holds each event exactly as stored, so
//     evidence.VerifyChain recomputes every chain hash from it.
//   - Verify is offline: it fetches nothing and checks no revocation list
//     online. Without pinned roots it trusts the roots in keys/ and says so
//     (Result.RootsFromPackage), so that a user compares their fingerprints
//     with the published ones.
//   - Build needs nothing from the contracts or signing domains: the caller
//     hands it every file and the report model.
//   - Each chain in Contents.Events is complete from seq 1, as
//     evidence.VerifyChain needs. A tenant chain holds other contracts'
//     events too: include one only when that is acceptable.
//
// # Wiring
//
// evidence/exports implements [Sealer] with pki's evidence credentials,
// PlatformCredential(ctx, pki.PurposeEvidence, pki.SM2) and (…, pki.ECDSA),
// each as Signer{Key: cred.Signer(ctx), Chain: cred.Certificate followed by
// cred.Chain}, and with the platform's *tsa.Client for Timestamp. The
// report PDFs need a CJK font (seals/render's list; Debian
// fonts-wqy-microhei): without one Build fails with an error naming the
// packages to install.
package bundle
