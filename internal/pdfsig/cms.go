package pdfsig

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/evidence/tsa"
	"signet/internal/cms"
)

// Timestamper obtains an RFC 3161 time-stamp token over digest, an h
// digest. *tsa.Client is one.
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte, h tsa.Hash) (*tsa.Token, error)
}

var _ Timestamper = (*tsa.Client)(nil)

var (
	// oidTimeStampToken is id-aa-timeStampToken (RFC 3161 appendix A): an
	// unsigned attribute holding a token over the signature value.
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// The signers hash the signed bytes as they read them, once, and sign the
// digest: the document is neither copied nor encoded into the CMS to be
// taken out again.

// ECDSASigner returns a SignerFunc that makes a detached CMS SignedData
// (content type id-data, digest SHA-256) for PDF readers of
// adbe.pkcs7.detached. The signed attributes are contentType,
// messageDigest, signingTime and ESS signingCertificateV2; when ts is not
// nil, an RFC 3161 token over the SHA-256 of the signature value is added as
// the unsigned attribute id-aa-timeStampToken. chain holds the certificates
// above cert, issuer first; all go into the CMS. RSA keys work too.
func ECDSASigner(cert *x509.Certificate, chain []*x509.Certificate, key crypto.Signer, ts Timestamper) SignerFunc {
	return func(ctx context.Context, signed io.Reader) ([]byte, error) {
		ee, err := smx509.ParseCertificate(cert.Raw)
		if err != nil {
			return nil, fmt.Errorf("cms: signer certificate: %w", err)
		}
		parents := make([]*smx509.Certificate, len(chain))
		for i, c := range chain {
			if parents[i], err = smx509.ParseCertificate(c.Raw); err != nil {
				return nil, fmt.Errorf("cms: chain certificate: %w", err)
			}
		}
		h := sha256.New()
		if _, err := io.Copy(h, signed); err != nil {
			return nil, err
		}
		sd, err := pkcs7.NewSignedDataWithDigest(h.Sum(nil))
		if err != nil {
			return nil, fmt.Errorf("cms: %w", err)
		}
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		return finish(ctx, sd, ee, parents, key, ts, tsa.SHA256)
	}
}

// Revocation is revocation data about certificates, as DER: OCSP
// responses (OCSPResponse) and CRLs.
type Revocation struct {
	OCSPs, CRLs [][]byte
}

// oidRevocationInfoArchival is Adobe's adbe-revocationInfoArchival signed
// attribute (ISO 32000-1 §12.8.3.3.2).
var oidRevocationInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

// CAdESSigner returns a SignerFunc for PAdES baseline signatures (ETSI EN
// 319 142-1, /SubFilter /ETSI.CAdES.detached; set Request.SubFilter to
// [SubFilterCAdES]): a detached CMS whose signed attributes are
// contentType, messageDigest and ESS signingCertificateV2, with no
// signingTime (the time-stamp carries the time), and, when rev holds
// anything, Adobe's revocationInfoArchival with the revocation data known
// at signing. Validators that read only that attribute (Adobe Reader's
// older versions, digitorus/pdfsign) find the signer's status there;
// PAdES validators read the /DSS that [AddDSS] writes. An RFC 3161 token
// over the SHA-256 of the signature value is the unsigned attribute
// id-aa-timeStampToken when ts is not nil. chain holds the certificates
// above cert, issuer first. ECDSA and RSA keys work; SM2 keys use SM2Signer.
func CAdESSigner(cert *x509.Certificate, chain []*x509.Certificate, key crypto.Signer, ts Timestamper, rev Revocation) SignerFunc {
	return func(ctx context.Context, signed io.Reader) ([]byte, error) {
		var opts cms.DetachedOptions
		if len(rev.OCSPs)+len(rev.CRLs) > 0 {
			der, err := revocationInfoArchival(rev)
			if err != nil {
				return nil, err
			}
			opts.Signed = []cms.Attribute{{Type: oidRevocationInfoArchival, Value: der}}
		}
		if ts != nil {
			opts.Unsigned = func(signature []byte) ([]cms.Attribute, error) {
				tok, err := ts.Timestamp(ctx, tsa.SHA256.Sum(signature), tsa.SHA256)
				if err != nil {
					return nil, fmt.Errorf("cms: time-stamp the signature: %w", err)
				}
				return []cms.Attribute{{Type: oidTimeStampToken, Value: tok.DER}}, nil
			}
		}
		certs := append([]*x509.Certificate{cert}, chain...)
		der, err := cms.SignDetached(signed, key, cert, certs, opts)
		if err != nil {
			return nil, err
		}
		return der, nil
	}
}

// revocationInfoArchival encodes RevocationInfoArchival ::= SEQUENCE {
// crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF
// OCSPResponse OPTIONAL, ... }.
func revocationInfoArchival(rev Revocation) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for i, list := range [][][]byte{rev.CRLs, rev.OCSPs} {
			if len(list) == 0 {
				continue
			}
			b.AddASN1(cbasn1.Tag(i).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, der := range list {
						b.AddBytes(der)
					}
				})
			})
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode revocation info: %w", err)
	}
	return der, nil
}

