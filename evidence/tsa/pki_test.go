package tsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// testNow is the fixed clock of unit tests; testPKI certificates are valid
// around it and around the real present, so OpenSSL (which checks chains at
// the current time) accepts them too.
var testNow = time.Date(2026, 5, 1, 8, 30, 0, 250_000_000, time.UTC)

func fixedClock() time.Time { return testNow }

// pkiOptions shapes a test PKI.
type pkiOptions struct {
	key          string // "p256" (default), "p384" or "rsa"
	intermediate bool   // root → intermediate → TSA instead of root → TSA
	notBefore    time.Time
	notAfter     time.Time
	// tsaTemplate, when set, replaces CertificateTemplate for the TSA certificate.
	tsaTemplate func(tmpl *x509.Certificate)
}

// testPKI is a throwaway CA with one TSA certificate.
type testPKI struct {
	root     *x509.Certificate
	inter    *x509.Certificate // nil without an intermediate
	tsaCert  *x509.Certificate
	tsaKey   crypto.Signer
	chain    []*x509.Certificate // AuthorityConfig.Chain: intermediate (if any), root
	roots    *x509.CertPool
	rootKey  crypto.Signer
	interKey crypto.Signer
}

var rsaKeyOnce = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newKey(tb testing.TB, kind string) crypto.Signer {
	tb.Helper()
	switch kind {
	case "", "p256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	case "p384":
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	case "rsa":
		return rsaKeyOnce() // 2048-bit generation is slow; one key serves every test
	}
	tb.Fatalf("unknown key kind %q", kind)
	return nil
}

func newPKI(tb testing.TB, opts pkiOptions) *testPKI {
	tb.Helper()
	if opts.notBefore.IsZero() {
		opts.notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.notAfter.IsZero() {
		opts.notAfter = time.Now().AddDate(1, 0, 0)
	}
	p := &testPKI{rootKey: newKey(tb, "p256")}
	p.root = issue(tb, &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Signet Test Root CA", Organization: []string{"Signet"}},
		NotBefore:             opts.notBefore,
		NotAfter:              opts.notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil, p.rootKey, p.rootKey)
	issuer, issuerKey := p.root, p.rootKey
	if opts.intermediate {
		p.interKey = newKey(tb, "p256")
		p.inter = issue(tb, &x509.Certificate{
			SerialNumber:          big.NewInt(2),
			Subject:               pkix.Name{CommonName: "Signet Test Intermediate CA", Organization: []string{"Signet"}},
			NotBefore:             opts.notBefore,
			NotAfter:              opts.notAfter,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLenZero:        true,
		}, p.root, p.rootKey, p.interKey)
		issuer, issuerKey = p.inter, p.interKey
		p.chain = append(p.chain, p.inter)
	}
	p.chain = append(p.chain, p.root)

	p.tsaKey = newKey(tb, opts.key)
	tmpl := CertificateTemplate(pkix.Name{CommonName: "Signet Test TSA", Organization: []string{"Signet"}}, opts.notBefore, opts.notAfter)
	if opts.tsaTemplate != nil {
		opts.tsaTemplate(tmpl)
	}
	p.tsaCert = issue(tb, tmpl, issuer, issuerKey, p.tsaKey)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	return p
}

// issue signs tmpl for pub's key with issuerKey; a nil parent self-signs.
func issue(tb testing.TB, tmpl, parent *x509.Certificate, issuerKey, subjectKey crypto.Signer) *x509.Certificate {
	tb.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, subjectKey.Public(), issuerKey)
	if err != nil {
		tb.Fatalf("create certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

func (p *testPKI) config() AuthorityConfig {
	return AuthorityConfig{Signer: p.tsaKey, Certificate: p.tsaCert, Chain: p.chain, Clock: fixedClock}
}

func (p *testPKI) authority(tb testing.TB) *Authority {
	tb.Helper()
	a, err := NewAuthority(p.config())
	if err != nil {
		tb.Fatalf("NewAuthority: %v", err)
	}
	return a
}

// request returns a DER TimeStampReq for digest.
func request(tb testing.TB, h Hash, digest []byte, nonce *big.Int, certReq bool) []byte {
	tb.Helper()
	der, err := (&rfc3161.Request{
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: h.oid()},
		HashedMessage: digest,
		Nonce:         nonce,
		CertReq:       certReq,
	}).Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// grantedToken calls Respond and returns the token of a granted response.
func grantedToken(tb testing.TB, a *Authority, req []byte) []byte {
	tb.Helper()
	der, err := a.Respond(req)
	if err != nil {
		tb.Fatalf("Respond: %v", err)
	}
	resp, err := rfc3161.ParseResponse(der)
	if err != nil {
		tb.Fatalf("parse response: %v", err)
	}
	if resp.Status != rfc3161.StatusGranted || resp.Token == nil {
		tb.Fatalf("response status %v, failure %v, %q; want a granted token", Status(resp.Status), FailureInfo(resp.FailInfo), resp.StatusString)
	}
	return resp.Token
}

// rejection calls Respond and returns the failure info of a rejection.
func rejection(tb testing.TB, a *Authority, req []byte) FailureInfo {
	tb.Helper()
	der, err := a.Respond(req)
	if err != nil {
		tb.Fatalf("Respond: %v", err)
	}
	resp, err := rfc3161.ParseResponse(der)
	if err != nil {
		tb.Fatalf("parse response: %v", err)
	}
	if resp.Status != rfc3161.StatusRejection || resp.Token != nil {
		tb.Fatalf("response status %v with token %v; want a rejection", Status(resp.Status), resp.Token != nil)
	}
	return FailureInfo(resp.FailInfo)
}
