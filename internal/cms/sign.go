package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Sign returns a DER ContentInfo holding SignedData over content, which is
// encapsulated with type contentType and signed by key on behalf of cert.
//
// The signed attributes are contentType, messageDigest and an ESS
// signingCertificateV2 that names cert by its SHA-256 hash and issuer and
// serial number. There is no signingTime: the content carries whatever time
// matters, and a second clock in the same token only invites disagreement.
//
// certs go into the certificates field as given (nil for none); whether cert
// itself is among them is the caller's choice. The digest algorithm follows
// the key: SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521.
func Sign(contentType asn1.ObjectIdentifier, content []byte, key crypto.Signer, cert *x509.Certificate, certs []*x509.Certificate) ([]byte, error) {
	h, _, err := signatureAlgorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	return sign(contentType, content, hashSum(h, content), key, cert, certs, DetachedOptions{})
}

// Attribute is one CMS attribute with a single value, given as DER.
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value []byte
}

// DetachedOptions adds to what SignDetached writes.
type DetachedOptions struct {
	// Signed are signed attributes beyond contentType, messageDigest and
	// signingCertificateV2, such as Adobe's revocationInfoArchival.
	Signed []Attribute
	// Unsigned, when set, is called with the signature value and returns
	// the unsigned attributes, such as a time-stamp token over it.
	Unsigned func(signature []byte) ([]Attribute, error)
}

// SignDetached returns a DER ContentInfo holding SignedData that signs the
// bytes read from content without encapsulating them (content type id-data,
// version 1): the CMS of a PAdES baseline signature (ETSI EN 319 142-1),
// whose signed attributes are contentType, messageDigest and
// signingCertificateV2 and never signingTime. The digest algorithm follows
// the key, as for Sign.
func SignDetached(content io.Reader, key crypto.Signer, cert *x509.Certificate, certs []*x509.Certificate, opts DetachedOptions) ([]byte, error) {
	h, _, err := signatureAlgorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	d := h.New()
	if _, err := io.Copy(d, content); err != nil {
		return nil, fmt.Errorf("cms: read content: %w", err)
	}
	return sign(OIDData, nil, d.Sum(nil), key, cert, certs, opts)
}

// sign makes the SignedData; content nil means detached.
func sign(contentType asn1.ObjectIdentifier, content, digest []byte, key crypto.Signer, cert *x509.Certificate, certs []*x509.Certificate, opts DetachedOptions) ([]byte, error) {
	h, sigAlg, err := signatureAlgorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(contentType, digest, cert)
	if err != nil {
		return nil, err
	}
	for _, a := range opts.Signed {
		der, err := encodeAttribute(a)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, der)
	}
	// The signature covers the attributes as a universal SET OF (RFC 5652
	// §5.4), although they travel with an implicit [0] tag.
	set, err := encodeSetOf(attrs)
	if err != nil {
		return nil, err
	}
	signature, err := key.Sign(rand.Reader, hashSum(h, set), h)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	var unsigned [][]byte
	if opts.Unsigned != nil {
		extra, err := opts.Unsigned(signature)
		if err != nil {
			return nil, err
		}
		for _, a := range extra {
			der, err := encodeAttribute(a)
			if err != nil {
				return nil, err
			}
			unsigned = append(unsigned, der)
		}
	}
	digestAlg := AlgorithmIdentifier{Algorithm: digestOID(h)}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				// Version 3 when the content is not id-data (RFC 5652 §5.1).
				if contentType.Equal(OIDData) {
					b.AddASN1Int64(1)
				} else {
					b.AddASN1Int64(3)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					AddAlgorithmIdentifier(b, digestAlg)
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo
					b.AddASN1ObjectIdentifier(contentType)
					if content != nil {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(content)
						})
					}
				})
				if len(certs) > 0 {
					raws := make([][]byte, len(certs))
					for i, c := range certs {
						raws[i] = c.Raw
					}
					addSetOf(b, cbasn1.Tag(0).Constructed().ContextSpecific(), raws)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1) // version 1: issuerAndSerialNumber
						addIssuerAndSerial(b, cert)
						AddAlgorithmIdentifier(b, digestAlg)
						b.AddBytes(retag(set, cbasn1.Tag(0).Constructed().ContextSpecific()))
						AddAlgorithmIdentifier(b, sigAlg)
						b.AddASN1OctetString(signature)
						if len(unsigned) > 0 {
							addSetOf(b, cbasn1.Tag(1).Constructed().ContextSpecific(), unsigned)
						}
					})
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode signed data: %w", err)
	}
	return der, nil
}

// encodeAttribute returns the DER Attribute with a's one value.
func encodeAttribute(a Attribute) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Type)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(a.Value) })
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode attribute %s: %w", a.Type, err)
	}
	return der, nil
}

// signatureAlgorithmFor picks the digest and signature algorithm for a key.
func signatureAlgorithmFor(pub crypto.PublicKey) (crypto.Hash, AlgorithmIdentifier, error) {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return crypto.SHA256, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, nil
		case elliptic.P384():
			return crypto.SHA384, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA384}, nil
		case elliptic.P521():
			return crypto.SHA512, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA512}, nil
		}
		return 0, AlgorithmIdentifier{}, fmt.Errorf("cms: unsupported ecdsa curve %s", pub.Curve.Params().Name)
	case *rsa.PublicKey:
		return crypto.SHA256, AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: []byte{0x05, 0x00}}, nil
	}
	return 0, AlgorithmIdentifier{}, fmt.Errorf("cms: unsupported signer key type %T", pub)
}

// signedAttributes returns the DER encodings of the signed attributes.
func signedAttributes(contentType asn1.ObjectIdentifier, digest []byte, cert *x509.Certificate) ([][]byte, error) {
	essV2, err := signingCertificateV2(cert)
	if err != nil {
		return nil, err
	}
	var attrs [][]byte
	for _, a := range []struct {
		oid   asn1.ObjectIdentifier
		value func(b *cryptobyte.Builder)
	}{
		{OIDContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(contentType) }},
		{OIDMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }},
		{OIDSigningCertificateV2, func(b *cryptobyte.Builder) { b.AddBytes(essV2) }},
	} {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(a.oid)
			b.AddASN1(cbasn1.SET, a.value)
		})
		der, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("cms: encode attribute %s: %w", a.oid, err)
		}
		attrs = append(attrs, der)
	}
	return attrs, nil
}

// addSetOf appends a SET OF with the given tag whose elements are the DER
// encodings in elems, sorted as DER requires (X.690 §11.6).
func addSetOf(b *cryptobyte.Builder, tag cbasn1.Tag, elems [][]byte) {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sorted {
			b.AddBytes(e)
		}
	})
}

// encodeSetOf returns the DER SET OF elems.
func encodeSetOf(elems [][]byte) ([]byte, error) {
	var b cryptobyte.Builder
	addSetOf(&b, cbasn1.SET, elems)
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode set: %w", err)
	}
	return der, nil
}

// retag returns a copy of the DER element der with its (single-byte) tag
// replaced, which is how an implicit tag relates to the universal encoding.
func retag(der []byte, tag cbasn1.Tag) []byte {
	out := slices.Clone(der)
	out[0] = byte(tag)
	return out
}

func addIssuerAndSerial(b *cryptobyte.Builder, cert *x509.Certificate) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddASN1BigInt(cert.SerialNumber)
	})
}

func hashSum(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}
