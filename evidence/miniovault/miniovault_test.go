package miniovault_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"signet/evidence"
	"signet/evidence/miniovault"
	"signet/evidence/vaulttest"
	"signet/internal/testenv"
)

// adminClient talks to the test server behind the vault's back, as an
// operator with the root credentials would.
func adminClient(tb testing.TB, cfg testenv.MinIOConfig) *minio.Client {
	tb.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")})
	if err != nil {
		tb.Fatalf("minio client: %v", err)
	}
	return c
}

func vaultConfig(cfg testenv.MinIOConfig) miniovault.Config {
	return miniovault.Config{
		Endpoint:        cfg.Endpoint,
		AccessKey:       cfg.AccessKey,
		SecretKey:       cfg.SecretKey,
		Bucket:          cfg.Bucket,
		RetentionMode:   vaulttest.DefaultMode,
		RetentionPeriod: vaulttest.DefaultPeriod,
	}
}

// MustOpen opens a vault on a fresh bucket and removes the bucket when the
// test ends. It returns the admin client too, for tests that go around the vault.
func MustOpen(tb testing.TB) (*miniovault.Vault, *minio.Client, testenv.MinIOConfig) {
	tb.Helper()
	cfg := testenv.MinIO(tb)
	admin := adminClient(tb, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := miniovault.Open(ctx, vaultConfig(cfg))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { removeBucket(tb, admin, cfg.Bucket) })
	return v, admin, cfg
}

// removeBucket empties and removes a test bucket. Test cleanup (and only
// test cleanup) may bypass governance locks; compliance locks in tests are a
// few seconds long, so it retries until they have expired.
func removeBucket(tb testing.TB, c *minio.Client, bucket string) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var lastErr error
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				lastErr = o.Err
				break
			}
			err := c.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true})
			if err != nil {
				lastErr = err
			}
		}
		if lastErr == nil {
			lastErr = c.RemoveBucket(ctx, bucket)
		}
		if lastErr == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("remove test bucket %s: %v", bucket, lastErr)
			return
		}
		time.Sleep(time.Second)
	}
}

func TestContract(t *testing.T) {
	testenv.MinIO(t) // skip (or, in CI, fail) once here rather than in every subtest
	vaulttest.Run(t, func(t *testing.T) evidence.Vault {
		v, _, _ := MustOpen(t)
		return v
	})
}

func TestOpenCreatesLockedBucket(t *testing.T) {
	_, admin, cfg := MustOpen(t)
	ctx := context.Background()
	lock, _, _, _, err := admin.GetObjectLockConfig(ctx, cfg.Bucket)
	if err != nil || lock != "Enabled" {
		t.Errorf("object lock of the created bucket = %q, %v; want Enabled", lock, err)
	}
	vc, err := admin.GetBucketVersioning(ctx, cfg.Bucket)
	if err != nil || !vc.Enabled() {
		t.Errorf("versioning of the created bucket = %+v, %v; want enabled", vc, err)
	}
	// Opening an existing locked bucket is fine (every process start does it).
	if _, err := miniovault.Open(ctx, vaultConfig(cfg)); err != nil {
		t.Errorf("second Open: %v", err)
	}
}

func TestOpenRefusesBucketWithoutLock(t *testing.T) {
	cfg := testenv.MinIO(t)
	admin := adminClient(t, cfg)
	ctx := context.Background()
	if err := admin.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, admin, cfg.Bucket) })
	_, err := miniovault.Open(ctx, vaultConfig(cfg))
	if err == nil || !strings.Contains(err.Error(), "without object lock") {
		t.Errorf("Open of a bucket without object lock: error = %v, want one that says so", err)
	}
}

