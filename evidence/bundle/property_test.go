package bundle_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/evidence/bundle"
)

// TestEveryByteMatters flips one byte of the content of an entry, rebuilds
// the zip around it, and wants Verify to fail: at 300 seeded random
// positions, and at least once in every entry.
func TestEveryByteMatters(t *testing.T) {
	f, zipBytes := mustFixture(t)
	es := entries(t, zipBytes)
	rng := rand.New(rand.NewPCG(20261121, 1))
	type flip struct{ entry, pos int }
	var flips []flip
	for i, e := range es {
		if len(e.data) > 0 {
			flips = append(flips, flip{i, rng.IntN(len(e.data))})
		}
	}
	total := 0
	for _, e := range es {
		total += len(e.data)
	}
	for range 300 {
		// Uniform over all content bytes, so big entries get their share.
		n := rng.IntN(total)
		for i, e := range es {
			if n < len(e.data) {
				flips = append(flips, flip{i, n})
				break
			}
			n -= len(e.data)
		}
	}
	perEntry := len(flips)
	for n, fl := range flips {
		mutated := slices.Clone(es)
		data := slices.Clone(mutated[fl.entry].data)
		data[fl.pos] ^= byte(1 + rng.IntN(255))
		mutated[fl.entry].data = data
		z := rezip(t, mutated)
		// The per-entry flips run with pinned roots and with the package's
		// own; the random ones with pinned roots only, to keep the test quick.
		all := []bundle.Options{{RootsPEM: f.RootsPEM}, {}}
		if n >= perEntry {
			all = all[:1]
		}
		for _, opts := range all {
			r, err := bundle.Verify(z, opts)
			if err == nil || r.OK() {
				t.Errorf("%s: byte %d flipped, yet the package verifies (pinned roots: %v)", es[fl.entry].name, fl.pos, len(opts.RootsPEM) > 0)
			} else if !errors.Is(err, bundle.ErrInvalid) {
				t.Errorf("%s: err %v does not wrap ErrInvalid", es[fl.entry].name, err)
			}
		}
	}
	t.Logf("%d flips in %d entries, all detected", len(flips), len(es))
}

// mustFail wants Verify to reject z and its error to mention want.
func mustFail(t *testing.T, z []byte, opts bundle.Options, want string) {
	t.Helper()
	r, err := bundle.Verify(z, opts)
	if err == nil || r.OK() {
		t.Fatal("the package verifies")
	}
	if want != "" && !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to mention %q", err, want)
	}
	t.Log(err)
}

func TestTamperedPackage(t *testing.T) {
	f, zipBytes := mustFixture(t)
	opts := bundle.Options{RootsPEM: f.RootsPEM}
	es := entries(t, zipBytes)
	index := func(name string) int {
		i := slices.IndexFunc(es, func(e zipEntry) bool { return e.name == name })
		if i < 0 {
			t.Fatalf("no entry %s", name)
		}
		return i
	}
	t.Run("RemoveEntry", func(t *testing.T) {
		for i := range es {
			t.Run(es[i].name, func(t *testing.T) {
				mustFail(t, rezip(t, slices.Delete(slices.Clone(es), i, i+1)), opts, es[i].name)
			})
		}
	})
	t.Run("AddEntry", func(t *testing.T) {
		for _, name := range []string{"extra.txt", "documents/2-final.pdf", "keys/root-other.pem", "manifest.sig.rsa"} {
			t.Run(name, func(t *testing.T) {
				mustFail(t, rezip(t, append(slices.Clone(es), zipEntry{name, []byte("-----BEGIN CERTIFICATE-----\n")})), opts, name)
			})
		}
	})
	t.Run("PathTraversal", func(t *testing.T) {
		mustFail(t, rezip(t, append(slices.Clone(es), zipEntry{"../evil.pdf", []byte("x")})), opts, "../evil.pdf")
		mustFail(t, rezip(t, append(slices.Clone(es), zipEntry{"/etc/passwd", []byte("x")})), opts, "/etc/passwd")
	})
	t.Run("DuplicateEntry", func(t *testing.T) {
		i := index("documents/1-final.pdf")
		mustFail(t, rezip(t, append(slices.Clone(es), es[i])), opts, "twice")
	})
	t.Run("SwapPDFs", func(t *testing.T) {
		mutated := slices.Clone(es)
		a, b := index("documents/1-rev-1.pdf"), index("documents/1-final.pdf")
		mutated[a].data, mutated[b].data = mutated[b].data, mutated[a].data
		mustFail(t, rezip(t, mutated), opts, "documents/1-")
	})
	t.Run("ReorderEvents", func(t *testing.T) {
		mutated := slices.Clone(es)
		i := index("events.json")
		var doc map[string]any
		if err := json.Unmarshal(mutated[i].data, &doc); err != nil {
			t.Fatal(err)
		}
		evs := doc["events"].([]any)
		evs[1], evs[2] = evs[2], evs[1]
		mutated[i].data, _ = json.MarshalIndent(doc, "", "  ")
		mustFail(t, rezip(t, mutated), opts, "events.json")
	})
	t.Run("NotAZip", func(t *testing.T) {
		mustFail(t, zipBytes[:len(zipBytes)/2], opts, "zip")
	})
	// The same changes made before sealing: the manifest and its
	// signatures are good, and the content checks must still fail.
	t.Run("Resealed", func(t *testing.T) {
		t.Run("ReorderEvents", func(t *testing.T) {
			in := f.Contents
			in.Events = slices.Clone(in.Events)
			in.Events[1], in.Events[2] = in.Events[2], in.Events[1]
			mustFail(t, f.Build(t, in), opts, "broken at seq")
		})
		t.Run("DropEvent", func(t *testing.T) {
			in := f.Contents
			in.Events = slices.Delete(slices.Clone(in.Events), 4, 5) // the anchored head
			mustFail(t, f.Build(t, in), opts, "truncated")
		})
		t.Run("SwapPDFs", func(t *testing.T) {
			in := f.Contents
			in.Files = slices.Clone(in.Files)
			in.Files[0].Data, in.Files[2].Data = in.Files[2].Data, in.Files[0].Data
			mustFail(t, f.Build(t, in), opts, "documents/1-")
		})
		t.Run("SESOverOtherDocument", func(t *testing.T) {
			in := f.Contents
			in.Files = slices.Clone(in.Files)
			in.Files[2].Data = in.Files[1].Data // final = rev-1: the seal signs bytes no longer there
			mustFail(t, f.Build(t, in), opts, "ses/seal-1.der")
		})
		t.Run("SignerRevoked", func(t *testing.T) {
			in := f.Contents
			in.Files = append(slices.Clone(in.Files), f.RevokePartyA(t, time.Now().Add(-time.Hour)))
			mustFail(t, f.Build(t, in), opts, "revoked")
		})
		t.Run("RevokedLater", func(t *testing.T) {
			in := f.Contents
			in.Files = append(slices.Clone(in.Files), f.RevokePartyA(t, time.Now().Add(time.Hour)))
			if _, err := bundle.Verify(f.Build(t, in), opts); err != nil {
				t.Fatalf("a revocation after signing invalidated the signature: %v", err)
			}
		})
		t.Run("ModifiedAfterSigning", func(t *testing.T) {
			in := f.Contents
			in.Files = slices.Clone(in.Files)
			in.Files[2].Data = append(slices.Clone(in.Files[2].Data), "1 0 obj\n<< >>\nendobj\n"...)
			mustFail(t, f.Build(t, in), opts, "documents/1-final.pdf")
		})
	})
}
