// Package rfc3161 encodes and decodes the messages of the Time-Stamp
// Protocol (RFC 3161, updated by RFC 5816): TimeStampReq, TimeStampResp and
// TSTInfo.
//
// It only moves bytes. It checks that input is well-formed DER of the right
// shape, not whether a request is acceptable or a token trustworthy; package
// evidence/tsa decides that. The signed envelope around a TSTInfo is CMS and
// lives in internal/cms.
package rfc3161

import (
	"encoding/asn1"
	"errors"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrMalformed is returned, wrapped with detail, for input that is not DER of the expected structure.
var ErrMalformed = errors.New("rfc3161: malformed message")

// OIDTSTInfo is id-ct-TSTInfo, the content type of a time-stamp token's signed content.
var OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

// PKIStatus values (RFC 3161 §2.4.2).
const (
	// StatusGranted means the response carries a token.
	StatusGranted = 0
	// StatusGrantedWithMods means the response carries a token, with modifications.
	StatusGrantedWithMods = 1
	// StatusRejection means no token; failInfo says why.
	StatusRejection = 2
	// StatusWaiting means the request is not yet processed.
	StatusWaiting = 3
	// StatusRevocationWarning means the TSA certificate is about to be revoked.
	StatusRevocationWarning = 4
	// StatusRevocationNotification means the TSA certificate has been revoked.
	StatusRevocationNotification = 5
)

// PKIFailureInfo bit numbers (RFC 3161 §2.4.2); Response.FailInfo has 1<<n
// set for bit n.
const (
	// FailBadAlg is an unrecognized or unsupported algorithm.
	FailBadAlg = 0
	// FailBadRequest is a transaction not permitted or supported.
	FailBadRequest = 2
	// FailBadDataFormat is data in the wrong format.
	FailBadDataFormat = 5
	// FailTimeNotAvailable is a TSA time source that is not available.
	FailTimeNotAvailable = 14
	// FailUnacceptedPolicy is a requested policy the TSA does not support.
	FailUnacceptedPolicy = 15
	// FailUnacceptedExtension is a requested extension the TSA does not support.
	FailUnacceptedExtension = 16
	// FailAddInfoNotAvailable is requested additional information that is not available.
	FailAddInfoNotAvailable = 17
	// FailSystemFailure is a failure of the TSA itself.
	FailSystemFailure = 25
)

var (
	// tagTSA is TSTInfo's tsa [0], explicit because GeneralName is a CHOICE.
	tagTSA = cbasn1.Tag(0).Constructed().ContextSpecific()
	// tagDirectoryName is GeneralName's directoryName [4], explicit because Name is a CHOICE.
	tagDirectoryName = cbasn1.Tag(4).Constructed().ContextSpecific()
	// The extensions of TimeStampReq ([0] IMPLICIT) and of TSTInfo ([1] IMPLICIT).
	tagReqExtensions = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagTSTExtensions = cbasn1.Tag(1).Constructed().ContextSpecific()
	// Accuracy's millis [0] and micros [1], implicit INTEGERs.
	tagMillis = cbasn1.Tag(0).ContextSpecific()
	tagMicros = cbasn1.Tag(1).ContextSpecific()
)

// readOptionalInteger reads an optional universal INTEGER; out is nil when absent.
func readOptionalInteger(s *cryptobyte.String, out **big.Int) bool {
	*out = nil
	if !s.PeekASN1Tag(cbasn1.INTEGER) {
		return true
	}
	n := new(big.Int)
	if !s.ReadASN1Integer(n) {
		return false
	}
	*out = n
	return true
}

// readOptionalBoolean reads a BOOLEAN DEFAULT FALSE. DER never encodes a
// default value (X.690 §11.5), so a present FALSE is rejected: accepting it
// would let two encodings of one request or token through.
func readOptionalBoolean(s *cryptobyte.String, out *bool) bool {
	*out = false
	if !s.PeekASN1Tag(cbasn1.BOOLEAN) {
		return true
	}
	return s.ReadASN1Boolean(out) && *out
}
