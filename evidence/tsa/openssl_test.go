package tsa

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"signet/internal/rfc3161"
	"signet/internal/testenv"
)

// The OpenSSL tests check the Authority the way an independent party would:
// `openssl ts -query` makes the request, the Handler answers it over HTTP,
// `openssl ts -verify` checks the reply. And the other way round: OpenSSL
// plays the TSA and Verify checks its tokens.

// openSSL returns the path of the openssl command. Without it the test fails
// when CI=true and skips loudly elsewhere.
func openSSL(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "openssl")
}

// runOpenSSL runs openssl in dir and returns its combined output.
func runOpenSSL(t *testing.T, bin, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writePKI writes root.pem, tsa.pem, tsa.key and, with an intermediate,
// intermediate.pem into dir.
func writePKI(t *testing.T, dir string, pki *testPKI) {
	t.Helper()
	writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", pki.root.Raw)
	writePEM(t, filepath.Join(dir, "tsa.pem"), "CERTIFICATE", pki.tsaCert.Raw)
	if pki.inter != nil {
		writePEM(t, filepath.Join(dir, "intermediate.pem"), "CERTIFICATE", pki.inter.Raw)
	}
	key, err := x509.MarshalPKCS8PrivateKey(pki.tsaKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "tsa.key"), "PRIVATE KEY", key)
}

