package miniovault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/minio/minio-go/v7"

	"signet/evidence"
)

// ExtendRetention sets r on the key's current version. The vault checks the
// rules first for a clear error; the server enforces them anyway (without the
// bypass header, which the vault never sends) and its refusal is also
// reported as [evidence.ErrRetained].
func (v *Vault) ExtendRetention(ctx context.Context, key string, r evidence.Retention) error {
	if !evidence.ValidKey(key) {
		return fmt.Errorf("extend retention %q: %w", key, evidence.ErrInvalidKey)
	}
	if err := checkMode(r.Mode); err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	st, err := v.client.StatObject(ctx, v.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return fmt.Errorf("extend retention %s: %w", key, translate(err))
	}
	info, err := infoOf(key, st)
	if err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	now := time.Now()
	next := evidence.Retention{}
	if r.Mode != evidence.RetentionNone {
		next = evidence.Retention{Mode: r.Mode, Until: ceilSecond(r.Until)}
	}
	if err := checkExtension(info.Retention, next, now); err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	if next.Mode == info.Retention.Mode && next.Until.Equal(info.Retention.Until) ||
		next.Mode == evidence.RetentionNone && !info.Retention.Active(now) {
		return nil // nothing to change; an expired lock simply stays expired
	}
	mode := minio.RetentionMode(next.Mode)
	err = v.client.PutObjectRetention(ctx, v.bucket, key, minio.PutObjectRetentionOptions{
		Mode:            &mode,
		RetainUntilDate: &next.Until,
		VersionID:       st.VersionID,
	})
	if err != nil {
		return fmt.Errorf("extend retention %s: %w", key, translate(err))
	}
	return nil
}

// Delete removes every version of key (see the package documentation). All
// locks are checked before anything is removed, and versions are removed
// oldest first, so should the server still refuse one (its clock decides),
// the current version is the last to go and the key stays readable.
func (v *Vault) Delete(ctx context.Context, key string) error {
	if !evidence.ValidKey(key) {
		return fmt.Errorf("delete %q: %w", key, evidence.ErrInvalidKey)
	}
	versions, err := v.versions(ctx, key)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	now := time.Now()
	hasData := false
	for _, o := range versions {
		if o.IsDeleteMarker {
			continue
		}
		hasData = true
		ret, err := v.versionLock(ctx, o)
		if errors.Is(err, evidence.ErrObjectNotFound) {
			continue // removed since it was listed
		}
		if err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
		if ret.Active(now) {
			return fmt.Errorf("delete %s: version %s has a %s lock until %s: %w", key, o.VersionID, ret.Mode, ret.Until.Format(time.RFC3339), evidence.ErrRetained)
		}
	}
	if !hasData {
		return fmt.Errorf("delete %s: %w", key, evidence.ErrObjectNotFound)
	}
	for _, o := range slices.Backward(versions) {
		err := v.client.RemoveObject(ctx, v.bucket, key, minio.RemoveObjectOptions{VersionID: o.VersionID})
		if err != nil && !errors.Is(translate(err), evidence.ErrObjectNotFound) {
			return fmt.Errorf("delete %s: remove version %s: %w", key, o.VersionID, translate(err))
		}
	}
	return nil
}

// versions lists every version and delete marker of exactly key, newest first.
func (v *Vault) versions(ctx context.Context, key string) ([]minio.ObjectInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []minio.ObjectInfo
	for o := range v.client.ListObjects(ctx, v.bucket, minio.ListObjectsOptions{Prefix: key, Recursive: true, WithVersions: true, WithMetadata: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list versions: %w", translate(o.Err))
		}
		if o.Key == key { // the prefix also matches longer keys
			out = append(out, o)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// versionLock returns the lock of one listed version, from the listing's
// metadata when the server sent it, else with a HEAD of that version.
func (v *Vault) versionLock(ctx context.Context, o minio.ObjectInfo) (evidence.Retention, error) {
	if o.UserMetadata != nil {
		info, err := listedInfoOf(o)
		return info.Retention, err
	}
	st, err := v.client.StatObject(ctx, v.bucket, o.Key, minio.StatObjectOptions{VersionID: o.VersionID})
	if err != nil {
		return evidence.Retention{}, translate(err)
	}
	info, err := infoOf(o.Key, st)
	return info.Retention, err
}

func checkMode(m evidence.RetentionMode) error {
	switch m {
	case evidence.RetentionNone, evidence.RetentionGovernance, evidence.RetentionCompliance:
		return nil
	}
	return fmt.Errorf("unknown retention mode %q", m)
}

// putRetention returns the lock a Put applies: cfg's default when req is
// nil, else *req, with Until rounded up to a whole second.
func putRetention(cfg Config, req *evidence.Retention, now time.Time) (evidence.Retention, error) {
	if req == nil {
		if cfg.RetentionMode == evidence.RetentionNone {
			return evidence.Retention{}, nil
		}
		return evidence.Retention{Mode: cfg.RetentionMode, Until: ceilSecond(now.Add(cfg.RetentionPeriod))}, nil
	}
	if err := checkMode(req.Mode); err != nil {
		return evidence.Retention{}, err
	}
	if req.Mode == evidence.RetentionNone {
		return evidence.Retention{}, nil
	}
	if !req.Until.After(now) {
		return evidence.Retention{}, fmt.Errorf("retain-until %s is not in the future", req.Until.UTC().Format(time.RFC3339))
	}
	return evidence.Retention{Mode: req.Mode, Until: ceilSecond(req.Until)}, nil
}

// checkExtension says whether a lock cur may become next at now. While cur
// holds, next must keep its mode (S3 refuses a mode change without the
// governance bypass, even from governance to compliance) and may not end
// earlier. A new lock must end in the future.
func checkExtension(cur, next evidence.Retention, now time.Time) error {
	if cur.Active(now) {
		switch {
		case next.Mode == evidence.RetentionNone:
			return fmt.Errorf("cannot remove a lock that holds until %s: %w", cur.Until.Format(time.RFC3339), evidence.ErrRetained)
		case next.Mode != cur.Mode:
			return fmt.Errorf("cannot change a %s lock to %s while it holds: %w", cur.Mode, next.Mode, evidence.ErrRetained)
		case next.Until.Before(cur.Until):
			return fmt.Errorf("cannot shorten a lock from %s to %s: %w", cur.Until.Format(time.RFC3339), next.Until.Format(time.RFC3339), evidence.ErrRetained)
		}
	}
	if next.Mode != evidence.RetentionNone && !next.Until.After(now) {
		return fmt.Errorf("retain-until %s is not in the future", next.Until.Format(time.RFC3339))
	}
	return nil
}

// ceilSecond rounds t up to a whole second in UTC. S3 stores retain-until
// dates with second precision; rounding up (never down) keeps a lock at
// least as long as asked.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC().Round(0)
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}
