package ses

import (
	"encoding/asn1"
	"errors"
)

// Errors returned by this package, wrapped with detail.
var (
	// ErrMalformed reports input that is not the DER of the expected structure.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupportedVersion reports a header or TBS_Sign whose version is not 4.
	ErrUnsupportedVersion = errors.New("unsupported version")
	// ErrUnsupportedAlgorithm reports a signature algorithm other than SM2 with SM3.
	ErrUnsupportedAlgorithm = errors.New("unsupported signature algorithm")
	// ErrBadSignature reports a maker or signer signature that does not verify.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrDataHash reports signed data whose SM3 digest is not the signature's dataHash.
	ErrDataHash = errors.New("data hash does not match")
	// ErrNotOrganization reports a seal maker certificate that is not an organisation certificate.
	ErrNotOrganization = errors.New("not an organisation certificate")
	// ErrCertMismatch reports a certificate that is not the one expected: the
	// seal's maker certificate differs from the trusted one, or a key does not
	// belong to its certificate.
	ErrCertMismatch = errors.New("certificate mismatch")
	// ErrSignerNotInSeal reports a signer certificate the seal's certList does not name.
	ErrSignerNotInSeal = errors.New("signer certificate not listed in seal")
	// ErrOutsideValidity reports a signing time outside the seal's validity period.
	ErrOutsideValidity = errors.New("signing time outside seal validity")
)

// Version is the only GB/T 38540 version this package reads and writes.
const Version = 4

// HeaderID is SES_Header.id, always "ES".
const HeaderID = "ES"

// SES_ESPropertyInfo.type values.
const (
	// SealTypeOrganization is the type of a seal that belongs to an organisation.
	SealTypeOrganization = 1
	// SealTypePersonal is the type of a seal that belongs to a person.
	SealTypePersonal = 2
)

// SES_ESPropertyInfo.certListType values.
const (
	// CertListCertificates means certList holds whole DER certificates.
	CertListCertificates = 1
	// CertListDigests means certList holds CertDigestObj digests of certificates.
	CertListDigests = 2
)

// OIDSM2WithSM3 is the only signature algorithm this package writes and accepts.
var OIDSM2WithSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
