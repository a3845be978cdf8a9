package localvault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"signet/evidence"
)

// Get opens the object's data file. The open descriptor keeps the bytes
// readable even if the object is deleted while the caller reads.
func (v *Vault) Get(ctx context.Context, key string) (io.ReadCloser, evidence.ObjectInfo, error) {
	if !validKey(key) {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %q: %w", key, evidence.ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	_, data, meta := v.paths(key)
	f, err := os.Open(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, evidence.ErrObjectNotFound)
	}
	if err != nil {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	info, err := readSidecar(meta, key)
	if errors.Is(err, fs.ErrNotExist) {
		err = evidence.ErrObjectNotFound // deleted after we opened the data
	}
	if err == nil {
		err = checkSize(f, info.Size)
	}
	if err != nil {
		f.Close()
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	return f, info, nil
}

func checkSize(f *os.File, want int64) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != want {
		return fmt.Errorf("object is corrupt: %d bytes on disk, sidecar says %d", fi.Size(), want)
	}
	return nil
}

// Stat describes the object from its sidecar.
func (v *Vault) Stat(ctx context.Context, key string) (evidence.ObjectInfo, error) {
	if !validKey(key) {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %q: %w", key, evidence.ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	info, err := v.stat(key)
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return info, nil
}

// List walks the objects tree in key order, reading each directory once and
// descending only into directories that can hold keys with prefix. fn's
// error is returned as is.
func (v *Vault) List(ctx context.Context, prefix string, fn func(evidence.ObjectInfo) error) error {
	// Start in the deepest directory the prefix names completely. Those
	// segments must be valid, or no valid key can start with prefix.
	start := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
		if !evidence.ValidKey(start) {
			return nil
		}
	}
	return v.listDir(ctx, start, prefix, fn)
}

// listEntry is one name in a directory of the objects tree: a
// subdirectory (whose keys all start with key+"/") or an object.
type listEntry struct {
	key string
	dir bool
}

// order is what the entry sorts by so that a depth-first walk yields keys in
// byte order: a directory stands for all its keys, which start with key+"/".
func (e listEntry) order() string {
	if e.dir {
		return e.key + "/"
	}
	return e.key
}

func (v *Vault) listDir(ctx context.Context, dirKey, prefix string, fn func(evidence.ObjectInfo) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	des, err := os.ReadDir(filepath.Join(v.objects, filepath.FromSlash(dirKey)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	entries := make([]listEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		switch {
		case de.Type().IsDir() && evidence.ValidKey(name):
			entries = append(entries, listEntry{key: joinKey(dirKey, name), dir: true})
		case de.Type().IsRegular():
			leaf, ok := strings.CutSuffix(name, dataSuffix)
			if ok && evidence.ValidKey(leaf) {
				entries = append(entries, listEntry{key: joinKey(dirKey, leaf)})
			}
		}
	}
	slices.SortFunc(entries, func(a, b listEntry) int { return strings.Compare(a.order(), b.order()) })
	for _, e := range entries {
		if e.dir {
			sub := e.key + "/"
			if !strings.HasPrefix(sub, prefix) && !strings.HasPrefix(prefix, sub) {
				continue
			}
			if err := v.listDir(ctx, e.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(e.key, prefix) {
			continue
		}
		info, err := v.stat(e.key)
		if errors.Is(err, evidence.ErrObjectNotFound) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

func joinKey(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
