package tsa

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// TestVerifyDetectsTampering flips bits in every byte of a token (TSTInfo,
// signed attributes, signature, embedded certificates and the envelope
// around them) and truncates it at every length: none may verify.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"p256", "rsa"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			pki := newPKI(t, pkiOptions{key: key})
			digest := SHA256.Sum([]byte("signed contract"))
			token := grantedToken(t, pki.authority(t), request(t, SHA256, digest, big.NewInt(7), true))
			opts := VerifyOptions{Roots: pki.roots}
			if _, err := Verify(token, digest, SHA256, opts); err != nil {
				t.Fatalf("untouched token: %v", err)
			}

			for i := range token {
				for _, mask := range []byte{0x01, 0x80, 0xff} {
					tampered := append([]byte(nil), token...)
					tampered[i] ^= mask
					if _, err := Verify(tampered, digest, SHA256, opts); err == nil {
						t.Errorf("byte %d ^ %#02x: tampered token verifies", i, mask)
					}
				}
			}
			for n := range len(token) {
				if _, err := Verify(token[:n], digest, SHA256, opts); err == nil {
					t.Errorf("token truncated to %d bytes verifies", n)
				}
			}
			if _, err := Verify(append(token[:len(token):len(token)], 0), digest, SHA256, opts); !errors.Is(err, ErrMalformed) {
				t.Errorf("token with a trailing byte: %v, want ErrMalformed", err)
			}
		})
	}
}

// TestVerifyTamperedRegions checks that changes inside the signed content
// and the signature are caught as bad signatures, not only as parse errors.
func TestVerifyTamperedRegions(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	digest := SHA256.Sum([]byte("signed contract"))
	token := grantedToken(t, pki.authority(t), request(t, SHA256, digest, nil, true))
	sd, err := cms.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	// The TSTInfo sits in the token as it is, so its offset is where its bytes are.
	start := bytes.Index(token, sd.Content)
	if start < 0 {
		t.Fatal("TSTInfo not found in the token")
	}
	for i := start; i < start+len(sd.Content); i++ {
		tampered := append([]byte(nil), token...)
		tampered[i] ^= 0x01
		_, err := Verify(tampered, digest, SHA256, VerifyOptions{Roots: pki.roots})
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("TSTInfo byte %d flipped: %v, want ErrBadSignature", i-start, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	a := pki.authority(t)
	digest := SHA256.Sum([]byte("signed contract"))
	token := grantedToken(t, a, request(t, SHA256, digest, nil, true))
	smToken := grantedToken(t, a, request(t, SM3, SM3.Sum([]byte("signed contract")), nil, true))

	for _, tc := range []struct {
		name   string
		token  []byte
		digest []byte
		hash   Hash
		opts   VerifyOptions
		want   error
	}{
		{"ErrImprintMismatch/OtherDigest", token, SHA256.Sum([]byte("another contract")), SHA256, VerifyOptions{Roots: pki.roots}, ErrImprintMismatch},
		// SHA-256 and SM3 digests have the same length: the algorithm must match too.
		{"ErrImprintMismatch/OtherHash", token, digest, SM3, VerifyOptions{Roots: pki.roots}, ErrImprintMismatch},
		{"ErrImprintMismatch/SM3AsSHA256", smToken, SM3.Sum([]byte("signed contract")), SHA256, VerifyOptions{Roots: pki.roots}, ErrImprintMismatch},
		{"ErrUntrusted/OtherRoots", token, digest, SHA256, VerifyOptions{Roots: newPKI(t, pkiOptions{}).roots}, ErrUntrusted},
		{"ErrUntrusted/NoRoots", token, digest, SHA256, VerifyOptions{}, ErrUntrusted},
		{"ErrMalformed/Empty", nil, digest, SHA256, VerifyOptions{Roots: pki.roots}, ErrMalformed},
		{"ErrMalformed/Certificate", pki.tsaCert.Raw, digest, SHA256, VerifyOptions{Roots: pki.roots}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := Verify(tc.token, tc.digest, tc.hash, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v (info %v), want %v", err, info, tc.want)
			}
		})
	}
}

// TestVerifyRefusesNonCriticalEKU issues a token with a certificate whose
// timeStamping usage is not critical, bypassing NewAuthority's check.
func TestVerifyRefusesNonCriticalEKU(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) {
		c.ExtraExtensions = nil
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
	}})
	a := uncheckedAuthority(t, pki)
	digest := SHA256.Sum([]byte("x"))
	token := grantedToken(t, a, request(t, SHA256, digest, nil, true))
	_, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots})
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Verify: %v, want ErrUntrusted", err)
	}
}

// uncheckedAuthority builds an Authority without NewAuthority's checks, to
// make tokens that a correct Authority would never issue.
func uncheckedAuthority(tb testing.TB, pki *testPKI) *Authority {
	tb.Helper()
	name, err := rfc3161.DirectoryName(pki.tsaCert.RawSubject)
	if err != nil {
		tb.Fatal(err)
	}
	return &Authority{
		signer:   pki.tsaKey,
		cert:     pki.tsaCert,
		certs:    []*x509.Certificate{pki.tsaCert},
		name:     name,
		policy:   DefaultPolicy,
		accuracy: time.Second,
		clock:    fixedClock,
		log:      slog.Default(),
	}
}

// TestVerifyAtGenTime checks that certificates are judged at the token's
// genTime, so a token outlives its TSA certificate.
func TestVerifyAtGenTime(t *testing.T) {
	t.Parallel()
	notBefore := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	pki := newPKI(t, pkiOptions{notBefore: notBefore, notAfter: notBefore.AddDate(1, 0, 0)})
	cfg := pki.config()
	cfg.Clock = func() time.Time { return notBefore.AddDate(0, 6, 0) }
	a, err := NewAuthority(cfg)
	if err != nil {
		t.Fatal(err)
	}
	digest := SHA256.Sum([]byte("x"))
	info, err := Verify(grantedToken(t, a, request(t, SHA256, digest, nil, true)), digest, SHA256, VerifyOptions{Roots: pki.roots})
	if err != nil {
		t.Fatalf("Verify a 2010 token after its certificate expired: %v", err)
	}
	if info.GenTime.Year() != 2010 {
		t.Errorf("GenTime = %v", info.GenTime)
	}
}

// TestVerifyOtherTSAField checks the tsa name against the signer.
func TestVerifyOtherTSAField(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	a := uncheckedAuthority(t, pki)
	var err error
	if a.name, err = rfc3161.DirectoryName(pki.root.RawSubject); err != nil {
		t.Fatal(err)
	}
	digest := SHA256.Sum([]byte("x"))
	_, err = Verify(grantedToken(t, a, request(t, SHA256, digest, nil, true)), digest, SHA256, VerifyOptions{Roots: pki.roots})
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Verify: %v, want ErrUntrusted", err)
	}
}

func TestErrorStrings(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		&RejectedError{Status: StatusRejection, FailInfo: FailBadAlg | FailBadDataFormat, Text: "no"},
		&UnavailableError{Attempts: []Attempt{{URL: "http://a", Try: 2, Err: errors.New("boom")}}},
	} {
		if s := err.Error(); s == "" || s[0] < 'a' || s[0] > 'z' {
			t.Errorf("error %q does not start lowercase", s)
		}
	}
	if got := (FailBadAlg | FailBadDataFormat).String(); got != "badAlg,badDataFormat" {
		t.Errorf("FailureInfo.String() = %q", got)
	}
	if got := fmt.Sprint(StatusGrantedWithMods); got != "grantedWithMods" {
		t.Errorf("Status.String() = %q", got)
	}
}
