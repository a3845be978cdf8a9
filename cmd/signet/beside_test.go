package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/app"
	"signet/evidence"
	"signet/evidence/tsa"
	"signet/pki"
	"signet/tenants"
)

// newServer builds the server of a data directory, as `signet serve` does,
// and keeps it open (its vault locked) until the test ends.
func newServer(t *testing.T, getenv func(string) string) *app.App {
	t.Helper()
	cfg, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestCommandsBesideRunningServer: the operator's commands work on a data
// directory whose server is running and holds the local vault: they open
// only what they need (the database; keys and certificates to read), never
// the vault.
func TestCommandsBesideRunningServer(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"SIGNET_DATA_DIR": dir, "SIGNET_ARGON2_MEMORY_KIB": "1024", "SIGNET_ARGON2_TIME": "1",
		"SIGNET_OPERATOR_PASSWORD": "operator long password", "SIGNET_LOG_LEVEL": "error",
	}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	server := newServer(t, getenv)

	const contract = "01a1ffb0-0000-7000-8000-0000000be51d"
	tctx := tenants.WithTenant(ctx, "tenant-1")
	for _, typ := range []string{"contract.created", "contract.sent"} {
		if _, err := evidence.Append(tctx, server.DB.DB, evidence.Record{Chain: evidence.ContractChain(contract), Type: typ, Actor: "person:p1"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := evidence.AnchorAll(ctx, server.DB.DB, server.Timestamps); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "unsigned.pdf")
	if err := os.WriteFile(pdf, unsignedPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"CreateOperator": {[]string{"admin", "create-operator", "-email", "ops@signet.test", "-name", "Ops"}, "operator ops@signet.test"},
		"EvidenceCheck":  {[]string{"evidence", "check", contract}, "2 events intact"},
		"Verify":         {[]string{"verify", pdf}, "unsigned, 0 signature(s)"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, tc.args, getenv, &out, &out)
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("%v: err %v, output %q", tc.args, err, out.String())
			}
		})
	}
}

func unsignedPDF() []byte {
	pdf := "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
	xref := len(pdf)
	pdf += fmt.Sprintf("xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", 9, strings.Index(pdf, "2 0 obj"), xref)
	return []byte(pdf)
}

// TestPlatformCertsFollowPublicURL: the platform's time-stamp and evidence
// certificates name the CRL at the configured public URL, whoever touched
// the data directory first: a start with another SIGNET_PUBLIC_URL issues
// them again, and the old ones still verify what they signed.
func TestPlatformCertsFollowPublicURL(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SIGNET_DATA_DIR": dir, "SIGNET_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	// The first start: the default public URL, as a command run before the
	// server was configured would have it. It time-stamps something.
	first, err := app.LoadConfig(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, first, app.NewLogger(first, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	digest := tsa.SHA256.Sum([]byte("stamped before the move"))
	token, err := a.Timestamps.Timestamp(ctx, digest, tsa.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	old := map[pki.Purpose]string{}
	for _, p := range []struct {
		purpose pki.Purpose
		alg     pki.Algorithm
	}{{pki.PurposeTSA, pki.ECDSA}, {pki.PurposeEvidence, pki.SM2}, {pki.PurposeEvidence, pki.ECDSA}} {
		c, err := a.PKI.PlatformCredential(ctx, p.purpose, p.alg)
		if err != nil {
			t.Fatal(err)
		}
		old[p.purpose+pki.Purpose(p.alg)] = c.Certificate.SerialNumber.String()
	}
	a.Close()

	// The server, configured.
	env["SIGNET_PUBLIC_URL"] = "https://sign.example.com"
	server := newServer(t, getenv)
	for _, p := range []struct {
		purpose pki.Purpose
		alg     pki.Algorithm
	}{{pki.PurposeTSA, pki.ECDSA}, {pki.PurposeEvidence, pki.SM2}, {pki.PurposeEvidence, pki.ECDSA}, {pki.PurposeSealMaker, pki.SM2}} {
		c, err := server.PKI.PlatformCredential(ctx, p.purpose, p.alg)
		if err != nil {
			t.Fatal(err)
		}
		want := "https://sign.example.com/pki/crl?alg=" + string(p.alg)
		if got := c.Certificate.CRLDistributionPoints; len(got) != 1 || got[0] != want {
			t.Errorf("%s %s certificate's CRL is %v, want %s", p.purpose, p.alg, got, want)
		}
		if s, ok := old[p.purpose+pki.Purpose(p.alg)]; ok && s == c.Certificate.SerialNumber.String() {
			t.Errorf("%s %s certificate was not issued again", p.purpose, p.alg)
		}
	}
	// The token from before still verifies against the platform's roots.
	roots, inter, err := server.TimestampRoots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tsa.Verify(token.DER, digest, tsa.SHA256, tsa.VerifyOptions{Roots: roots, Intermediates: inter}); err != nil {
		t.Fatalf("a token of the old TSA certificate: %v", err)
	}
}
