package verify

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"signet/internal/ofd"
	"signet/internal/ses"
)

// ErrNotOFD means the file is not a readable OFD package.
var ErrNotOFD = errors.New("verify: not a readable OFD")

// OFD checks every signature of an OFD document (GB/T 33190) against t,
// with the same verdicts and rows as [PDF]: for each seal, its
// SES_Signature over Signature.xml (signer, chain, the seal's own
// signature by its maker, the time-stamp, as [SESSignature]), every file
// it protects against its SM3, the seal file it names against the seal
// the SES carries, and the whole package for files changed, removed or
// added after it. Signatures of another Type than "Seal" are reported
// invalid: Signet does not check them. It returns [ErrNotOFD] for a file
// that is not a readable OFD.
func OFD(data []byte, t Trust) (Report, error) {
	sigs, _, err := ofd.Signatures(data)
	if errors.Is(err, ofd.ErrMalformed) || errors.Is(err, ofd.ErrEncrypted) || errors.Is(err, ofd.ErrUnsupported) {
		return Report{}, fmt.Errorf("%w: %v", ErrNotOFD, err)
	}
	if err != nil {
		return Report{}, err
	}
	out := Report{Verdict: Valid, Signatures: []Signature{}, SM3: sm3.Sum(data)}
	if len(sigs) == 0 {
		out.Verdict = Unsigned
	}
	for _, si := range sigs {
		s := ofdSignature(si, t)
		if !s.Valid {
			out.Verdict = Invalid
		}
		out.Signatures = append(out.Signatures, s)
	}
	return out, nil
}

func ofdSignature(si ofd.SignatureInfo, t Trust) Signature {
	s := Signature{Kind: KindSignature, Field: si.Loc, Algorithm: "SM2", ChangedAfter: "unchanged"}
	var problems []string
	problems = append(problems, si.Problems...)
	changed := false
	for _, p := range si.Problems {
		if strings.Contains(p, "after the signature") {
			changed = true
		}
	}
	if changed {
		s.ChangedAfter, s.ChangeDetail = "modified", joinProblems(si.Problems)
	}

	var out []Check
	add := func(id string, st CheckStatus, detail string) {
		out = append(out, Check{ID: id, Status: st, Detail: detail})
	}
	if si.Type != "Seal" {
		s.Problem = fmt.Sprintf("a signature of type %q: Signet checks OFD seals (type Seal) only", si.Type)
		add("signer", CheckFail, s.Problem)
		s.Checks = out
		return s
	}
	// The SES signature's own mathematics, apart from policy: over the
	// bytes of Signature.xml, by the certificate it carries.
	mathErr := ses.VerifySignature(si.Value, si.XML)
	sesIntact := mathErr == nil || !(errors.Is(mathErr, ses.ErrBadSignature) || errors.Is(mathErr, ses.ErrDataHash) ||
		errors.Is(mathErr, ses.ErrMalformed) || errors.Is(mathErr, ses.ErrUnsupportedVersion) || errors.Is(mathErr, ses.ErrUnsupportedAlgorithm))
	filesIntact := !hasProblem(si.Problems, "was changed", "was removed", "missing", "check value", "not SM3")
	s.Intact = sesIntact && filesIntact

	seal := SESSignature(si.Value, si.XML, t)
	mark := SealMark{Present: true, Seal: seal, SignerMatches: seal.Signer != nil, PictureMatches: true}
	mark.Problems = append(mark.Problems, seal.Problems...)
	var sig ses.SESSignature
	if sig.Unmarshal(si.Value) == nil {
		if sealDER, err := sig.TBS.Seal.Marshal(); err == nil && !bytes.Equal(sealDER, si.Seal) {
			mark.Problems = append(mark.Problems, fmt.Sprintf("the seal file %s is not the seal the SES signature applies", si.SealLoc))
			mark.PictureMatches = false
		}
	}
	s.Seal = mark
	if c := seal.Signer; c != nil {
		s.Signer, s.Issuer, s.Serial = c.Subject.String(), c.Issuer.String(), fmt.Sprintf("%x", c.SerialNumber.Bytes())
	}
	s.TimestampTime = seal.Time
	s.Trusted = s.Intact && !hasProblem(seal.Problems, "certificate")
	problems = append(problems, mark.Problems...)
	if t.Revoked != nil && seal.Signer != nil {
		when := t.now()
		if !seal.Time.IsZero() {
			when = seal.Time
		}
		if how := t.Revoked(seal.Signer, when); how != "" {
			s.RevokedAtSigning = true
			problems = append(problems, "the signer's certificate was "+how+", before the signature")
		}
	}
	s.Valid = len(problems) == 0
	if !s.Valid {
		s.Problem = joinProblems(problems)
	}

	if seal.Signer == nil {
		add("signer", CheckFail, "the SES signature names no readable signer certificate")
	} else {
		add("signer", CheckPass, s.Signer)
	}
	switch {
	case seal.Signer == nil:
		add("certificate", CheckFail, "no certificate to check")
	case s.Trusted:
		add("certificate", CheckPass, fmt.Sprintf("issued by %s; valid %s to %s; chains to a trusted root", s.Issuer, day(seal.Signer.NotBefore), day(seal.Signer.NotAfter)))
	default:
		add("certificate", CheckFail, fmt.Sprintf("issued by %s: %s", s.Issuer, joinProblems(filter(seal.Problems, "certificate"))))
	}
	if s.RevokedAtSigning {
		add("revocation", CheckFail, "the signer's certificate was revoked before the signature")
	} else {
		add("revocation", CheckPass, "not revoked when the seal was applied (checked against the platform's revocation records)")
	}
	switch {
	case s.Intact:
		add("integrity", CheckPass, fmt.Sprintf("the SES signature verifies over Signature.xml, which protects %d files, each matching its SM3", si.Protected))
	case !sesIntact:
		add("integrity", CheckFail, fmt.Sprintf("the SES signature does not verify over %s: %v", si.Loc, mathErr))
	default:
		add("integrity", CheckFail, joinProblems(filter(si.Problems, "was changed", "was removed", "missing", "check value", "not SM3")))
	}
	if changed {
		add("changes", CheckFail, "the package changed after this signature: "+s.ChangeDetail)
	} else {
		add("changes", CheckPass, "nothing but later signatures added")
	}
	if mark.Valid() {
		add("seal", CheckPass, fmt.Sprintf("seal %q (%s): its maker's signature verifies, and it is the seal file the signature names", seal.Name, seal.ESID))
	} else {
		add("seal", CheckFail, fmt.Sprintf("seal %q (%s): %s", seal.Name, seal.ESID, mark.Error()))
	}
	if !seal.Time.IsZero() {
		add("timestamp", CheckPass, seal.Time.Format(time.RFC3339))
	} else {
		add("timestamp", CheckFail, "the SES signature has no verified RFC 3161 time-stamp; its time is only the signer's claim ("+si.Time+")")
	}
	add("longterm", CheckNA, "an OFD seal carries its certificates and time-stamp in its SES signature; PAdES long-term data is for PDFs")
	s.Checks = out
	return s
}

func hasProblem(ps []string, subs ...string) bool { return len(filter(ps, subs...)) > 0 }

// filter keeps the problems that mention any of subs.
func filter(ps []string, subs ...string) []string {
	var out []string
	for _, p := range ps {
		for _, s := range subs {
			if strings.Contains(p, s) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
