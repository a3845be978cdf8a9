package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SignedData is a parsed, not yet verified, ContentInfo holding SignedData
// with exactly one signer.
type SignedData struct {
	// ContentType is the eContentType of the encapsulated content.
	ContentType asn1.ObjectIdentifier
	// Content is the encapsulated content. Nothing vouches for it until Verify succeeds.
	Content []byte
	// Certificates are those the SignedData carries, in the order given.
	Certificates []*x509.Certificate

	signer signerInfo
}

// signerInfo is the part of a SignerInfo that verification needs.
type signerInfo struct {
	issuer       []byte   // DER Name, with serial, when the signer is named by issuer and serial
	serial       *big.Int //
	subjectKeyID []byte   // when the signer is named by subject key identifier
	digest       crypto.Hash
	signedAttrs  []byte // DER, re-tagged as the SET OF that the signature covers
	attrs        map[string]cryptobyte.String
	sigAlg       AlgorithmIdentifier
	signature    []byte
}

var (
	tagContext0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagContext1 = cbasn1.Tag(1).Constructed().ContextSpecific()
	// tagSubjectKeyID is SignerIdentifier's subjectKeyIdentifier [0] IMPLICIT OCTET STRING.
	tagSubjectKeyID = cbasn1.Tag(0).ContextSpecific()
)

// Parse parses a DER ContentInfo holding SignedData (RFC 5652 §5). It
// rejects BER, trailing data, detached content, any number of signers but
// one, missing signed attributes, and anything in the certificates field
// other than X.509 certificates.
func Parse(der []byte) (*SignedData, error) {
	malformed := func(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

	input := cryptobyte.String(der)
	var contentInfo, explicit, signedData cryptobyte.String
	var contentType asn1.ObjectIdentifier
	if !input.ReadASN1(&contentInfo, cbasn1.SEQUENCE) || !input.Empty() ||
		!contentInfo.ReadASN1ObjectIdentifier(&contentType) ||
		!contentInfo.ReadASN1(&explicit, tagContext0) || !contentInfo.Empty() ||
		!explicit.ReadASN1(&signedData, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, malformed("content info")
	}
	if !contentType.Equal(OIDSignedData) {
		return nil, malformed("content type is not signed data")
	}

	var version int64
	var digestAlgs, encap cryptobyte.String
	if !signedData.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!signedData.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!signedData.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, malformed("signed data")
	}
	sd := &SignedData{}
	var eContentExplicit cryptobyte.String
	if !encap.ReadASN1ObjectIdentifier(&sd.ContentType) ||
		!encap.ReadASN1(&eContentExplicit, tagContext0) || !encap.Empty() ||
		!eContentExplicit.ReadASN1Bytes(&sd.Content, cbasn1.OCTET_STRING) || !eContentExplicit.Empty() {
		return nil, malformed("encapsulated content (detached content is not supported)")
	}
	// Only version 3 is right for content other than id-data (RFC 5652 §5.1).
	if version != 3 && !(version == 1 && sd.ContentType.Equal(OIDData)) {
		return nil, malformed(fmt.Sprintf("signed data version %d", version))
	}

	var digestHashes []crypto.Hash
	for !digestAlgs.Empty() {
		var alg AlgorithmIdentifier
		if !ReadAlgorithmIdentifier(&digestAlgs, &alg) {
			return nil, malformed("digest algorithms")
		}
		h := digestHash(alg)
		if h == 0 {
			return nil, malformed(fmt.Sprintf("unsupported digest algorithm %s", alg.Algorithm))
		}
		digestHashes = append(digestHashes, h)
	}

	var certs cryptobyte.String
	var hasCerts bool
	if !signedData.ReadOptionalASN1(&certs, &hasCerts, tagContext0) {
		return nil, malformed("certificates")
	}
	for !certs.Empty() {
		var raw cryptobyte.String
		if !certs.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return nil, malformed("certificates: only X.509 certificates are supported")
		}
		cert, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, malformed(fmt.Sprintf("certificate: %v", err))
		}
		sd.Certificates = append(sd.Certificates, cert)
	}
	// Revocation information is not used: verification here is offline and
	// its caller decides about revocation.
	if !signedData.SkipOptionalASN1(tagContext1) {
		return nil, malformed("crls")
	}

	var signerInfos, si cryptobyte.String
	if !signedData.ReadASN1(&signerInfos, cbasn1.SET) || !signedData.Empty() ||
		!signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() {
		return nil, malformed("signer infos: exactly one signer is supported")
	}
	signer, err := parseSignerInfo(si)
	if err != nil {
		return nil, err
	}
	listed := false
	for _, h := range digestHashes {
		listed = listed || h == signer.digest
	}
	if !listed {
		return nil, malformed("signer's digest algorithm is not listed in digest algorithms")
	}
	sd.signer = signer
	return sd, nil
}

