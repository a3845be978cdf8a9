package app

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ofd"
	"signet/pki"
	"signet/verify"
)

// VerificationReport is what Signet says about the signatures of a PDF. The
// same report is served by POST /api/verify and printed by `signet verify`;
// the rules are the verify domain's (verify.PDF).
type VerificationReport struct {
	// Verdict is "valid" (every signature intact, trusted, time-stamped and
	// not revoked when made, every electronic seal a signature carries
	// valid, signed by that signature's signer and shown as its picture,
	// and the document unchanged after the last one except by further
	// signatures), "invalid", or "unsigned".
	Verdict    string            `json:"verdict"`
	Signatures []signatureReport `json:"signatures"`
	// SM3 is the hex SM3 digest of the file checked: a copy is the final
	// document of a contract when it equals the document's SM3 on the
	// contract's public record (/v/{code}).
	SM3 string `json:"sm3"`
}

type signatureReport struct {
	// Kind is "signature", or "document-timestamp" for an archive
	// time-stamp over the whole document (its signer is the TSA).
	Kind        string     `json:"kind"`
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
	// Seal is the check of the electronic seal the signature carries.
	Seal sealReport `json:"seal"`
	// Level is the PAdES baseline level the signature reaches: B-B, B-T,
	// B-LT (the document carries the revocation data of its signer and
	// TSA) or B-LTA (and a document time-stamp covers them); empty for a
	// document time-stamp or an invalid signature.
	Level string `json:"level,omitempty"`
	// ProvenAt is when a later document time-stamp proves the signature
	// existed, or the validation time when none does.
	ProvenAt *time.Time `json:"proven_at,omitempty"`
	// Revocation is what the document's own validation data says of the
	// signer's and the TSA's certificates.
	Revocation []revocationDTO `json:"revocation"`
	// Warnings do not make the signature invalid.
	Warnings []string `json:"warnings"`
	Valid    bool     `json:"valid"`
	Problem  string   `json:"problem,omitempty"`
	// Checks are the rows of the report: one per check, pass or fail, with
	// the reason.
	Checks []checkDTO `json:"checks"`
}

// sealReport is the check of the GB/T 38540 SES_Signature that Signet
// embeds in a seal's PDF signature. A signature without one, such as a
// person's handwritten signature, reports present=false and is judged by
// its PDF signature alone.
type sealReport struct {
	Present bool `json:"present"`
	// SealName and ESID are the seal's name and esID (Signet's seal id).
	SealName string `json:"seal_name,omitempty"`
	ESID     string `json:"esid,omitempty"`
	// TimestampTime is the trusted time of the SES time-stamp.
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	// SignatureValid means the SES passed verify.SESSignature: it verifies
	// over the revision the PDF signature was added to, its seal and
	// certificates hold, and its time-stamp verifies.
	SignatureValid bool `json:"signature_valid"`
	// SignerMatches means the SES signer is the PDF signature's signer.
	SignerMatches bool `json:"signer_matches"`
	// PictureMatches means the signature's widget shows exactly the
	// SESeal's picture, pixel for pixel.
	PictureMatches bool   `json:"picture_matches"`
	Error          string `json:"error,omitempty"`
}

