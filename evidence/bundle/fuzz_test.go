package bundle_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"signet/evidence/bundle"
)

// FuzzVerify runs the offline verifier (`signet evidence verify`, the
// evidence desk) on arbitrary zips. Properties: no panic; bounded time;
// Verify's error and Result agree (an error wrapping ErrInvalid exactly when
// a check failed, named by Failure); and the Result always encodes as the
// JSON `-json` prints. Besides the package as built, the seeds hold it
// re-zipped uncompressed with no CRCs (archive/zip then skips the check), so
// mutations reach the manifest, event chains and signatures instead of
// stopping at the zip's checksums.
func FuzzVerify(f *testing.F) {
	fx, zipBytes := mustFixture(f)
	stored := storedNoCRC(f, zipBytes)
	if res, err := bundle.Verify(stored, bundle.Options{RootsPEM: fx.RootsPEM}); err != nil || !res.OK() {
		f.Fatalf("the re-zipped seed does not verify, so mutations would stop early: %v", err)
	}
	f.Add(zipBytes, false)
	f.Add(stored, false)
	f.Add(stored, true)
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, pinned bool) {
		opts := bundle.Options{MaxSize: 32 << 20}
		if pinned {
			opts.RootsPEM = fx.RootsPEM
		}
		start := time.Now()
		res, err := bundle.Verify(data, opts)
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("Verify took %v on %d bytes", d, len(data))
		}
		failure := res.Failure()
		switch {
		case err != nil && !errors.Is(err, bundle.ErrInvalid):
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		case err != nil && failure == nil:
			t.Fatalf("error %v but no failed check", err)
		case err == nil && !res.OK():
			t.Fatalf("no error but the result is not OK: %+v", res.Checks)
		}
		if _, jerr := json.Marshal(res); jerr != nil {
			t.Fatalf("result does not encode: %v", jerr)
		}
	})
}

// storedNoCRC rewrites a zip with every entry stored (uncompressed) and its
// CRC-32 left zero, which archive/zip reads without checking.
func storedNoCRC(tb testing.TB, data []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.Name, Method: zip.Store, CompressedSize64: uint64(len(b)), UncompressedSize64: uint64(len(b))})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
