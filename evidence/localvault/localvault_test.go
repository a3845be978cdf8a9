package localvault_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/evidence"
	"signet/evidence/localvault"
	"signet/evidence/vaulttest"
)

var testConfig = localvault.Config{RetentionMode: vaulttest.DefaultMode, RetentionPeriod: vaulttest.DefaultPeriod}

// MustOpen opens a vault in dir and closes it when the test ends.
func MustOpen(tb testing.TB, dir string) *localvault.Vault {
	tb.Helper()
	v, err := localvault.Open(dir, testConfig)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { v.Close() })
	return v
}

func TestContract(t *testing.T) {
	vaulttest.Run(t, func(t *testing.T) evidence.Vault { return MustOpen(t, t.TempDir()) })
}

func put(t *testing.T, v *localvault.Vault, key, body string, r *evidence.Retention) {
	t.Helper()
	if _, err := v.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), evidence.PutOptions{Retention: r}); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func listAll(t *testing.T, v *localvault.Vault) []string {
	t.Helper()
	var keys []string
	err := v.List(context.Background(), "", func(info evidence.ObjectInfo) error {
		keys = append(keys, info.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return keys
}

// TestCrashLeftovers plants what a crash can leave behind (temporary files,
// a sidecar whose data was never linked) and checks that reads ignore it
// and the next Open removes it.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	put(t, v, "t/a/pdf/kept", "kept", &evidence.Retention{})
	objects := filepath.Join(dir, "objects")
	leftovers := []string{
		filepath.Join(objects, "@tmp-123456"),
		filepath.Join(objects, "t/a/pdf/@tmp-987654"),
		filepath.Join(objects, "t/a/pdf/orphan@meta"),
	}
	for _, p := range leftovers {
		writeFile(t, p, `{"v":1,"key":"t/a/pdf/orphan","size":3,"contentType":"x","created":"2026-01-01T00:00:00Z"}`)
	}
	if got := listAll(t, v); !slices.Equal(got, []string{"t/a/pdf/kept"}) {
		t.Errorf("List with leftovers = %q, want only the committed key", got)
	}
	_, err := v.Stat(context.Background(), "t/a/pdf/orphan")
	if !errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("Stat of a sidecar without data: error = %v, want %v", err, evidence.ErrObjectNotFound)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	v = MustOpen(t, dir)
	for _, p := range leftovers {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after reopening, %s: %v, want it removed", p, err)
		}
	}
	if got := listAll(t, v); !slices.Equal(got, []string{"t/a/pdf/kept"}) {
		t.Errorf("List after reopening = %q, want only the committed key", got)
	}
}

// TestPutReplacesOrphanedSidecar: a sidecar left by a Put that crashed
// between its two links must not block the key, nor describe the new object.
func TestPutReplacesOrphanedSidecar(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	writeFile(t, filepath.Join(dir, "objects/t/a/pdf/k@meta"),
		`{"v":1,"key":"t/a/pdf/k","size":99,"contentType":"stale","created":"2026-01-01T00:00:00Z","retentionMode":"COMPLIANCE","retainUntil":"2999-01-01T00:00:00Z"}`)
	put(t, v, "t/a/pdf/k", "fresh", &evidence.Retention{})
	info, err := v.Stat(context.Background(), "t/a/pdf/k")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Size != 5 || info.ContentType != "application/octet-stream" || info.Retention.Mode != evidence.RetentionNone {
		t.Errorf("Stat = %+v, want the fresh object's description", info)
	}
}

func TestOnDiskLayout(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	put(t, v, "t/a/pdf/0f", "the bytes", nil)
	data := filepath.Join(dir, "objects", "t", "a", "pdf", "0f@data")
	b, err := os.ReadFile(data)
	if err != nil || string(b) != "the bytes" {
		t.Fatalf("data file = %q, %v; want the object's bytes as is", b, err)
	}
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("data file mode = %v, want read-only", fi.Mode().Perm())
	}
}

