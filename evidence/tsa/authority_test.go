package tsa

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

func TestRespond(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"p256", "p384", "rsa"} {
		pki := newPKI(t, pkiOptions{key: key})
		a := pki.authority(t)
		for _, h := range []Hash{SHA256, SHA384, SHA512, SM3} {
			t.Run(key+"/"+h.String(), func(t *testing.T) {
				t.Parallel()
				digest := h.Sum([]byte("contract " + key))
				nonce := new(big.Int).SetUint64(0xfeedfacecafebeef)
				token := grantedToken(t, a, request(t, h, digest, nonce, true))

				info, err := Verify(token, digest, h, VerifyOptions{Roots: pki.roots})
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if want := testNow.Truncate(time.Millisecond); !info.GenTime.Equal(want) {
					t.Errorf("GenTime = %v, want %v", info.GenTime, want)
				}
				if info.Accuracy != DefaultAccuracy {
					t.Errorf("Accuracy = %v, want %v", info.Accuracy, DefaultAccuracy)
				}
				if !info.Policy.Equal(DefaultPolicy) {
					t.Errorf("Policy = %v, want %v", info.Policy, DefaultPolicy)
				}
				if info.Hash != h || !bytes.Equal(info.HashedMessage, digest) {
					t.Errorf("imprint = %v %x, want %v %x", info.Hash, info.HashedMessage, h, digest)
				}
				if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
					t.Errorf("Nonce = %v, want %v echoed", info.Nonce, nonce)
				}
				if info.SerialNumber.Sign() <= 0 {
					t.Errorf("SerialNumber = %v, want positive", info.SerialNumber)
				}
				if !info.Certificate.Equal(pki.tsaCert) || len(info.Chain) != 2 || !info.Chain[1].Equal(pki.root) {
					t.Errorf("Certificate/Chain do not lead from the TSA certificate to the root")
				}
			})
		}
	}
}

func TestRespondNoNonce(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	digest := SHA256.Sum([]byte("x"))
	token := grantedToken(t, pki.authority(t), request(t, SHA256, digest, nil, true))
	info, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots})
	if err != nil {
		t.Fatal(err)
	}
	if info.Nonce != nil {
		t.Errorf("Nonce = %v for a request without one", info.Nonce)
	}
}

// TestRespondVectors runs the requests in testdata/requests.json, most of
// them made by OpenSSL, through an Authority.
func TestRespondVectors(t *testing.T) {
	t.Parallel()
	type vector struct {
		Name     string `json:"name"`
		Request  string `json:"request"`
		Status   string `json:"status"`
		Hash     string `json:"hash"`
		CertReq  bool   `json:"cert_req"`
		Nonce    bool   `json:"nonce"`
		FailInfo string `json:"fail_info"`
	}
	var file struct {
		Comment string   `json:"comment"`
		Data    string   `json:"data"`
		Vectors []vector `json:"vectors"`
	}
	raw, err := os.ReadFile("testdata/requests.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("testdata/requests.json: %v", err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("testdata/requests.json: no vectors")
	}
	pki := newPKI(t, pkiOptions{})
	a := pki.authority(t)
	hashByName := map[string]Hash{}
	for _, h := range []Hash{SHA256, SHA384, SHA512, SM3} {
		hashByName[h.String()] = h
	}

	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			req, err := hex.DecodeString(v.Request)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			switch v.Status {
			case "granted":
				h, ok := hashByName[v.Hash]
				if !ok || v.FailInfo != "" {
					t.Fatalf("vector: granted needs a known hash and no fail_info")
				}
				token := grantedToken(t, a, req)
				sd, err := cms.Parse(token)
				if err != nil {
					t.Fatal(err)
				}
				if got := len(sd.Certificates) > 0; got != v.CertReq {
					t.Errorf("token carries certificates: %v, want %v (certReq)", got, v.CertReq)
				}
				info, err := Verify(token, h.Sum([]byte(file.Data)), h, VerifyOptions{Roots: pki.roots, Certificates: []*x509.Certificate{pki.tsaCert}})
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got := info.Nonce != nil; got != v.Nonce {
					t.Errorf("token has a nonce: %v, want %v", got, v.Nonce)
				}
			case "rejection":
				if got := rejection(t, a, req); got.String() != v.FailInfo {
					t.Errorf("failure info = %v, want %v", got, v.FailInfo)
				}
			default:
				t.Fatalf("vector: unknown status %q", v.Status)
			}
		})
	}
}

