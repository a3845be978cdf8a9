package ses

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TBSSign is TBS_Sign, what a signer signs when applying a seal. Its
// version is fixed at 4 ([Version]).
type TBSSign struct {
	// Seal is eseal, the seal being applied.
	Seal SESeal
	// TimeInfo is the signing time.
	TimeInfo time.Time
	// DataHash is the SM3 digest of the signed data ([DataHash]).
	DataHash []byte
	// PropertyInfo is propertyInfo (IA5String), e.g. a description of
	// where in the document the seal is placed. It may be empty.
	PropertyInfo string
	// ExtDatas is the optional [0] EXPLICIT extDatas; nil when absent.
	ExtDatas []ExtData
}

// SESSignature is SES_Signature, a seal applied to data.
type SESSignature struct {
	// TBS is toSign.
	TBS TBSSign
	// Cert is the signer's DER certificate.
	Cert []byte
	// SignatureAlg is signatureAlgID, OIDSM2WithSM3.
	SignatureAlg asn1.ObjectIdentifier
	// Signature is the signer's SM2 signature over DER(TBS), DER or raw r||s.
	Signature []byte
	// Timestamp is the optional [0] EXPLICIT timeStamp: a DER RFC 3161
	// time-stamp token over Signature, nil when absent. See AttachTimestamp.
	Timestamp []byte
}

// DataHash returns the SM3 digest of data, TBS_Sign.dataHash.
func DataHash(data []byte) []byte {
	h := sm3.Sum(data)
	return h[:]
}

// Marshal returns DER(TBS_Sign), the bytes a signer signs.
func (t *TBSSign) Marshal() ([]byte, error) { return build(t.add) }

// Unmarshal sets t from DER; see the package invariants.
func (t *TBSSign) Unmarshal(der []byte) error {
	var v TBSSign
	if err := unmarshal(der, "tbs sign", v.read, v.Marshal); err != nil {
		return err
	}
	*t = v
	return nil
}

func (t *TBSSign) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(Version)
		t.Seal.add(b)
		addTime(b, t.TimeInfo, "timeInfo")
		addBitString(b, t.DataHash)
		addString(b, cbasn1.IA5String, t.PropertyInfo, isIA5, "propertyInfo")
		if t.ExtDatas != nil {
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { addExtDatas(b, t.ExtDatas) })
		}
	})
}

func (t *TBSSign) read(s *cryptobyte.String) error {
	var seq cryptobyte.String
	var version int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) {
		return malformed("tbs sign")
	}
	if version != Version {
		return fmt.Errorf("%w: tbs sign version %d", ErrUnsupportedVersion, version)
	}
	if err := t.Seal.read(&seq); err != nil {
		return err
	}
	var exts cryptobyte.String
	var hasExts bool
	if !seq.ReadASN1GeneralizedTime(&t.TimeInfo) ||
		!seq.ReadASN1BitStringAsBytes(&t.DataHash) ||
		!readString(&seq, cbasn1.IA5String, isIA5, &t.PropertyInfo) ||
		!seq.ReadOptionalASN1(&exts, &hasExts, tagExplicit0) || !seq.Empty() {
		return malformed("tbs sign: time, hash or property")
	}
	if hasExts {
		if err := readExtDatas(&exts, &t.ExtDatas); err != nil {
			return err
		}
		if !exts.Empty() {
			return malformed("tbs sign: ext datas")
		}
	}
	return nil
}

// Marshal returns the DER encoding of s.
func (s *SESSignature) Marshal() ([]byte, error) { return build(s.add) }

// Unmarshal sets s from DER; see the package invariants. It does not verify.
func (s *SESSignature) Unmarshal(der []byte) error {
	var v SESSignature
	if err := unmarshal(der, "signature", v.read, v.Marshal); err != nil {
		return err
	}
	*s = v
	return nil
}

func (s *SESSignature) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		s.TBS.add(b)
		addOctets(b, s.Cert)
		if len(s.SignatureAlg) < 2 {
			b.SetError(fmt.Errorf("signature: missing signatureAlgID"))
			return
		}
		b.AddASN1ObjectIdentifier(s.SignatureAlg)
		addBitString(b, s.Signature)
		if s.Timestamp != nil {
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { addBitString(b, s.Timestamp) })
		}
	})
}

func (s *SESSignature) read(in *cryptobyte.String) error {
	var seq, ts cryptobyte.String
	var hasTS bool
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return malformed("signature")
	}
	if err := s.TBS.read(&seq); err != nil {
		return err
	}
	if !seq.ReadASN1Bytes(&s.Cert, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1ObjectIdentifier(&s.SignatureAlg) ||
		!seq.ReadASN1BitStringAsBytes(&s.Signature) ||
		!seq.ReadOptionalASN1(&ts, &hasTS, tagExplicit0) || !seq.Empty() {
		return malformed("signature: cert, algorithm, value or time-stamp")
	}
	if hasTS && (!ts.ReadASN1BitStringAsBytes(&s.Timestamp) || !ts.Empty()) {
		return malformed("signature: time-stamp")
	}
	return nil
}

