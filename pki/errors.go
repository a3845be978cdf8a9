package pki

import (
	"errors"
	"fmt"
)

// Errors returned by the Service and its Store. They are wrapped; match them
// with errors.Is.
var (
	// ErrNotFound means no certificate, authority or key matches.
	ErrNotFound = errors.New("pki: not found")
	// ErrRevoked means the certificate has been revoked: it never signs again.
	ErrRevoked = errors.New("pki: certificate revoked")
	// ErrExpired means a certificate or its issuer is outside its validity period.
	ErrExpired = errors.New("pki: certificate expired")
	// ErrInvalid means a request, configuration or imported certificate or key
	// is unacceptable. Field problems come as [*FieldError] values.
	ErrInvalid = errors.New("pki: invalid input")
	// ErrConflict means a concurrent change won a race (two issuances for one
	// party, two CRLs with one number). Retrying reads the winner.
	ErrConflict = errors.New("pki: conflicting change")
	// ErrNoPrivateKey means an authority's key is not held by the platform
	// (a root imported without its key), so it cannot sign.
	ErrNoPrivateKey = errors.New("pki: authority private key not held")
)

// FieldError says what is wrong with one field of a request or configuration.
// It matches [ErrInvalid].
type FieldError struct {
	Field   string
	Problem string
}

// Error describes the field and its problem.
func (e *FieldError) Error() string {
	return fmt.Sprintf("pki: %s: %s", e.Field, e.Problem)
}

// Unwrap makes every FieldError match [ErrInvalid].
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, problem string) error {
	return &FieldError{Field: field, Problem: problem}
}
