package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/internal/pdfsig"
)

func selfSigned(t *testing.T, key crypto.Signer) *smx509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSignatureAlgorithm: a signature by an SM2 key is reported as SM2, not
// "ECDSA" (x509's PublicKeyAlgorithm says ECDSA for both, SM2 keys being
// elliptic-curve keys on another curve).
func TestSignatureAlgorithm(t *testing.T) {
	t.Parallel()
	sm2Key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		key  crypto.Signer
		want string
	}{
		"SM2":   {sm2Key, "SM2"},
		"ECDSA": {ecKey, "ECDSA"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := signature([]byte("%PDF-1.7\n"), pdfsig.SignatureReport{Field: "Sig1", SubFilter: "adbe.pkcs7.detached",
				Certificate: selfSigned(t, tc.key), SigningTime: time.Now()}, Trust{})
			if s.Algorithm != tc.want {
				t.Fatalf("Algorithm = %q, want %q", s.Algorithm, tc.want)
			}
		})
	}
}