func TestRespondPolicy(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	own, err := x509.ParseOID("1.3.6.1.4.1.99999.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := pki.config()
	cfg.Policy = own
	a, err := NewAuthority(cfg)
	if err != nil {
		t.Fatal(err)
	}
	digest := SHA256.Sum([]byte("x"))
	req := func(policy x509.OID) []byte {
		der, err := (&rfc3161.Request{
			HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: SHA256.oid()},
			HashedMessage: digest,
			Policy:        &policy,
		}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	t.Run("OK", func(t *testing.T) {
		token := grantedToken(t, a, req(own))
		info, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots, Certificates: []*x509.Certificate{pki.tsaCert}})
		if err != nil {
			t.Fatal(err)
		}
		if !info.Policy.Equal(own) {
			t.Errorf("Policy = %v, want %v", info.Policy, own)
		}
	})
	t.Run("UnacceptedPolicy", func(t *testing.T) {
		if got := rejection(t, a, req(DefaultPolicy)); got != FailUnacceptedPolicy {
			t.Errorf("failure info = %v, want unacceptedPolicy", got)
		}
	})
}

func TestRespondCertReq(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{intermediate: true})
	a := pki.authority(t)
	digest := SHA256.Sum([]byte("x"))

	t.Run("WithCertReq", func(t *testing.T) {
		sd, err := cms.Parse(grantedToken(t, a, request(t, SHA256, digest, nil, true)))
		if err != nil {
			t.Fatal(err)
		}
		// The TSA certificate and the intermediate, never the root.
		if len(sd.Certificates) != 2 || !sd.Certificates[0].Equal(pki.tsaCert) && !sd.Certificates[1].Equal(pki.tsaCert) {
			t.Fatalf("token carries %d certificates, want the TSA's and the intermediate", len(sd.Certificates))
		}
		for _, c := range sd.Certificates {
			if c.Equal(pki.root) {
				t.Error("token carries the root")
			}
		}
	})
	t.Run("WithoutCertReq", func(t *testing.T) {
		token := grantedToken(t, a, request(t, SHA256, digest, nil, false))
		sd, err := cms.Parse(token)
		if err != nil {
			t.Fatal(err)
		}
		if len(sd.Certificates) != 0 {
			t.Fatalf("token carries %d certificates without certReq", len(sd.Certificates))
		}
		if _, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots}); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify without the TSA certificate: %v, want ErrUntrusted", err)
		}
		inter := x509.NewCertPool()
		inter.AddCert(pki.inter)
		if _, err := Verify(token, digest, SHA256, VerifyOptions{Roots: pki.roots, Intermediates: inter, Certificates: []*x509.Certificate{pki.tsaCert}}); err != nil {
			t.Errorf("Verify given the certificates: %v", err)
		}
	})
}

func TestRespondSerialsUnique(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	a := pki.authority(t)
	seen := map[string]bool{}
	for i := range 200 {
		digest := SHA256.Sum([]byte{byte(i)})
		info, err := Verify(grantedToken(t, a, request(t, SHA256, digest, nil, true)), digest, SHA256, VerifyOptions{Roots: pki.roots})
		if err != nil {
			t.Fatal(err)
		}
		s := info.SerialNumber.String()
		if seen[s] {
			t.Fatalf("serial %s issued twice", s)
		}
		seen[s] = true
		if info.SerialNumber.BitLen() > 129 {
			t.Fatalf("serial %s longer than 128 bits", s)
		}
	}
}

