package localvault

import (
	"context"
	"fmt"
	"os"
	"time"

	"signet/evidence"
)

// ExtendRetention replaces the object's sidecar with one carrying r. While
// the current lock holds, r must keep its mode and may not end earlier
// (else [evidence.ErrRetained]). r.Until is rounded up to a whole second.
func (v *Vault) ExtendRetention(ctx context.Context, key string, r evidence.Retention) error {
	if !validKey(key) {
		return fmt.Errorf("extend retention %q: %w", key, evidence.ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	if err := evidence.RetentionMode.Check(r.Mode); err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	unlock := v.lockKey(key)
	defer unlock()
	info, err := v.stat(key)
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
	info.Retention = next
	dir, _, meta := v.paths(key)
	tmp, err := writeTempSidecar(dir, info)
	if err != nil {
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	if err := os.Rename(tmp, meta); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("extend retention %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("extend retention %s: sync directory: %w", key, err)
	}
	return nil
}

// Delete removes the object unless its lock holds: first the data, which
// makes it invisible, then, once that is durable, the sidecar. Empty
// directories are left in place; a concurrent Put may be about to use them.
func (v *Vault) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("delete %q: %w", key, evidence.ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	unlock := v.lockKey(key)
	defer unlock()
	info, err := v.stat(key)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if info.Retention.Active(time.Now()) {
		return fmt.Errorf("delete %s: %s lock holds until %s: %w", key, info.Retention.Mode, info.Retention.Until.Format(time.RFC3339), evidence.ErrRetained)
	}
	dir, data, meta := v.paths(key)
	if err := os.Remove(data); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("delete %s: sync directory: %w", key, err)
	}
	// The object is gone now. Should this removal fail, the orphaned sidecar
	// is harmless: the next Put of key or the next Open removes it.
	_ = removeIfExists(meta)
	return nil
}
