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
	if err := evidence.RetentionMode.Check(r.Mode); err != nil {
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
	next, change, err := evidence.PlanRetentionChange(info.Retention, r, time.Now())
	if err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	if !change {
		return nil
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