// TestServerEnforcesLock shows the lock is the server's, not the vault's:
// even the root user cannot remove the locked version without the bypass.
func TestServerEnforcesLock(t *testing.T) {
	v, admin, cfg := MustOpen(t)
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "01")
	if _, err := v.Put(ctx, key, strings.NewReader("sealed"), 6, evidence.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	st, err := admin.StatObject(ctx, cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	err = admin.RemoveObject(ctx, cfg.Bucket, key, minio.RemoveObjectOptions{VersionID: st.VersionID})
	if err == nil {
		t.Fatal("removing the locked version without bypass succeeded")
	}
	if got := minio.ToErrorResponse(err).Message; !strings.Contains(got, "WORM") {
		t.Errorf("server refusal = %q, want the WORM message the vault maps to ErrRetained", got)
	}
}

// TestDeleteMarkerFromOutside: a plain S3 delete (as `mc rm` does) only
// adds a delete marker. The vault then reports the key absent, may store it
// anew, and its Delete removes every version, leaving nothing behind.
func TestDeleteMarkerFromOutside(t *testing.T) {
	v, admin, cfg := MustOpen(t)
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "pdf", "0d")
	unlocked := &evidence.Retention{}
	if _, err := v.Put(ctx, key, strings.NewReader("v1"), 2, evidence.PutOptions{Retention: unlocked}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := admin.RemoveObject(ctx, cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("plain RemoveObject: %v", err)
	}
	if _, err := v.Stat(ctx, key); !errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("Stat under a delete marker: error = %v, want %v", err, evidence.ErrObjectNotFound)
	}
	if _, err := v.Put(ctx, key, strings.NewReader("v2"), 2, evidence.PutOptions{Retention: unlocked}); err != nil {
		t.Fatalf("Put over a delete marker: %v", err)
	}
	if got := read(t, v, key); got != "v2" {
		t.Errorf("Get = %q, want %q", got, "v2")
	}
	if n := countVersions(t, admin, cfg.Bucket, key); n != 3 {
		t.Fatalf("versions before Delete = %d, want 3 (v1, marker, v2)", n)
	}
	if err := v.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n := countVersions(t, admin, cfg.Bucket, key); n != 0 {
		t.Errorf("versions after Delete = %d, want none", n)
	}
}

// TestDeleteRefusesHiddenLockedVersion: a delete marker hides a locked
// version but does not free it, and the vault's Delete says so.
func TestDeleteRefusesHiddenLockedVersion(t *testing.T) {
	v, admin, cfg := MustOpen(t)
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "0e")
	if _, err := v.Put(ctx, key, strings.NewReader("sealed"), 6, evidence.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := admin.RemoveObject(ctx, cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("plain RemoveObject of a locked object: %v (S3 allows adding the marker)", err)
	}
	if _, _, err := v.Get(ctx, key); !errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("Get under a delete marker: error = %v, want %v", err, evidence.ErrObjectNotFound)
	}
	if err := v.Delete(ctx, key); !errors.Is(err, evidence.ErrRetained) {
		t.Errorf("Delete with a hidden locked version: error = %v, want %v", err, evidence.ErrRetained)
	}
	if n := countVersions(t, admin, cfg.Bucket, key); n != 2 {
		t.Errorf("versions after refused Delete = %d, want 2 (nothing removed)", n)
	}
}

// TestMultipartNoOverwrite: bodies over the client's 16 MiB part size go up
// as multipart uploads, where If-None-Match is checked when the upload
// completes. Neither a second Put nor a body of the wrong size may land.
func TestMultipartNoOverwrite(t *testing.T) {
	v, _, _ := MustOpen(t)
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "bundle", "big")
	body := bytes.Repeat([]byte("0123456789abcdef"), (17<<20)/16)
	unlocked := evidence.PutOptions{Retention: &evidence.Retention{}}
	plain := func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} } // no ReaderAt, no Seeker

	long := evidence.ObjectKey("tenant-a", "bundle", "long")
	if _, err := v.Put(ctx, long, plain(append(body, 'x')), int64(len(body)), unlocked); err == nil {
		t.Error("Put of a body one byte longer than its size succeeded")
	}
	if _, err := v.Stat(ctx, long); !errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("Stat after the failed Put: error = %v, want %v", err, evidence.ErrObjectNotFound)
	}
	if _, err := v.Put(ctx, key, plain(body), int64(len(body)), unlocked); err != nil {
		t.Fatalf("Put: %v", err)
	}
	other := bytes.Repeat([]byte("x"), len(body))
	_, err := v.Put(ctx, key, plain(other), int64(len(other)), unlocked)
	if !errors.Is(err, evidence.ErrObjectExists) {
		t.Errorf("second multipart Put: error = %v, want %v", err, evidence.ErrObjectExists)
	}
	if got := read(t, v, key); got != string(body) {
		t.Errorf("Get returned %d bytes that differ from the %d put first", len(got), len(body))
	}
}

