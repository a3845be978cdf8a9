// Package ocsp encodes and decodes the Online Certificate Status Protocol
// (RFC 6960) for both of Signet's hierarchies: ECDSA P-256 responses
// signed ecdsa-with-SHA256 and SM2 responses signed SM2-with-SM3 (GM/T
// 0010 OID 1.2.156.10197.1.501). golang.org/x/crypto/ocsp neither signs nor
// checks SM2, so the ASN.1 is this package's own, over cryptobyte; that
// package serves the tests as an independent reader of the ECDSA case.
//
// It stores nothing and decides nothing: pki's responder says what the
// status is, and validators (pdfsig) say what a response is worth. Parsing
// never panics on any input (see the fuzz targets).
package ocsp

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"hash"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Status is a certificate's status in a response.
type Status int

// The statuses of RFC 6960 §4.2.1.
const (
	Good Status = iota
	Revoked
	Unknown
)

// String names the status as OpenSSL prints it.
func (s Status) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	}
	return "unknown"
}

// Response statuses of an OCSPResponse other than successful (RFC 6960
// §4.2.1), for ErrorResponse.
const (
	MalformedRequest = 1
	InternalError    = 2
	TryLater         = 3
	Unauthorized     = 6
)

// Errors returned by the parsers, wrapped with detail.
var (
	// ErrMalformed means the input is not what RFC 6960 describes.
	ErrMalformed = errors.New("ocsp: malformed")
	// ErrNotSuccessful means the responder answered with an error status.
	ErrNotSuccessful = errors.New("ocsp: responder did not answer successfully")
	// ErrSignature means the response's signature or its signer does not check out.
	ErrSignature = errors.New("ocsp: signature does not verify")
)

// Object identifiers this package reads or writes.
var (
	// OIDSHA1, OIDSHA256 and OIDSM3 are the CertID hash algorithms accepted.
	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSM3    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}

	oidBasic           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidNonce           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSM2WithSM3      = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	// OIDOCSPSigning is id-kp-OCSPSigning, the extended key usage of a
	// delegated responder.
	OIDOCSPSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	// OIDNoCheck is id-pkix-ocsp-nocheck: do not check this responder
	// certificate's own revocation (RFC 6960 §4.2.2.2.1).
	OIDNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// newHash returns the hash a CertID names, or nil.
func newHash(alg asn1.ObjectIdentifier) hash.Hash {
	switch {
	case alg.Equal(OIDSHA1):
		return sha1.New()
	case alg.Equal(OIDSHA256):
		return sha256.New()
	case alg.Equal(OIDSM3):
		return sm3.New()
	}
	return nil
}

func sum(alg asn1.ObjectIdentifier, data []byte) []byte {
	h := newHash(alg)
	if h == nil {
		return nil
	}
	h.Write(data)
	return h.Sum(nil)
}

// publicKeyBits returns the subjectPublicKey BIT STRING's bytes of cert,
// what an issuer key hash is over (RFC 6960 §4.1.1).
func publicKeyBits(cert *smx509.Certificate) []byte {
	spki := cryptobyte.String(cert.RawSubjectPublicKeyInfo)
	var seq, alg cryptobyte.String
	var bits asn1.BitString
	if !spki.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) || !seq.ReadASN1BitString(&bits) {
		return nil
	}
	return bits.RightAlign()
}

// CertID identifies a certificate by its issuer and serial number.
type CertID struct {
	HashAlg                       asn1.ObjectIdentifier
	IssuerNameHash, IssuerKeyHash []byte
	Serial                        *big.Int
}

// NewCertID returns the CertID of cert, issued by issuer, with hash alg.
func NewCertID(cert, issuer *smx509.Certificate, alg asn1.ObjectIdentifier) (CertID, error) {
	if newHash(alg) == nil {
		return CertID{}, errors.New("ocsp: unsupported CertID hash algorithm " + alg.String())
	}
	return CertID{HashAlg: alg, IssuerNameHash: sum(alg, issuer.RawSubject), IssuerKeyHash: sum(alg, publicKeyBits(issuer)),
		Serial: cert.SerialNumber}, nil
}

// IssuedBy reports whether id names a certificate of issuer, by the hashes
// of its name and key.
func (id CertID) IssuedBy(issuer *smx509.Certificate) bool {
	name, key := sum(id.HashAlg, issuer.RawSubject), sum(id.HashAlg, publicKeyBits(issuer))
	return name != nil && string(name) == string(id.IssuerNameHash) && string(key) == string(id.IssuerKeyHash)
}

func addCertID(b *cryptobyte.Builder, id CertID) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(id.HashAlg)
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(id.IssuerNameHash)
		b.AddASN1OctetString(id.IssuerKeyHash)
		b.AddASN1BigInt(id.Serial)
	})
}

func readCertID(s *cryptobyte.String, id *CertID) bool {
	var seq, alg cryptobyte.String
	id.Serial = new(big.Int)
	return s.ReadASN1(&seq, cbasn1.SEQUENCE) &&
		seq.ReadASN1(&alg, cbasn1.SEQUENCE) && alg.ReadASN1ObjectIdentifier(&id.HashAlg) &&
		seq.ReadASN1Bytes(&id.IssuerNameHash, cbasn1.OCTET_STRING) &&
		seq.ReadASN1Bytes(&id.IssuerKeyHash, cbasn1.OCTET_STRING) &&
		seq.ReadASN1Integer(id.Serial) && seq.Empty()
}

// generalizedTime is how OCSP writes times: UTC, whole seconds.
func addTime(b *cryptobyte.Builder, t time.Time) {
	b.AddASN1GeneralizedTime(t.UTC().Truncate(time.Second))
}
