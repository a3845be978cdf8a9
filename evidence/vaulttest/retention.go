package vaulttest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"signet/evidence"
)

func testDefaultRetention(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "pdf", "d0")
	before := time.Now()
	info := mustPut(t, v, key, []byte("default"), evidence.PutOptions{})
	after := time.Now()
	r := info.Retention
	if r.Mode != DefaultMode {
		t.Errorf("Put without Retention: mode = %q, want the default %q", r.Mode, DefaultMode)
	}
	if lo, hi := before.Add(DefaultPeriod), ceilSecond(after.Add(DefaultPeriod)); r.Until.Before(lo) || r.Until.After(hi) {
		t.Errorf("Put without Retention: until = %v, want between %v and %v", r.Until, lo, hi)
	}
	sameInfo(t, "Stat", mustStat(t, v, key), info)
	wantErr(t, "Delete", v.Delete(context.Background(), key), evidence.ErrRetained)
}

func testNoRetention(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "draft", "n0")
	info := mustPut(t, v, key, []byte("draft"), evidence.PutOptions{Retention: unlocked()})
	if info.Retention.Mode != evidence.RetentionNone || !info.Retention.Until.IsZero() {
		t.Errorf("Put with an empty Retention: retention = %+v, want none", info.Retention)
	}
	if got := mustStat(t, v, key).Retention; got.Mode != evidence.RetentionNone || !got.Until.IsZero() {
		t.Errorf("Stat: retention = %+v, want none", got)
	}
	if err := v.Delete(context.Background(), key); err != nil {
		t.Fatalf("Delete of an unlocked object: %v", err)
	}
	wantAbsent(t, v, key)
}

func testRetentionInPastRejected(t *testing.T, v evidence.Vault) {
	key := evidence.ObjectKey("tenant-a", "pdf", "p0")
	past := &evidence.Retention{Mode: evidence.RetentionGovernance, Until: time.Now().Add(-time.Minute)}
	_, err := v.Put(context.Background(), key, failingReader{t}, 1, evidence.PutOptions{Retention: past})
	if err == nil || errors.Is(err, evidence.ErrObjectExists) {
		t.Errorf("Put with retain-until in the past: error = %v, want a refusal", err)
	}
	unknown := &evidence.Retention{Mode: "FOREVER", Until: time.Now().Add(time.Hour)}
	if _, err := v.Put(context.Background(), key, failingReader{t}, 1, evidence.PutOptions{Retention: unknown}); err == nil {
		t.Error("Put with an unknown retention mode succeeded, want an error")
	}
	wantAbsent(t, v, key)
}

func testRetentionBlocksDelete(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "r0")
	mustPut(t, v, key, []byte("sealed"), evidence.PutOptions{Retention: lockedFor(evidence.RetentionGovernance, time.Hour)})
	for range 2 { // a refused Delete changes nothing, so it is refused again
		wantErr(t, "Delete of a locked object", v.Delete(ctx, key), evidence.ErrRetained)
	}
	got, _ := mustGet(t, v, key)
	if string(got) != "sealed" {
		t.Errorf("Get after refused Delete = %q, want %q", got, "sealed")
	}
	if keys := listKeys(t, v, key); len(keys) != 1 || keys[0] != key {
		t.Errorf("List after refused Delete = %q, want [%q]", keys, key)
	}
}

func testRetentionCannotShorten(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "s0")
	until := ceilSecond(time.Now().Add(time.Hour))
	mustPut(t, v, key, []byte("sealed"), evidence.PutOptions{Retention: &evidence.Retention{Mode: evidence.RetentionGovernance, Until: until}})
	gov := func(u time.Time) evidence.Retention {
		return evidence.Retention{Mode: evidence.RetentionGovernance, Until: u}
	}

	wantErr(t, "shorten", v.ExtendRetention(ctx, key, gov(until.Add(-10*time.Minute))), evidence.ErrRetained)
	wantErr(t, "shorten by a second", v.ExtendRetention(ctx, key, gov(until.Add(-time.Second))), evidence.ErrRetained)
	wantErr(t, "remove", v.ExtendRetention(ctx, key, evidence.Retention{}), evidence.ErrRetained)
	if got := mustStat(t, v, key).Retention; got.Mode != evidence.RetentionGovernance || !got.Until.Equal(until) {
		t.Errorf("after refused changes: retention = %+v, want governance until %v", got, until)
	}
	if err := v.ExtendRetention(ctx, key, gov(until)); err != nil {
		t.Errorf("ExtendRetention to the same Until: %v", err)
	}
	longer := until.Add(time.Hour).Add(300 * time.Millisecond)
	if err := v.ExtendRetention(ctx, key, gov(longer)); err != nil {
		t.Fatalf("ExtendRetention to a later Until: %v", err)
	}
	if got := mustStat(t, v, key).Retention; got.Mode != evidence.RetentionGovernance || !got.Until.Equal(ceilSecond(longer)) {
		t.Errorf("after extending: retention = %+v, want governance until %v", got, ceilSecond(longer))
	}
	wantErr(t, "shorten back to the old Until", v.ExtendRetention(ctx, key, gov(until)), evidence.ErrRetained)
	wantErr(t, "Delete", v.Delete(ctx, key), evidence.ErrRetained)
}

