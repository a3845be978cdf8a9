package app

import (
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"signet/evidence/tsa"
	"signet/internal/testenv"
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
