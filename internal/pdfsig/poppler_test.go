package pdfsig

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfsigCheck runs poppler's pdfsig with an NSS database that trusts the
// test root, and wants every one of n signatures valid and trusted.
func pdfsigCheck(t *testing.T, p *testPKI, signed []byte, n int) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (run deploy/scripts/tools.sh)", tool)
			}
			t.Skipf("SKIPPING poppler interop: %s is missing (run deploy/scripts/tools.sh)", tool)
		}
	}
	dir := t.TempDir()
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	run("certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	run("certutil", "-A", "-d", "sql:"+dir, "-n", "root", "-t", "CT,C,C", "-i", p.writeRootPEM(t, dir))
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	out := run("pdfsig", "-nssdir", "sql:"+dir, file)
	if got := strings.Count(out, "Signature is Valid."); got != n {
		t.Errorf("pdfsig: %d valid signatures, want %d:\n%s", got, n, out)
	}
	if got := strings.Count(out, "Certificate is Trusted."); got != n {
		t.Errorf("pdfsig: %d trusted certificates, want %d:\n%s", got, n, out)
	}
	if t.Failed() || testing.Verbose() {
		t.Log(out)
	}
}

func TestPoppler(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range testDocuments {
		t.Run(tc.name, func(t *testing.T) {
			once, twice := signTwice(t, p, tc.pdf())
			pdfsigCheck(t, p, once, 1)
			pdfsigCheck(t, p, twice, 2)
			if dir := os.Getenv("PDFSIG_KEEP"); dir != "" {
				os.WriteFile(filepath.Join(dir, tc.name+".pdf"), twice, 0o644)
			}
		})
	}
	// The private /Signet.SES entries are covered by the signature and
	// ignored by readers that do not know them.
	t.Run("WithSES", func(t *testing.T) {
		once, err := Sign(classicPDF(), Request{Signer: p.signer(t, "Org A"), SES: fakeSES(t, "seal"),
			Placements: []Placement{{Page: 1, Rect: [4]float64{380, 80, 500, 200}, PNG: stampPNG(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		pdfsigCheck(t, p, once, 1)
	})
}
