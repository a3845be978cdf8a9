// Package vaulttest is the contract every [evidence.Vault] must meet, as one
// test suite that each implementation runs against itself:
//
//	func TestContract(t *testing.T) {
//		vaulttest.Run(t, func(t *testing.T) evidence.Vault { return openForTest(t) })
//	}
//
// The suite asserts exact bytes, sentinel errors and object descriptions, so
// two vaults that pass it behave alike for their callers. It leaves out one
// shape [evidence.ValidKey] allows but [evidence.ObjectKey] never builds: a
// key that is the "directory" of another (t/a/x and t/a/x/1). MinIO stores
// both but does not list the deeper one.
package vaulttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"signet/evidence"
)

// DefaultMode and DefaultPeriod are the default retention the vaults that
// Run's open returns must be configured with: the suite checks that a Put
// without PutOptions.Retention gets exactly this lock. Governance mode keeps
// test buckets removable (with the bypass only test cleanup may use).
const (
	DefaultMode   = evidence.RetentionGovernance
	DefaultPeriod = time.Hour
)

// ShortRetention is the lock the suite waits out to see a lock expire. It is
// the only period a test may use in compliance mode, which nobody can lift.
const ShortRetention = 2 * time.Second

// Run runs the contract suite. open must return a new, empty vault
// configured with [DefaultMode] and [DefaultPeriod], and arrange its cleanup
// with t.Cleanup. The subtests run in parallel, each with its own vault.
func Run(t *testing.T, open func(t *testing.T) evidence.Vault) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, v evidence.Vault)
	}{
		{"PutGet", testPutGet},
		{"EmptyObject", testEmptyObject},
		{"LargeObject", testLargeObject},
		{"Stat", testStat},
		{"ContentTypeRoundTrip", testContentTypeRoundTrip},
		{"ErrObjectExists", testErrObjectExists},
		{"ConcurrentPutOneWins", testConcurrentPutOneWins},
		{"ErrObjectNotFound", testErrObjectNotFound},
		{"InvalidKey", testInvalidKey},
		{"SizeMismatchLeavesNothing", testSizeMismatchLeavesNothing},
		{"CanceledPutLeavesNothing", testCanceledPutLeavesNothing},
		{"ListPrefixOrder", testListPrefixOrder},
		{"ListStopsAtError", testListStopsAtError},
		{"DefaultRetention", testDefaultRetention},
		{"NoRetention", testNoRetention},
		{"RetentionInPastRejected", testRetentionInPastRejected},
		{"RetentionBlocksDelete", testRetentionBlocksDelete},
		{"RetentionCannotShorten", testRetentionCannotShorten},
		{"RetentionModeCannotChange", testRetentionModeCannotChange},
		{"ExtendRetentionLocksObject", testExtendRetentionLocksObject},
		{"DeleteAfterRetentionExpires", testDeleteAfterRetentionExpires},
		{"CompliancePeriodExpires", testCompliancePeriodExpires},
		{"DeleteOnlyThatKey", testDeleteOnlyThatKey},
		{"Ping", testPing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open(t))
		})
	}
}

// unlocked asks a Put for no lock at all.
func unlocked() *evidence.Retention { return &evidence.Retention{} }

// lockedFor asks a Put for a lock of mode from now for d.
func lockedFor(mode evidence.RetentionMode, d time.Duration) *evidence.Retention {
	return &evidence.Retention{Mode: mode, Until: time.Now().Add(d)}
}

// ceilSecond is how vaults store Until: rounded up to a whole second, UTC.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC().Round(0)
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}

func mustPut(t *testing.T, v evidence.Vault, key string, body []byte, opts evidence.PutOptions) evidence.ObjectInfo {
	t.Helper()
	info, err := v.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

// mustGet reads the whole object.
func mustGet(t *testing.T, v evidence.Vault, key string) ([]byte, evidence.ObjectInfo) {
	t.Helper()
	rc, info, err := v.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return b, info
}

func mustStat(t *testing.T, v evidence.Vault, key string) evidence.ObjectInfo {
	t.Helper()
	info, err := v.Stat(context.Background(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	return info
}

// sameInfo fails unless got and want describe the same object.
func sameInfo(t *testing.T, what string, got, want evidence.ObjectInfo) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ContentType != want.ContentType ||
		!got.Created.Equal(want.Created) || got.Retention.Mode != want.Retention.Mode ||
		!got.Retention.Until.Equal(want.Retention.Until) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// wantAbsent fails unless key is neither readable, describable nor listed.
func wantAbsent(t *testing.T, v evidence.Vault, key string) {
	t.Helper()
	ctx := context.Background()
	rc, _, err := v.Get(ctx, key)
	if err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Get(%q) = %q, want %v", key, b, evidence.ErrObjectNotFound)
	} else {
		wantErr(t, "Get("+key+")", err, evidence.ErrObjectNotFound)
	}
	_, err = v.Stat(ctx, key)
	wantErr(t, "Stat("+key+")", err, evidence.ErrObjectNotFound)
	if keys := listKeys(t, v, key); slices.Contains(keys, key) {
		t.Errorf("List(%q) = %q, want it without %q", key, keys, key)
	}
}

// listKeys returns the keys List reports for prefix, in its order.
func listKeys(t *testing.T, v evidence.Vault, prefix string) []string {
	t.Helper()
	keys := []string{}
	err := v.List(context.Background(), prefix, func(info evidence.ObjectInfo) error {
		keys = append(keys, info.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

// waitUntilPast sleeps until t (plus a margin for the server's clock) has passed.
func waitUntilPast(t time.Time) {
	time.Sleep(time.Until(t) + 1500*time.Millisecond)
}
