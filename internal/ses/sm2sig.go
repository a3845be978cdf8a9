package ses

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signerID is the SM2 distinguishing ID every GB/T 38540 signature uses.
var signerID = []byte("1234567812345678")

// signerOpts makes an SM2 crypto.Signer hash ZA || msg with SM3 itself.
var signerOpts = sm2.NewSM2SignerOption(true, signerID)

// oidOrganizationIdentifier is X.520 organizationIdentifier.
var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// sm2Cert parses a DER certificate whose key is an SM2 public key.
func sm2Cert(der []byte, what string) (*smx509.Certificate, *ecdsa.PublicKey, error) {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s certificate: %v", ErrMalformed, what, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, nil, fmt.Errorf("%w: %s certificate key is not SM2", ErrUnsupportedAlgorithm, what)
	}
	return cert, pub, nil
}

// CheckOrganizationCert returns [ErrNotOrganization] unless the DER
// certificate names an organisation: its subject has a non-empty
// organizationName (O) and an organisation identifier, either the X.520
// organizationIdentifier attribute (2.5.4.97, e.g. "NTRCN-" + unified social
// credit code, as Signet's pki writes) or an organizationalUnitName (OU).
// A personal certificate, named by CN and serialNumber alone, fails.
//
// It is the only check the certificate itself allows and needs no policy:
// whether a CA really vetted the organisation is for chain validation.
func CheckOrganizationCert(der []byte) error {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: maker certificate: %v", ErrMalformed, err)
	}
	return checkOrganization(cert)
}

func checkOrganization(cert *smx509.Certificate) error {
	hasOrg := false
	for _, o := range cert.Subject.Organization {
		hasOrg = hasOrg || o != ""
	}
	hasID := false
	for _, ou := range cert.Subject.OrganizationalUnit {
		hasID = hasID || ou != ""
	}
	for _, atv := range cert.Subject.Names {
		if s, ok := atv.Value.(string); ok && atv.Type.Equal(oidOrganizationIdentifier) && s != "" {
			hasID = true
		}
	}
	if !hasOrg || !hasID {
		return fmt.Errorf("%w: subject %q has no organisation name and identifier", ErrNotOrganization, cert.Subject.String())
	}
	return nil
}

// sign signs msg with SM2-with-SM3 and returns a DER signature, checked
// against pub so that a signer that skips ZA, or holds another key, fails here
// rather than in some verifier later.
func sign(key crypto.Signer, pub *ecdsa.PublicKey, msg []byte) ([]byte, error) {
	if !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("%w: key does not belong to the certificate", ErrCertMismatch)
	}
	sig, err := key.Sign(rand.Reader, msg, signerOpts)
	if err != nil {
		return nil, fmt.Errorf("sm2 sign: %w", err)
	}
	der, err := signatureDER(sig)
	if err != nil {
		return nil, fmt.Errorf("sm2 sign: %w", err)
	}
	if !sm2.VerifyASN1WithSM2(pub, signerID, msg, der) {
		return nil, fmt.Errorf("sm2 sign: %w: the signer's output does not verify", ErrBadSignature)
	}
	return der, nil
}

// verify checks an SM2-with-SM3 signature over msg in either encoding.
func verify(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	der, err := signatureDER(sig)
	return err == nil && sm2.VerifyASN1WithSM2(pub, signerID, msg, der)
}

// signatureDER returns sig as DER SEQUENCE { r INTEGER, s INTEGER }. It
// takes DER as is and converts the raw 64-byte r||s form.
func signatureDER(sig []byte) ([]byte, error) {
	in := cryptobyte.String(sig)
	var seq cryptobyte.String
	var r, s big.Int
	if in.ReadASN1(&seq, cbasn1.SEQUENCE) && in.Empty() &&
		seq.ReadASN1Integer(&r) && seq.ReadASN1Integer(&s) && seq.Empty() {
		return sig, nil
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("%w: signature is neither DER nor 64 raw bytes", ErrMalformed)
	}
	r.SetBytes(sig[:32])
	s.SetBytes(sig[32:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return nil, fmt.Errorf("%w: raw signature with a zero half", ErrMalformed)
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(&r)
			b.AddASN1BigInt(&s)
		})
	})
}