// SM2Signer returns a SignerFunc that makes a detached GM CMS SignedData
// (GB/T 35275 OIDs, SM3 digest, SM2 signature with the default signer ID).
// When ts is not nil, an RFC 3161 token over the SM3 of the signature value
// is added as the unsigned attribute id-aa-timeStampToken. key must be an
// *sm2.PrivateKey or a crypto.Signer that computes ZA and SM3 itself.
func SM2Signer(cert *smx509.Certificate, chain []*smx509.Certificate, key crypto.Signer, ts Timestamper) SignerFunc {
	return func(ctx context.Context, signed io.Reader) ([]byte, error) {
		h := sm3.New()
		if _, err := io.Copy(h, signed); err != nil {
			return nil, err
		}
		sd, err := pkcs7.NewSMSignedDataWithDigest(h.Sum(nil))
		if err != nil {
			return nil, fmt.Errorf("cms: %w", err)
		}
		return finish(ctx, sd, cert, chain, key, ts, tsa.SM3)
	}
}

// finish signs, time-stamps the signature value and returns the detached CMS.
func finish(ctx context.Context, sd *pkcs7.SignedData, ee *smx509.Certificate, parents []*smx509.Certificate, key crypto.Signer, ts Timestamper, h tsa.Hash) ([]byte, error) {
	ess, err := signingCertificateV2(ee)
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{
		{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: ess}},
	}}
	if err := sd.AddSignerChain(ee, key, parents, cfg); err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	if ts != nil {
		si := &sd.GetSignedData().SignerInfos[0]
		tok, err := ts.Timestamp(ctx, h.Sum(si.EncryptedDigest), h)
		if err != nil {
			return nil, fmt.Errorf("cms: time-stamp the signature: %w", err)
		}
		attr := pkcs7.Attribute{Type: oidTimeStampToken, Value: asn1.RawValue{FullBytes: tok.DER}}
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{attr}); err != nil {
			return nil, fmt.Errorf("cms: time-stamp attribute: %w", err)
		}
	}
	sd.Detach()
	der, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("cms: encode: %w", err)
	}
	return der, nil
}

// signingCertificateV2 returns the DER ESS SigningCertificateV2 (RFC 5035)
// naming cert by its SHA-256 hash and issuer and serial, as PAdES wants.
func signingCertificateV2(cert *smx509.Certificate) ([]byte, error) {
	sum := sha256.Sum256(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(sum[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
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

// timestampHash picks the imprint hash for a signer's digest algorithm.
func timestampHash(digestAlg asn1.ObjectIdentifier) tsa.Hash {
	if digestAlg.Equal(pkcs7.OIDDigestAlgorithmSM3) {
		return tsa.SM3
	}
	return tsa.SHA256
}
