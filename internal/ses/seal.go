package ses

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SESeal is a GB/T 38540 electronic seal: the seal information signed by
// the seal maker.
type SESeal struct {
	// Info is esealInfo.
	Info SealInfo
	// Cert is the seal maker's DER certificate.
	Cert []byte
	// SignAlg is signAlgID, OIDSM2WithSM3.
	SignAlg asn1.ObjectIdentifier
	// SignedValue is the maker's SM2 signature over DER(Info), DER or raw r||s.
	SignedValue []byte
}

// Marshal returns the DER encoding of s.
func (s *SESeal) Marshal() ([]byte, error) { return build(s.add) }

// Unmarshal sets s from DER; see the package invariants. It does not verify.
func (s *SESeal) Unmarshal(der []byte) error {
	var v SESeal
	if err := unmarshal(der, "seal", v.read, v.Marshal); err != nil {
		return err
	}
	*s = v
	return nil
}

func (s *SESeal) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		s.Info.add(b)
		addOctets(b, s.Cert)
		if len(s.SignAlg) < 2 {
			b.SetError(fmt.Errorf("seal: missing signAlgID"))
			return
		}
		b.AddASN1ObjectIdentifier(s.SignAlg)
		addBitString(b, s.SignedValue)
	})
}

func (s *SESeal) read(in *cryptobyte.String) error {
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return malformed("seal")
	}
	if err := s.Info.read(&seq); err != nil {
		return err
	}
	if !seq.ReadASN1Bytes(&s.Cert, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1ObjectIdentifier(&s.SignAlg) ||
		!seq.ReadASN1BitStringAsBytes(&s.SignedValue) || !seq.Empty() {
		return malformed("seal: cert, algorithm or signature")
	}
	return nil
}

// SignSeal makes a seal: the maker signs DER(info) with SM2-with-SM3 and
// signer ID 1234567812345678. makerCert is the maker's DER certificate; it
// must be an organisation certificate ([CheckOrganizationCert]) for the SM2
// key of makerKey. The signature is written in DER.
func SignSeal(info SealInfo, makerCert []byte, makerKey crypto.Signer) (*SESeal, error) {
	tbs, err := info.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sign seal: %w", err)
	}
	cert, pub, err := sm2Cert(makerCert, "maker")
	if err != nil {
		return nil, fmt.Errorf("sign seal: %w", err)
	}
	if err := checkOrganization(cert); err != nil {
		return nil, fmt.Errorf("sign seal: %w", err)
	}
	sig, err := sign(makerKey, pub, tbs)
	if err != nil {
		return nil, fmt.Errorf("sign seal: %w", err)
	}
	// Info is re-read from tbs so that the seal holds what was signed:
	// normalised times, and no slices shared with the caller.
	var signed SealInfo
	if err := signed.Unmarshal(tbs); err != nil {
		return nil, fmt.Errorf("sign seal: %w", err)
	}
	return &SESeal{
		Info:        signed,
		Cert:        bytes.Clone(makerCert),
		SignAlg:     OIDSM2WithSM3,
		SignedValue: sig,
	}, nil
}

// VerifySeal checks that seal was made by the holder of makerCert, the DER
// certificate the caller trusts as the seal maker's: the seal must carry
// exactly that certificate ([ErrCertMismatch]), it must be an organisation
// certificate ([ErrNotOrganization]), and the maker's signature over
// DER(SES_SealInfo) must verify ([ErrBadSignature], [ErrUnsupportedAlgorithm]).
// It does not check the certificate's chain, revocation or validity period.
func VerifySeal(seal *SESeal, makerCert []byte) error {
	if !bytes.Equal(seal.Cert, makerCert) {
		return fmt.Errorf("verify seal: %w: the seal carries another maker certificate", ErrCertMismatch)
	}
	if err := seal.verify(); err != nil {
		return fmt.Errorf("verify seal: %w", err)
	}
	return nil
}

// verify checks the maker signature against the certificate the seal carries.
func (s *SESeal) verify() error {
	if !s.SignAlg.Equal(OIDSM2WithSM3) {
		return fmt.Errorf("%w: maker signature %v", ErrUnsupportedAlgorithm, s.SignAlg)
	}
	cert, pub, err := sm2Cert(s.Cert, "maker")
	if err != nil {
		return err
	}
	if err := checkOrganization(cert); err != nil {
		return err
	}
	tbs, err := s.Info.Marshal()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !verify(pub, tbs, s.SignedValue) {
		return fmt.Errorf("%w: maker signature", ErrBadSignature)
	}
	return nil
}
