package app

import (
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"signet/contracts"
	"signet/evidence/tsa"
	"signet/internal/pdfsig"
	"signet/internal/testenv"
	"signet/pki"
)

func openssl(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "openssl")
}

// TestTSAInteropOpenSSL is the check: openssl ts -query → POST /tsa →
// openssl ts -verify against the platform root from /pki/ca succeeds, and
// fails for altered data.
func TestTSAInteropOpenSSL(t *testing.T) {
	bin := openssl(t)
	ta := newTestApp(t)
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) (string, error) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		return string(out), err
	}
	if err := os.WriteFile(file("contract.pdf"), []byte("%PDF-1.7 a contract to time-stamp"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file("altered.pdf"), []byte("%PDF-1.7 a contract to time-stamp!"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The platform's ECDSA chain: issuing CA first, root last.
	r := ta.call("GET", "/pki/ca?alg=ecdsa", "", nil)
	mustStatus(t, r, 200)
	var blocks []*pem.Block
	for rest := r.Body; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 2 {
		t.Fatalf("/pki/ca has %d certificates, want issuing + root", len(blocks))
	}
	os.WriteFile(file("issuing.pem"), pem.EncodeToMemory(blocks[0]), 0o600)
	os.WriteFile(file("root.pem"), pem.EncodeToMemory(blocks[1]), 0o600)

	for _, hash := range []string{"-sha256", "-sha512"} {
		t.Run(hash, func(t *testing.T) {
			if out, err := run("ts", "-query", "-data", file("contract.pdf"), hash, "-cert", "-out", file("q.tsq")); err != nil {
				t.Fatalf("ts -query: %v\n%s", err, out)
			}
			q, _ := os.ReadFile(file("q.tsq"))
			resp := ta.call("POST", "/tsa", "", q, "Content-Type", "application/timestamp-query")
			mustStatus(t, resp, 200)
			if ct := resp.Header.Get("Content-Type"); ct != "application/timestamp-reply" {
				t.Fatalf("content type %q", ct)
			}
			os.WriteFile(file("r.tsr"), resp.Body, 0o600)
			if out, err := run("ts", "-verify", "-data", file("contract.pdf"), "-in", file("r.tsr"), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem")); err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("ts -verify: %v\n%s", err, out)
			}
			if out, err := run("ts", "-verify", "-data", file("altered.pdf"), "-in", file("r.tsr"), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem")); err == nil {
				t.Fatalf("altered data verified:\n%s", out)
			}
		})
	}
	t.Run("WrongContentType", func(t *testing.T) {
		resp := ta.call("POST", "/tsa", "", []byte("x"), "Content-Type", "text/plain")
		if resp.Status != 415 {
			t.Fatalf("status %d", resp.Status)
		}
	})
}

// TestTimestampClient checks the client signing and evidence will use: the
// built-in TSA through the same checks as an external one, SM3 included.
func TestTimestampClient(t *testing.T) {
	ta := newTestApp(t)
	digest := tsa.SM3.Sum([]byte("chain head"))
	tok, err := ta.Timestamps.Timestamp(context.Background(), digest, tsa.SM3)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Info.Hash != tsa.SM3 || tok.Info.GenTime.IsZero() {
		t.Fatalf("token info = %+v", tok.Info)
	}
}

// TestTimestampRootsIncludeExternal: with an external TSA's roots configured,
// tokens verify against them as well as against the platform's own root.
func TestTimestampRootsIncludeExternal(t *testing.T) {
	ta := newTestApp(t)
	ext := newTestApp(t) // another platform's TSA stands in for an external one
	chain := ext.call("GET", "/pki/ca?alg=ecdsa", "", nil)
	mustStatus(t, chain, 200)
	file := filepath.Join(t.TempDir(), "ext-roots.pem")
	if err := os.WriteFile(file, chain.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	digest := tsa.SM3.Sum([]byte("head"))
	external, err := ext.Timestamps.Timestamp(ctx, digest, tsa.SM3)
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := ta.Timestamps.Timestamp(ctx, digest, tsa.SM3)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(tok *tsa.Token) error {
		roots, inter, err := ta.TimestampRoots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tsa.Verify(tok.DER, digest, tsa.SM3, tsa.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
	if err := verify(external); err == nil {
		t.Fatal("an external token verified before its roots were configured")
	}
	ta.Config.TSARootsFile = file
	for name, tok := range map[string]*tsa.Token{"builtin": builtin, "external": external} {
		if err := verify(tok); err != nil {
			t.Fatalf("%s token: %v", name, err)
		}
	}
}

// TestExternalTSALongTerm: with another platform's TSA configured as the
// external one, an archived document carries that TSA's chain and CRL,
// fetched from where its certificate says, and reaches B-LTA against both
// platforms' roots.
func TestExternalTSALongTerm(t *testing.T) {
	served, serve := servedAtPublicURL(t)
	ext := newTestApp(t, served)
	serve(ext)
	chain := ext.call("GET", "/pki/ca?alg=ecdsa", "", nil)
	mustStatus(t, chain, 200)
	file := filepath.Join(t.TempDir(), "ext-roots.pem")
	if err := os.WriteFile(file, chain.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t, func(c *Config) { c.TSAURLs = []string{ext.Config.PublicURL + "/tsa"}; c.TSARootsFile = file })

	ctx := context.Background()
	_, signer := platformSigner(t, ta, "77")
	signed, err := pdfsig.Sign(contractPDF(), pdfsig.Request{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	archived, until, err := ta.Signing.Archive(ctx, contracts.Contract{Algorithm: "ecdsa"}, signed)
	if err != nil {
		t.Fatal(err)
	}
	extTSA, err := ext.PKI.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	if !until.Equal(extTSA.Certificate.NotAfter) {
		t.Errorf("archive renewal due by %s, want the external TSA certificate's expiry %s", until, extTSA.Certificate.NotAfter)
	}
	dss, err := pdfsig.ReadDSS(archived)
	if err != nil {
		t.Fatal(err)
	}
	extCRL, err := ext.PKI.CRL(ctx, pki.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, c := range dss.Certs {
		found["cert:"+string(c)] = true
	}
	for _, c := range dss.CRLs {
		found["crl:"+string(c)] = true
	}
	if !found["cert:"+string(extTSA.Certificate.Raw)] || !found["cert:"+string(extTSA.Chain[0].Raw)] || !found["crl:"+string(extCRL)] {
		t.Fatalf("the DSS lacks the external TSA's certificate, issuer or CRL (%d certs, %d CRLs)", len(dss.Certs), len(dss.CRLs))
	}
	opts := ta.verifyOptions(t)
	reps, err := pdfsig.Verify(archived, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Err != nil || reps[0].Level != pdfsig.LevelLTA || reps[1].Err != nil {
		t.Fatalf("reports: %+v", reps)
	}
	for _, st := range reps[0].Revocation {
		if st.Role == "tsa" && (!st.InDSS || st.Source != "crl") {
			t.Errorf("external TSA status: %+v", st)
		}
	}
}
