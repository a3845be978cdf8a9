package app

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/ocsp"
	"signet/internal/testenv"
	"signet/pki"
)

// TestOCSPHTTP asks the running server's /pki/ocsp, as OpenSSL does (POST)
// and in RFC 6960's GET form, about party certificates of both
// hierarchies: good, then revoked.
func TestOCSPHTTP(t *testing.T) {
	ta := newTestApp(t)
	base := ta.serveLoopback(t)
	ctx := context.Background()

	for _, alg := range pki.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			cred, err := ta.PKI.Issue(ctx, pki.IssueRequest{PartyKind: pki.Organisation, PartyID: "ocsp-" + string(alg), Name: "在线状态测试有限公司",
				USCC: "91350100M000100Y43", Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			if len(cred.Certificate.OCSPServer) != 1 || !strings.HasSuffix(cred.Certificate.OCSPServer[0], "/pki/ocsp") {
				t.Fatalf("AIA OCSP %v", cred.Certificate.OCSPServer)
			}
			issuer := cred.Chain[0]
			get := func(t *testing.T) ocsp.Status {
				t.Helper()
				req, err := ocsp.CreateRequest(cred.Certificate, issuer, ocsp.OIDSHA1, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := http.Get(base + "/pki/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(req)))
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				der, _ := io.ReadAll(res.Body)
				if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/ocsp-response" || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=") {
					t.Fatalf("GET: %d %v", res.StatusCode, res.Header)
				}
				r, err := ocsp.ParseResponse(der)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := r.CheckSignatureFrom(issuer); err != nil {
					t.Fatal(err)
				}
				s, _ := r.Find(cred.Certificate, issuer)
				return s.Status
			}
			if st := get(t); st != ocsp.Good {
				t.Fatalf("status %s", st)
			}
			if alg == pki.ECDSA {
				opensslOCSP(t, base, cred.Certificate, issuer, cred.Chain[1], "good")
			}
			if err := ta.PKI.Revoke(ctx, cred.Serial, pki.ReasonCessationOfOperation); err != nil {
				t.Fatal(err)
			}
			if st := get(t); st != ocsp.Revoked {
				t.Fatalf("after revocation: %s", st)
			}
			if alg == pki.ECDSA {
				opensslOCSP(t, base, cred.Certificate, issuer, cred.Chain[1], "revoked")
			}
		})
	}
	t.Run("Malformed", func(t *testing.T) {
		res, err := http.Post(base+"/pki/ocsp", "application/ocsp-request", strings.NewReader("not a request"))
		if err != nil {
			t.Fatal(err)
		}
		der, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if _, err := ocsp.ParseResponse(der); res.StatusCode != 200 || err == nil || !strings.Contains(err.Error(), "status 1") {
			t.Fatalf("%d %v", res.StatusCode, err)
		}
	})
}

// opensslOCSP runs `openssl ocsp` against the server and wants the
// response verified against root and the certificate's status want.
func opensslOCSP(t *testing.T, base string, cert, issuer, root *smx509.Certificate, want string) {
	t.Helper()
	bin := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	write := func(name string, c *smx509.Certificate) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := write("leaf.pem", cert)
	out, err := exec.Command(bin, "ocsp", "-issuer", write("issuer.pem", issuer), "-cert", leaf,
		"-url", base+"/pki/ocsp", "-CAfile", write("root.pem", root)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Response verify OK") || !strings.Contains(string(out), leaf+": "+want) {
		t.Fatalf("openssl ocsp: %v\n%s", err, out)
	}
}
