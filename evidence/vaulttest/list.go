package vaulttest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"signet/evidence"
)

// listKeysUnderTest are chosen so that sorting by key differs from walking
// directories in name order: '-' and '.' sort before '/', and 'A' before 'a'.
// No key is the "directory" of another (t/a/x beside t/a/x/1): MinIO cannot
// list such pairs, and ObjectKey's fixed shape never makes them.
var listKeysUnderTest = []string{
	"t/a/x/2", "u/1", "t/a-b/1", "t/a.b", "t/A/1", "t/a/x/1",
	"t/b/1", "t/a/x-1", "t/a/x/10", "t/a/x.1", "t/a/y", "s",
}

func testListPrefixOrder(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	stored := map[string]evidence.ObjectInfo{}
	for _, key := range listKeysUnderTest { // deliberately not in key order
		stored[key] = mustPut(t, v, key, []byte(key), evidence.PutOptions{ContentType: "text/plain", Retention: unlocked()})
	}
	prefixes := []string{"", "t", "t/", "t/a", "t/a/", "t/a/x", "t/a/x/", "t/a/x/1", "t/a/x/2", "t/A", "t/c", "nothing/", "u/1/"}
	for _, prefix := range prefixes {
		var want []string
		for _, key := range listKeysUnderTest {
			if strings.HasPrefix(key, prefix) {
				want = append(want, key)
			}
		}
		slices.Sort(want)
		var got []string
		err := v.List(ctx, prefix, func(info evidence.ObjectInfo) error {
			got = append(got, info.Key)
			if s, ok := stored[info.Key]; ok {
				sameInfo(t, "listed "+info.Key, info, s)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func testListStopsAtError(t *testing.T, v evidence.Vault) {
	for _, key := range []string{"t/s/1", "t/s/2", "t/s/3", "t/s/4"} {
		mustPut(t, v, key, []byte(key), evidence.PutOptions{Retention: unlocked()})
	}
	errStop := errors.New("stop here")
	var seen []string
	err := v.List(context.Background(), "t/s/", func(info evidence.ObjectInfo) error {
		seen = append(seen, info.Key)
		if len(seen) == 2 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("List error = %v, want fn's %v", err, errStop)
	}
	if want := []string{"t/s/1", "t/s/2"}; !slices.Equal(seen, want) {
		t.Errorf("List called fn with %q, want %q and then stop", seen, want)
	}
}
