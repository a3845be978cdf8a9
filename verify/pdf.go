package verify

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/pdfsig"
)

// ErrNotPDF means the file is not a readable PDF.
var ErrNotPDF = errors.New("verify: not a readable PDF")

// Verdicts of a [Report].
const (
	Valid    = "valid"
	Invalid  = "invalid"
	Unsigned = "unsigned"
)

// Report is the verdict on every signature of a PDF.
type Report struct {
	// Verdict is [Valid] (every signature intact, trusted, time-stamped and
	// not revoked when made, every electronic seal a signature carries
	// valid, signed by that signature's signer and shown as its picture,
	// and the document unchanged after the last one except by further
	// signatures), [Invalid], or [Unsigned].
	Verdict    string
	Signatures []Signature
	// SM3 is the SM3 digest of the file checked.
	SM3 [32]byte
}

// Kinds of [Signature].
const (
	KindSignature = "signature"
	// KindDocTimeStamp is a document (archive) time-stamp: a TSA's token
	// over the whole document, which keeps earlier signatures verifiable
	// after their certificates expire.
	KindDocTimeStamp = "document-timestamp"
)

// Signature is the verdict on one signature or document time-stamp.
type Signature struct {
	// Kind is [KindSignature] or [KindDocTimeStamp]; a document
	// time-stamp's Signer is its TSA.
	Kind   string
	Field  string
	Signer string
	Issuer string
	Serial string // hex
	// Algorithm is the signature algorithm: "SM2", "ECDSA", or x509's name
	// of another key's algorithm (such as "RSA").
	Algorithm string
	// SigningTime is the signer's claim; TimestampTime the trusted RFC 3161
	// time, if any.
	SigningTime, TimestampTime time.Time
	Intact, Trusted            bool
	// RevokedAtSigning is true when the signer's certificate had been
	// revoked before the signature's time.
	RevokedAtSigning bool
	// ChangedAfter is "unchanged", "further signatures only" or "modified".
	ChangedAfter string
	ChangeDetail string
	Seal         SealMark
	// Level is the PAdES baseline level reached: B-B, B-T, B-LT or B-LTA
	// (empty for a document time-stamp or an invalid signature).
	Level string
	// ProvenAt is when a later document time-stamp proves the signature
	// existed, or the validation time when none does.
	ProvenAt time.Time
	// Revocation is what the document's own validation data says of the
	// signer's and the TSA's certificates.
	Revocation []Revocation
	// Warnings do not make the signature invalid.
	Warnings []string
	Valid    bool
	Problem  string
	// Checks are the rows of the report, one per check.
	Checks []Check
}

// Revocation is the status of one certificate in a document's validation
// data.
type Revocation struct {
	// Role is "signer" or "tsa".
	Role, Subject, Serial string
	// Source is "ocsp" or "crl"; empty when the document holds none.
	Source string
	// InDSS means it is in the document's /DSS (long-term validation data).
	InDSS     bool
	Produced  time.Time
	RevokedAt time.Time
}

// SealMark is the check of the electronic seal a PDF signature carries (the
// SES_Signature Signet embeds as /Signet.SES). A signature without one,
// such as a person's handwritten signature, has Present false and is
// judged by its PDF signature alone.
type SealMark struct {
	Present bool
	// Seal is the SES_Signature's own verdict ([SESSignature]).
	Seal Seal
	// SignerMatches means the SES signer is the PDF signature's signer;
	// PictureMatches that the widget shows exactly the seal's picture.
	SignerMatches, PictureMatches bool
	// Problems are all the reasons it is not valid.
	Problems []string
}

// Valid reports whether the seal does not make its signature invalid.
func (s SealMark) Valid() bool {
	return !s.Present || s.Seal.Valid() && s.SignerMatches && s.PictureMatches
}

// PDF checks every signature of pdf against t: intact, chaining to t.Roots
// at its trusted time, time-stamped, not revoked then (t.Revoked), the
// document unchanged after it except by further signatures, and the
// electronic seal it carries valid by [SESSignature], signed by the same
// signer and shown as its picture. It returns [ErrNotPDF] for a file that
// is not a readable PDF.
func PDF(pdf []byte, t Trust) (Report, error) {
	reps, err := pdfsig.Verify(pdf, pdfsig.VerifyOptions{Roots: t.Roots, TSARoots: t.TSARoots, Now: t.Now})
	if errors.Is(err, pdfsig.ErrMalformed) {
		return Report{}, fmt.Errorf("%w: %v", ErrNotPDF, err)
	}
	if err != nil {
		return Report{}, err
	}
	out := Report{Verdict: Valid, Signatures: []Signature{}, SM3: sm3.Sum(pdf)}
	if len(reps) == 0 {
		out.Verdict = Unsigned
	}
	for _, r := range reps {
		s := signature(pdf, r, t)
		if !s.Valid {
			out.Verdict = Invalid
		}
		out.Signatures = append(out.Signatures, s)
	}
	return out, nil
}

