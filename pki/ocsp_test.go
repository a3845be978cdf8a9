package pki_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ocsp"
	"signet/pki"
)

// ask sends one request about cert to the responder and parses the answer.
func ask(t *testing.T, svc *pki.Service, cert *smx509.Certificate, issuer *smx509.Certificate, alg asn1.ObjectIdentifier, nonce []byte) *ocsp.Response {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, alg, nonce)
	if err != nil {
		t.Fatal(err)
	}
	der, err := svc.OCSP(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ocsp.ParseResponse(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("response signature: %v", err)
	}
	return r
}

func TestOCSPResponder(t *testing.T) {
	for _, alg := range pki.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			e := newEnv(t, func(c *pki.Config) {
				c.OCSPURLs = map[pki.Algorithm]string{pki.SM2: "https://sign.example.com/pki/ocsp", pki.ECDSA: "https://sign.example.com/pki/ocsp"}
			})
			ctx := context.Background()
			cred := mustIssue(t, e.svc, orgRequest(alg, "org-1"))
			issuer := cred.Chain[0]
			if !slices.Equal(cred.Certificate.OCSPServer, []string{"https://sign.example.com/pki/ocsp"}) {
				t.Errorf("AIA OCSP %v", cred.Certificate.OCSPServer)
			}
			responder, err := e.svc.PlatformCredential(ctx, pki.PurposeOCSP, alg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(responder.Certificate.ExtKeyUsage, smx509.ExtKeyUsageOCSPSigning) || len(responder.Certificate.OCSPServer) != 0 {
				t.Errorf("responder EKU %v, AIA %v", responder.Certificate.ExtKeyUsage, responder.Certificate.OCSPServer)
			}
			nocheck := false
			for _, ext := range responder.Certificate.Extensions {
				nocheck = nocheck || ext.Id.Equal(ocsp.OIDNoCheck)
			}
			if !nocheck {
				t.Error("responder certificate lacks id-pkix-ocsp-nocheck")
			}

			for _, h := range []asn1.ObjectIdentifier{ocsp.OIDSHA1, ocsp.OIDSHA256, ocsp.OIDSM3} {
				r := ask(t, e.svc, cred.Certificate, issuer, h, nil)
				if s, ok := r.Find(cred.Certificate, issuer); !ok || s.Status != ocsp.Good || s.NextUpdate.IsZero() {
					t.Fatalf("hash %s: %+v %v", h, s, ok)
				}
			}
			// A nonce is echoed, in a response of its own.
			nonce := []byte("a nonce of sixteen")
			if r := ask(t, e.svc, cred.Certificate, issuer, ocsp.OIDSHA1, nonce); !bytes.Contains(r.Nonce, nonce) {
				t.Errorf("nonce %x", r.Nonce)
			}
			// The cached answer is the same bytes until something changes.
			first, err := e.svc.OCSPFor(ctx, cred.Certificate)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := e.svc.OCSPFor(ctx, cred.Certificate)
			if !bytes.Equal(first, again) {
				t.Error("the response without a nonce was signed again")
			}
			// A revocation shows at once, cache or not.
			if err := e.svc.Revoke(ctx, cred.Serial, pki.ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			r := ask(t, e.svc, cred.Certificate, issuer, ocsp.OIDSHA1, nil)
			if s, _ := r.Find(cred.Certificate, issuer); s.Status != ocsp.Revoked || s.Reason != int(pki.ReasonKeyCompromise) {
				t.Fatalf("after revocation: %+v", s)
			}
			// A serial the CA never issued is unknown.
			other := *cred.Certificate
			other.SerialNumber = other.SerialNumber.Lsh(other.SerialNumber, 1)
			if s, _ := ask(t, e.svc, &other, issuer, ocsp.OIDSHA1, nil).Find(&other, issuer); s.Status != ocsp.Unknown {
				t.Fatalf("never issued: %+v", s)
			}
			// The cache also expires: half the validity later, a new response.
			e.clock.Advance(pki.DefaultOCSPValidity/2 + time.Second)
			later, _ := e.svc.OCSPFor(ctx, cred.Certificate)
			if bytes.Equal(first, later) {
				t.Error("a stale response was served")
			}
		})
	}
}

func TestOCSPErrors(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t)
	cred := mustIssue(t, other.svc, personRequest(pki.ECDSA, "p-1"))
	req, err := ocsp.CreateRequest(cred.Certificate, cred.Chain[0], ocsp.OIDSHA1, nil)
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 64)
	rand.Read(garbage)
	for name, tc := range map[string]struct {
		req  []byte
		want string
	}{
		"OtherIssuer": {req, "status 6"},
		"Garbage":     {garbage, "status 1"},
		"Empty":       {nil, "status 1"},
	} {
		t.Run(name, func(t *testing.T) {
			der, err := e.svc.OCSP(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ocsp.ParseResponse(der); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %s", err, tc.want)
			}
		})
	}
}

// TestOCSPOpenSSL has OpenSSL ask the responder over HTTP about an ECDSA
// party certificate: good, then revoked; with and without a nonce. OpenSSL
// 3.0 verifies the response against the root, through the delegated
// responder certificate the response carries.
func TestOCSPOpenSSL(t *testing.T) {
	requireOpenSSL(t)
	e := newEnv(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		der, err := e.svc.OCSP(r.Context(), body.Bytes())
		if err != nil {
			der = ocsp.ErrorResponse(ocsp.TryLater)
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(der)
	}))
	defer srv.Close()
	for _, alg := range []pki.Algorithm{pki.ECDSA} {
		cred := mustIssue(t, e.svc, orgRequest(alg, "org-ossl"))
		dir := t.TempDir()
		leaf := writeCert(t, dir, "leaf.pem", cred.Certificate)
		issuer := writeCert(t, dir, "issuer.pem", cred.Chain[0])
		root := writeCert(t, dir, "root.pem", cred.Chain[1])
		query := func(extra ...string) string {
			args := append([]string{"ocsp", "-issuer", issuer, "-cert", leaf, "-url", srv.URL + "/pki/ocsp", "-CAfile", root, "-resp_text"}, extra...)
			return mustOpenSSL(t, "Response verify OK", args...)
		}
		for _, extra := range [][]string{nil, {"-no_nonce"}} {
			if out := query(extra...); !strings.Contains(out, leaf+": good") {
				t.Fatalf("%v: %s", extra, out)
			}
		}
		if err := e.svc.Revoke(ctx, cred.Serial, pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		out := query()
		if !strings.Contains(out, leaf+": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
			t.Fatalf("after revocation: %s", out)
		}
	}
}

// BenchmarkOCSP measures the responder: a request without a nonce, served
// from the cache, and one with a nonce, signed afresh (ECDSA and SM2).
func BenchmarkOCSP(b *testing.B) {
	for _, alg := range pki.Algorithms() {
		e := newEnv(b)
		cred := mustIssue(b, e.svc, orgRequest(alg, "org-bench"))
		for _, nonce := range [][]byte{nil, []byte("a sixteen-byte n")} {
			name := string(alg) + "/cached"
			if nonce != nil {
				name = string(alg) + "/nonce"
			}
			req, err := ocsp.CreateRequest(cred.Certificate, cred.Chain[0], ocsp.OIDSHA1, nonce)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, err := e.svc.OCSP(context.Background(), req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
