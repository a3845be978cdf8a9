package bundle

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"signet/evidence/tsa"
	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// checkManifestTimestamp verifies manifest.tsr over SHA-256(manifest.json);
// its time is the time certificates are judged at.
func (v *verifier) checkManifestTimestamp() {
	v.trustTime = v.now
	data, ok := v.files[manifestTSR]
	if !ok {
		v.fail("manifest-timestamp", manifestTSR, "missing")
		return
	}
	token, err := unwrapResponse(data)
	if err != nil {
		v.fail("manifest-timestamp", manifestTSR, "%v", err)
		return
	}
	sum := sha256.Sum256(v.files[manifestFile])
	info, err := v.verifyToken(token, sum[:], tsa.SHA256)
	if err != nil {
		v.fail("manifest-timestamp", manifestTSR, "does not time-stamp manifest.json: %v", err)
		return
	}
	v.trustTime, v.res.TimestampTime = info.GenTime, info.GenTime
	v.ok("manifest-timestamp", manifestTSR, "manifest.json time-stamped %s by %q", info.GenTime.Format(time.RFC3339), info.Certificate.Subject.String())
}

// unwrapResponse returns the token of a granted TimeStampResp, which must
// be in the one DER form Signet writes.
func unwrapResponse(data []byte) ([]byte, error) {
	resp, err := rfc3161.ParseResponse(data)
	if err != nil {
		return nil, fmt.Errorf("not a time-stamp response: %v", err)
	}
	if resp.Status != rfc3161.StatusGranted || resp.FailInfo != 0 || resp.Token == nil {
		return nil, fmt.Errorf("time-stamp response status %d, not granted with a token", resp.Status)
	}
	again, err := resp.Marshal()
	if err != nil || !bytes.Equal(again, data) {
		return nil, errors.New("time-stamp response is not in DER form")
	}
	return resp.Token, nil
}

// verifyToken verifies a token against the roots and also refuses one
// that carries a certificate outside its verified chain: every byte of a
// token must matter, and a spare altered certificate would not.
func (v *verifier) verifyToken(token, digest []byte, h tsa.Hash) (*tsa.Info, error) {
	info, err := tsa.Verify(token, digest, h, tsa.VerifyOptions{Roots: v.x509Roots, Intermediates: v.tsaInter})
	if err != nil {
		return nil, err
	}
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, err
	}
	for _, c := range sd.Certificates {
		in := false
		for _, k := range info.Chain {
			in = in || bytes.Equal(k.Raw, c.Raw)
		}
		if !in {
			return nil, fmt.Errorf("the token carries certificate %q, which is not in its verified chain", c.Subject)
		}
	}
	return info, nil
}

// checkManifestSignatures verifies manifest.sig.sm2 and manifest.sig.ecdsa
// with the evidence certificates in keys/, chained to the roots at the
// manifest's time.
func (v *verifier) checkManifestSignatures() {
	msg := v.files[manifestFile]
	for _, k := range []struct {
		sig, cert, ca, pub, name string
		sm2                      bool
	}{
		{sigSM2File, keySM2Cert, keySM2CA, keySM2Pub, "manifest-signature-sm2", true},
		{sigECDSAFile, keyECDSACert, keyECDSACA, keyECDSAPub, "manifest-signature-ecdsa", false},
	} {
		sig, ok := v.files[k.sig]
		if !ok {
			v.fail(k.name, k.sig, "missing")
			continue
		}
		leaf, err := v.evidenceCert(k.cert, k.ca, k.pub, k.sm2)
		if err != nil {
			v.fail(k.name, k.cert, "%v", err)
			continue
		}
		if err := canonicalSignature(sig); err != nil {
			v.fail(k.name, k.sig, "%v", err)
			continue
		}
		pub := leaf.PublicKey.(*ecdsa.PublicKey)
		var good bool
		if k.sm2 {
			good = sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
		} else {
			sum := sha256.Sum256(msg)
			good = ecdsa.VerifyASN1(pub, sum[:], sig)
		}
		if !good {
			v.fail(k.name, k.sig, "signature over manifest.json does not verify with %s", k.cert)
			continue
		}
		v.ok(k.name, k.sig, "manifest.json signed by %q (serial %x)", leaf.Subject.String(), leaf.SerialNumber)
	}
}

