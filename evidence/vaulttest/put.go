package vaulttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/evidence"
)

func testPutGet(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "pdf", "0af3")
	body := []byte("%PDF-1.7\nsigned contract\n")
	before := time.Now()
	info := mustPut(t, v, key, body, evidence.PutOptions{ContentType: "application/pdf", Retention: unlocked()})
	after := time.Now()

	want := evidence.ObjectInfo{Key: key, Size: int64(len(body)), ContentType: "application/pdf", Created: info.Created}
	sameInfo(t, "Put info", info, want)
	// Created may be the server's clock, truncated to the second.
	if info.Created.Before(before.Add(-2*time.Second)) || info.Created.After(after.Add(2*time.Second)) {
		t.Errorf("Created = %v, want between %v and %v", info.Created, before, after)
	}
	got, ginfo := mustGet(t, v, key)
	if !bytes.Equal(got, body) {
		t.Errorf("Get = %q, want %q", got, body)
	}
	sameInfo(t, "Get info", ginfo, info)
}

func testEmptyObject(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "empty", "00")
	info := mustPut(t, v, key, nil, evidence.PutOptions{Retention: unlocked()})
	if info.Size != 0 {
		t.Errorf("Put Size = %d, want 0", info.Size)
	}
	got, _ := mustGet(t, v, key)
	if len(got) != 0 {
		t.Errorf("Get = %q, want empty", got)
	}
}

// testLargeObject streams a body through a reader that is neither a
// ReaderAt nor a Seeker, as an HTTP upload is, and bigger than small buffers.
func testLargeObject(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "bundle", "1a")
	body := make([]byte, 3<<20+17)
	rand.Read(body)
	_, err := v.Put(context.Background(), key, struct{ io.Reader }{bytes.NewReader(body)}, int64(len(body)), evidence.PutOptions{Retention: unlocked()})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, info := mustGet(t, v, key)
	if info.Size != int64(len(body)) || !bytes.Equal(got, body) {
		t.Errorf("Get returned %d bytes (Size %d), want the %d bytes put", len(got), info.Size, len(body))
	}
}

func testStat(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "receipt", "5e")
	until := time.Now().Add(30 * time.Minute)
	info := mustPut(t, v, key, []byte("receipt"), evidence.PutOptions{
		ContentType: "application/json",
		Retention:   &evidence.Retention{Mode: evidence.RetentionGovernance, Until: until},
	})
	want := evidence.ObjectInfo{
		Key:         key,
		Size:        7,
		ContentType: "application/json",
		Created:     info.Created,
		Retention:   evidence.Retention{Mode: evidence.RetentionGovernance, Until: ceilSecond(until)},
	}
	sameInfo(t, "Put info", info, want)
	sameInfo(t, "Stat", mustStat(t, v, key), want)
	_, ginfo := mustGet(t, v, key)
	sameInfo(t, "Get info", ginfo, want)
	var listed []evidence.ObjectInfo
	err := v.List(context.Background(), key, func(o evidence.ObjectInfo) error {
		listed = append(listed, o)
		return nil
	})
	if err != nil || len(listed) != 1 {
		t.Fatalf("List(%q) = %+v, %v; want the one object", key, listed, err)
	}
	sameInfo(t, "listed", listed[0], want)
}

func testContentTypeRoundTrip(t *testing.T, v evidence.Vault) {
	cases := []struct{ put, want string }{
		{"application/pdf", "application/pdf"},
		{"application/json; charset=utf-8", "application/json; charset=utf-8"},
		{"image/png", "image/png"},
		{"", "application/octet-stream"}, // what S3 stores when none is given
	}
	for i, c := range cases {
		key := evidence.ObjectKey("tenant-a", "ct", fmt.Sprint(i))
		info := mustPut(t, v, key, []byte("x"), evidence.PutOptions{ContentType: c.put, Retention: unlocked()})
		_, ginfo := mustGet(t, v, key)
		var listed []string
		err := v.List(context.Background(), key, func(o evidence.ObjectInfo) error {
			listed = append(listed, o.ContentType)
			return nil
		})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for what, got := range map[string]string{"Put": info.ContentType, "Get": ginfo.ContentType, "Stat": mustStat(t, v, key).ContentType} {
			if got != c.want {
				t.Errorf("ContentType %q: %s says %q, want %q", c.put, what, got, c.want)
			}
		}
		if len(listed) != 1 || listed[0] != c.want {
			t.Errorf("ContentType %q: List says %q, want [%q]", c.put, listed, c.want)
		}
	}
}

