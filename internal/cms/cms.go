// Package cms builds and checks the one shape of CMS SignedData (RFC 5652)
// that Signet's time-stamping needs: a single signer, encapsulated content,
// signed attributes, and an ESS signing-certificate attribute (RFC 5035)
// that binds the signer's certificate into the signature.
//
// It is plumbing: it proves that a SignedData was signed by the key of some
// certificate, nothing more. Whether that certificate is trusted, and what
// the content means, is for the caller (package evidence/tsa) to decide.
//
// Parsing is strict DER. Anything this package would never produce and does
// not need to understand is rejected rather than skipped, so that a changed
// byte anywhere in a token is noticed, not ignored.
//
// Supported signatures: ECDSA (P-256, P-384, P-521) and RSA PKCS #1 v1.5,
// with SHA-256, SHA-384 or SHA-512. SM2 is not supported: OpenSSL cannot
// check SM2 CMS, and crypto/x509 cannot parse SM2 certificates.
package cms

import (
	"crypto"
	_ "crypto/sha256" // digest algorithms, linked in for crypto.Hash.New
	_ "crypto/sha512"
	"encoding/asn1"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Errors returned by Parse and SignedData.Verify, wrapped with detail.
var (
	// ErrMalformed means the input is not DER SignedData of the shape this package handles.
	ErrMalformed = errors.New("cms: malformed signed data")
	// ErrSignerNotFound means no certificate matches the signer identifier.
	ErrSignerNotFound = errors.New("cms: signer certificate not found")
	// ErrVerification means the signature, a signed attribute or the certificate binding does not check out.
	ErrVerification = errors.New("cms: verification failed")
)

// Object identifiers this package reads or writes.
var (
	// OIDData is id-data, the content type of plain data.
	OIDData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	// OIDSignedData is id-signedData.
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDContentType is the contentType signed attribute.
	OIDContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	// OIDMessageDigest is the messageDigest signed attribute.
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	// OIDSigningCertificate is the ESS attribute of RFC 2634, with SHA-1 certificate hashes.
	OIDSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDSigningCertificateV2 is the ESS attribute of RFC 5035.
	OIDSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}

	// OIDSHA256 is SHA-256.
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	// OIDSHA384 is SHA-384.
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	// OIDSHA512 is SHA-512.
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

// AlgorithmIdentifier is an X.509 AlgorithmIdentifier. Parameters holds the
// full DER element of the parameters, or nil when they are absent.
type AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters []byte
}

// HasNoParameters reports whether the parameters are absent or NULL, the
// only forms any hash or signature algorithm used here may carry.
func (a AlgorithmIdentifier) HasNoParameters() bool {
	return a.Parameters == nil || string(a.Parameters) == "\x05\x00"
}

// ReadAlgorithmIdentifier reads a DER AlgorithmIdentifier from s.
func ReadAlgorithmIdentifier(s *cryptobyte.String, out *AlgorithmIdentifier) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&out.Algorithm) {
		return false
	}
	out.Parameters = nil
	if seq.Empty() {
		return true
	}
	var params cryptobyte.String
	var tag cbasn1.Tag
	if !seq.ReadAnyASN1Element(&params, &tag) || !seq.Empty() {
		return false
	}
	out.Parameters = params
	return true
}

// AddAlgorithmIdentifier appends a DER AlgorithmIdentifier to b.
func AddAlgorithmIdentifier(b *cryptobyte.Builder, a AlgorithmIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Algorithm)
		if a.Parameters != nil {
			b.AddBytes(a.Parameters)
		}
	})
}

// digestAlgorithms maps the digest algorithms this package signs and checks with.
var digestAlgorithms = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{OIDSHA256, crypto.SHA256},
	{OIDSHA384, crypto.SHA384},
	{OIDSHA512, crypto.SHA512},
}

func digestOID(h crypto.Hash) asn1.ObjectIdentifier {
	for _, d := range digestAlgorithms {
		if d.hash == h {
			return d.oid
		}
	}
	return nil
}

// digestHash returns the hash a DigestAlgorithmIdentifier names, or 0.
func digestHash(a AlgorithmIdentifier) crypto.Hash {
	if !a.HasNoParameters() {
		return 0
	}
	for _, d := range digestAlgorithms {
		if d.oid.Equal(a.Algorithm) {
			return d.hash
		}
	}
	return 0
}

// signatureKind is the public-key family of a signature algorithm.
type signatureKind int

const (
	kindECDSA signatureKind = iota + 1
	kindRSA
)

// signatureAlgorithms lists what a SignerInfo's signatureAlgorithm may be.
// hash is 0 where the identifier names only the key type and the digest
// algorithm decides (RFC 5753 and RFC 3370 allow both spellings).
var signatureAlgorithms = []struct {
	oid  asn1.ObjectIdentifier
	kind signatureKind
	hash crypto.Hash
}{
	{oidECDSAWithSHA256, kindECDSA, crypto.SHA256},
	{oidECDSAWithSHA384, kindECDSA, crypto.SHA384},
	{oidECDSAWithSHA512, kindECDSA, crypto.SHA512},
	{oidECPublicKey, kindECDSA, 0},
	{oidSHA256WithRSA, kindRSA, crypto.SHA256},
	{oidSHA384WithRSA, kindRSA, crypto.SHA384},
	{oidSHA512WithRSA, kindRSA, crypto.SHA512},
	{oidRSAEncryption, kindRSA, 0},
}

// signatureKindFor returns the key family a signatureAlgorithm names, and
// checks that it agrees with the digest algorithm h.
func signatureKindFor(a AlgorithmIdentifier, h crypto.Hash) (signatureKind, bool) {
	if !a.HasNoParameters() {
		return 0, false
	}
	for _, s := range signatureAlgorithms {
		if s.oid.Equal(a.Algorithm) {
			return s.kind, s.hash == 0 || s.hash == h
		}
	}
	return 0, false
}