// revocationDTO is the status of one certificate in the document's
// validation data.
type revocationDTO struct {
	// Role is signer or tsa.
	Role    string `json:"role"`
	Subject string `json:"subject"`
	Serial  string `json:"serial"`
	// Source is ocsp or crl; empty when the document holds no status.
	Source string `json:"source,omitempty"`
	// InDSS means the status is in the document's /DSS.
	InDSS     bool       `json:"in_dss"`
	Produced  *time.Time `json:"produced,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// checkDTO is one row of a signature's report.
type checkDTO struct {
	// ID is signer, certificate, revocation, integrity, changes, seal,
	// timestamp or longterm.
	ID string `json:"id"`
	// Status is pass, fail or n/a.
	Status string `json:"status"`
	Detail string `json:"detail"`
}

func toVerificationReport(r verify.Report) VerificationReport {
	out := VerificationReport{Verdict: r.Verdict, Signatures: make([]signatureReport, len(r.Signatures)), SM3: hex.EncodeToString(r.SM3[:])}
	for i, s := range r.Signatures {
		d := signatureReport{Kind: s.Kind, Level: s.Level, ProvenAt: timeOrNil(s.ProvenAt), Warnings: s.Warnings, Revocation: []revocationDTO{},
			Field: s.Field, Signer: s.Signer, Issuer: s.Issuer, Serial: s.Serial, Algorithm: s.Algorithm,
			SigningTime: timeOrNil(s.SigningTime), TimestampTime: timeOrNil(s.TimestampTime), Intact: s.Intact, Trusted: s.Trusted,
			RevokedAtSigning: s.RevokedAtSigning, ChangedAfter: s.ChangedAfter, ChangeDetail: s.ChangeDetail,
			Valid: s.Valid, Problem: s.Problem, Checks: make([]checkDTO, len(s.Checks))}
		if m := s.Seal; m.Present {
			d.Seal = sealReport{Present: true, SealName: m.Seal.Name, ESID: m.Seal.ESID, TimestampTime: timeOrNil(m.Seal.Time),
				SignatureValid: m.Seal.Valid(), SignerMatches: m.SignerMatches, PictureMatches: m.PictureMatches, Error: m.Error()}
		}
		for j, c := range s.Checks {
			d.Checks[j] = checkDTO{ID: c.ID, Status: string(c.Status), Detail: c.Detail}
		}
		for _, r := range s.Revocation {
			d.Revocation = append(d.Revocation, revocationDTO{Role: r.Role, Subject: r.Subject, Serial: r.Serial, Source: r.Source,
				InDSS: r.InDSS, Produced: timeOrNil(r.Produced), RevokedAt: timeOrNil(r.RevokedAt)})
		}
		if d.Warnings == nil {
			d.Warnings = []string{}
		}
		out.Signatures[i] = d
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// errNotPDF is a body that is not a readable PDF.
var errNotPDF = newAPIError(422, "not_a_pdf", "the file is not a readable PDF")

// VerifyPDF checks every signature of pdf with verify.PDF against the
// platform's trust: its roots (SM2 and ECDSA hierarchies, plus the roots
// of configured external TSAs for time-stamps) and its revocation records.
func (a *App) VerifyPDF(ctx context.Context, pdf []byte) (VerificationReport, error) {
	return a.VerifyPDFAt(ctx, pdf, time.Time{})
}

// VerifyPDFAt is VerifyPDF with the validation time at instead of the
// clock (zero means the clock): `signet verify -at 2056-01-01` checks a
// document as it will verify then, from what it carries.
func (a *App) VerifyPDFAt(ctx context.Context, pdf []byte, at time.Time) (VerificationReport, error) {
	t, err := a.verifyTrust(ctx)
	if err != nil {
		return VerificationReport{}, err
	}
	t.Now = at
	if ofd.IsOFD(pdf) {
		// An OFD (a zip package): its seals, by the same rules and rows.
		r, err := verify.OFD(pdf, t)
		if errors.Is(err, verify.ErrNotOFD) {
			return VerificationReport{}, newAPIError(422, "not_an_ofd", "the file is not a readable OFD: "+err.Error())
		}
		if err != nil {
			return VerificationReport{}, err
		}
		return toVerificationReport(r), nil
	}
	r, err := verify.PDF(pdf, t)
	if errors.Is(err, verify.ErrNotPDF) {
		return VerificationReport{}, errNotPDF
	}
	if err != nil {
		return VerificationReport{}, err
	}
	return toVerificationReport(r), nil
}

// trustTTL is how long the parsed roots are reused: certificates are
// renewed at most every few hours, and a verification should not parse
// PEM and read the TSA roots file every time.
const trustTTL = time.Minute

// trustCache holds the parsed roots between verifications.
type trustCache struct {
	mu      sync.Mutex
	until   time.Time
	roots   *smx509.CertPool
	tsa     *x509.CertPool
	tsaMore *x509.CertPool
}

// verifyTrust is what the platform trusts: its roots of both algorithms,
// the time-stamp roots, and its own revocation records (always read
// afresh).
func (a *App) verifyTrust(ctx context.Context) (verify.Trust, error) {
	c := &a.trust
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().After(c.until) {
		roots, tsaRoots, tsaIntermediates, err := a.parseTrust(ctx)
		if err != nil {
			return verify.Trust{}, err
		}
		c.roots, c.tsa, c.tsaMore, c.until = roots, tsaRoots, tsaIntermediates, time.Now().Add(trustTTL)
	}
	return verify.Trust{Roots: c.roots, TSARoots: c.tsa, TSAIntermediates: c.tsaMore,
		Revoked: func(cert *smx509.Certificate, at time.Time) string {
			return a.revokedBy(ctx, hex.EncodeToString(cert.SerialNumber.Bytes()), at)
		}}, nil
}

func (a *App) parseTrust(ctx context.Context) (*smx509.CertPool, *x509.CertPool, *x509.CertPool, error) {
	roots := smx509.NewCertPool()
	for _, alg := range pki.Algorithms() {
		pem, err := a.PKI.Chain(alg)
		if err != nil {
			return nil, nil, nil, err
		}
		roots.AppendCertsFromPEM(pem)
	}
	tsaRoots, tsaIntermediates, err := a.TimestampRoots(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return roots, tsaRoots, tsaIntermediates, nil
}

// revokedBy says, as "revoked (reason) on date", whether a certificate
// this platform issued had been revoked at when; "" if not. Revocation
// dates have one-second precision (as in CRLs): something counts as made
// before the revocation only if when is strictly before that second.
func (a *App) revokedBy(ctx context.Context, serial string, when time.Time) string {
	cred, err := a.PKI.Credential(ctx, serial)
	if err != nil || cred.RevokedAt == nil || when.Before(*cred.RevokedAt) {
		return ""
	}
	return fmt.Sprintf("revoked (%s) on %s", cred.Reason, cred.RevokedAt.UTC().Format(time.RFC3339))
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
