// Package pki is Signet's certificate authority. It runs two hierarchies,
// each a self-signed root over one issuing CA:
//
//   - [SM2]: SM2 keys, SM2-with-SM3 signatures with the default signer ID
//     1234567812345678 (GM/T 0009), for GB/T 38540 seals and evidence;
//   - [ECDSA]: P-256 with SHA-256, for PDF signatures that ordinary PDF
//     readers validate.
//
// Under them it issues signing certificates to approved parties
// ([Service.Issue]), the platform's service certificates (evidence signing
// in both hierarchies, the SM2 seal maker, the ECDSA time-stamping
// authority, a delegated OCSP responder per hierarchy), CRLs per issuing
// CA, OCSP responses ([Service.OCSP], RFC 6960, see ocsp.go), the
// long-term validation data of certificates for PDFs' /DSS
// ([Service.ValidationData]), renewals and KEK re-wrapping.
//
// # Invariants
//
//   - A private key never leaves the package unencrypted except as the
//     crypto.Signer returned by [Credential.Signer]. At rest every key is
//     PKCS #8 sealed by the keyring (internal/kek) under the label
//     "pki/key/<key id>", so a ciphertext copied to another row does not open.
//   - Keys of issued certificates are generated here, from crypto/rand,
//     one per certificate; a renewal gets a new key. Serial numbers are 127
//     random bits.
//   - A revoked certificate never signs again: Signer checks the stored
//     state on every call and returns [ErrRevoked].
//   - A revoked certificate is in the next CRL its issuer serves: revoking
//     bumps the issuer's CRL revision in the same transaction, and
//     [Service.CRL] signs a new CRL whenever the stored one predates it.
//   - CRL numbers of an issuing CA strictly increase: a CRL is saved only if
//     the stored number is still the one it follows.
//   - An OCSP answer never outlives a revocation: a cached response is
//     served only while its CA's CRL revision is the one it was signed at.
//   - At most one certificate is current per party and algorithm, and per
//     platform purpose and algorithm (a unique slot column enforces it);
//     issuing again or renewing supersedes the previous one, which stays
//     valid until it expires or is revoked.
//   - No certificate outlives its issuer: NotAfter is cut to the issuer's.
//   - Re-wrapping keys after a KEK rotation changes no certificate and no serial.
//
// # Subjects
//
// Chinese CAs conventionally put an organisation's identifier in the
// organizationalUnitName (OU); the ETSI EN 319 412-1 convention for legal
// persons is organizationIdentifier (2.5.4.97) "NTR" + country + "-" + id.
// Signet writes both, so an organisation certificate reads
//
//	C=CN, O=<verified name>, OU=<USCC>, CN=<verified name>, organizationIdentifier=NTRCN-<USCC>
//
// A person's certificate carries the caller's non-reversible reference in
// serialNumber (2.5.4.5, X.520's attribute for an identifier of the named
// subject, which also tells apart people with the same name), never an
// identity number:
//
//	C=CN, CN=<verified name>, serialNumber=<PersonRef>
//
// Platform certificates use the organisation layout with the operator's
// name and USCC; evidence, TSA and OCSP responder certificates add
// " Evidence", " TSA" and " OCSP" to the common name, and the seal maker is the plain organisation
// certificate GB/T 38540 requires. End-entity key usage is
// digitalSignature and contentCommitment (nonRepudiation), marked critical;
// the TSA certificate also has a critical extendedKeyUsage holding only
// id-kp-timeStamping, built by hand because Go marks it non-critical.
//
// # Scope
//
// PKI rows are platform-wide and not tenant-scoped: a person may act in
// several tenants with one certificate. Callers authorise access to a
// party before asking for its credential. Only [Service] uses the [Store].
//
// # OpenSSL 3.0
//
// OpenSSL 3.0's `verify -vfyopt distid:1234567812345678` applies the
// signer ID only to the certificate being verified; intermediates and SM2
// CRLs are checked without it and fail. Check an SM2 chain one link at a
// time (`-partial_chain` with the issuing CA as the trust anchor) and an
// SM2 CRL signature with `openssl dgst -sm3 -sigopt distid:...` over its
// tbsCertList; the tests do exactly that.
package pki
