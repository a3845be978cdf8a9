package rfc3161

import (
	"crypto/x509"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/internal/cms"
)

// Request is a TimeStampReq (RFC 3161 §2.4.1), always version 1:
//
//	TimeStampReq ::= SEQUENCE {
//	   version         INTEGER { v1(1) },
//	   messageImprint  MessageImprint,
//	   reqPolicy       TSAPolicyId              OPTIONAL,
//	   nonce           INTEGER                  OPTIONAL,
//	   certReq         BOOLEAN                  DEFAULT FALSE,
//	   extensions      [0] IMPLICIT Extensions  OPTIONAL }
//
//	MessageImprint ::= SEQUENCE {
//	   hashAlgorithm   AlgorithmIdentifier,
//	   hashedMessage   OCTET STRING }
type Request struct {
	HashAlgorithm cms.AlgorithmIdentifier
	HashedMessage []byte
	// Policy is reqPolicy, nil when absent.
	Policy *x509.OID
	// Nonce is nil when absent.
	Nonce   *big.Int
	CertReq bool
	// Extensions is the DER of the extensions element, nil when absent.
	// Nothing here interprets them.
	Extensions []byte
}

// ParseRequest parses a DER TimeStampReq. It rejects trailing data and any
// version but 1.
func ParseRequest(der []byte) (*Request, error) {
	input := cryptobyte.String(der)
	var req cryptobyte.String
	var version int64
	r := &Request{}
	if !input.ReadASN1(&req, cbasn1.SEQUENCE) || !input.Empty() ||
		!req.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!readMessageImprint(&req, &r.HashAlgorithm, &r.HashedMessage) ||
		!readOptionalOID(&req, &r.Policy) ||
		!readOptionalInteger(&req, &r.Nonce) ||
		!readOptionalBoolean(&req, &r.CertReq) {
		return nil, fmt.Errorf("%w: time-stamp request", ErrMalformed)
	}
	if version != 1 {
		return nil, fmt.Errorf("%w: time-stamp request version %d", ErrMalformed, version)
	}
	if req.PeekASN1Tag(tagReqExtensions) {
		var ext cryptobyte.String
		if !req.ReadASN1Element(&ext, tagReqExtensions) {
			return nil, fmt.Errorf("%w: time-stamp request extensions", ErrMalformed)
		}
		r.Extensions = ext
	}
	if !req.Empty() {
		return nil, fmt.Errorf("%w: time-stamp request has trailing data", ErrMalformed)
	}
	return r, nil
}

// Marshal returns the DER encoding of r.
func (r *Request) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		addMessageImprint(b, r.HashAlgorithm, r.HashedMessage)
		if r.Policy != nil {
			addOID(b, *r.Policy)
		}
		if r.Nonce != nil {
			b.AddASN1BigInt(r.Nonce)
		}
		if r.CertReq {
			b.AddASN1Boolean(true)
		}
		if r.Extensions != nil {
			b.AddBytes(r.Extensions)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("rfc3161: encode time-stamp request: %w", err)
	}
	return der, nil
}

func readMessageImprint(s *cryptobyte.String, alg *cms.AlgorithmIdentifier, hashed *[]byte) bool {
	var mi cryptobyte.String
	return s.ReadASN1(&mi, cbasn1.SEQUENCE) &&
		cms.ReadAlgorithmIdentifier(&mi, alg) &&
		mi.ReadASN1Bytes(hashed, cbasn1.OCTET_STRING) && mi.Empty()
}

func addMessageImprint(b *cryptobyte.Builder, alg cms.AlgorithmIdentifier, hashed []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		cms.AddAlgorithmIdentifier(b, alg)
		b.AddASN1OctetString(hashed)
	})
}

// Policy identifiers are read as x509.OID, not asn1.ObjectIdentifier, so that
// arcs wider than an int (such as a UUID under 2.25) survive.

func readOID(s *cryptobyte.String, out *x509.OID) bool {
	var content cryptobyte.String
	return s.ReadASN1(&content, cbasn1.OBJECT_IDENTIFIER) && out.UnmarshalBinary(content) == nil
}

func readOptionalOID(s *cryptobyte.String, out **x509.OID) bool {
	*out = nil
	if !s.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		return true
	}
	oid := new(x509.OID)
	if !readOID(s, oid) {
		return false
	}
	*out = oid
	return true
}

func addOID(b *cryptobyte.Builder, oid x509.OID) {
	content, err := oid.MarshalBinary()
	if err != nil || len(content) == 0 {
		b.SetError(fmt.Errorf("rfc3161: invalid object identifier %v", oid))
		return
	}
	b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(content) })
}
