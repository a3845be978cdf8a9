package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"signet/evidence/tsa"
	"signet/internal/ses"
)

// Trust is what signatures are judged against.
type Trust struct {
	// Roots are the trusted roots of signers' and seal makers'
	// certificates; Intermediates may help build their chains.
	Roots, Intermediates *smx509.CertPool
	// TSARoots and TSAIntermediates verify time-stamp tokens, unless
	// Timestamp is set.
	TSARoots, TSAIntermediates *x509.CertPool
	// Timestamp, if not nil, verifies a time-stamp token over digest made
	// with h instead of tsa.Verify with TSARoots (an evidence package adds
	// its own checks of every byte).
	Timestamp func(token, digest []byte, h tsa.Hash) (*tsa.Info, error)
	// Revoked says how cert had been revoked at t ("revoked (reason) on
	// date"), or "" if it had not; nil means nothing is revoked.
	Revoked func(cert *smx509.Certificate, t time.Time) string
	// Now is the validation time; zero means the clock's. Set a later one
	// to check a document as it will verify years from now, from what it
	// carries (see pdfsig's long-term validation).
	Now time.Time
}

// now is the validation time.
func (t Trust) now() time.Time {
	if t.Now.IsZero() {
		return time.Now()
	}
	return t.Now
}

// MaxClockSkew is how far an SES signer's claimed signing time may be from
// its time-stamp.
const MaxClockSkew = 10 * time.Minute

// Seal is the verdict on one SES_Signature.
type Seal struct {
	// Name and ESID are the seal's name and esID.
	Name, ESID string
	// Time is the time-stamp's trusted time; zero without a valid one.
	Time time.Time
	// Signer is the certificate that signed the SES; nil if unreadable.
	Signer *smx509.Certificate
	// Picture is the seal's picture, to compare with what a page shows.
	Picture ses.PictrueInfo
	// Problems say why the seal is not valid; none when it is.
	Problems []string
}

// Valid reports whether the seal passed every check.
func (s Seal) Valid() bool { return len(s.Problems) == 0 }

func (s *Seal) fail(format string, args ...any) {
	s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
}

var anyUsage = []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}

// SESSignature judges der, an SES_Signature, over signed, the data it
// claims to sign:
//   - it parses, its signature verifies over signed, and its seal verifies
//     with the maker's certificate;
//   - it carries a time-stamp over its signature value (SM3, or SHA-256 as
//     GB/T 38540 allows) that verifies;
//   - at that time the seal was within its validity, the signer's claimed
//     signing time was within [MaxClockSkew], and the signer's certificate
//     chained to the roots and had not been revoked;
//   - when the seal was made, the maker's certificate chained to the roots.
func SESSignature(der, signed []byte, t Trust) Seal {
	var out Seal
	var sig ses.SESSignature
	if err := sig.Unmarshal(der); err != nil {
		out.fail("read ses signature: %v", err)
		return out
	}
	info := sig.TBS.Seal.Info
	out.Name, out.ESID, out.Picture = info.Property.Name, info.ESID, info.Picture
	if err := ses.VerifySignature(der, signed); err != nil {
		out.fail("%v", err)
	}
	when := t.now()
	if sig.Timestamp == nil {
		out.fail("the ses signature has no time-stamp")
	} else if ts, err := t.timestamp(sig.Timestamp, sig.Signature); err != nil {
		out.fail("ses signature time-stamp: %v", err)
	} else {
		when, out.Time = ts.GenTime, ts.GenTime.UTC()
		p := info.Property
		if when.Before(p.ValidStart) || when.After(p.ValidEnd) {
			out.fail("the seal was outside its validity (%s to %s) at the time-stamp's time %s",
				p.ValidStart.UTC().Format(time.RFC3339), p.ValidEnd.UTC().Format(time.RFC3339), out.Time.Format(time.RFC3339))
		}
		if d := when.Sub(sig.TBS.TimeInfo); d > MaxClockSkew || d < -MaxClockSkew {
			out.fail("the ses signing time %s is %s away from its time-stamp", sig.TBS.TimeInfo.UTC().Format(time.RFC3339), d.Round(time.Second))
		}
	}
	signer, err := smx509.ParseCertificate(sig.Cert)
	if err != nil {
		out.fail("ses signer certificate: %v", err)
	} else {
		out.Signer = signer
		if _, err := signer.Verify(smx509.VerifyOptions{Roots: t.Roots, Intermediates: t.Intermediates, CurrentTime: when, KeyUsages: anyUsage}); err != nil {
			out.fail("ses signer certificate: %v", err)
		}
		if t.Revoked != nil {
			if how := t.Revoked(signer, when); how != "" {
				out.fail("the ses signer's certificate was %s, before the seal was applied", how)
			}
		}
	}
	// The maker signed the seal when it was made, which may be long before
	// this use; its certificate must have been good then.
	if maker, err := smx509.ParseCertificate(sig.TBS.Seal.Cert); err != nil {
		out.fail("seal maker certificate: %v", err)
	} else if _, err := maker.Verify(smx509.VerifyOptions{Roots: t.Roots, Intermediates: t.Intermediates, CurrentTime: info.Property.CreateDate, KeyUsages: anyUsage}); err != nil {
		out.fail("seal maker certificate: %v", err)
	}
	return out
}

// timestamp verifies token over the SES signature value sigValue: SM3 as
// Signet writes it, or SHA-256.
func (t Trust) timestamp(token, sigValue []byte) (*tsa.Info, error) {
	check := t.Timestamp
	if check == nil {
		check = func(token, digest []byte, h tsa.Hash) (*tsa.Info, error) {
			return tsa.Verify(token, digest, h, tsa.VerifyOptions{Roots: t.TSARoots, Intermediates: t.TSAIntermediates})
		}
	}
	sum := sm3.Sum(sigValue)
	info, err := check(token, sum[:], tsa.SM3)
	if err != nil && isImprintMismatch(err) {
		info, err = check(token, tsa.SHA256.Sum(sigValue), tsa.SHA256)
	}
	return info, err
}

func isImprintMismatch(err error) bool { return errors.Is(err, tsa.ErrImprintMismatch) }
