package ocsp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Single is what a response says of one certificate.
type Single struct {
	CertID
	Status Status
	// RevokedAt and Reason are set when Status is Revoked; Reason is -1
	// when the response gives none.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate is when the status was known to be so; NextUpdate when
	// newer information will be available (zero when not given).
	ThisUpdate, NextUpdate time.Time
}

// Response is a parsed, successful OCSPResponse.
type Response struct {
	// Raw is the whole OCSPResponse.
	Raw        []byte
	ProducedAt time.Time
	Responses  []Single
	// Certificates are those the response carries: its signer's, for a
	// delegated responder.
	Certificates []*smx509.Certificate
	// Nonce is the nonce extension's value as the request sent it, or nil.
	Nonce []byte

	tbs       []byte // tbsResponseData, what the signature covers
	sigAlg    asn1.ObjectIdentifier
	signature []byte
	byKey     []byte // the responder's key hash, or nil
	byName    []byte // the responder's name, or nil
}

// Template is what CreateResponse signs.
type Template struct {
	ProducedAt   time.Time
	Responses    []Single
	Nonce        []byte
	Certificates []*smx509.Certificate
}

// ErrorResponse returns the DER OCSPResponse of an unsuccessful status
// (MalformedRequest, InternalError, TryLater or Unauthorized).
func ErrorResponse(status int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(int64(status))
	})
	return b.BytesOrPanic()
}

// CreateResponse signs a successful BasicOCSPResponse for t with key on
// behalf of responder, identified by key hash. The signature algorithm
// follows the key: SM2-with-SM3 (default user id) for SM2, ecdsa-with-SHA256
// for ECDSA P-256.
func CreateResponse(responder *smx509.Certificate, key crypto.Signer, t Template) ([]byte, error) {
	sigAlg, digest, opts, err := signatureFor(key.Public())
	if err != nil {
		return nil, err
	}
	keyHash := sha1.Sum(publicKeyBits(responder))
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseData
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // byKey
			b.AddASN1OctetString(keyHash[:])
		})
		addTime(b, t.ProducedAt)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, r := range t.Responses {
				addSingle(b, r)
			}
		})
		if t.Nonce != nil {
			b.AddASN1(tagV1, func(b *cryptobyte.Builder) {
				addNonce(b, func(b *cryptobyte.Builder) { b.AddBytes(t.Nonce) })
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("ocsp: encode response data: %w", err)
	}
	signature, err := key.Sign(rand.Reader, digest(tbsDER), opts)
	if err != nil {
		return nil, fmt.Errorf("ocsp: sign: %w", err)
	}
	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(sigAlg) })
		b.AddASN1BitString(signature)
		if len(t.Certificates) > 0 {
			b.AddASN1(tagV0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range t.Certificates {
						b.AddBytes(c.Raw)
					}
				})
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, fmt.Errorf("ocsp: encode response: %w", err)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0) // successful
		b.AddASN1(tagV0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidBasic)
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return out.Bytes()
}

// signatureFor picks the signature algorithm of a responder key: its OID,
// what the key signs (the digest, or for SM2 the message itself) and the
// signer options.
func signatureFor(pub crypto.PublicKey) (asn1.ObjectIdentifier, func([]byte) []byte, crypto.SignerOpts, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	switch {
	case ok && k.Curve == sm2.P256():
		return oidSM2WithSM3, func(m []byte) []byte { return m }, sm2.DefaultSM2SignerOpts, nil
	case ok && k.Curve.Params().Name == "P-256":
		return oidECDSAWithSHA256, func(m []byte) []byte { s := sha256.Sum256(m); return s[:] }, crypto.SHA256, nil
	}
	return nil, nil, nil, fmt.Errorf("ocsp: unsupported responder key %T", pub)
}

func addSingle(b *cryptobyte.Builder, r Single) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addCertID(b, r.CertID)
		switch r.Status {
		case Good:
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
		case Revoked:
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				addTime(b, r.RevokedAt)
				if r.Reason >= 0 {
					b.AddASN1(tagV0, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(r.Reason)) })
				}
			})
		default:
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
		}
		addTime(b, r.ThisUpdate)
		if !r.NextUpdate.IsZero() {
			b.AddASN1(tagV0, func(b *cryptobyte.Builder) { addTime(b, r.NextUpdate) })
		}
	})
}

