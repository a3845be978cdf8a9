package pdfsig

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ocsp"
)

// Level is a PAdES baseline conformance level (ETSI EN 319 142-1 §6) that
// a signature reaches, as Verify sees it.
type Level string

// The levels, each including the one before.
const (
	// LevelB is a valid signature whose chain verifies.
	LevelB Level = "B-B"
	// LevelT adds a trusted time-stamp over the signature value.
	LevelT Level = "B-T"
	// LevelLT adds the signer's and the TSA's revocation status to the
	// document's /DSS, so it can be checked without any server.
	LevelLT Level = "B-LT"
	// LevelLTA adds a document time-stamp over that data, which keeps it
	// verifiable after the certificates expire.
	LevelLTA Level = "B-LTA"
)

// CertStatus is the revocation status of one certificate, as the
// document's validation data shows it.
type CertStatus struct {
	// Role is "signer" or "tsa".
	Role string
	// Subject and Serial (hex) name the certificate.
	Subject, Serial string
	// Source is "ocsp" or "crl", or empty when no data about the
	// certificate was found.
	Source string
	// InDSS means the data is in the /DSS; otherwise it is in the
	// signature's own revocationInfoArchival attribute, or nowhere.
	InDSS bool
	// Produced is the OCSP response's producedAt or the CRL's thisUpdate.
	Produced time.Time
	// RevokedAt is set when the certificate was revoked, after the time
	// that mattered (a revocation before it is an error).
	RevokedAt time.Time
}

// validationData is parsed long-term validation data.
type validationData struct {
	certs []*smx509.Certificate
	ocsps []*ocsp.Response
	crls  []*smx509.RevocationList
	err   error // the first item that could not be read
}

// parseValidationData parses what a DSS (or a revocationInfoArchival)
// holds. An item that does not parse is kept as err: a validator must not
// quietly read around damaged validation data.
func parseValidationData(d DSS) validationData {
	var v validationData
	note := func(kind string, i int, err error) {
		if v.err == nil {
			v.err = fmt.Errorf("%s %d: %v", kind, i+1, err)
		}
	}
	for i, der := range d.Certs {
		c, err := smx509.ParseCertificate(der)
		if err != nil {
			note("certificate", i, err)
			continue
		}
		v.certs = append(v.certs, c)
	}
	for i, der := range d.OCSPs {
		r, err := ocsp.ParseResponse(der)
		if err != nil {
			note("OCSP response", i, err)
			continue
		}
		v.ocsps = append(v.ocsps, r)
	}
	for i, der := range d.CRLs {
		c, err := smx509.ParseRevocationList(der)
		if err != nil {
			note("CRL", i, err)
			continue
		}
		v.crls = append(v.crls, c)
	}
	return v
}

// readValidationData reads the newest revision's /DSS.
func readValidationData(doc *document) validationData {
	catalog, _ := doc.resolve(doc.trailer()["Root"]).(dict)
	s, err := readDSS(doc, catalog)
	if err != nil {
		return validationData{err: err}
	}
	return parseValidationData(s.data())
}

// status returns what v says of cert, issued by issuer, at time at: found
// is false when v holds nothing about it. Data that names cert but does
// not verify, or a revocation at or before at, is an error.
func (v validationData) status(cert, issuer *smx509.Certificate, at time.Time) (st CertStatus, found bool, err error) {
	st = CertStatus{Subject: cert.Subject.String(), Serial: fmt.Sprintf("%x", cert.SerialNumber)}
	revoked := func(t time.Time) error {
		if !t.After(at) {
			return fmt.Errorf("certificate %s was revoked at %s, before %s", st.Subject, t.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
		}
		st.RevokedAt = t
		return nil
	}
	for _, r := range v.ocsps {
		single, ok := r.Find(cert, issuer)
		if !ok {
			continue
		}
		if _, err := r.CheckSignatureFrom(issuer); err != nil {
			return st, true, fmt.Errorf("OCSP response about %s: %v", st.Subject, err)
		}
		if single.Status == ocsp.Unknown {
			continue
		}
		st.Source, st.Produced = "ocsp", r.ProducedAt
		if single.Status == ocsp.Revoked {
			return st, true, revoked(single.RevokedAt)
		}
		return st, true, nil
	}
	for _, c := range v.crls {
		// Two CAs may share a name; the signature tells which one's this
		// is (and check has made sure that every CRL is somebody's).
		if !bytes.Equal(c.RawIssuer, issuer.RawSubject) || c.CheckSignatureFrom(issuer) != nil {
			continue
		}
		st.Source, st.Produced = "crl", c.ThisUpdate
		for _, e := range c.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return st, true, revoked(e.RevocationTime)
			}
		}
		return st, true, nil
	}
	return st, false, nil
}

// revocationInfoArchival reads a signer's Adobe revocationInfoArchival
// signed attribute.
func archivedRevocation(p7 *pkcs7.PKCS7) validationData {
	var ria struct {
		CRL  []asn1.RawValue `asn1:"tag:0,optional,explicit"`
		OCSP []asn1.RawValue `asn1:"tag:1,optional,explicit"`
	}
	if err := p7.UnmarshalSignedAttribute(oidRevocationInfoArchival, &ria); err != nil {
		return validationData{}
	}
	var d DSS
	for _, c := range ria.CRL {
		d.CRLs = append(d.CRLs, c.FullBytes)
	}
	for _, o := range ria.OCSP {
		d.OCSPs = append(d.OCSPs, o.FullBytes)
	}
	return parseValidationData(d)
}

