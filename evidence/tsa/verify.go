package tsa

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// Info is what a verified time-stamp token asserts.
type Info struct {
	// GenTime is when the TSA says it saw the imprint, in UTC.
	GenTime time.Time
	// Accuracy bounds GenTime's error; zero when the token does not say.
	Accuracy time.Duration
	// SerialNumber is unique among the tokens of one TSA.
	SerialNumber *big.Int
	// Policy is the TSA policy the token was issued under.
	Policy x509.OID
	// Hash and HashedMessage are the message imprint: what was time-stamped.
	Hash          Hash
	HashedMessage []byte
	// Nonce is the request's nonce echoed, or nil.
	Nonce *big.Int
	// Certificate is the TSA certificate that signed the token.
	Certificate *x509.Certificate
	// Chain is the verified chain from Certificate to one of the roots.
	Chain []*x509.Certificate
}

// VerifyOptions says what a token's signer is checked against.
type VerifyOptions struct {
	// Roots are the trusted roots. Required: the system roots are never used.
	Roots *x509.CertPool
	// Intermediates may help build the chain, in addition to the
	// certificates the token carries.
	Intermediates *x509.CertPool
	// Certificates are TSA certificates to try when the token does not carry
	// its signer's (it was requested without certReq).
	Certificates []*x509.Certificate
}

// Verify checks a DER time-stamp token (a CMS ContentInfo, as found in a
// TimeStampResp or a signature's unsigned attributes) against the digest it
// should time-stamp, and returns what it asserts. It checks that:
//   - the CMS signature verifies, and the signed messageDigest and
//     contentType attributes match the TSTInfo;
//   - an ESS signing-certificate attribute binds the TSA certificate;
//   - the TSA certificate carries the critical timeStamping extended key
//     usage and chains to opts.Roots, with every certificate valid at the
//     token's genTime;
//   - the message imprint is h and digest.
//
// Verify works offline: it fetches nothing and checks no revocation, so an
// evidence package can be checked years later. The errors wrap
// ErrMalformed, ErrBadSignature, ErrUntrusted or ErrImprintMismatch.
func Verify(token, digest []byte, h Hash, opts VerifyOptions) (*Info, error) {
	info, err := verifyToken(token, opts)
	if err != nil {
		return nil, fmt.Errorf("verify time-stamp token: %w", err)
	}
	if err := info.checkImprint(digest, h); err != nil {
		return nil, fmt.Errorf("verify time-stamp token: %w", err)
	}
	return info, nil
}

func (info *Info) checkImprint(digest []byte, h Hash) error {
	if info.Hash != h {
		return fmt.Errorf("%w: imprint is %s, not %s", ErrImprintMismatch, info.Hash, h)
	}
	if !bytes.Equal(info.HashedMessage, digest) {
		return fmt.Errorf("%w: imprint differs from the digest", ErrImprintMismatch)
	}
	return nil
}

// verifyToken does all of Verify but the imprint check.
func verifyToken(token []byte, opts VerifyOptions) (*Info, error) {
	if opts.Roots == nil {
		return nil, fmt.Errorf("%w: no roots given", ErrUntrusted)
	}
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !sd.ContentType.Equal(rfc3161.OIDTSTInfo) {
		return nil, fmt.Errorf("%w: content type %s is not TSTInfo", ErrMalformed, sd.ContentType)
	}
	signer, err := sd.Verify(opts.Certificates)
	switch {
	case errors.Is(err, cms.ErrSignerNotFound):
		return nil, fmt.Errorf("%w: the token does not carry the tsa certificate, and none given fits", ErrUntrusted)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}

	// The TSTInfo is parsed only once the signature shows that the TSA wrote
	// it: a changed byte in it is a bad signature, not a parse error.
	tst, err := rfc3161.ParseTSTInfo(sd.Content)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := hashFor(tst.HashAlgorithm)
	if h == 0 {
		return nil, fmt.Errorf("%w: unsupported imprint hash algorithm %s", ErrMalformed, tst.HashAlgorithm.Algorithm)
	}
	if len(tst.HashedMessage) != h.Size() {
		return nil, fmt.Errorf("%w: imprint is not a %s digest", ErrMalformed, h)
	}
	if tst.Extensions != nil {
		critical, err := rfc3161.HasCriticalExtension(tst.Extensions)
		if err != nil || critical {
			return nil, fmt.Errorf("%w: unsupported critical extension", ErrMalformed)
		}
	}

	if err := CheckCertificate(signer); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	if tst.TSA != nil {
		// RFC 3161 §2.4.2: the tsa name must be one of the certificate's
		// subject names. Only the directoryName form is checked.
		if name, ok := rfc3161.ParseDirectoryName(tst.TSA); ok && !bytes.Equal(name, signer.RawSubject) {
			return nil, fmt.Errorf("%w: the tsa field names another authority than the signer", ErrUntrusted)
		}
	}
	intermediates := x509.NewCertPool()
	if opts.Intermediates != nil {
		intermediates = opts.Intermediates.Clone()
	}
	for _, c := range sd.Certificates {
		if c != signer {
			intermediates.AddCert(c)
		}
	}
	chains, err := signer.Verify(x509.VerifyOptions{
		Roots:         opts.Roots,
		Intermediates: intermediates,
		CurrentTime:   tst.GenTime,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}

	return &Info{
		GenTime:       tst.GenTime,
		Accuracy:      tst.Accuracy,
		SerialNumber:  tst.SerialNumber,
		Policy:        tst.Policy,
		Hash:          h,
		HashedMessage: tst.HashedMessage,
		Nonce:         tst.Nonce,
		Certificate:   signer,
		Chain:         chains[0],
	}, nil
}

// ImprintHash returns the hash algorithm of a token's message imprint, read
// without checking the token: what the caller must digest before Verify.
func ImprintHash(token []byte) (Hash, error) {
	sd, err := cms.Parse(token)
	if err != nil {
		return 0, fmt.Errorf("time-stamp token: %w: %v", ErrMalformed, err)
	}
	tst, err := rfc3161.ParseTSTInfo(sd.Content)
	if err != nil {
		return 0, fmt.Errorf("time-stamp token: %w: %v", ErrMalformed, err)
	}
	h := hashFor(tst.HashAlgorithm)
	if h == 0 {
		return 0, fmt.Errorf("time-stamp token: %w: unsupported imprint hash algorithm %s", ErrMalformed, tst.HashAlgorithm.Algorithm)
	}
	return h, nil
}
