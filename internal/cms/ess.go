package cms

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // ESS SigningCertificate (v1) names certificates by SHA-1
	"crypto/x509"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The ESS signing-certificate attribute (RFC 2634 §5.4, RFC 5035 §3) puts a
// hash of the signer's certificate under the signature, so that nobody can
// swap in another certificate for the same key. OpenSSL refuses a time-stamp
// token without it.

// tagDirectoryName is GeneralName's directoryName [4], explicit because Name is a CHOICE.
var tagDirectoryName = cbasn1.Tag(4).Constructed().ContextSpecific()

// signingCertificateV2 returns the DER SigningCertificateV2 naming cert by its
// SHA-256 hash (the DEFAULT, so the algorithm is omitted) and issuer and serial.
func signingCertificateV2(cert *x509.Certificate) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				b.AddASN1OctetString(hashSum(crypto.SHA256, cert.Raw))
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(tagDirectoryName, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
						})
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode signing certificate: %w", err)
	}
	return der, nil
}

// checkSigningCertificate checks that the first ESSCertID(v2) in value, the
// single value of a signing-certificate attribute, names cert. Later entries
// may name other certificates of the chain and are not checked (RFC 5035 §3).
func checkSigningCertificate(value cryptobyte.String, v2 bool, cert *x509.Certificate) error {
	var signingCert, certIDs, certID cryptobyte.String
	if !value.ReadASN1(&signingCert, cbasn1.SEQUENCE) || !value.Empty() ||
		!signingCert.ReadASN1(&certIDs, cbasn1.SEQUENCE) ||
		!certIDs.ReadASN1(&certID, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: signing certificate attribute", ErrMalformed)
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256
		if certID.PeekASN1Tag(cbasn1.SEQUENCE) {
			var alg AlgorithmIdentifier
			if !ReadAlgorithmIdentifier(&certID, &alg) {
				return fmt.Errorf("%w: signing certificate hash algorithm", ErrMalformed)
			}
			if h = digestHash(alg); h == 0 {
				return fmt.Errorf("%w: signing certificate hash algorithm %s not supported", ErrVerification, alg.Algorithm)
			}
		}
	}
	var certHash []byte
	if !certID.ReadASN1Bytes(&certHash, cbasn1.OCTET_STRING) {
		return fmt.Errorf("%w: signing certificate hash", ErrMalformed)
	}
	if !bytes.Equal(certHash, hashSum(h, cert.Raw)) {
		return fmt.Errorf("%w: signing certificate attribute names another certificate", ErrVerification)
	}
	if certID.Empty() {
		return nil
	}
	var issuerSerial, generalNames cryptobyte.String
	serial := new(big.Int)
	if !certID.ReadASN1(&issuerSerial, cbasn1.SEQUENCE) || !certID.Empty() ||
		!issuerSerial.ReadASN1(&generalNames, cbasn1.SEQUENCE) ||
		!issuerSerial.ReadASN1Integer(serial) || !issuerSerial.Empty() {
		return fmt.Errorf("%w: signing certificate issuer and serial", ErrMalformed)
	}
	if serial.Cmp(cert.SerialNumber) != 0 {
		return fmt.Errorf("%w: signing certificate attribute names another serial number", ErrVerification)
	}
	for !generalNames.Empty() {
		var name cryptobyte.String
		var tag cbasn1.Tag
		if !generalNames.ReadAnyASN1(&name, &tag) {
			return fmt.Errorf("%w: signing certificate issuer", ErrMalformed)
		}
		if tag == tagDirectoryName && bytes.Equal(name, cert.RawIssuer) {
			return nil
		}
	}
	return fmt.Errorf("%w: signing certificate attribute names another issuer", ErrVerification)
}
