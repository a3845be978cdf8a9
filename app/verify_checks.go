package app

import (
	"fmt"
	"time"

	"signet/internal/pdfsig"
)

// A signature's report lists one row per check, in the order a seal
// verification tool shows them: who signed and whether their certificate
// holds, whether the document is intact, whether the seal is the one
// drawn, and when it was signed. The web app shows these rows (translating
// the ids and statuses) and `signet verify` prints them; the details are
// the technical reasons, in English.

// checkStatus is a check's outcome.
type checkStatus string

const (
	checkPass checkStatus = "pass"
	checkFail checkStatus = "fail"
	// checkNA is a check that does not apply, e.g. the seal check of a
	// handwritten signature.
	checkNA checkStatus = "n/a"
)

// checkDTO is one row of a signature's report.
type checkDTO struct {
	// ID is signer, certificate, revocation, integrity, changes, seal or timestamp.
	ID     string      `json:"id"`
	Status checkStatus `json:"status"`
	Detail string      `json:"detail"`
}

func passIf(ok bool) checkStatus {
	if ok {
		return checkPass
	}
	return checkFail
}

// signatureChecks derives the rows of s (already filled in from r).
func signatureChecks(r pdfsig.SignatureReport, s signatureReport, pdfLen int) []checkDTO {
	var out []checkDTO
	add := func(id string, st checkStatus, detail string) {
		out = append(out, checkDTO{ID: id, Status: st, Detail: detail})
	}

	cert := r.Certificate
	if cert == nil {
		add("signer", checkFail, "the signature names no signer certificate")
	} else {
		add("signer", checkPass, s.Signer)
	}

	// A signature that does not match the document proves nothing about
	// its certificate or its time: those rows are not checked.
	const unchecked = "not checked: the signature does not match the document (see integrity)"
	switch {
	case cert == nil:
		add("certificate", checkFail, "no certificate to check")
	case !s.Intact:
		add("certificate", checkFail, fmt.Sprintf("issued by %s; valid %s to %s; %s", s.Issuer, day(cert.NotBefore), day(cert.NotAfter), unchecked))
	case s.Trusted:
		add("certificate", checkPass, fmt.Sprintf("issued by %s; valid %s to %s; chains to the platform's root", s.Issuer, day(cert.NotBefore), day(cert.NotAfter)))
	default:
		detail := fmt.Sprintf("issued by %s; valid %s to %s; does not chain to a trusted root at the signing time", s.Issuer, day(cert.NotBefore), day(cert.NotAfter))
		if r.Err != nil {
			detail += ": " + r.Err.Error()
		}
		add("certificate", checkFail, detail)
	}

	switch {
	case cert == nil:
		add("revocation", checkFail, "no certificate to check")
	case !s.Intact:
		add("revocation", checkFail, unchecked)
	case s.RevokedAtSigning:
		add("revocation", checkFail, s.Problem)
	default:
		add("revocation", checkPass, "not revoked when the signature was made (checked against the platform's revocation records)")
	}

	covered := int64(0)
	if n := len(r.ByteRange); n >= 2 {
		covered = r.ByteRange[n-2] + r.ByteRange[n-1]
	}
	if s.Intact {
		add("integrity", checkPass, fmt.Sprintf("the signed digest matches bytes 0–%d of %d, everything but the signature value itself", covered, pdfLen))
	} else {
		detail := "the signed digest does not match the document"
		if r.Err != nil {
			detail += ": " + r.Err.Error()
		}
		add("integrity", checkFail, detail)
	}

	switch r.Change {
	case pdfsig.Modified:
		add("changes", checkFail, "the document was modified after this signature: "+s.ChangeDetail)
	default:
		add("changes", checkPass, s.ChangedAfter)
	}

	switch {
	case !s.Seal.Present:
		add("seal", checkNA, "this signature carries no electronic seal (a handwritten or typed signature)")
	case s.Seal.valid():
		add("seal", checkPass, fmt.Sprintf("seal %q (%s): its SES signature verifies, its signer is this signature's, and the picture shown is the seal's, pixel for pixel", s.Seal.SealName, s.Seal.ESID))
	default:
		add("seal", checkFail, fmt.Sprintf("seal %q (%s): %s", s.Seal.SealName, s.Seal.ESID, s.Seal.Error))
	}

	if !s.Intact {
		add("timestamp", checkFail, unchecked)
	} else if r.Timestamp != nil && s.TimestampTime != nil {
		tsaName := "an unnamed TSA"
		if c := r.Timestamp.Certificate; c != nil {
			tsaName = c.Subject.String()
		}
		add("timestamp", checkPass, fmt.Sprintf("%s by %s", s.TimestampTime.Format(time.RFC3339), tsaName))
	} else {
		add("timestamp", checkFail, "the signature has no verified RFC 3161 time-stamp; its time is only the signer's claim")
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
