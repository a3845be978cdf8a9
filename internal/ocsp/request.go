package ocsp

import (
	"encoding/asn1"
	"fmt"

	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxRequests bounds the certificates one request may ask about.
const MaxRequests = 16

// Request is one certificate a request asks about.
type Request struct {
	CertID
	// Nonce is the request's nonce extension value (its extnValue, as sent),
	// or nil. A response echoes it.
	Nonce []byte
}

var (
	tagV0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagV1 = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagV2 = cbasn1.Tag(2).Constructed().ContextSpecific()
)

// CreateRequest returns a DER OCSPRequest about cert, issued by issuer,
// with CertID hash alg and, when nonce is not nil, a nonce extension
// holding it as an OCTET STRING (RFC 8954).
func CreateRequest(cert, issuer *smx509.Certificate, alg asn1.ObjectIdentifier, nonce []byte) ([]byte, error) {
	id, err := NewCertID(cert, issuer, alg)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // OCSPRequest
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // TBSRequest
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // requestList
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { addCertID(b, id) })
			})
			if nonce != nil {
				b.AddASN1(tagV2, func(b *cryptobyte.Builder) {
					addNonce(b, func(b *cryptobyte.Builder) { b.AddASN1OctetString(nonce) })
				})
			}
		})
	})
	return b.Bytes()
}

// addNonce writes Extensions holding one nonce extension whose extnValue
// is what value writes.
func addNonce(b *cryptobyte.Builder, value func(b *cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidNonce)
			b.AddASN1(cbasn1.OCTET_STRING, value)
		})
	})
}

// ParseRequest parses a DER OCSPRequest. A signed request is read but its
// signature is not checked (Signet's responder answers anyone).
func ParseRequest(der []byte) ([]Request, error) {
	in := cryptobyte.String(der)
	var req, tbs, list cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: not an OCSPRequest", ErrMalformed)
	}
	if tbs.PeekASN1Tag(tagV0) {
		var v cryptobyte.String
		var version int64
		if !tbs.ReadASN1(&v, tagV0) || !v.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != 0 {
			return nil, fmt.Errorf("%w: request version", ErrMalformed)
		}
	}
	if tbs.PeekASN1Tag(tagV1) && !tbs.SkipASN1(tagV1) {
		return nil, fmt.Errorf("%w: requestor name", ErrMalformed)
	}
	if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: request list", ErrMalformed)
	}
	var nonce []byte
	if tbs.PeekASN1Tag(tagV2) {
		var exts cryptobyte.String
		if !tbs.ReadASN1(&exts, tagV2) {
			return nil, fmt.Errorf("%w: request extensions", ErrMalformed)
		}
		var err error
		if nonce, err = readNonce(exts); err != nil {
			return nil, err
		}
	}
	if !tbs.Empty() {
		return nil, fmt.Errorf("%w: data after the request", ErrMalformed)
	}
	var out []Request
	for !list.Empty() {
		var one cryptobyte.String
		var r Request
		if !list.ReadASN1(&one, cbasn1.SEQUENCE) || !readCertID(&one, &r.CertID) {
			return nil, fmt.Errorf("%w: request %d", ErrMalformed, len(out)+1)
		}
		if one.PeekASN1Tag(tagV0) && !one.SkipASN1(tagV0) || !one.Empty() {
			return nil, fmt.Errorf("%w: request %d extensions", ErrMalformed, len(out)+1)
		}
		if len(out) == MaxRequests {
			return nil, fmt.Errorf("%w: more than %d certificates in one request", ErrMalformed, MaxRequests)
		}
		r.Nonce = nonce
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty request list", ErrMalformed)
	}
	return out, nil
}

// readNonce returns the extnValue of the nonce extension among exts (an
// explicitly tagged Extensions), or nil.
func readNonce(exts cryptobyte.String) ([]byte, error) {
	var seq cryptobyte.String
	if !exts.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: extensions", ErrMalformed)
	}
	var nonce []byte
	for !seq.Empty() {
		var ext cryptobyte.String
		var oid asn1.ObjectIdentifier
		var value []byte
		if !seq.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: extension", ErrMalformed)
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.SkipASN1(cbasn1.BOOLEAN) {
			return nil, fmt.Errorf("%w: extension", ErrMalformed)
		}
		if !ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return nil, fmt.Errorf("%w: extension", ErrMalformed)
		}
		if oid.Equal(oidNonce) {
			if len(value) == 0 || len(value) > 128 {
				return nil, fmt.Errorf("%w: nonce of %d bytes", ErrMalformed, len(value))
			}
			nonce = value
		}
	}
	return nonce, nil
}