func TestOpenSSLVerifiesTokens(t *testing.T) {
	bin := openSSL(t)
	data := []byte("Signet contract, version 1\n")
	for _, tc := range []struct {
		name      string
		pki       pkiOptions
		query     []string // hash and certReq flags for `openssl ts -query`
		untrusted bool     // the token lacks the TSA certificate: pass it as -untrusted
	}{
		{"P256/SHA256/CertReq", pkiOptions{}, []string{"-sha256", "-cert"}, false},
		{"P256/SHA512/CertReq", pkiOptions{}, []string{"-sha512", "-cert"}, false},
		{"P256/SHA256/NoCertReq", pkiOptions{}, []string{"-sha256"}, true},
		{"P256/SM3/CertReq", pkiOptions{}, []string{"-sm3", "-cert"}, false},
		{"P384/SHA384/CertReq", pkiOptions{key: "p384"}, []string{"-sha384", "-cert"}, false},
		{"RSA/SHA256/CertReq", pkiOptions{key: "rsa"}, []string{"-sha256", "-cert"}, false},
		{"Intermediate/SHA256/CertReq", pkiOptions{intermediate: true}, []string{"-sha256", "-cert"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pki := newPKI(t, tc.pki)
			writePKI(t, dir, pki)
			cfg := pki.config()
			cfg.Clock = nil // OpenSSL checks the chain at the present time
			a, err := NewAuthority(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()

			if err := os.WriteFile(filepath.Join(dir, "data.txt"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"ts", "-query", "-data", "data.txt", "-out", "q.tsq"}, tc.query...)
			if out, err := runOpenSSL(t, bin, dir, args...); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			query, err := os.ReadFile(filepath.Join(dir, "q.tsq"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Post(srv.URL, QueryContentType, bytes.NewReader(query))
			if err != nil {
				t.Fatal(err)
			}
			reply, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ReplyContentType {
				t.Fatalf("POST: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
			}
			if err := os.WriteFile(filepath.Join(dir, "r.tsr"), reply, 0o600); err != nil {
				t.Fatal(err)
			}

			text, err := runOpenSSL(t, bin, dir, "ts", "-reply", "-in", "r.tsr", "-text")
			if err != nil {
				t.Fatalf("openssl ts -reply -text: %v\n%s", err, text)
			}
			for _, want := range []string{"Status: Granted.", "Policy OID: " + DefaultPolicy.String(), "Accuracy: 0x01 seconds", "TSA: DirName:"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl ts -reply -text lacks %q:\n%s", want, text)
				}
			}

			base := []string{"ts", "-verify", "-in", "r.tsr", "-CAfile", "root.pem"}
			verify := slices.Clip(base)
			if tc.untrusted {
				verify = append(verify, "-untrusted", "tsa.pem")
				// Without it, OpenSSL has no certificate: certReq was honoured.
				if out, err := runOpenSSL(t, bin, dir, append(base, "-data", "data.txt")...); err == nil {
					t.Errorf("openssl ts -verify found a TSA certificate in a token made without certReq:\n%s", out)
				}
			}
			if out, err := runOpenSSL(t, bin, dir, append(verify, "-data", "data.txt")...); err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify -data: %v\n%s", err, out)
			}
			// Against the query: also checks that the nonce was echoed.
			if out, err := runOpenSSL(t, bin, dir, append(verify, "-queryfile", "q.tsq")...); err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify -queryfile: %v\n%s", err, out)
			}

			altered := append(bytes.Clone(data), '!')
			if err := os.WriteFile(filepath.Join(dir, "altered.txt"), altered, 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := runOpenSSL(t, bin, dir, append(verify, "-data", "altered.txt")...); err == nil {
				t.Fatalf("openssl ts -verify accepted altered data:\n%s", out)
			}
		})
	}
}

// TestVerifyOpenSSLTokens has OpenSSL act as the TSA, with this package's
// test key and certificate, and checks its tokens with Verify.
func TestVerifyOpenSSLTokens(t *testing.T) {
	bin := openSSL(t)
	for _, tc := range []struct {
		name  string
		key   string
		hash  string
		essID string // ess_cert_id_alg: sha1 gives ESS signingCertificate v1
	}{
		{"P256/SHA256/ESSv2", "p256", "sha256", "sha256"},
		{"P256/SM3/ESSv1", "p256", "sm3", "sha1"},
		{"RSA/SHA512/ESSv2", "rsa", "sha512", "sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pki := newPKI(t, pkiOptions{key: tc.key, intermediate: true})
			writePKI(t, dir, pki)
			conf := strings.Join([]string{
				"[ tsa ]", "default_tsa = tsa_config",
				"[ tsa_config ]",
				"serial = ./serial",
				"signer_cert = ./tsa.pem",
				"certs = ./intermediate.pem",
				"signer_key = ./tsa.key",
				"signer_digest = sha256",
				"default_policy = " + DefaultPolicy.String(),
				"digests = sha256, sha384, sha512, sm3",
				"accuracy = secs:1, millisecs:500, microsecs:250",
				"clock_precision_digits = 3",
				"tsa_name = yes",
				"ess_cert_id_alg = " + tc.essID,
			}, "\n") + "\n"
			for name, content := range map[string]string{"ts.cnf": conf, "serial": "01\n", "data.txt": "Signet contract\n"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := runOpenSSL(t, bin, dir, "ts", "-query", "-data", "data.txt", "-"+tc.hash, "-cert", "-out", "q.tsq"); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			if out, err := runOpenSSL(t, bin, dir, "ts", "-reply", "-config", "ts.cnf", "-queryfile", "q.tsq", "-out", "r.tsr"); err != nil {
				t.Fatalf("openssl ts -reply: %v\n%s", err, out)
			}
			reply, err := os.ReadFile(filepath.Join(dir, "r.tsr"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := rfc3161.ParseResponse(reply)
			if err != nil || resp.Status != rfc3161.StatusGranted {
				t.Fatalf("OpenSSL's reply: %v, status %v", err, resp)
			}
			h := map[string]Hash{"sha256": SHA256, "sm3": SM3, "sha512": SHA512}[tc.hash]
			digest := h.Sum([]byte("Signet contract\n"))
			info, err := Verify(resp.Token, digest, h, VerifyOptions{Roots: pki.roots})
			if err != nil {
				t.Fatalf("Verify OpenSSL's token: %v", err)
			}
			if want := 1500250 * 1000; info.Accuracy.Nanoseconds() != int64(want) {
				t.Errorf("Accuracy = %v, want 1.50025s", info.Accuracy)
			}
			if !info.Policy.Equal(DefaultPolicy) || !info.Certificate.Equal(pki.tsaCert) {
				t.Errorf("Policy %v, certificate %v", info.Policy, info.Certificate.Subject)
			}
			if _, err := Verify(resp.Token, h.Sum([]byte("Signet contract!\n")), h, VerifyOptions{Roots: pki.roots}); err == nil {
				t.Error("Verify accepted OpenSSL's token for other data")
			}
		})
	}
}

// TestOpenSSLReadsRejections checks that OpenSSL understands the rejection
// an OpenSSL query for an unsupported hash gets, failure bits included.
func TestOpenSSLReadsRejections(t *testing.T) {
	bin := openSSL(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runOpenSSL(t, bin, dir, "ts", "-query", "-data", "data.txt", "-sha1", "-cert", "-out", "q.tsq"); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	query, err := os.ReadFile(filepath.Join(dir, "q.tsq"))
	if err != nil {
		t.Fatal(err)
	}
	reply, err := newPKI(t, pkiOptions{}).authority(t).Respond(query)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.tsr"), reply, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := runOpenSSL(t, bin, dir, "ts", "-reply", "-in", "r.tsr", "-text")
	if err != nil {
		t.Fatalf("openssl ts -reply -text: %v\n%s", err, text)
	}
	for _, want := range []string{"Status: Rejected.", "Failure info: unrecognized or unsupported algorithm identifier\n", "TST info:\nNot included."} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl ts -reply -text lacks %q:\n%s", want, text)
		}
	}
}