// ParseResponse parses a DER OCSPResponse. A response status other than
// successful is an error wrapping [ErrNotSuccessful]; a response that is
// not basic, or not DER as RFC 6960 describes it, wraps [ErrMalformed]. It
// checks no signature: see [Response.CheckSignatureFrom].
func ParseResponse(der []byte) (*Response, error) {
	in := cryptobyte.String(der)
	var resp, rb, basicDER cryptobyte.String
	var status int
	var typ asn1.ObjectIdentifier
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !in.Empty() || !resp.ReadASN1Enum(&status) {
		return nil, fmt.Errorf("%w: not an OCSPResponse", ErrMalformed)
	}
	if status != 0 {
		return nil, fmt.Errorf("%w: status %d", ErrNotSuccessful, status)
	}
	if !resp.ReadASN1(&rb, tagV0) || !resp.Empty() || !rb.ReadASN1(&rb, cbasn1.SEQUENCE) ||
		!rb.ReadASN1ObjectIdentifier(&typ) || !rb.ReadASN1(&basicDER, cbasn1.OCTET_STRING) || !rb.Empty() {
		return nil, fmt.Errorf("%w: response bytes", ErrMalformed)
	}
	if !typ.Equal(oidBasic) {
		return nil, fmt.Errorf("%w: response type %s is not basic", ErrMalformed, typ)
	}
	out := &Response{Raw: bytes.Clone(der)}
	var basic, tbs, alg cryptobyte.String
	var sig asn1.BitString
	if !basicDER.ReadASN1(&basic, cbasn1.SEQUENCE) || !basicDER.Empty() ||
		!basic.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!basic.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&out.sigAlg) ||
		!basic.ReadASN1BitString(&sig) {
		return nil, fmt.Errorf("%w: basic response", ErrMalformed)
	}
	out.tbs, out.signature = []byte(tbs), sig.RightAlign()
	if basic.PeekASN1Tag(tagV0) {
		var certs, list cryptobyte.String
		if !basic.ReadASN1(&certs, tagV0) || !certs.ReadASN1(&list, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: certificates", ErrMalformed)
		}
		for !list.Empty() {
			var c cryptobyte.String
			if !list.ReadASN1Element(&c, cbasn1.SEQUENCE) {
				return nil, fmt.Errorf("%w: certificates", ErrMalformed)
			}
			cert, err := smx509.ParseCertificate(c)
			if err != nil {
				return nil, fmt.Errorf("%w: certificate: %v", ErrMalformed, err)
			}
			out.Certificates = append(out.Certificates, cert)
		}
	}
	if !basic.Empty() {
		return nil, fmt.Errorf("%w: data after the basic response", ErrMalformed)
	}
	if err := out.parseTBS(tbs); err != nil {
		return nil, err
	}
	return out, nil
}

// parseTBS reads ResponseData.
func (r *Response) parseTBS(in cryptobyte.String) error {
	var tbs cryptobyte.String
	if !in.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: response data", ErrMalformed)
	}
	if tbs.PeekASN1Tag(tagV0) {
		var v cryptobyte.String
		var version int64
		if !tbs.ReadASN1(&v, tagV0) || !v.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != 0 {
			return fmt.Errorf("%w: response version", ErrMalformed)
		}
	}
	var id cryptobyte.String
	var tag cbasn1.Tag
	if !tbs.ReadAnyASN1(&id, &tag) {
		return fmt.Errorf("%w: responder id", ErrMalformed)
	}
	switch tag {
	case tagV1:
		r.byName = []byte(id)
	case tagV2:
		if !id.ReadASN1Bytes(&r.byKey, cbasn1.OCTET_STRING) {
			return fmt.Errorf("%w: responder key hash", ErrMalformed)
		}
	default:
		return fmt.Errorf("%w: responder id", ErrMalformed)
	}
	var list cryptobyte.String
	if !tbs.ReadASN1GeneralizedTime(&r.ProducedAt) || !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: produced at", ErrMalformed)
	}
	for !list.Empty() {
		s, err := readSingle(&list)
		if err != nil {
			return err
		}
		if len(r.Responses) == MaxRequests {
			return fmt.Errorf("%w: more than %d single responses", ErrMalformed, MaxRequests)
		}
		r.Responses = append(r.Responses, s)
	}
	if tbs.PeekASN1Tag(tagV1) {
		var exts cryptobyte.String
		if !tbs.ReadASN1(&exts, tagV1) {
			return fmt.Errorf("%w: response extensions", ErrMalformed)
		}
		var err error
		if r.Nonce, err = readNonce(exts); err != nil {
			return err
		}
	}
	if !tbs.Empty() {
		return fmt.Errorf("%w: data after the response data", ErrMalformed)
	}
	return nil
}

