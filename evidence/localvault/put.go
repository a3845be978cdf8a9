package localvault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"signet/evidence"
)

// Put stores exactly size bytes from r under key. The bytes and the sidecar
// go to temporary files first; the key becomes visible only when both are
// durable, through hard links that fail if the name exists, so two Puts of one
// key never both succeed and a failed Put leaves nothing readable.
func (v *Vault) Put(ctx context.Context, key string, r io.Reader, size int64, opts evidence.PutOptions) (evidence.ObjectInfo, error) {
	if !validKey(key) {
		return evidence.ObjectInfo{}, fmt.Errorf("put %q: %w", key, evidence.ErrInvalidKey)
	}
	if size < 0 {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: negative size %d", key, size)
	}
	ret, err := evidence.RetentionPolicy{Mode: v.cfg.RetentionMode, Period: v.cfg.RetentionPeriod}.ForPut(opts.Retention, time.Now())
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	dir, data, meta := v.paths(key)
	// Not the guard against overwriting (the link below is); it only spares
	// copying a large body that could never be stored.
	if _, err := os.Lstat(data); err == nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, evidence.ErrObjectExists)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, classify(err))
	}

	tmpData, err := writeTempData(ctx, dir, r, size)
	if tmpData != "" {
		defer os.Remove(tmpData)
	}
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, classify(err))
	}
	contentType := opts.ContentType
	if contentType == "" {
		contentType = defaultContentType
	}
	info := evidence.ObjectInfo{
		Key:         key,
		Size:        size,
		ContentType: contentType,
		Created:     time.Now().UTC().Truncate(time.Second), // as S3's Last-Modified, so both vaults agree
		Retention:   ret,
	}
	tmpMeta, err := writeTempSidecar(dir, info)
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, classify(err))
	}
	defer os.Remove(tmpMeta)

	if err := v.commit(key, dir, tmpData, data, tmpMeta, meta); err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, classify(err))
	}
	return info, nil
}

// classify marks the file system errors that mean the disk cannot take an
// object now: full ([evidence.ErrFull]) or failing ([evidence.ErrUnavailable]).
func classify(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%w: %w", evidence.ErrFull, err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EIO):
		return fmt.Errorf("%w: %w", evidence.ErrUnavailable, err)
	}
	return err
}

// commit links the sidecar and then the data into place and makes both
// durable. The data link is the commit point.
func (v *Vault) commit(key, dir, tmpData, data, tmpMeta, meta string) error {
	unlock := v.lockKey(key)
	defer unlock()
	if _, err := os.Lstat(data); err == nil {
		return evidence.ErrObjectExists
	}
	// Under the key lock and the directory lock, a sidecar without data can
	// only be a crash's leftover (or a Delete interrupted between its two
	// removals): no Put of this key is between its two links.
	if err := removeIfExists(meta); err != nil {
		return err
	}
	if err := os.Link(tmpMeta, meta); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return evidence.ErrObjectExists
		}
		return err
	}
	if err := os.Link(tmpData, data); err != nil {
		os.Remove(meta) // ours: the data link failed, so nothing reads it
		if errors.Is(err, fs.ErrExist) {
			return evidence.ErrObjectExists
		}
		return err
	}
	if err := syncDir(dir); err != nil {
		// The object is visible but perhaps not durable; report failure so
		// the caller does not record it, and take it back.
		os.Remove(data)
		os.Remove(meta)
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// writeTempData copies exactly size bytes from r into a new temporary file in
// dir, fsyncs it and makes it read-only. It returns the file's path whenever
// the file was created, so the caller can remove it.
func writeTempData(ctx context.Context, dir string, r io.Reader, size int64) (string, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, evidence.NewSizedReader(ctx, r, size))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o440)
	}
	return f.Name(), err
}