func TestPingMissingBucket(t *testing.T) {
	v, admin, cfg := MustOpen(t)
	ctx := context.Background()
	if err := v.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := admin.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Fatalf("RemoveBucket: %v", err)
	}
	if err := v.Ping(ctx); err == nil {
		t.Error("Ping without its bucket succeeded, want an error")
	}
	if err := admin.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{ObjectLocking: true}); err != nil {
		t.Fatalf("MakeBucket for cleanup: %v", err)
	}
}

func TestOpenConfigErrors(t *testing.T) {
	for _, cfg := range []miniovault.Config{
		{Bucket: "b"},
		{Endpoint: "http://127.0.0.1:9000", Bucket: "b"},
		{Endpoint: "127.0.0.1:9000"},
		{Endpoint: "127.0.0.1:9000", Bucket: "b", RetentionMode: evidence.RetentionGovernance},
		{Endpoint: "127.0.0.1:9000", Bucket: "b", RetentionMode: "FOREVER", RetentionPeriod: time.Hour},
	} {
		if _, err := miniovault.Open(context.Background(), cfg); err == nil {
			t.Errorf("Open(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestConfigLogValueMasksSecret(t *testing.T) {
	cfg := miniovault.Config{Endpoint: "h:1", AccessKey: "ak", SecretKey: "s3cr3t-value", Bucket: "b"}
	if s := cfg.LogValue().String(); strings.Contains(s, "s3cr3t-value") || !strings.Contains(s, "ak") {
		t.Errorf("LogValue = %s, want the access key and no secret", s)
	}
}

func read(t *testing.T, v evidence.Vault, key string) string {
	t.Helper()
	rc, _, err := v.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return buf.String()
}

// countVersions counts versions and delete markers of exactly key.
func countVersions(t *testing.T, c *minio.Client, bucket, key string) int {
	t.Helper()
	n := 0
	for o := range c.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: key, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatalf("list versions: %v", o.Err)
		}
		if o.Key == key {
			n++
		}
	}
	return n
}

// TestReadFallbacks: a process that answers "no such key" for an object the
// cluster has (one that has just restarted) is not believed while another
// process has it; with no other process to ask, the miss stands. The
// lagging process is a proxy in front of the test server that hides one
// key from reads.
func TestReadFallbacks(t *testing.T) {
	v, _, cfg := MustOpen(t)
	ctx := context.Background()
	key := "t/fallback/object"
	if _, err := v.Put(ctx, key, strings.NewReader("kept"), 4, evidence.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://" + cfg.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var hidden atomic.Int64
	lagging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasSuffix(r.URL.Path, "/"+key) {
			hidden.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound) // a HEAD's 404 has no body; the client reads it as NoSuchKey
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		proxy.ServeHTTP(w, r) // the Host header stays the proxy's, which the signature covers
	}))
	defer lagging.Close()
	laggingEP := strings.TrimPrefix(lagging.URL, "http://")

	for _, tc := range []struct {
		name      string
		fallbacks []string
		found     bool
	}{
		{"another process has it", []string{"127.0.0.1:1", cfg.Endpoint}, true}, // an unreachable one is passed over
		{"no other process", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := vaultConfig(cfg)
			c.Endpoint, c.ReadFallbacks = laggingEP, tc.fallbacks
			lv, err := miniovault.Open(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			before := hidden.Load()
			rc, _, err := lv.Get(ctx, key)
			if hidden.Load() == before {
				t.Fatal("the read did not go to the lagging process first")
			}
			if !tc.found {
				if !errors.Is(err, evidence.ErrObjectNotFound) {
					t.Fatalf("Get = %v, want ErrObjectNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != "kept" {
				t.Fatalf("Get read %q", b)
			}
		})
	}
}
