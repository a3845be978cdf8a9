package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/evidence/bundle"
	"signet/evidence/bundle/bundletest"
)

// fixture is made once: key generation, PDF signing and time-stamping are
// the slow part, and no test changes it.
var (
	fixtureOnce sync.Once
	fixture     *bundletest.Fixture
	packageZip  []byte
)

func mustFixture(t testing.TB) (*bundletest.Fixture, []byte) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixture = bundletest.New(t)
		packageZip = fixture.Build(t, fixture.Contents)
	})
	if fixture == nil || packageZip == nil {
		t.Fatal("fixture failed")
	}
	return fixture, packageZip
}

func logResult(t *testing.T, r bundle.Result) {
	t.Helper()
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		t.Logf("%s %-26s %-34s %s", mark, c.Name, c.File, c.Detail)
	}
}

func TestBuildVerify(t *testing.T) {
	f, zipBytes := mustFixture(t)
	t.Run("OK", func(t *testing.T) {
		r, err := bundle.Verify(zipBytes, bundle.Options{RootsPEM: f.RootsPEM})
		if err != nil || !r.OK() {
			logResult(t, r)
			t.Fatalf("Verify: %v", err)
		}
		if testing.Verbose() {
			logResult(t, r)
		}
		if r.RootsFromPackage || len(r.Roots) != 2 || r.ContractID != f.Contents.ContractID || r.TimestampTime.IsZero() {
			t.Errorf("result: roots from package %v, %d roots, contract %q, time %v", r.RootsFromPackage, len(r.Roots), r.ContractID, r.TimestampTime)
		}
		for _, name := range []string{"manifest-signature-sm2", "manifest-signature-ecdsa", "manifest-timestamp", "event-chain", "anchors",
			"pdf-signatures", "document-revisions", "ses-signature", "timestamp", "crl", "report"} {
			found := false
			for _, c := range r.Checks {
				found = found || c.Name == name && c.OK
			}
			if !found {
				t.Errorf("no passing %s check", name)
			}
		}
	})
	t.Run("RootsFromPackage", func(t *testing.T) {
		r, err := bundle.Verify(zipBytes, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !r.RootsFromPackage || len(r.Roots) != 2 {
			t.Fatalf("roots from package %v, %d roots", r.RootsFromPackage, len(r.Roots))
		}
	})
	t.Run("ErrOtherRoots", func(t *testing.T) {
		other := bundletest.New(t)
		_, err := bundle.Verify(zipBytes, bundle.Options{RootsPEM: other.RootsPEM})
		if !errors.Is(err, bundle.ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
		t.Log(err)
	})
	t.Run("Deterministic", func(t *testing.T) {
		again := f.Build(t, f.Contents)
		a, b := entries(t, zipBytes), entries(t, again)
		if len(a) != len(b) {
			t.Fatalf("%d entries, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].name != b[i].name {
				t.Fatalf("entry %d: %s, then %s", i, a[i].name, b[i].name)
			}
			if !strings.HasPrefix(a[i].name, "manifest.") || a[i].name == "manifest.json" {
				if !bytes.Equal(a[i].data, b[i].data) {
					t.Errorf("%s differs between two builds", a[i].name)
				}
			}
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		for name, mutate := range map[string]func(*bundle.Contents){
			"Traversal":     func(c *bundle.Contents) { c.Files[0].Path = "documents/../x.pdf" },
			"WrongKind":     func(c *bundle.Contents) { c.Files[0].Kind = bundle.KindSES },
			"Duplicate":     func(c *bundle.Contents) { c.Files[1].Path = c.Files[0].Path },
			"DocumentName":  func(c *bundle.Contents) { c.Files[0].Path = "documents/contract.pdf" },
			"NoGeneratedAt": func(c *bundle.Contents) { c.GeneratedAt = time.Time{} },
		} {
			t.Run(name, func(t *testing.T) {
				in := f.Contents
				in.Files = append([]bundle.File(nil), f.Contents.Files...)
				mutate(&in)
				if _, err := bundle.Build(context.Background(), io.Discard, in, f.Sealer); err == nil {
					t.Fatal("Build accepted it")
				}
			})
		}
	})
}

// zipEntry is one entry's name and content.
type zipEntry struct {
	name string
	data []byte
}

func entries(t *testing.T, zipBytes []byte) []zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		t.Fatal(err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, zipEntry{f.Name, b})
	}
	return out
}

// rezip writes entries as a zip, in order, the way any zip tool would.
func rezip(t *testing.T, es []zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range es {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
