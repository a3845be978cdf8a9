package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/evidence"
	"signet/evidence/localvault"
)

func TestArtefacts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v, err := localvault.Open(dir, localvault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	data := []byte("%PDF-1.7 original contract")

	a, err := evidence.PutArtefact(ctx, v, "tenant-1", "documents", data, "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ContentAddressed", func(t *testing.T) {
		sm3Hex, shaHex := evidence.Digests(data)
		if a.Key != "t/tenant-1/documents/"+sm3Hex || a.SM3 != sm3Hex || a.SHA256 != shaHex || a.Size != int64(len(data)) {
			t.Fatalf("artefact = %+v", a)
		}
		// GB/T 32905 appendix A example: SM3("abc").
		if got, _ := evidence.Digests([]byte("abc")); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
			t.Fatalf("SM3(abc) = %s", got)
		}
	})
	t.Run("SameBytesTwiceIsFine", func(t *testing.T) {
		b, err := evidence.PutArtefact(ctx, v, "tenant-1", "documents", data, "application/pdf")
		if err != nil || b != a {
			t.Fatalf("second put = %+v, %v", b, err)
		}
	})
	t.Run("TenantInKey", func(t *testing.T) {
		b, err := evidence.PutArtefact(ctx, v, "tenant-2", "documents", data, "application/pdf")
		if err != nil || !strings.HasPrefix(b.Key, "t/tenant-2/") || b.Key == a.Key {
			t.Fatalf("other tenant's key = %q, %v", b.Key, err)
		}
	})
	t.Run("GetVerifies", func(t *testing.T) {
		got, err := evidence.GetArtefact(ctx, v, a.Key, 1<<20)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get = %q, %v", got, err)
		}
	})
	t.Run("ErrDigestMismatch", func(t *testing.T) {
		// Corrupt the stored bytes behind the vault's back, keeping the size.
		var path string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(filepath.ToSlash(p), a.Key+"@data") {
				path = p
			}
			return nil
		})
		if path == "" {
			t.Fatal("stored object not found on disk")
		}
		os.Chmod(path, 0o600)
		corrupt := bytes.Clone(data)
		corrupt[0] ^= 1
		if err := os.WriteFile(path, corrupt, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := evidence.GetArtefact(ctx, v, a.Key, 1<<20); !errors.Is(err, evidence.ErrDigestMismatch) {
			t.Fatalf("corruption not detected: %v", err)
		}
	})
}
