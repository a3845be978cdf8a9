package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Algorithm names one of the platform's two certificate hierarchies.
type Algorithm string

// The hierarchies.
const (
	// SM2 is SM2 keys signed with SM2-with-SM3 (GB/T 32918, GM/T 0015), the
	// national-crypto hierarchy used for GB/T 38540 seals and evidence.
	SM2 Algorithm = "sm2"
	// ECDSA is ECDSA P-256 with SHA-256, for PDF signatures that ordinary PDF
	// readers must validate.
	ECDSA Algorithm = "ecdsa"
)

// Algorithms lists the hierarchies in the order they are bootstrapped.
func Algorithms() []Algorithm { return []Algorithm{SM2, ECDSA} }

func (a Algorithm) valid() bool { return a == SM2 || a == ECDSA }

// generateKey makes a fresh key pair for alg from crypto/rand.
func generateKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case SM2:
		return sm2.GenerateKey(rand.Reader)
	case ECDSA:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("generate key: unknown algorithm %q: %w", alg, ErrInvalid)
}

// keyAlgorithm tells which hierarchy a public key belongs to.
func keyAlgorithm(pub crypto.PublicKey) (Algorithm, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	switch {
	case ok && k.Curve == sm2.P256():
		return SM2, nil
	case ok && k.Curve == elliptic.P256():
		return ECDSA, nil
	}
	return "", fmt.Errorf("unsupported public key %T (want SM2 or ECDSA P-256): %w", pub, ErrInvalid)
}

// marshalKey encodes a private key as PKCS #8 DER. The caller clears it after sealing.
func marshalKey(k crypto.Signer) ([]byte, error) {
	return smx509.MarshalPKCS8PrivateKey(k)
}

// parseKey decodes PKCS #8 DER (as stored) into an SM2 or ECDSA private key.
func parseKey(der []byte) (crypto.Signer, error) {
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *sm2.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("unsupported curve %s: %w", k.Curve.Params().Name, ErrInvalid)
		}
		return k, nil
	}
	return nil, fmt.Errorf("unsupported private key %T: %w", k, ErrInvalid)
}

// parseKeyPEM reads an imported private key: PKCS #8 ("PRIVATE KEY") or
// SEC 1 ("EC PRIVATE KEY"). Encrypted PEM is not accepted.
func parseKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block: %w", ErrInvalid)
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := parseKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #8 key: %v: %w", err, ErrInvalid)
		}
		return k, nil
	case "EC PRIVATE KEY":
		k, err := smx509.ParseTypedECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse EC key: %v: %w", err, ErrInvalid)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported private key %T: %w", k, ErrInvalid)
		}
		if _, err := keyAlgorithm(s.Public()); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("PEM block %q is not an unencrypted private key: %w", block.Type, ErrInvalid)
}

// sameKey reports whether the private key belongs to the public key.
func sameKey(priv crypto.Signer, pub crypto.PublicKey) bool {
	p, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && p.Equal(pub)
}

// subjectKeyID is RFC 7093 method 1: the leftmost 160 bits of the SHA-256
// of the subjectPublicKey BIT STRING value. Every certificate gets one so
// that chains and CRLs can be matched by key.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, err
	}
	h := sha256.Sum256(info.PublicKey.Bytes)
	return h[:20], nil
}

// newSerial returns a positive serial with 127 random bits: well above the
// 64 bits of entropy CAs are expected to use, and at most 16 octets
// encoded, inside RFC 5280's 20.
func newSerial(r io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		b[0] &= 0x7f
		if n := new(big.Int).SetBytes(b); n.Sign() > 0 {
			return n, nil
		}
	}
}

// formatSerial is the stored and displayed form of a serial: lowercase hex
// without leading zeros.
func formatSerial(n *big.Int) string { return n.Text(16) }

// normalizeSerial accepts a serial as people paste it ("0A:1B", "0x0a1b",
// "0A1B") and returns its stored form.
func normalizeSerial(s string) (string, bool) {
	s = strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 42 {
		return "", false
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 {
		return "", false
	}
	return formatSerial(n), true
}

// keySigner hands a decrypted key to callers as a bare crypto.Signer, so
// that the key itself cannot be type-asserted out and serialised.
type keySigner struct {
	key crypto.Signer
}

// Public returns the public half of the key.
func (s *keySigner) Public() crypto.PublicKey { return s.key.Public() }

// Sign passes through to the key. For SM2 keys, opts decides the meaning of
// digest exactly as for *sm2.PrivateKey: with sm2.DefaultSM2SignerOpts the
// input is the raw message and ZA (default ID) plus SM3 are computed here,
// which is how gmsm's pkcs7 and smx509 call it.
func (s *keySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.key.Sign(r, digest, opts)
}