// evidenceCert reads an evidence certificate and its intermediates,
// checks its key kind, that the public-key file holds its key, and that it
// chains to the roots at the trusted time.
func (v *verifier) evidenceCert(certFile, caFile, pubFile string, wantSM2 bool) (*smx509.Certificate, error) {
	data, ok := v.files[certFile]
	if !ok {
		return nil, errors.New("evidence certificate missing")
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%d certificates where one was expected", len(certs))
	}
	leaf := certs[0]
	if _, listed := v.listed[caFile]; listed && v.files[caFile] == nil {
		return nil, fmt.Errorf("%s, listed in the manifest, is missing", caFile)
	}
	if data, ok := v.files[caFile]; ok {
		cas, err := ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", caFile, err)
		}
		certs = append(certs, cas...)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || (pub.Curve == sm2.P256()) != wantSM2 || (!wantSM2 && pub.Curve != elliptic.P256()) {
		return nil, fmt.Errorf("%q does not hold the expected kind of key", leaf.Subject)
	}
	pubPEM, ok := v.files[pubFile]
	if !ok {
		return nil, fmt.Errorf("%s is missing", pubFile)
	}
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil || !bytes.Equal(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})) {
		return nil, fmt.Errorf("%s is not the public key of the certificate", pubFile)
	}
	inter := smx509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(smx509.VerifyOptions{Roots: v.roots, Intermediates: inter, CurrentTime: v.trustTime,
		KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("certificate %q does not chain to a trusted root at %s: %v", leaf.Subject, v.trustTime.Format(time.RFC3339), err)
	}
	return leaf, nil
}

// canonicalSignature checks that sig is exactly DER SEQUENCE { r, s }
// with positive minimal integers, so no byte of it can change unnoticed.
func canonicalSignature(sig []byte) error {
	in := cryptobyte.String(sig)
	var seq cryptobyte.String
	r, s := new(big.Int), new(big.Int)
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(s) || !seq.Empty() || r.Sign() <= 0 || s.Sign() <= 0 {
		return errors.New("not a DER SEQUENCE of two positive integers")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	if again, err := b.Bytes(); err != nil || !bytes.Equal(again, sig) {
		return errors.New("not in DER form")
	}
	return nil
}

// tokenOf returns the token in a .tsr file: a TimeStampResp, or a bare token.
func tokenOf(data []byte) ([]byte, error) {
	if tok, err := unwrapResponse(data); err == nil {
		return tok, nil
	}
	if _, err := cms.Parse(data); err != nil {
		return nil, errors.New("neither a granted time-stamp response nor a time-stamp token")
	}
	return data, nil
}

// imprintOf reads the message imprint a token claims, before verifying it.
func imprintOf(token []byte) ([]byte, error) {
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, err
	}
	tst, err := rfc3161.ParseTSTInfo(sd.Content)
	if err != nil {
		return nil, err
	}
	return tst.HashedMessage, nil
}

// verifyAnyImprint verifies a token whatever it time-stamps and returns
// its info with the imprint's hash.
func (v *verifier) verifyAnyImprint(token []byte) (*tsa.Info, error) {
	digest, err := imprintOf(token)
	if err != nil {
		return nil, fmt.Errorf("malformed time-stamp token: %v", err)
	}
	var last error
	for _, h := range []tsa.Hash{tsa.SHA256, tsa.SM3, tsa.SHA384, tsa.SHA512} {
		if h.Size() != len(digest) {
			continue
		}
		info, err := v.verifyToken(token, digest, h)
		if err == nil {
			return info, nil
		}
		last = err
		if !errors.Is(err, tsa.ErrImprintMismatch) {
			break
		}
	}
	if last == nil {
		last = errors.New("unsupported imprint length")
	}
	return nil, last
}