func testErrObjectExists(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "pdf", "e1")
	first := mustPut(t, v, key, []byte("first"), evidence.PutOptions{ContentType: "text/plain", Retention: unlocked()})
	for _, body := range []string{"first", "second, longer"} {
		_, err := v.Put(ctx, key, strings.NewReader(body), int64(len(body)), evidence.PutOptions{Retention: unlocked()})
		wantErr(t, "second Put", err, evidence.ErrObjectExists)
	}
	got, info := mustGet(t, v, key)
	if string(got) != "first" {
		t.Errorf("Get after refused Puts = %q, want %q", got, "first")
	}
	sameInfo(t, "Get info", info, first)
}

func testConcurrentPutOneWins(t *testing.T, v evidence.Vault) {
	const writers = 8
	key := evidence.ObjectKey("tenant-a", "pdf", "c0")
	start := make(chan struct{})
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			body := fmt.Sprintf("writer %d", i)
			<-start
			_, errs[i] = v.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), evidence.PutOptions{Retention: unlocked()})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, evidence.ErrObjectExists):
			t.Errorf("writer %d: error = %v, want %v", i, err, evidence.ErrObjectExists)
		}
	}
	if winner < 0 {
		t.Fatal("no writer succeeded")
	}
	got, _ := mustGet(t, v, key)
	if want := fmt.Sprintf("writer %d", winner); string(got) != want {
		t.Errorf("Get = %q, want the winner's %q", got, want)
	}
}

func testErrObjectNotFound(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	mustPut(t, v, evidence.ObjectKey("tenant-a", "pdf", "aa11"), []byte("x"), evidence.PutOptions{Retention: unlocked()})
	missing := []string{
		evidence.ObjectKey("tenant-a", "pdf", "bb22"),
		evidence.ObjectKey("tenant-a", "pdf", "aa1"),   // a prefix of a stored key
		evidence.ObjectKey("tenant-a", "pdf", "aa111"), // a stored key is a prefix of it
		"t/tenant-a/pdf", // the "directory" of a stored key
		evidence.ObjectKey("tenant-b", "pdf", "aa11"), // the same object name, another tenant
	}
	for _, key := range missing {
		wantAbsent(t, v, key)
		wantErr(t, "Delete("+key+")", v.Delete(ctx, key), evidence.ErrObjectNotFound)
		err := v.ExtendRetention(ctx, key, evidence.Retention{Mode: evidence.RetentionGovernance, Until: time.Now().Add(time.Hour)})
		wantErr(t, "ExtendRetention("+key+")", err, evidence.ErrObjectNotFound)
	}
	// None of that created anything.
	if keys := listKeys(t, v, ""); len(keys) != 1 {
		t.Errorf("List = %q, want only the one stored key", keys)
	}
}

// failingReader fails the test if anyone reads it.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("Put read the body of a request it should have refused")
	return 0, io.EOF
}

