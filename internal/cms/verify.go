package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Verify finds the signer's certificate, first among the SignedData's own
// certificates and then among extra, and checks that:
//   - the contentType attribute equals the encapsulated content type;
//   - the messageDigest attribute equals the digest of the content;
//   - an ESS signing-certificate attribute (v2, or v1) names that certificate;
//   - the signature over the signed attributes verifies with its public key.
//
// It returns the signer's certificate. It does not check the certificate's
// validity, usage or chain: that depends on what the caller trusts and when.
func (sd *SignedData) Verify(extra []*x509.Certificate) (*x509.Certificate, error) {
	s := &sd.signer
	cert := s.find(sd.Certificates)
	if cert == nil {
		cert = s.find(extra)
	}
	if cert == nil {
		return nil, ErrSignerNotFound
	}

	ct, ok := s.attrs[OIDContentType.String()]
	var attrType asn1.ObjectIdentifier
	if !ok || !ct.ReadASN1ObjectIdentifier(&attrType) || !ct.Empty() || !attrType.Equal(sd.ContentType) {
		return nil, fmt.Errorf("%w: content type attribute missing or different from the content", ErrVerification)
	}
	md, ok := s.attrs[OIDMessageDigest.String()]
	var digest []byte
	if !ok || !md.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) || !md.Empty() {
		return nil, fmt.Errorf("%w: message digest attribute missing", ErrVerification)
	}
	if !bytes.Equal(digest, hashSum(s.digest, sd.Content)) {
		return nil, fmt.Errorf("%w: content does not match its message digest", ErrVerification)
	}

	v1, hasV1 := s.attrs[OIDSigningCertificate.String()]
	v2, hasV2 := s.attrs[OIDSigningCertificateV2.String()]
	if !hasV1 && !hasV2 {
		return nil, fmt.Errorf("%w: no signing certificate attribute", ErrVerification)
	}
	if hasV2 {
		if err := checkSigningCertificate(v2, true, cert); err != nil {
			return nil, err
		}
	}
	if hasV1 {
		if err := checkSigningCertificate(v1, false, cert); err != nil {
			return nil, err
		}
	}

	if err := s.checkSignature(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

// find returns the certificate among certs that the signer identifier names.
func (s *signerInfo) find(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if s.subjectKeyID != nil {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, s.subjectKeyID) {
				return c
			}
			continue
		}
		if bytes.Equal(c.RawIssuer, s.issuer) && c.SerialNumber.Cmp(s.serial) == 0 {
			return c
		}
	}
	return nil
}

func (s *signerInfo) checkSignature(cert *x509.Certificate) error {
	kind, ok := signatureKindFor(s.sigAlg, s.digest)
	if !ok {
		return fmt.Errorf("%w: signature algorithm %s does not fit digest algorithm %v", ErrVerification, s.sigAlg.Algorithm, s.digest)
	}
	digest := hashSum(s.digest, s.signedAttrs)
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if kind == kindECDSA && ecdsa.VerifyASN1(pub, digest, s.signature) {
			return nil
		}
	case *rsa.PublicKey:
		if kind == kindRSA && rsa.VerifyPKCS1v15(pub, s.digest, digest, s.signature) == nil {
			return nil
		}
	default:
		return fmt.Errorf("%w: unsupported public key type %T", ErrVerification, pub)
	}
	return fmt.Errorf("%w: signature does not verify", ErrVerification)
}
