package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/evidence/bundle"
	"signet/evidence/bundle/bundletest"
)

func TestEvidenceVerify(t *testing.T) {
	f := bundletest.New(t)
	pkg := f.Build(t, f.Contents)
	dir := t.TempDir()
	file := filepath.Join(dir, "evidence.zip")
	roots := filepath.Join(dir, "roots.pem")
	os.WriteFile(file, pkg, 0o600)
	os.WriteFile(roots, f.RootsPEM, 0o600)
	// No configuration, database or network: the command must not even look.
	getenv := func(k string) string {
		t.Errorf("evidence verify read the environment variable %s", k)
		return ""
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"evidence", "verify"}, args...), getenv, &out, &out)
		return out.String(), err
	}

	t.Run("OK", func(t *testing.T) {
		out, err := run("-roots", roots, file)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(out, "VERIFIED:") || strings.Contains(out, "FAIL") || strings.Contains(out, "TRUST:") {
			t.Fatalf("output:\n%s", out)
		}
	})
	t.Run("RootsFromPackage", func(t *testing.T) {
		out, err := run(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "TRUST:") || !strings.Contains(out, "SHA256 ") {
			t.Fatalf("the package's own roots were trusted without saying so:\n%s", out)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, err := run(file, "-json")
		if err != nil {
			t.Fatal(err)
		}
		var res bundle.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil || !res.OK() || !res.RootsFromPackage {
			t.Fatalf("json %v, ok %v:\n%s", err, res.OK(), out)
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		bad := bytes.Replace(pkg, []byte("manifest.sig.ecdsa"), []byte("manifest.sig.ecdsb"), 2)
		tampered := filepath.Join(dir, "tampered.zip")
		os.WriteFile(tampered, bad, 0o600)
		out, err := run("-roots", roots, tampered)
		if err == nil || !strings.Contains(err.Error(), "manifest.sig.ecdsa") || !strings.Contains(out, "NOT VERIFIED") {
			t.Fatalf("err = %v\n%s", err, out)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		if _, err := run(); err == nil {
			t.Fatal("no file accepted")
		}
		if _, err := run(file, file); err == nil {
			t.Fatal("two files accepted")
		}
	})
}