func readSingle(list *cryptobyte.String) (Single, error) {
	var one, status cryptobyte.String
	var tag cbasn1.Tag
	s := Single{Reason: -1}
	bad := func(what string) (Single, error) {
		return Single{}, fmt.Errorf("%w: single response %s", ErrMalformed, what)
	}
	if !list.ReadASN1(&one, cbasn1.SEQUENCE) || !readCertID(&one, &s.CertID) || !one.ReadAnyASN1(&status, &tag) {
		return bad("")
	}
	switch tag {
	case cbasn1.Tag(0).ContextSpecific():
		s.Status = Good
	case cbasn1.Tag(1).Constructed().ContextSpecific():
		s.Status = Revoked
		if !status.ReadASN1GeneralizedTime(&s.RevokedAt) {
			return bad("revocation time")
		}
		if status.PeekASN1Tag(tagV0) {
			var reason cryptobyte.String
			if !status.ReadASN1(&reason, tagV0) || !reason.ReadASN1Enum(&s.Reason) {
				return bad("revocation reason")
			}
		}
	case cbasn1.Tag(2).ContextSpecific():
		s.Status = Unknown
	default:
		return bad("status")
	}
	if !one.ReadASN1GeneralizedTime(&s.ThisUpdate) {
		return bad("this update")
	}
	if one.PeekASN1Tag(tagV0) {
		var next cryptobyte.String
		if !one.ReadASN1(&next, tagV0) || !next.ReadASN1GeneralizedTime(&s.NextUpdate) {
			return bad("next update")
		}
	}
	if one.PeekASN1Tag(tagV1) && !one.SkipASN1(tagV1) || !one.Empty() {
		return bad("extensions")
	}
	return s, nil
}

// Find returns what the response says of cert, issued by issuer, matching
// the CertID with the response's own hash algorithm.
func (r *Response) Find(cert, issuer *smx509.Certificate) (Single, bool) {
	for _, s := range r.Responses {
		if s.Serial.Cmp(cert.SerialNumber) == 0 && s.IssuedBy(issuer) {
			return s, true
		}
	}
	return Single{}, false
}

// CheckSignatureFrom verifies that issuer signed the response, itself or
// through a delegated responder: a certificate the response carries that
// issuer signed, with extended key usage id-kp-OCSPSigning, valid when the
// response was produced. It returns the certificate that signed; errors
// wrap [ErrSignature].
func (r *Response) CheckSignatureFrom(issuer *smx509.Certificate) (*smx509.Certificate, error) {
	signer := issuer
	if !r.names(issuer) {
		signer = nil
		for _, c := range r.Certificates {
			if r.names(c) {
				signer = c
				break
			}
		}
		if signer == nil {
			return nil, fmt.Errorf("%w: the responder is neither the issuer nor a certificate the response carries", ErrSignature)
		}
		if err := signer.CheckSignatureFrom(issuer); err != nil {
			return nil, fmt.Errorf("%w: the responder certificate is not the issuer's: %v", ErrSignature, err)
		}
		if !hasOCSPSigning(signer) {
			return nil, fmt.Errorf("%w: the responder certificate lacks id-kp-OCSPSigning", ErrSignature)
		}
		if r.ProducedAt.Before(signer.NotBefore) || r.ProducedAt.After(signer.NotAfter) {
			return nil, fmt.Errorf("%w: the responder certificate was not valid when the response was produced", ErrSignature)
		}
	}
	var alg smx509.SignatureAlgorithm
	switch {
	case r.sigAlg.Equal(oidSM2WithSM3):
		alg = smx509.SM2WithSM3
	case r.sigAlg.Equal(oidECDSAWithSHA256):
		alg = smx509.ECDSAWithSHA256
	default:
		return nil, fmt.Errorf("%w: unsupported signature algorithm %s", ErrSignature, r.sigAlg)
	}
	if err := signer.CheckSignature(alg, r.tbs, r.signature); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return signer, nil
}

// names reports whether the response's responder ID names c.
func (r *Response) names(c *smx509.Certificate) bool {
	if r.byKey != nil {
		h := sha1.Sum(publicKeyBits(c))
		return bytes.Equal(h[:], r.byKey)
	}
	return bytes.Equal(r.byName, c.RawSubject)
}

func hasOCSPSigning(c *smx509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == smx509.ExtKeyUsageOCSPSigning {
			return true
		}
	}
	return false
}
