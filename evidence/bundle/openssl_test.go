package bundle_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"signet/evidence/bundle"
	"signet/evidence/bundle/bundletest"
	"signet/internal/testenv"
)

// openSSL returns the openssl command; without it the test fails when
// CI=true and skips loudly elsewhere.
func openSSL(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "openssl")
}

// sh runs one recipe line in dir with the shell, as a reader would.
func sh(t *testing.T, dir, line string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestOpenSSLRecipe runs RECIPE.md as a script, from unzip on, on a real
// package: every command must succeed. Then it changes one byte of the
// extracted manifest.json, and every command that reads it must fail.
func TestOpenSSLRecipe(t *testing.T) {
	openSSL(t)
	testenv.Tool(t, "unzip")
	testenv.Tool(t, "cmp")
	_, zipBytes := mustFixture(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.zip"), zipBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	cmds := bundletest.RecipeCommands(t)
	out, err := sh(t, dir, "set -eux\n"+strings.Join(cmds, "\n"))
	if err != nil {
		t.Fatalf("the recipe fails: %v\n%s", err, out)
	}
	if strings.Count(out, "Verified OK") != 2 || !strings.Contains(out, "Verification: OK") {
		t.Errorf("the recipe did not verify both signatures and the time-stamp:\n%s", out)
	}
	if testing.Verbose() {
		t.Log(out)
	}
	checkDigests(t, out, zipBytes)
	res, err := bundle.Verify(zipBytes, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Roots {
		if !strings.Contains(out, "sha256 Fingerprint="+r.SHA256) {
			t.Errorf("Verify's fingerprint of %s, %s, is not what openssl prints", r.Subject, r.SHA256)
		}
	}

	pkg := filepath.Join(dir, "package")
	manifest := filepath.Join(pkg, "manifest.json")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range cmds {
		if !strings.Contains(line, "manifest.json") {
			continue
		}
		checked++
		if out, err := sh(t, pkg, line); err == nil {
			t.Errorf("after altering manifest.json, this still succeeds:\n%s\n%s", line, out)
		}
	}
	if checked != 3 {
		t.Errorf("%d recipe commands read manifest.json, want 3", checked)
	}
}

// checkDigests compares what `openssl dgst -sha256 -r` and `-sm3 -r`
// printed in the recipe's trace with manifest.json.
func checkDigests(t *testing.T, trace string, zipBytes []byte) {
	t.Helper()
	var m struct {
		Files []struct{ Path, SM3, SHA256 string }
	}
	for _, e := range entries(t, zipBytes) {
		if e.name == "manifest.json" {
			if err := json.Unmarshal(e.data, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]string{}
	for _, f := range m.Files {
		want["sha256 "+f.Path], want["sm3 "+f.Path] = f.SHA256, f.SM3
	}
	alg, compared := "", 0
	for _, line := range strings.Split(trace, "\n") {
		switch {
		case strings.HasPrefix(line, "+ openssl dgst -sha256 -r"):
			alg = "sha256"
		case strings.HasPrefix(line, "+ openssl dgst -sm3 -r"):
			alg = "sm3"
		case strings.HasPrefix(line, "+ "):
			alg = ""
		case alg != "":
			digest, file, ok := strings.Cut(line, " *")
			if !ok {
				continue
			}
			if want[alg+" "+file] != digest {
				t.Errorf("openssl %s of %s is %s, manifest says %q", alg, file, digest, want[alg+" "+file])
			}
			compared++
		}
	}
	if compared < 10 {
		t.Errorf("compared %d openssl digests with the manifest", compared)
	}
}
