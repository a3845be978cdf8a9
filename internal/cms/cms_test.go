package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"signet/internal/testenv"
)

var oidTestContent = asn1.ObjectIdentifier{1, 2, 3, 4, 5}

// newCert returns a key and a certificate for it signed by issuerKey as
// issuer (self-signed when issuer is nil), with the given serial.
func newCert(t *testing.T, issuer *x509.Certificate, issuerKey crypto.Signer, serial int64) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "cms test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		SubjectKeyId: []byte{byte(serial), 1, 2, 3},
	}
	if issuer == nil {
		issuer, issuerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	key, cert := newCert(t, nil, nil, 10)
	content := []byte("content")
	der, err := Sign(oidTestContent, content, key, cert, []*x509.Certificate{cert})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.ContentType.Equal(oidTestContent) || string(sd.Content) != "content" || len(sd.Certificates) != 1 {
		t.Fatalf("parsed %v %q with %d certificates", sd.ContentType, sd.Content, len(sd.Certificates))
	}
	signer, err := sd.Verify(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !signer.Equal(cert) {
		t.Error("Verify returned another certificate")
	}

	t.Run("ErrSignerNotFound", func(t *testing.T) {
		der, err := Sign(oidTestContent, content, key, cert, nil)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		_, other := newCert(t, nil, nil, 11)
		if _, err := sd.Verify([]*x509.Certificate{other}); !errors.Is(err, ErrSignerNotFound) {
			t.Fatalf("Verify: %v, want ErrSignerNotFound", err)
		}
		if _, err := sd.Verify([]*x509.Certificate{other, cert}); err != nil {
			t.Fatalf("Verify given the certificate: %v", err)
		}
	})

	// A certificate with the signer's issuer and serial but another key (a
	// mis-issuing or compromised CA): the ESS hash must tell them apart
	// before any signature is tried.
	t.Run("ErrVerification/SubstitutedCertificate", func(t *testing.T) {
		caKey, ca := newCert(t, nil, nil, 1)
		key, cert := newCert(t, ca, caKey, 7)
		_, twin := newCert(t, ca, caKey, 7)
		der, err := Sign(oidTestContent, content, key, cert, nil)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sd.Verify([]*x509.Certificate{twin})
		if !errors.Is(err, ErrVerification) {
			t.Fatalf("Verify with the twin certificate: %v, want ErrVerification", err)
		}
	})
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	key, cert := newCert(t, nil, nil, 10)
	der, err := Sign(oidTestContent, []byte("content"), key, cert, []*x509.Certificate{cert})
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(der) {
		if _, err := Parse(der[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := Parse(append(der[:len(der):len(der)], 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: %v", err)
	}
}

// TestOpenSSLCAdES parses and verifies what `openssl cms -sign -cades`
// makes: SignedData over id-data whose signer is named by subject key
// identifier (-keyid) and bound by ESS signingCertificateV2, a form Sign
// never produces.
func TestOpenSSLCAdES(t *testing.T) {
	bin := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	key, cert := newCert(t, nil, nil, 42)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"data.txt": []byte("signed by openssl\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), bin, "cms", "-sign", "-cades", "-keyid", "-nodetach", "-binary", "-md", "sha256",
		"-in", "data.txt", "-signer", "cert.pem", "-inkey", "key.pem", "-outform", "DER", "-out", "sig.der")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, out)
	}
	der, err := os.ReadFile(filepath.Join(dir, "sig.der"))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(der)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if sd.signer.subjectKeyID == nil {
		t.Fatal("openssl did not name the signer by subject key identifier")
	}
	if !sd.ContentType.Equal(OIDData) || string(sd.Content) != "signed by openssl\n" {
		t.Fatalf("content %v %q", sd.ContentType, sd.Content)
	}
	if _, err := sd.Verify(nil); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
