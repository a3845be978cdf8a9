package verify

import (
	"fmt"
	"strings"
	"time"

	"signet/internal/pdfsig"
)

// A signature's report lists one row per check, in the order a seal
// verification tool shows them: who signed and whether their certificate
// holds, whether the document is intact, whether the seal is the one
// drawn, and when it was signed. The web app shows these rows (translating
// the ids and statuses) and `signet verify` prints them; the details are
// the technical reasons, in English.

// CheckStatus is a check's outcome.
type CheckStatus string

// Check outcomes.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	// CheckNA is a check that does not apply, e.g. the seal check of a
	// handwritten signature.
	CheckNA CheckStatus = "n/a"
)

// Check is one row of a signature's report.
type Check struct {
	// ID is signer, certificate, revocation, integrity, changes, seal,
	// timestamp or longterm.
	ID     string
	Status CheckStatus
	Detail string
}

// checks derives the rows of s (already filled in from r).
func checks(r pdfsig.SignatureReport, s Signature, pdfLen int) []Check {
	var out []Check
	add := func(id string, st CheckStatus, detail string) {
		out = append(out, Check{ID: id, Status: st, Detail: detail})
	}

	cert := r.Certificate
	if cert == nil {
		add("signer", CheckFail, "the signature names no signer certificate")
	} else {
		add("signer", CheckPass, s.Signer)
	}

	// A signature that does not match the document proves nothing about
	// its certificate or its time: those rows are not checked.
	const unchecked = "not checked: the signature does not match the document (see integrity)"
	switch {
	case cert == nil:
		add("certificate", CheckFail, "no certificate to check")
	case !s.Intact:
		add("certificate", CheckFail, fmt.Sprintf("issued by %s; valid %s to %s; %s", s.Issuer, day(cert.NotBefore), day(cert.NotAfter), unchecked))
	case s.Trusted:
		add("certificate", CheckPass, fmt.Sprintf("issued by %s; valid %s to %s; chains to the platform's root", s.Issuer, day(cert.NotBefore), day(cert.NotAfter)))
	default:
		detail := fmt.Sprintf("issued by %s; valid %s to %s; does not chain to a trusted root at the signing time", s.Issuer, day(cert.NotBefore), day(cert.NotAfter))
		if r.Err != nil {
			detail += ": " + r.Err.Error()
		}
		add("certificate", CheckFail, detail)
	}

	switch {
	case cert == nil:
		add("revocation", CheckFail, "no certificate to check")
	case !s.Intact:
		add("revocation", CheckFail, unchecked)
	case s.RevokedAtSigning:
		add("revocation", CheckFail, s.Problem)
	default:
		detail := "not revoked when the signature was made (checked against the platform's revocation records)"
		for _, st := range r.Revocation {
			if st.Role == "signer" && st.Source != "" {
				detail += fmt.Sprintf("; the document's own %s from %s says the same", st.Source, day(st.Produced))
			}
		}
		add("revocation", CheckPass, detail)
	}

	covered := int64(0)
	if n := len(r.ByteRange); n >= 2 {
		covered = r.ByteRange[n-2] + r.ByteRange[n-1]
	}
	if s.Intact {
		add("integrity", CheckPass, fmt.Sprintf("the signed digest matches bytes 0–%d of %d, everything but the signature value itself", covered, pdfLen))
	} else {
		detail := "the signed digest does not match the document"
		if r.Err != nil {
			detail += ": " + r.Err.Error()
		}
		add("integrity", CheckFail, detail)
	}

	switch r.Change {
	case pdfsig.Modified:
		add("changes", CheckFail, "the document was modified after this signature: "+s.ChangeDetail)
	default:
		add("changes", CheckPass, s.ChangedAfter)
	}

	switch {
	case r.DocTimeStamp:
		add("seal", CheckNA, "a document time-stamp carries no electronic seal")
	case !s.Seal.Present:
		add("seal", CheckNA, "this signature carries no electronic seal (a handwritten or typed signature)")
	case s.Seal.Valid():
		add("seal", CheckPass, fmt.Sprintf("seal %q (%s): its SES signature verifies, its signer is this signature's, and the picture shown is the seal's, pixel for pixel", s.Seal.Seal.Name, s.Seal.Seal.ESID))
	default:
		add("seal", CheckFail, fmt.Sprintf("seal %q (%s): %s", s.Seal.Seal.Name, s.Seal.Seal.ESID, s.Seal.Error()))
	}

	if !s.Intact {
		add("timestamp", CheckFail, unchecked)
	} else if r.Timestamp != nil && !s.TimestampTime.IsZero() {
		tsaName := "an unnamed TSA"
		if c := r.Timestamp.Certificate; c != nil {
			tsaName = c.Subject.String()
		}
		add("timestamp", CheckPass, fmt.Sprintf("%s by %s", s.TimestampTime.Format(time.RFC3339), tsaName))
	} else {
		add("timestamp", CheckFail, "the signature has no verified RFC 3161 time-stamp; its time is only the signer's claim")
	}
	add(longTermCheck(r, s))
	return out
}

// longTermCheck is the row that says whether the document itself carries
// what checking this signature will need when no server answers.
func longTermCheck(r pdfsig.SignatureReport, s Signature) (string, CheckStatus, string) {
	var sources []string
	for _, st := range r.Revocation {
		if st.InDSS {
			sources = append(sources, st.Role+" "+st.Source)
		}
	}
	warn := ""
	for _, w := range r.Warnings {
		warn += "; " + w
	}
	switch {
	case r.LongTermErr != nil:
		return "longterm", CheckFail, r.LongTermErr.Error()
	case r.DocTimeStamp && r.Err == nil:
		return "longterm", CheckPass, fmt.Sprintf("document time-stamp at %s: proves the signatures and validation data before it existed then%s",
			s.TimestampTime.Format(time.RFC3339), warn)
	case r.DocTimeStamp || !s.Valid:
		return "longterm", CheckNA, "not checked: the signature is not valid"
	case r.Level == pdfsig.LevelLTA:
		return "longterm", CheckPass, fmt.Sprintf("PAdES B-LTA: the document carries the revocation status (%s), and a document time-stamp at %s covers it%s",
			strings.Join(sources, ", "), r.ProvenAt.UTC().Format(time.RFC3339), warn)
	case r.Level == pdfsig.LevelLT:
		return "longterm", CheckPass, fmt.Sprintf("PAdES B-LT: the document carries the revocation status (%s); no document time-stamp covers it yet%s",
			strings.Join(sources, ", "), warn)
	}
	return "longterm", CheckNA, fmt.Sprintf("PAdES %s: the document carries no revocation status of its signer and TSA; it can be checked only while their CA answers%s",
		r.Level, warn)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