func parseSignerInfo(si cryptobyte.String) (signerInfo, error) {
	malformed := func(what string) error { return fmt.Errorf("%w: signer info: %s", ErrMalformed, what) }
	var s signerInfo

	var version int64
	if !si.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return s, malformed("version")
	}
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias cryptobyte.String
		var issuer cryptobyte.String
		s.serial = new(big.Int)
		if !si.ReadASN1(&ias, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(s.serial) || !ias.Empty() {
			return s, malformed("issuer and serial number")
		}
		s.issuer = issuer
		if version != 1 {
			return s, malformed(fmt.Sprintf("version %d with issuer and serial number", version))
		}
	case si.PeekASN1Tag(tagSubjectKeyID):
		if !si.ReadASN1Bytes(&s.subjectKeyID, tagSubjectKeyID) {
			return s, malformed("subject key identifier")
		}
		if version != 3 {
			return s, malformed(fmt.Sprintf("version %d with subject key identifier", version))
		}
	default:
		return s, malformed("signer identifier")
	}

	var digestAlg AlgorithmIdentifier
	if !ReadAlgorithmIdentifier(&si, &digestAlg) {
		return s, malformed("digest algorithm")
	}
	if s.digest = digestHash(digestAlg); s.digest == 0 {
		return s, malformed(fmt.Sprintf("unsupported digest algorithm %s", digestAlg.Algorithm))
	}

	var attrsElem cryptobyte.String
	if !si.ReadASN1Element(&attrsElem, tagContext0) {
		return s, malformed("signed attributes are required")
	}
	s.signedAttrs = retag(attrsElem, cbasn1.SET)
	var err error
	if s.attrs, err = parseAttributes(attrsElem); err != nil {
		return s, err
	}

	if !ReadAlgorithmIdentifier(&si, &s.sigAlg) ||
		!si.ReadASN1Bytes(&s.signature, cbasn1.OCTET_STRING) {
		return s, malformed("signature")
	}
	// Unsigned attributes (such as a countersignature) are allowed and ignored.
	if !si.SkipOptionalASN1(tagContext1) || !si.Empty() {
		return s, malformed("trailing data")
	}
	return s, nil
}

// parseAttributes maps each attribute type to its single value. An attribute
// that appears twice or holds other than one value is rejected: RFC 5652
// §11 requires that of the attributes checked here, and nothing Signet
// verifies needs more.
func parseAttributes(elem cryptobyte.String) (map[string]cryptobyte.String, error) {
	var set cryptobyte.String
	if !elem.ReadASN1(&set, tagContext0) {
		return nil, fmt.Errorf("%w: signed attributes", ErrMalformed)
	}
	attrs := make(map[string]cryptobyte.String)
	for !set.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !set.ReadASN1(&attr, cbasn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() ||
			!values.ReadAnyASN1Element(&value, &tag) || !values.Empty() {
			return nil, fmt.Errorf("%w: signed attribute", ErrMalformed)
		}
		key := oid.String()
		if _, dup := attrs[key]; dup {
			return nil, fmt.Errorf("%w: signed attribute %s appears twice", ErrMalformed, key)
		}
		attrs[key] = value
	}
	return attrs, nil
}
