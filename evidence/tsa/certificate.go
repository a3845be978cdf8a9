package tsa

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// ErrNotTSACertificate means a certificate may not sign time-stamp tokens.
var ErrNotTSACertificate = errors.New("tsa: not a time-stamping certificate")

var oidExtensionExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// extKeyUsageTimeStamping is the DER ExtKeyUsageSyntax holding only
// id-kp-timeStamping (1.3.6.1.5.5.7.3.8).
var extKeyUsageTimeStamping = []byte{0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08}

// CertificateTemplate returns the template for a TSA certificate, for the
// PKI to sign with x509.CreateCertificate. It carries the one extended key
// usage RFC 3161 §2.3 allows, id-kp-timeStamping, marked critical as the RFC
// and OpenSSL require. crypto/x509 would mark ExtKeyUsage non-critical, so
// the extension is built by hand in ExtraExtensions; do not also set
// ExtKeyUsage. The serial number is a fresh random 128-bit value; the PKI
// may replace it with its own.
func CertificateTemplate(subject pkix.Name, notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions: []pkix.Extension{
			{Id: oidExtensionExtKeyUsage, Critical: true, Value: slices.Clone(extKeyUsageTimeStamping)},
		},
	}
}

// CheckCertificate returns an error wrapping ErrNotTSACertificate unless cert
// is fit to sign time-stamp tokens as RFC 3161 §2.3 and OpenSSL demand: a
// critical extended key usage holding id-kp-timeStamping and nothing else, a
// key usage (if any) of only digitalSignature and contentCommitment, and no
// CA flag.
func CheckCertificate(cert *x509.Certificate) error {
	var eku *pkix.Extension
	for i, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtensionExtKeyUsage) {
			eku = &cert.Extensions[i]
		}
	}
	switch {
	case eku == nil:
		return fmt.Errorf("%w: %q has no extended key usage", ErrNotTSACertificate, cert.Subject)
	case !eku.Critical:
		return fmt.Errorf("%w: %q has a non-critical extended key usage", ErrNotTSACertificate, cert.Subject)
	case len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0:
		return fmt.Errorf("%w: %q has extended key usages other than exactly timeStamping", ErrNotTSACertificate, cert.Subject)
	case cert.KeyUsage&^(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0:
		return fmt.Errorf("%w: %q has key usages beyond digitalSignature and contentCommitment", ErrNotTSACertificate, cert.Subject)
	case cert.IsCA:
		return fmt.Errorf("%w: %q is a CA certificate", ErrNotTSACertificate, cert.Subject)
	}
	return nil
}

// randomSerial returns a uniformly random integer in [1, 2^128].
func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	n := new(big.Int).SetBytes(b)
	return n.Add(n, big.NewInt(1)) // never zero
}
