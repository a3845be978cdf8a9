package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/pdfsig"
	"signet/pki"
)

// VerificationReport is what Signet says about the signatures of a PDF. The
// same report is served by POST /api/verify and printed by `signet verify`.
type VerificationReport struct {
	// Verdict is "valid" (every signature intact, trusted, time-stamped and
	// not revoked when made, and the document unchanged after the last one
	// except by further signatures), "invalid", or "unsigned".
	Verdict    string            `json:"verdict"`
	Signatures []signatureReport `json:"signatures"`
}

type signatureReport struct {
	Field       string     `json:"field"`
	Signer      string     `json:"signer"`
	Issuer      string     `json:"issuer"`
	Serial      string     `json:"serial"`
	Algorithm   string     `json:"algorithm"`
	SigningTime *time.Time `json:"signing_time,omitempty"`
	// TimestampTime is the trusted RFC 3161 time of the signature, if any.
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	Intact        bool       `json:"intact"`
	Trusted       bool       `json:"trusted"`
	// RevokedAtSigning is true when the signer's certificate had been
	// revoked before the signature's time-stamp.
	RevokedAtSigning bool `json:"revoked_at_signing"`
	// ChangedAfter is "unchanged", "further signatures only" or "modified".
	ChangedAfter string `json:"changed_after"`
	ChangeDetail string `json:"change_detail,omitempty"`
	Valid        bool   `json:"valid"`
	Problem      string `json:"problem,omitempty"`
}

// errNotPDF is a body that is not a readable PDF.
var errNotPDF = newAPIError(422, "not_a_pdf", "the file is not a readable PDF")

// VerifyPDF checks every signature of pdf against the platform's roots (SM2
// and ECDSA hierarchies, plus the roots of configured external TSAs for
// time-stamps) and the platform's revocation records.
func (a *App) VerifyPDF(ctx context.Context, pdf []byte) (VerificationReport, error) {
	roots := smx509.NewCertPool()
	for _, alg := range pki.Algorithms() {
		pem, err := a.PKI.Chain(alg)
		if err != nil {
			return VerificationReport{}, err
		}
		roots.AppendCertsFromPEM(pem)
	}
	tsaRoots, _, err := a.TimestampRoots(ctx)
	if err != nil {
		return VerificationReport{}, err
	}
	reps, err := pdfsig.Verify(pdf, pdfsig.VerifyOptions{Roots: roots, TSARoots: tsaRoots})
	if errors.Is(err, pdfsig.ErrMalformed) {
		return VerificationReport{}, errNotPDF
	}
	if err != nil {
		return VerificationReport{}, err
	}
	out := VerificationReport{Verdict: "valid", Signatures: []signatureReport{}}
	if len(reps) == 0 {
		out.Verdict = "unsigned"
	}
	for _, r := range reps {
		s := signatureReport{Field: r.Field, Algorithm: r.SubFilter, Intact: r.Intact, Trusted: r.Trusted,
			ChangedAfter: r.Change.String(), ChangeDetail: r.ChangeDetail}
		if c := r.Certificate; c != nil {
			s.Signer, s.Issuer, s.Serial = c.Subject.String(), c.Issuer.String(), hex.EncodeToString(c.SerialNumber.Bytes())
			s.Algorithm = c.PublicKeyAlgorithm.String()
		}
		if !r.SigningTime.IsZero() {
			t := r.SigningTime.UTC()
			s.SigningTime = &t
		}
		if r.Timestamp != nil {
			t := r.Timestamp.GenTime.UTC()
			s.TimestampTime = &t
		}
		if r.Err != nil {
			s.Problem = r.Err.Error()
		}
		// Revocation at signing time, for certificates this platform issued.
		// Revocation dates have one-second precision (as in CRLs): a
		// signature counts as made before the revocation only if its trusted
		// time is strictly before that second; without a time-stamp, now.
		if s.Serial != "" {
			if cred, err := a.PKI.Credential(ctx, s.Serial); err == nil && cred.RevokedAt != nil {
				when := time.Now()
				if s.TimestampTime != nil {
					when = *s.TimestampTime
				}
				if !when.Before(*cred.RevokedAt) {
					s.RevokedAtSigning = true
					s.Problem = fmt.Sprintf("the signer's certificate was revoked (%s) on %s, before the signature", cred.Reason, cred.RevokedAt.UTC().Format(time.RFC3339))
				}
			}
		}
		s.Valid = r.Err == nil && !s.RevokedAtSigning && r.Change != pdfsig.Modified
		if r.Change == pdfsig.Modified && s.Problem == "" {
			s.Problem = "the document was modified after this signature: " + r.ChangeDetail
		}
		if !s.Valid {
			out.Verdict = "invalid"
		}
		out.Signatures = append(out.Signatures, s)
	}
	return out, nil
}

// ReadPDFFile reads a file for `signet verify`, bounded like an upload.
func ReadPDFFile(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return os.ReadFile(path)
}