// algorithm names the signature algorithm of a signer's certificate key.
// x509 calls SM2 keys ECDSA (both are id-ecPublicKey), so the curve decides:
// SM2 keys make SM2 signatures (with SM3, as GM/T 0010 and pkcs7 require).
func algorithm(c *smx509.Certificate) string {
	if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok && k.Curve == sm2.P256() {
		return "SM2"
	}
	return c.PublicKeyAlgorithm.String()
}

func signature(pdf []byte, r pdfsig.SignatureReport, t Trust) Signature {
	s := Signature{Kind: KindSignature, Field: r.Field, Algorithm: r.SubFilter, Intact: r.Intact, Trusted: r.Trusted,
		ChangedAfter: r.Change.String(), ChangeDetail: r.ChangeDetail, SigningTime: r.SigningTime.UTC(),
		Level: string(r.Level), ProvenAt: r.ProvenAt.UTC(), Warnings: r.Warnings}
	if r.DocTimeStamp {
		s.Kind = KindDocTimeStamp
	}
	for _, st := range r.Revocation {
		s.Revocation = append(s.Revocation, Revocation{Role: st.Role, Subject: st.Subject, Serial: st.Serial, Source: st.Source,
			InDSS: st.InDSS, Produced: st.Produced.UTC(), RevokedAt: st.RevokedAt.UTC()})
	}
	if c := r.Certificate; c != nil {
		s.Signer, s.Issuer, s.Serial = c.Subject.String(), c.Issuer.String(), fmt.Sprintf("%x", c.SerialNumber.Bytes())
		s.Algorithm = algorithm(c)
	}
	if r.SigningTime.IsZero() {
		s.SigningTime = time.Time{}
	}
	if r.Timestamp != nil {
		s.TimestampTime = r.Timestamp.GenTime.UTC()
	}
	if r.Err != nil {
		s.Problem = r.Err.Error()
	}
	// Revocation at signing time: a signature counts as made before the
	// revocation only if its trusted time is before it; without a
	// time-stamp, now.
	if r.Certificate != nil && t.Revoked != nil {
		when := t.now()
		if !s.TimestampTime.IsZero() {
			when = s.TimestampTime
		}
		if how := t.Revoked(r.Certificate, when); how != "" {
			s.RevokedAtSigning = true
			s.Problem = "the signer's certificate was " + how + ", before the signature"
		}
	}
	s.Seal = sealMark(pdf, r, t)
	s.Valid = r.Err == nil && !s.RevokedAtSigning && r.Change != pdfsig.Modified && s.Seal.Valid()
	if r.Change == pdfsig.Modified && s.Problem == "" {
		s.Problem = "the document was modified after this signature: " + r.ChangeDetail
	}
	if !s.Seal.Valid() && s.Problem == "" {
		s.Problem = "the electronic seal is not valid: " + s.Seal.Error()
	}
	s.Checks = checks(r, s, len(pdf))
	return s
}

// Error is the seal's problems in one line.
func (s SealMark) Error() string { return joinProblems(s.Problems) }

// sealMark checks the SES_Signature r carries, if any: over the revision r
// was added to, then against r's signer and r's widget picture. The seal's
// own lifecycle (a seal revoked later) is not consulted: the SES proves the
// seal was valid when applied, as its time-stamp dates it.
func sealMark(pdf []byte, r pdfsig.SignatureReport, t Trust) SealMark {
	if r.SES == nil {
		return SealMark{}
	}
	out := SealMark{Present: true, Seal: SESSignature(r.SES, pdf[:r.RevisionStart], t)}
	out.Problems = append(out.Problems, out.Seal.Problems...)
	if out.Seal.Signer != nil {
		if err := sameSigner(r.Certificate, out.Seal.Signer); err != nil {
			out.Problems = append(out.Problems, err.Error())
		} else {
			out.SignerMatches = true
		}
	}
	if out.Seal.Name != "" || out.Seal.ESID != "" {
		if err := samePicture(out.Seal.Picture, r.WidgetImage); err != nil {
			out.Problems = append(out.Problems, err.Error())
		} else {
			out.PictureMatches = true
		}
	}
	return out
}