// SignSignature applies tbs.Seal: the holder of signerCert signs
// DER(TBS_Sign) with SM2-with-SM3 and signer ID 1234567812345678.
// tbs.DataHash must be [DataHash] of the signed data. It refuses a seal that
// does not verify against the maker certificate it carries, a TimeInfo
// outside the seal's validity ([ErrOutsideValidity]) and a signer the seal
// does not list ([ErrSignerNotInSeal]).
func SignSignature(tbs TBSSign, signerCert []byte, key crypto.Signer) (*SESSignature, error) {
	if len(tbs.DataHash) != sm3.Size {
		return nil, fmt.Errorf("sign signature: data hash is %d bytes, not an SM3 digest", len(tbs.DataHash))
	}
	if err := checkUse(&tbs, signerCert); err != nil {
		return nil, fmt.Errorf("sign signature: %w", err)
	}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sign signature: %w", err)
	}
	_, pub, err := sm2Cert(signerCert, "signer")
	if err != nil {
		return nil, fmt.Errorf("sign signature: %w", err)
	}
	sig, err := sign(key, pub, der)
	if err != nil {
		return nil, fmt.Errorf("sign signature: %w", err)
	}
	var signed TBSSign
	if err := signed.Unmarshal(der); err != nil {
		return nil, fmt.Errorf("sign signature: %w", err)
	}
	return &SESSignature{TBS: signed, Cert: bytes.Clone(signerCert), SignatureAlg: OIDSM2WithSM3, Signature: sig}, nil
}

// VerifySignature parses a DER SES_Signature and checks that it signs data:
// the signer's signature over DER(TBS_Sign), dataHash = SM3(data)
// ([ErrDataHash]), the embedded seal's maker signature and organisation
// certificate, the signer's presence in the seal's certList
// ([ErrSignerNotInSeal]) and the signing time within the seal's validity
// ([ErrOutsideValidity]). Certificate chains, revocation and the time-stamp
// token are the caller's to check.
func VerifySignature(sig, data []byte) error {
	var s SESSignature
	if err := s.Unmarshal(sig); err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	if err := s.verify(data); err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	return nil
}

func (s *SESSignature) verify(data []byte) error {
	if !s.SignatureAlg.Equal(OIDSM2WithSM3) {
		return fmt.Errorf("%w: signer signature %v", ErrUnsupportedAlgorithm, s.SignatureAlg)
	}
	_, pub, err := sm2Cert(s.Cert, "signer")
	if err != nil {
		return err
	}
	tbs, err := s.TBS.Marshal()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !verify(pub, tbs, s.Signature) {
		return fmt.Errorf("%w: signer signature", ErrBadSignature)
	}
	if !bytes.Equal(s.TBS.DataHash, DataHash(data)) {
		return ErrDataHash
	}
	return checkUse(&s.TBS, s.Cert)
}

// checkUse checks what makes applying the seal legitimate, apart from the
// signer's own signature.
func checkUse(tbs *TBSSign, signerCert []byte) error {
	if err := tbs.Seal.verify(); err != nil {
		return err
	}
	p := &tbs.Seal.Info.Property
	at := tbs.TimeInfo.Truncate(time.Second)
	if at.Before(p.ValidStart) || at.After(p.ValidEnd) {
		return fmt.Errorf("%w: signed at %v, seal valid %v to %v", ErrOutsideValidity, at.UTC(), p.ValidStart.UTC(), p.ValidEnd.UTC())
	}
	if !listed(p, signerCert) {
		return ErrSignerNotInSeal
	}
	return nil
}

// listed reports whether the seal's certList names cert, by value or by an
// "sm3" or "sha256" digest. Digests of other algorithms never match.
func listed(p *PropertyInfo, cert []byte) bool {
	for _, c := range p.Certs {
		if bytes.Equal(c, cert) {
			return true
		}
	}
	for _, d := range p.CertDigests {
		var sum []byte
		switch strings.ToLower(d.Type) {
		case "sm3":
			sum = DataHash(cert)
		case "sha256":
			h := sha256.Sum256(cert)
			sum = h[:]
		default:
			continue
		}
		if bytes.Equal(d.Value, sum) {
			return true
		}
	}
	return false
}

// AttachTimestamp sets sig's timeStamp to tokenDER, an RFC 3161 time-stamp
// token (a DER ContentInfo) whose message imprint covers sig.Signature. It
// checks only that tokenDER is one DER SEQUENCE; the token's signature and
// imprint are for the TSA verifier. An earlier token is replaced.
func AttachTimestamp(sig *SESSignature, tokenDER []byte) error {
	in := cryptobyte.String(tokenDER)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return fmt.Errorf("attach timestamp: %w: token is not one DER SEQUENCE", ErrMalformed)
	}
	sig.Timestamp = bytes.Clone(tokenDER)
	return nil
}
