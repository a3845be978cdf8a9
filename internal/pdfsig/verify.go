package pdfsig

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/evidence/tsa"
)

// VerifyOptions says what signatures are checked against.
type VerifyOptions struct {
	// Roots are the trusted roots for signer certificates. smx509 pools hold
	// ECDSA, RSA and SM2 certificates alike. Nil means no chain is trusted.
	Roots *smx509.CertPool
	// TSARoots are the trusted roots for time-stamp tokens. Nil means no
	// token is trusted.
	TSARoots *x509.CertPool
	// Now is the validation time when nothing later proves an earlier one;
	// zero means the clock's. Set it to check how a document will verify
	// years from now.
	Now time.Time
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Change says what happened to a document after a signature.
type Change int

const (
	// Unchanged means the signature covers the whole file.
	Unchanged Change = iota
	// FurtherSignaturesOnly means later updates only add signatures with
	// their fields, widgets and appearances.
	FurtherSignaturesOnly
	// Modified means a later update changes anything else.
	Modified
	// ValidationDataOnly means later updates only add long-term validation
	// data (/DSS): no signature, no document time-stamp.
	ValidationDataOnly
)

// String returns the change as words, such as "further signatures only".
func (c Change) String() string {
	return [...]string{"unchanged", "further signatures only", "modified", "validation data only"}[c]
}

// SignatureReport is what Verify found out about one signature field.
type SignatureReport struct {
	// Field is the field's name (/T).
	Field string
	// SubFilter is the signature dictionary's /SubFilter.
	SubFilter string
	// DocTimeStamp means this is a document time-stamp (/SubFilter
	// /ETSI.RFC3161) rather than a signature: Timestamp is its token,
	// Certificate the TSA's, and it signs nobody's intent.
	DocTimeStamp bool
	// Name, Reason and Location are the signature dictionary's entries.
	Name, Reason, Location string
	// ByteRange is the signed ranges, as written.
	ByteRange []int64
	// Gaps are byte spans before the end of the signed ranges that they do
	// not cover, other than the /Contents value itself. A good signature has none.
	Gaps [][2]int64
	// Certificate is the signer's certificate, as the CMS names it; it is
	// set even when the signature then fails to verify (Intact is false).
	Certificate *smx509.Certificate
	// SigningTime is the CMS signingTime attribute: the signer's claim.
	SigningTime time.Time
	// Timestamp is the verified time-stamp token over the signature value, or nil.
	Timestamp *tsa.Info
	// Intact means the digest and the CMS signature verify and there are no gaps.
	Intact bool
	// Trusted means the signer's chain verifies to VerifyOptions.Roots at
	// the time-stamp's time (or now, without one).
	Trusted bool
	// Change is what happened to the document after this signature.
	Change Change
	// ChangeDetail names the first modification found, when Change is Modified.
	ChangeDetail string
	// RevisionStart is where the update that added this signature begins:
	// pdf[:RevisionStart] is the revision it was appended to, the bytes an
	// embedded SES signs. It is exact when the signature carries an SES
	// (Sign wrote the length); otherwise it assumes the previous revision
	// ended with one line end. Zero for a signature in the first revision,
	// or when the revisions are not laid out as incremental updates are.
	RevisionStart int64
	// SES is the DER SES_Signature that Sign embedded from Request.SES, or
	// nil. Verify checks only that it is one DER SEQUENCE covered by the
	// signature; what it says is the caller's to check, against
	// pdf[:RevisionStart].
	SES []byte
	// WidgetImage is the picture the signature's widget shows, when its
	// appearance is one image drawn over the whole widget as Sign draws a
	// Placement (RGB with an optional soft mask); nil otherwise, such as for
	// an invisible signature. It holds the same NRGBA pixels as the
	// Placement's PNG converted with color.NRGBAModel, so it can be compared
	// exactly. It is read only for signatures that carry an SES, the only
	// ones whose picture anything is compared with.
	WidgetImage *image.NRGBA
	// Level is the PAdES baseline level the signature reaches (see
	// [Level]); empty for a document time-stamp or a signature that is not
	// intact and trusted.
	Level Level
	// Revocation is the status of the signer's and the TSA's certificates
	// found in the document's validation data.
	Revocation []CertStatus
	// ProvenAt is the time the signature's time-stamp (or a document
	// time-stamp's token) is relied on at: the time of the oldest later
	// document time-stamp, or the validation time when there is none.
	ProvenAt time.Time
	// Warnings are findings that do not make the signature invalid.
	Warnings []string
	// LongTermErr is the first long-term validation problem: damaged or
	// planted validation data, a revocation the document's own data shows,
	// or a time-stamp whose certificate expired before anything later
	// proved it. It is also Err when nothing went wrong before it.
	LongTermErr error
	// Err is the first problem found; nil means intact, trusted, and
	// time-stamped by a trusted TSA.
	Err error

	chain    []*smx509.Certificate // the verified chain, signer first
	archived validationData        // the CMS's revocationInfoArchival
	embedded []*smx509.Certificate // the certificates of the CMS and its time-stamp token
	end      int64                 // where the signed ranges end
}

// ErrSignature is wrapped by a SignatureReport's Err.
var ErrSignature = errors.New("pdfsig: signature does not verify")

// Verify checks every signature field of pdf. It returns an error only when
// the file cannot be read (wrapping [ErrMalformed], or [ErrTooComplex] or
// [ErrBusy]; see [VerifyContext]); each signature's own outcome is in its
// report.
func Verify(pdf []byte, opts VerifyOptions) ([]SignatureReport, error) {
	return VerifyContext(context.Background(), pdf, opts)
}

// VerifyContext is Verify waiting for its turn at most until ctx is done:
// documents read at once share a bounded amount of memory, and one that
// cannot get its share within [MaxQueueWait] fails with [ErrBusy].
func VerifyContext(ctx context.Context, pdf []byte, opts VerifyOptions) ([]SignatureReport, error) {
	release, err := admit(ctx, len(pdf))
	if err != nil {
		return nil, fmt.Errorf("verify pdf: %w", err)
	}
	defer release()
	reports, err := verify(pdf, opts)
	if err != nil {
		return nil, fmt.Errorf("verify pdf: %w", err)
	}
	return reports, nil
}

func verify(pdf []byte, opts VerifyOptions) ([]SignatureReport, error) {
	doc, err := readDocument(pdf)
	if err != nil {
		return nil, err
	}
	lt := readValidationData(doc)
	var reports []SignatureReport
	for _, f := range allSignatures(doc) {
		r := verifyOne(doc, f.title, f.sig, opts, lt.certs)
		// f.rev is the oldest revision with the field: the one the
		// signature covers, whose widget later updates may not change.
		if r.SES != nil {
			r.WidgetImage = widgetImage(f.rev, f.field)
		}
		reports = append(reports, r)
	}
	longTerm(doc, reports, lt, opts)
	// Objects that could not be read within the budget read as missing on
	// the way; the verdict would be wrong, so there is none.
	if err := doc.budget.exceeded(); err != nil {
		return nil, err
	}
	return reports, nil
}

type signatureField struct {
	title string
	field dict // the field, merged with its widget as Sign writes it
	sig   dict
	rev   *document // the oldest revision that has the field
}

// signatureFields returns the signed signature fields in a field tree.
func signatureFields(doc *document, fields array) []signatureField {
	var out []signatureField
	var walk func(fields array, inheritedFT any, depth int)
	walk = func(fields array, inheritedFT any, depth int) {
		for _, f := range fields {
			field, ok := doc.resolve(f).(dict)
			if !ok || depth > 16 {
				continue
			}
			ft := field["FT"]
			if ft == nil {
				ft = inheritedFT
			}
			if kids, ok := doc.resolve(field["Kids"]).(array); ok {
				walk(kids, ft, depth+1)
			}
			if sig, ok := doc.resolve(field["V"]).(dict); ok && ft == name("Sig") {
				title, _ := field["T"].([]byte)
				out = append(out, signatureField{title: decodeText(title), field: field, sig: sig})
			}
		}
	}
	walk(fields, nil, 0)
	return out
}

func verifyOne(doc *document, field string, sig dict, opts VerifyOptions, dssCerts []*smx509.Certificate) SignatureReport {
	r := SignatureReport{Field: field}
	str := func(k name) string { s, _ := sig[k].([]byte); return decodeText(s) }
	r.Name, r.Reason, r.Location = str("Name"), str("Reason"), str("Location")
	sf, _ := sig["SubFilter"].(name)
	r.SubFilter = string(sf)
	fail := func(format string, args ...any) SignatureReport {
		if r.Err == nil {
			r.Err = fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
		}
		return r
	}

	data := doc.data
	br, _ := sig["ByteRange"].(array)
	for _, v := range br {
		n, _ := v.(int64)
		r.ByteRange = append(r.ByteRange, n)
	}
	if len(br) != 4 {
		return fail("byte range is not four numbers")
	}
	a0, l0, a1, l1 := r.ByteRange[0], r.ByteRange[1], r.ByteRange[2], r.ByteRange[3]
	end := a1 + l1
	if a0 < 0 || l0 < 0 || a1 < a0+l0 || l1 < 0 || end > int64(len(data)) {
		return fail("byte range %v outside the file", r.ByteRange)
	}
	if a0 > 0 {
		r.Gaps = append(r.Gaps, [2]int64{0, a0})
	}
	// The one hole allowed is exactly the /Contents hex string of this signature.
	hole := data[a0+l0 : a1]
	contents, _ := sig["Contents"].([]byte)
	if len(hole) < 2 || hole[0] != '<' || hole[len(hole)-1] != '>' || !hexEquals(hole[1:len(hole)-1], contents) {
		r.Gaps = append(r.Gaps, [2]int64{a0 + l0, a1})
	}
	r.Change, r.ChangeDetail = changesAfter(doc, end)
	// Other writers may lay revisions out differently; only an SES needs
	// to know exactly where its revision ends.
	if eof, start, err := revisionBounds(doc, end); err == nil {
		r.RevisionStart = revisionStart(data, eof, start)
		if err := readSES(doc, sig, eof, start, &r); err != nil {
			return fail("%v", err)
		}
	} else if sig[sesKey] != nil {
		return fail("%v", err)
	}

	r.end = end
	der, err := trimDER(contents)
	if err != nil {
		return fail("contents: %v", err)
	}
	if r.SubFilter == SubFilterRFC3161 {
		return verifyDocTimeStamp(r, der, data[a0:a0+l0], data[a1:end], opts)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return fail("parse cms: %v", err)
	}
	if len(p7.Signers) != 1 {
		return fail("cms has %d signers", len(p7.Signers))
	}
	// Who the signature names, and when it claims to be made, even if it
	// then fails: a report of a tampered file still says whose it was.
	r.Certificate = p7.GetOnlySigner()
	r.archived = archivedRevocation(p7)
	r.embedded = p7.Certificates
	_ = p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &r.SigningTime)
	p7.Content = append(append([]byte(nil), data[a0:a0+l0]...), data[a1:end]...)
	if err := p7.Verify(); err != nil {
		return fail("cms: %v", err)
	}
	if len(r.Gaps) > 0 {
		return fail("the signed ranges leave gaps %v", r.Gaps)
	}
	r.Intact = true

	si := p7.Signers[0]
	trustTime := opts.now()
	var tsErr error
	for _, attr := range si.UnauthenticatedAttributes {
		if !attr.Type.Equal(oidTimeStampToken) || r.Timestamp != nil {
			continue
		}
		h := timestampHash(si.DigestAlgorithm.Algorithm)
		r.Timestamp, tsErr = tsa.Verify(attr.Value.Bytes, h.Sum(si.EncryptedDigest), h, tsa.VerifyOptions{Roots: opts.TSARoots})
		if tsErr == nil {
			trustTime = r.Timestamp.GenTime
		}
	}
	// The signature itself was verified above; only the chain is left,
	// at the trusted time (pkcs7's VerifyWithChainAtTime would check the
	// signature a second time).
	if opts.Roots != nil {
		inter := smx509.NewCertPool()
		for _, c := range p7.Certificates {
			inter.AddCert(c)
		}
		for _, c := range dssCerts {
			inter.AddCert(c)
		}
		chains, err := r.Certificate.Verify(smx509.VerifyOptions{Roots: opts.Roots, Intermediates: inter, CurrentTime: trustTime,
			KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}})
		if err == nil {
			r.Trusted = true
			r.chain = chains[0]
		} else if r.Err == nil {
			fail("certificate chain: %v", err)
		}
	} else {
		fail("no roots to check the certificate chain against")
	}
	switch {
	case tsErr != nil:
		fail("time-stamp: %v", tsErr)
	case r.Timestamp == nil:
		fail("no time-stamp token")
	}
	return r
}

