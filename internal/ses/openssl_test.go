package ses_test

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"signet/internal/testenv"
)

// TestOpenSSL checks that OpenSSL 3, which knows nothing of GB/T 38540,
// accepts the maker's signature over DER(SES_SealInfo) and the signer's over
// DER(TBS_Sign), and rejects them over changed bytes.
func TestOpenSSL(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "openssl")
	p := mustPKI(t)
	seal := mustSeal(t, p, sealInfo(p.signer.cert))
	sig := mustSignature(t, p, seal)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pubPEM := func(certDER []byte) []byte {
		cert, err := smx509.ParseCertificate(certDER)
		if err != nil {
			t.Fatal(err)
		}
		spki, err := smx509.MarshalPKIXPublicKey(cert.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})
	}
	for _, c := range []struct {
		name      string
		cert, tbs []byte
		sig       []byte
	}{
		{"maker", p.maker.cert, mustMarshal(t, &seal.Info), seal.SignedValue},
		{"signer", p.signer.cert, mustMarshal(t, &sig.TBS), sig.Signature},
	} {
		pub := write(c.name+".pem", pubPEM(c.cert))
		sigFile := write(c.name+".sig.der", c.sig)
		good := write(c.name+".tbs.der", c.tbs)
		changed := append([]byte(nil), c.tbs...)
		changed[len(changed)-1] ^= 1
		bad := write(c.name+".changed.der", changed)
		verify := func(file string) (string, error) {
			out, err := exec.Command("openssl", "dgst", "-sm3", "-verify", pub,
				"-sigopt", "distid:1234567812345678", "-signature", sigFile, file).CombinedOutput()
			return string(out), err
		}
		if out, err := verify(good); err != nil || !strings.Contains(out, "Verified OK") {
			t.Errorf("%s: openssl rejects the signature: %v\n%s", c.name, err, out)
		}
		if out, err := verify(bad); err == nil || !strings.Contains(out, "Verification failure") {
			t.Errorf("%s: openssl accepts changed bytes: %v\n%s", c.name, err, out)
		}
	}
}