// testRetentionModeCannotChange uses short locks, so that a vault which
// wrongly allowed the change would not leave a long compliance lock behind.
func testRetentionModeCannotChange(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "m0")
	info := mustPut(t, v, key, []byte("x"), evidence.PutOptions{Retention: lockedFor(evidence.RetentionGovernance, ShortRetention)})
	next := evidence.Retention{Mode: evidence.RetentionCompliance, Until: info.Retention.Until.Add(time.Second)}
	err := v.ExtendRetention(ctx, key, next)
	if time.Now().After(info.Retention.Until) {
		t.Fatalf("the test took longer than the %v lock it relies on", ShortRetention)
	}
	wantErr(t, "governance to compliance", err, evidence.ErrRetained)
	if got := mustStat(t, v, key).Retention; got.Mode != evidence.RetentionGovernance || !got.Until.Equal(info.Retention.Until) {
		t.Errorf("after refused mode change: retention = %+v, want %+v", got, info.Retention)
	}
	waitUntilPast(next.Until)
}

func testCompliancePeriodExpires(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "seal", "c1")
	info := mustPut(t, v, key, []byte("x"), evidence.PutOptions{Retention: lockedFor(evidence.RetentionCompliance, ShortRetention)})
	if info.Retention.Mode != evidence.RetentionCompliance {
		t.Fatalf("Put: retention = %+v, want compliance", info.Retention)
	}
	weaker := evidence.Retention{Mode: evidence.RetentionGovernance, Until: info.Retention.Until.Add(time.Hour)}
	err := v.ExtendRetention(ctx, key, weaker)
	derr := v.Delete(ctx, key)
	if time.Now().After(info.Retention.Until) {
		t.Fatalf("the test took longer than the %v lock it relies on", ShortRetention)
	}
	wantErr(t, "compliance to governance", err, evidence.ErrRetained)
	wantErr(t, "Delete under compliance", derr, evidence.ErrRetained)
	waitUntilPast(info.Retention.Until)
	if err := v.Delete(ctx, key); err != nil {
		t.Fatalf("Delete after the compliance lock expired: %v", err)
	}
	wantAbsent(t, v, key)
}

func testExtendRetentionLocksObject(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "pdf", "x0")
	mustPut(t, v, key, []byte("x"), evidence.PutOptions{Retention: unlocked()})
	until := time.Now().Add(time.Hour)
	if err := v.ExtendRetention(ctx, key, evidence.Retention{Mode: evidence.RetentionGovernance, Until: until}); err != nil {
		t.Fatalf("ExtendRetention of an unlocked object: %v", err)
	}
	if got := mustStat(t, v, key).Retention; got.Mode != evidence.RetentionGovernance || !got.Until.Equal(ceilSecond(until)) {
		t.Errorf("retention = %+v, want governance until %v", got, ceilSecond(until))
	}
	wantErr(t, "Delete", v.Delete(ctx, key), evidence.ErrRetained)
	past := evidence.Retention{Mode: evidence.RetentionGovernance, Until: time.Now().Add(-time.Minute)}
	other := evidence.ObjectKey("tenant-a", "pdf", "x1")
	mustPut(t, v, other, []byte("y"), evidence.PutOptions{Retention: unlocked()})
	if err := v.ExtendRetention(ctx, other, past); err == nil || errors.Is(err, evidence.ErrObjectNotFound) {
		t.Errorf("ExtendRetention to a past Until: error = %v, want a refusal", err)
	}
	if err := v.Delete(ctx, other); err != nil {
		t.Errorf("Delete after a refused ExtendRetention: %v", err)
	}
}

func testDeleteAfterRetentionExpires(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	key := evidence.ObjectKey("tenant-a", "otp", "e0")
	info := mustPut(t, v, key, []byte("short-lived"), evidence.PutOptions{Retention: lockedFor(evidence.RetentionGovernance, ShortRetention)})
	wantErr(t, "Delete while locked", v.Delete(ctx, key), evidence.ErrRetained)
	waitUntilPast(info.Retention.Until)
	if got := mustStat(t, v, key).Retention; got.Active(time.Now()) {
		t.Errorf("retention %+v still active after its Until", got)
	}
	if err := v.Delete(ctx, key); err != nil {
		t.Fatalf("Delete after the lock expired: %v", err)
	}
	wantAbsent(t, v, key)
	wantErr(t, "second Delete", v.Delete(ctx, key), evidence.ErrObjectNotFound)
	// Deleted means gone: the key can be used again.
	mustPut(t, v, key, []byte("again"), evidence.PutOptions{Retention: unlocked()})
	if got, _ := mustGet(t, v, key); string(got) != "again" {
		t.Errorf("Get after Delete and Put = %q, want %q", got, "again")
	}
}

func testDeleteOnlyThatKey(t *testing.T, v evidence.Vault) {
	ctx := context.Background()
	keys := []string{"t/d/x", "t/d/x-1", "t/d/xy", "t/d/w"}
	for _, key := range keys {
		mustPut(t, v, key, []byte(key), evidence.PutOptions{Retention: unlocked()})
	}
	if err := v.Delete(ctx, "t/d/x"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantAbsent(t, v, "t/d/x")
	for _, key := range keys[1:] {
		if got, _ := mustGet(t, v, key); string(got) != key {
			t.Errorf("Get(%q) after deleting t/d/x = %q, want %q", key, got, key)
		}
	}
	if got, want := listKeys(t, v, "t/d/"), []string{"t/d/w", "t/d/x-1", "t/d/xy"}; !slices.Equal(got, want) {
		t.Errorf("List after Delete = %q, want %q", got, want)
	}
}