// longTerm completes the reports with what long-term validation adds: the
// time each time-stamp is relied on at, the revocation status of the
// signer's and the TSA's certificates, and the level reached.
//
// The validation model: a signature's chain is checked at its time-stamp's
// time (Verify does); the time-stamp's own certificate must still be valid
// at the time of the oldest later document time-stamp, which proves the
// signature existed then, or at the validation time when there is none.
// Each document time-stamp is likewise proven by the next. The newest one
// ends the chain: when its TSA certificate has expired it is still relied
// on at its own time, as every archive-time-stamp chain must be, and the
// report warns that the chain should have been renewed.
func longTerm(doc *document, reports []SignatureReport, lt validationData, opts VerifyOptions) {
	now := opts.now()
	asOf := map[int]validationData{} // the DSS as the revision with that many sections had it
	dssBefore := func(r *SignatureReport) validationData {
		i := len(doc.sections) - 1
		for j, s := range doc.sections {
			if int64(s.offset) < r.RevisionStart {
				i = j
				break
			}
		}
		v, ok := asOf[i]
		if !ok {
			v = readValidationData(doc.revision(i))
			asOf[i] = v
		}
		return v
	}
	if lt.err == nil {
		lt.err = lt.check(reports)
	}
	for i := range reports {
		r := &reports[i]
		if lt.err != nil {
			failLT(r, "the document's validation data: %v", lt.err)
		}
		if !r.Intact || r.Timestamp == nil {
			if r.Err == nil && r.Trusted && !r.DocTimeStamp {
				r.Level = LevelB
			}
			continue
		}
		var next *SignatureReport
		for j := i + 1; j < len(reports); j++ {
			if d := &reports[j]; d.DocTimeStamp && d.Err == nil && d.end > r.end {
				next = d
				break
			}
		}
		r.ProvenAt = now
		if next != nil {
			r.ProvenAt = next.Timestamp.GenTime
		}
		tsaCert := r.Timestamp.Certificate
		if r.ProvenAt.After(tsaCert.NotAfter) {
			switch {
			case r.DocTimeStamp && next == nil:
				r.Warnings = append(r.Warnings, fmt.Sprintf("the newest document time-stamp's TSA certificate expired on %s and no later time-stamp renews it; it is relied on at its own time",
					tsaCert.NotAfter.UTC().Format(time.DateOnly)))
			default:
				failLT(r, "the time-stamp's TSA certificate expired on %s, and no document time-stamp proves the signature existed before then",
					tsaCert.NotAfter.UTC().Format(time.DateOnly))
			}
		}

		type subject struct {
			role         string
			cert, issuer *smx509.Certificate
		}
		var subjects []subject
		if !r.DocTimeStamp && len(r.chain) > 1 {
			subjects = append(subjects, subject{"signer", r.chain[0], r.chain[1]})
		}
		if chain := r.Timestamp.Chain; len(chain) > 1 {
			c, err1 := smx509.ParseCertificate(chain[0].Raw)
			iss, err2 := smx509.ParseCertificate(chain[1].Raw)
			if err1 == nil && err2 == nil {
				subjects = append(subjects, subject{"tsa", c, iss})
			}
		}
		allInDSS, allArchived := len(subjects) > 0, len(subjects) > 0
		for _, s := range subjects {
			at := r.Timestamp.GenTime
			st, found, err := lt.status(s.cert, s.issuer, at)
			st.InDSS = found
			if !found && s.role == "signer" {
				st, found, err = r.archived.status(s.cert, s.issuer, at)
			}
			st.Role = s.role
			if err != nil {
				failLT(r, "%v", err)
			}
			r.Revocation = append(r.Revocation, st)
			allInDSS = allInDSS && st.InDSS
			if next != nil {
				_, archived, _ := dssBefore(next).status(s.cert, s.issuer, at)
				allArchived = allArchived && archived
			}
		}
		if r.DocTimeStamp || r.Err != nil || !r.Trusted {
			continue
		}
		switch {
		case allInDSS && next != nil && allArchived:
			r.Level = LevelLTA
		case allInDSS:
			r.Level = LevelLT
		default:
			r.Level = LevelT
		}
	}
}

// check wants every CRL and OCSP response in v signed by a certificate
// the document carries (in the store, a signature or a time-stamp token):
// validation data that nothing vouches for has been damaged or planted.
func (v validationData) check(reports []SignatureReport) error {
	var candidates []*smx509.Certificate
	candidates = append(candidates, v.certs...)
	for _, r := range reports {
		candidates = append(candidates, r.chain...)
		candidates = append(candidates, r.embedded...)
		if r.Timestamp != nil {
			for _, c := range r.Timestamp.Chain {
				if sc, err := smx509.ParseCertificate(c.Raw); err == nil {
					candidates = append(candidates, sc)
				}
			}
		}
	}
	for i, c := range v.crls {
		ok := false
		for _, iss := range candidates {
			if bytes.Equal(c.RawIssuer, iss.RawSubject) && c.CheckSignatureFrom(iss) == nil {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("CRL %d of %s: its signature does not verify with any certificate in the document", i+1, c.Issuer)
		}
	}
	for i, r := range v.ocsps {
		ok := false
		for _, iss := range candidates {
			if _, err := r.CheckSignatureFrom(iss); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("OCSP response %d: its signature does not verify with any certificate in the document", i+1)
		}
	}
	return nil
}

// failLT records a long-term validation failure, as LongTermErr and, if
// it is the first problem, as the report's error.
func failLT(r *SignatureReport, format string, args ...any) {
	if r.LongTermErr != nil {
		return
	}
	r.LongTermErr = fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
	if r.Err == nil {
		r.Err = r.LongTermErr
	}
}