func TestRespondSystemFailure(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, pkiOptions{})
	cfg := pki.config()
	now := testNow
	cfg.Clock = func() time.Time { return now }
	a, err := NewAuthority(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now = pki.tsaCert.NotAfter.Add(time.Second) // the clock runs past the certificate

	der, err := a.Respond(request(t, SHA256, SHA256.Sum(nil), nil, true))
	if err == nil {
		t.Fatal("Respond past the certificate's validity: no error")
	}
	resp, perr := rfc3161.ParseResponse(der)
	if perr != nil {
		t.Fatalf("Respond returned no usable response with its error: %v", perr)
	}
	if resp.Status != rfc3161.StatusRejection || FailureInfo(resp.FailInfo) != FailSystemFailure || resp.Token != nil {
		t.Errorf("response = status %v failure %v; want rejection, systemFailure, no token", Status(resp.Status), FailureInfo(resp.FailInfo))
	}
}

func TestNewAuthorityRefuses(t *testing.T) {
	t.Parallel()
	good := newPKI(t, pkiOptions{})
	other := newPKI(t, pkiOptions{})
	for _, tc := range []struct {
		name   string
		config func() AuthorityConfig
		want   error
	}{
		{"EKUNotCritical", func() AuthorityConfig {
			return newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) {
				c.ExtraExtensions = nil
				c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping} // crypto/x509 marks it non-critical
			}}).config()
		}, ErrNotTSACertificate},
		{"NoEKU", func() AuthorityConfig {
			return newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) { c.ExtraExtensions = nil }}).config()
		}, ErrNotTSACertificate},
		{"ExtraEKU", func() AuthorityConfig {
			return newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) {
				v, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}, {1, 3, 6, 1, 5, 5, 7, 3, 1}})
				c.ExtraExtensions = []pkix.Extension{{Id: oidExtensionExtKeyUsage, Critical: true, Value: v}}
			}}).config()
		}, ErrNotTSACertificate},
		{"KeyEncipherment", func() AuthorityConfig {
			return newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) {
				c.KeyUsage |= x509.KeyUsageKeyEncipherment
			}}).config()
		}, ErrNotTSACertificate},
		{"CA", func() AuthorityConfig {
			return newPKI(t, pkiOptions{tsaTemplate: func(c *x509.Certificate) { c.IsCA = true }}).config()
		}, ErrNotTSACertificate},
		{"KeyMismatch", func() AuthorityConfig {
			cfg := good.config()
			cfg.Signer = other.tsaKey
			return cfg
		}, nil},
		{"ChainOfAnotherCA", func() AuthorityConfig {
			cfg := good.config()
			cfg.Chain = other.chain
			return cfg
		}, nil},
		{"ClockOutsideValidity", func() AuthorityConfig {
			cfg := good.config()
			cfg.Clock = func() time.Time { return good.tsaCert.NotBefore.Add(-time.Hour) }
			return cfg
		}, nil},
		{"NoSigner", func() AuthorityConfig {
			cfg := good.config()
			cfg.Signer = nil
			return cfg
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewAuthority(tc.config())
			if err == nil {
				t.Fatalf("NewAuthority succeeded (%v)", a.Certificate().Subject)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("NewAuthority: %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "new authority: ") {
				t.Errorf("error %q does not start with the operation", err)
			}
		})
	}
}

func TestCertificateTemplate(t *testing.T) {
	t.Parallel()
	want, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(extKeyUsageTimeStamping, want) {
		t.Fatalf("extKeyUsageTimeStamping = %x, want %x", extKeyUsageTimeStamping, want)
	}
	cert := newPKI(t, pkiOptions{}).tsaCert
	if err := CheckCertificate(cert); err != nil {
		t.Fatal(err)
	}
	var ekus int
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtensionExtKeyUsage) {
			ekus++
			if !ext.Critical {
				t.Error("extended key usage is not critical")
			}
		}
	}
	if ekus != 1 {
		t.Errorf("certificate has %d extended key usage extensions, want 1", ekus)
	}
	a := CertificateTemplate(pkix.Name{}, testNow, testNow)
	b := CertificateTemplate(pkix.Name{}, testNow, testNow)
	if a.SerialNumber.Cmp(b.SerialNumber) == 0 {
		t.Error("two templates share a serial number")
	}
}

func BenchmarkRespond(b *testing.B) {
	pki := newPKI(b, pkiOptions{})
	a := pki.authority(b)
	req := request(b, SHA256, SHA256.Sum([]byte("benchmark")), big.NewInt(42), true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Respond(req); err != nil {
			b.Fatal(err)
		}
	}
}