// TestPathTraversal checks that keys cannot reach files outside the vault,
// even when the files they name exist there.
func TestPathTraversal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "vault")
	v := MustOpen(t, dir)
	writeFile(t, filepath.Join(parent, "secret@data"), "secret")
	writeFile(t, filepath.Join(parent, "secret@meta"), `{"v":1,"key":"../../secret","size":6,"contentType":"x","created":"2026-01-01T00:00:00Z"}`)
	ctx := context.Background()
	for _, key := range []string{"../../secret", "t/../../../secret", "/etc/passwd", "t/..", `..\..\secret`} {
		if _, _, err := v.Get(ctx, key); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Get(%q): error = %v, want %v", key, err, evidence.ErrInvalidKey)
		}
		_, err := v.Put(ctx, key, strings.NewReader("x"), 1, evidence.PutOptions{})
		if !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Put(%q): error = %v, want %v", key, err, evidence.ErrInvalidKey)
		}
		if err := v.Delete(ctx, key); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Delete(%q): error = %v, want %v", key, err, evidence.ErrInvalidKey)
		}
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"secret@data", "secret@meta", "vault"}; !slices.Equal(names, want) {
		t.Errorf("files beside the vault = %q, want %q untouched", names, want)
	}
}

// TestLongSegment: a segment must fit in a file name with its suffix.
func TestLongSegment(t *testing.T) {
	v := MustOpen(t, t.TempDir())
	ok := "t/" + strings.Repeat("a", 250)
	put(t, v, ok, "fits", nil)
	tooLong := "t/" + strings.Repeat("a", 251)
	_, err := v.Put(context.Background(), tooLong, strings.NewReader("x"), 1, evidence.PutOptions{})
	if !errors.Is(err, evidence.ErrInvalidKey) {
		t.Errorf("Put with a 251-byte segment: error = %v, want %v", err, evidence.ErrInvalidKey)
	}
}

func TestOneVaultPerDirectory(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	if _, err := localvault.Open(dir, testConfig); err == nil {
		t.Fatal("second Open of an open directory succeeded, want an error")
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	MustOpen(t, dir) // the lock went with Close
}

// TestRetentionSurvivesReopen: the lock lives on disk, not in memory.
func TestRetentionSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	until := time.Now().Add(time.Hour)
	put(t, v, "t/a/seal/1", "sealed", &evidence.Retention{Mode: evidence.RetentionCompliance, Until: until})
	v.Close()
	v = MustOpen(t, dir)
	if err := v.Delete(context.Background(), "t/a/seal/1"); !errors.Is(err, evidence.ErrRetained) {
		t.Errorf("Delete after reopening: error = %v, want %v", err, evidence.ErrRetained)
	}
}

func TestCorruptionIsNotNotFound(t *testing.T) {
	dir := t.TempDir()
	v := MustOpen(t, dir)
	put(t, v, "t/a/pdf/c", "twelve bytes", nil)
	data := filepath.Join(dir, "objects/t/a/pdf/c@data")
	if err := os.Chmod(data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(data, 3); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _, err := v.Get(ctx, "t/a/pdf/c")
	if err == nil || errors.Is(err, evidence.ErrObjectNotFound) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Get of a truncated object: error = %v, want a corruption error", err)
	}
	_, err = v.Stat(ctx, "t/a/pdf/c")
	if err == nil || errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("Stat of a truncated object: error = %v, want a corruption error", err)
	}
}

func TestOpenConfigErrors(t *testing.T) {
	for _, cfg := range []localvault.Config{
		{RetentionMode: evidence.RetentionGovernance},
		{RetentionMode: "FOREVER", RetentionPeriod: time.Hour},
	} {
		if v, err := localvault.Open(t.TempDir(), cfg); err == nil {
			v.Close()
			t.Errorf("Open(%+v) succeeded, want an error", cfg)
		}
	}
}