func testInvalidKey(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	bad := []string{
		"", "/", "/t/a/b", "t/a/b/", "t//b", "t/./b", "t/../b", "..", "../etc/passwd",
		"t/a b", `t\a`, "t/a%2f", "t/ä", "t/a\x00b", "t/a@data", strings.Repeat("a", 513),
	}
	for _, key := range bad {
		_, err := v.Put(ctx, key, failingReader{t}, 1, evidence.PutOptions{Retention: unlocked()})
		wantErr(t, fmt.Sprintf("Put(%q)", key), err, evidence.ErrInvalidKey)
		_, _, err = v.Get(ctx, key)
		wantErr(t, fmt.Sprintf("Get(%q)", key), err, evidence.ErrInvalidKey)
		_, err = v.Stat(ctx, key)
		wantErr(t, fmt.Sprintf("Stat(%q)", key), err, evidence.ErrInvalidKey)
		err = v.Delete(ctx, key)
		wantErr(t, fmt.Sprintf("Delete(%q)", key), err, evidence.ErrInvalidKey)
		err = v.ExtendRetention(ctx, key, evidence.Retention{Mode: evidence.RetentionGovernance, Until: time.Now().Add(time.Hour)})
		wantErr(t, fmt.Sprintf("ExtendRetention(%q)", key), err, evidence.ErrInvalidKey)
	}
	// The longest valid key works: the limit is ValidKey's, not the store's.
	// (Its segments stay within the 250 bytes a file name can hold.)
	long := "t/" + strings.Repeat("a", 250) + "/" + strings.Repeat("b", 250) + "/" + strings.Repeat("c", 8)
	if len(long) != 512 {
		t.Fatalf("test key has %d bytes, want 512", len(long))
	}
	mustPut(t, v, long, []byte("long"), evidence.PutOptions{Retention: unlocked()})
	if got, _ := mustGet(t, v, long); string(got) != "long" {
		t.Errorf("Get(512-byte key) = %q, want %q", got, "long")
	}
	// A prefix no valid key can have lists nothing, whatever is on disk.
	for _, prefix := range []string{"../", "t/../", "/"} {
		if keys := listKeys(t, v, prefix); len(keys) != 0 {
			t.Errorf("List(%q) = %q, want nothing", prefix, keys)
		}
	}
}

// errBoom is the failure of a reader that breaks mid-body.
var errBoom = errors.New("boom")

type breakingReader struct{ left int }

func (r *breakingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, errBoom
	}
	n := min(len(p), r.left)
	for i := range n {
		p[i] = 'b'
	}
	r.left -= n
	return n, nil
}

func testSizeMismatchLeavesNothing(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	cases := []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"Short", strings.NewReader("abc"), 10},
		{"Long", strings.NewReader("abcdef"), 3},
		{"LongByOne", strings.NewReader("abcd"), 3},
		{"NonEmptyForZero", strings.NewReader("a"), 0},
		{"ShortNotSeekable", struct{ io.Reader }{strings.NewReader("abc")}, 10},
		{"LongNotSeekable", struct{ io.Reader }{strings.NewReader("abcdef")}, 3},
		{"ReaderFails", &breakingReader{left: 2}, 10},
		{"ReaderFailsAtEnd", &breakingReader{left: 10}, 10},
	}
	for i, c := range cases {
		key := evidence.ObjectKey("tenant-a", "mismatch", fmt.Sprint(i))
		_, err := v.Put(ctx, key, c.r, c.size, evidence.PutOptions{Retention: unlocked()})
		if err == nil {
			t.Errorf("%s: Put succeeded, want an error", c.name)
		}
		if errors.Is(err, evidence.ErrObjectExists) {
			t.Errorf("%s: Put error = %v, must not claim the key exists", c.name, err)
		}
		wantAbsent(t, v, key)
		// The failed Put did not take the key.
		mustPut(t, v, key, []byte("abc"), evidence.PutOptions{Retention: unlocked()})
		if got, _ := mustGet(t, v, key); string(got) != "abc" {
			t.Errorf("%s: Get after retry = %q, want %q", c.name, got, "abc")
		}
	}
	if _, err := v.Put(ctx, evidence.ObjectKey("tenant-a", "mismatch", "neg"), strings.NewReader(""), -1, evidence.PutOptions{}); err == nil {
		t.Error("Put with size -1 succeeded, want an error")
	}
}

func testCanceledPutLeavesNothing(t *testing.T, v evidence.Vault) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := evidence.ObjectKey("tenant-a", "pdf", "cc")
	if _, err := v.Put(ctx, key, strings.NewReader("abc"), 3, evidence.PutOptions{Retention: unlocked()}); err == nil {
		t.Error("Put with a canceled context succeeded, want an error")
	}
	wantAbsent(t, v, key)
}

func testPing(t *testing.T, v evidence.Vault) {
	if err := v.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
