package tsa

import (
	"errors"
	"fmt"
	"strings"

	"signet/internal/rfc3161"
)

// Verification errors. Verify and Client.Timestamp wrap them with detail, so
// match with errors.Is.
var (
	// ErrMalformed means the token is not a DER time-stamp token of a form this package reads.
	ErrMalformed = errors.New("tsa: malformed time-stamp token")
	// ErrBadSignature means the token's CMS signature, a signed attribute or its
	// binding to the TSA certificate does not check out: the token was altered
	// or was never issued by that certificate's key.
	ErrBadSignature = errors.New("tsa: time-stamp token signature does not verify")
	// ErrUntrusted means the TSA certificate is missing, is not a time-stamping
	// certificate, or does not chain to the given roots at the token's time.
	ErrUntrusted = errors.New("tsa: time-stamp authority not trusted")
	// ErrImprintMismatch means the token is valid but time-stamps other data,
	// or other data than the request asked for.
	ErrImprintMismatch = errors.New("tsa: time-stamp token covers other data")
	// ErrNonceMismatch means the response does not answer this request: its
	// nonce differs from the one sent, as with a replayed response.
	ErrNonceMismatch = errors.New("tsa: time-stamp response nonce does not match the request")
	// ErrPolicyMismatch means the token was issued under another policy than the one asked for.
	ErrPolicyMismatch = errors.New("tsa: time-stamp token issued under another policy")
)

// Status is the PKIStatus of a time-stamp response (RFC 3161 §2.4.2).
type Status int

// The statuses a time-stamp response may carry.
const (
	// StatusGranted means a token is included, as requested.
	StatusGranted Status = rfc3161.StatusGranted
	// StatusGrantedWithMods means a token is included, with modifications to the request.
	StatusGrantedWithMods Status = rfc3161.StatusGrantedWithMods
	// StatusRejection means no token: see the FailureInfo.
	StatusRejection Status = rfc3161.StatusRejection
	// StatusWaiting means no token yet; RFC 3161 defines no way to collect it later.
	StatusWaiting Status = rfc3161.StatusWaiting
	// StatusRevocationWarning means a revocation of the TSA certificate is imminent.
	StatusRevocationWarning Status = rfc3161.StatusRevocationWarning
	// StatusRevocationNotification means the TSA certificate has been revoked.
	StatusRevocationNotification Status = rfc3161.StatusRevocationNotification
)

// String returns the status name as RFC 3161 spells it.
func (s Status) String() string {
	names := []string{"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"}
	if s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// FailureInfo is the PKIFailureInfo of a rejected request: a set of reasons,
// one bit each.
type FailureInfo uint32

// The failure reasons of RFC 3161 §2.4.2.
const (
	// FailBadAlg means the imprint's hash algorithm is not supported.
	FailBadAlg FailureInfo = 1 << rfc3161.FailBadAlg
	// FailBadRequest means the transaction is not permitted or supported.
	FailBadRequest FailureInfo = 1 << rfc3161.FailBadRequest
	// FailBadDataFormat means the request is not well-formed.
	FailBadDataFormat FailureInfo = 1 << rfc3161.FailBadDataFormat
	// FailTimeNotAvailable means the TSA's time source is not available.
	FailTimeNotAvailable FailureInfo = 1 << rfc3161.FailTimeNotAvailable
	// FailUnacceptedPolicy means the requested policy is not supported.
	FailUnacceptedPolicy FailureInfo = 1 << rfc3161.FailUnacceptedPolicy
	// FailUnacceptedExtension means a requested extension is not supported.
	FailUnacceptedExtension FailureInfo = 1 << rfc3161.FailUnacceptedExtension
	// FailAddInfoNotAvailable means requested additional information is not available.
	FailAddInfoNotAvailable FailureInfo = 1 << rfc3161.FailAddInfoNotAvailable
	// FailSystemFailure means the TSA failed for reasons of its own.
	FailSystemFailure FailureInfo = 1 << rfc3161.FailSystemFailure
)

// String lists the reasons set in f, such as "badAlg".
func (f FailureInfo) String() string {
	var names []string
	for _, r := range []struct {
		bit  FailureInfo
		name string
	}{
		{FailBadAlg, "badAlg"}, {FailBadRequest, "badRequest"}, {FailBadDataFormat, "badDataFormat"},
		{FailTimeNotAvailable, "timeNotAvailable"}, {FailUnacceptedPolicy, "unacceptedPolicy"},
		{FailUnacceptedExtension, "unacceptedExtension"}, {FailAddInfoNotAvailable, "addInfoNotAvailable"},
		{FailSystemFailure, "systemFailure"},
	} {
		if f&r.bit != 0 {
			names = append(names, r.name)
			f &^= r.bit
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(f)))
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, ",")
}

// RejectedError is returned when a TSA answers without a token.
type RejectedError struct {
	Status   Status
	FailInfo FailureInfo
	// Text is the TSA's statusString, if it sent one. It comes from the TSA:
	// log it, do not show it to users.
	Text string
}

// Error describes the refusal.
func (e *RejectedError) Error() string {
	msg := fmt.Sprintf("tsa: request refused: status %v, failure %v", e.Status, e.FailInfo)
	if e.Text != "" {
		msg += fmt.Sprintf(" (%q)", e.Text)
	}
	return msg
}

// transient reports whether asking the same TSA again may help.
func (e *RejectedError) transient() bool {
	return e.Status == StatusWaiting || e.FailInfo&(FailTimeNotAvailable|FailSystemFailure) != 0
}

// Attempt records one failed exchange with one TSA.
type Attempt struct {
	// URL is the TSA's address, or "local" for an in-process Authority.
	URL string
	// Try counts the attempts at this URL, from 1.
	Try int
	Err error
}

// UnavailableError is returned by Client.Timestamp when every TSA failed
// every attempt. Signing should give up cleanly on it: no valid token exists.
type UnavailableError struct {
	Attempts []Attempt
}

// Error summarizes the attempts, naming the last failure.
func (e *UnavailableError) Error() string {
	if len(e.Attempts) == 0 {
		return "tsa: timestamp: no time-stamp authority configured"
	}
	last := e.Attempts[len(e.Attempts)-1]
	return fmt.Sprintf("tsa: timestamp: all time-stamp authorities failed after %d attempts; last, %s try %d: %v",
		len(e.Attempts), last.URL, last.Try, last.Err)
}

// Unwrap returns the error of every attempt, so that errors.Is and errors.As
// see, for example, an ErrBadSignature from one of the TSAs.
func (e *UnavailableError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}