// hexEquals reports whether the hex digits in h spell out want.
func hexEquals(h, want []byte) bool {
	h = bytes.Map(func(r rune) rune {
		if isSpace(byte(r)) {
			return -1
		}
		return r
	}, h)
	got := make([]byte, hex.DecodedLen(len(h)))
	if _, err := hex.Decode(got, h); err != nil {
		return false
	}
	return bytes.Equal(got, want)
}

// trimDER returns the DER element at the start of b, without the zero
// padding that fills the rest of the placeholder.
func trimDER(b []byte) ([]byte, error) {
	s := cryptobyte.String(b)
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1Element(&elem, &tag) {
		return nil, errors.New("not a DER element")
	}
	if len(bytes.Trim(s, "\x00")) != 0 {
		return nil, errors.New("data after the signature")
	}
	return elem, nil
}

// verifyDocTimeStamp checks a document time-stamp: its token over the
// signed ranges a and b.
func verifyDocTimeStamp(r SignatureReport, token, a, b []byte, opts VerifyOptions) SignatureReport {
	r.DocTimeStamp = true
	fail := func(format string, args ...any) SignatureReport {
		if r.Err == nil {
			r.Err = fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
		}
		return r
	}
	h, err := tsa.ImprintHash(token)
	if err != nil {
		return fail("document time-stamp: %v", err)
	}
	d := h.New()
	d.Write(a)
	d.Write(b)
	info, err := tsa.Verify(token, d.Sum(nil), h, tsa.VerifyOptions{Roots: opts.TSARoots})
	switch {
	case err != nil:
		return fail("document time-stamp: %v", err)
	case len(r.Gaps) > 0:
		return fail("the signed ranges leave gaps %v", r.Gaps)
	}
	r.Intact, r.Trusted, r.Timestamp = true, true, info
	if c, err := smx509.ParseCertificate(info.Certificate.Raw); err == nil {
		r.Certificate = c
	}
	return r
}
