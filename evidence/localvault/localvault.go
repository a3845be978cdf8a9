package localvault

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"signet/evidence"
)

// File names inside the objects tree. '@' never occurs in a key segment.
const (
	dataSuffix = "@data"
	metaSuffix = "@meta"
	tempPrefix = "@tmp-"
)

// maxSegment is the longest key segment the vault stores: a file name may
// have 255 bytes on common file systems, and the suffix takes 5 of them.
const maxSegment = 255 - len(dataSuffix)

// validKey is [evidence.ValidKey] plus this vault's one limit of its own: no
// segment longer than maxSegment. ObjectKey's segments (tenant IDs, kinds,
// hex digests) are far shorter.
func validKey(key string) bool {
	if !evidence.ValidKey(key) {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if len(seg) > maxSegment {
			return false
		}
	}
	return true
}

// defaultContentType is what S3 stores when a Put names no content type;
// the local vault does the same so both vaults describe objects alike.
const defaultContentType = "application/octet-stream"

// Config is the vault's default retention, applied when a Put's
// [evidence.PutOptions] carries no Retention.
type Config struct {
	// RetentionMode is the default lock mode; [evidence.RetentionNone] means no default lock.
	RetentionMode evidence.RetentionMode
	// RetentionPeriod is how long the default lock holds after Put.
	RetentionPeriod time.Duration
}

// Vault is an [evidence.Vault] on local disk. It is safe for concurrent use.
// Close releases the directory.
type Vault struct {
	root    string
	objects string
	cfg     Config
	lock    *os.File // flock'ed vault.lock; nil after Close

	// keyLocks serialise the mutating steps of operations on one key
	// (stripes, so memory stays bounded however many keys there are).
	keyLocks [64]sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

var _ evidence.Vault = (*Vault)(nil)

// Open opens (creating it if needed) the vault in dir, takes the directory's
// lock so no other Vault uses it at the same time, and removes what a crash
// may have left behind: temporary files and sidecars without data.
func Open(dir string, cfg Config) (*Vault, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, fmt.Errorf("open local vault %s: %w", dir, err)
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open local vault %s: %w", dir, err)
	}
	objects := filepath.Join(root, "objects")
	if err := os.MkdirAll(objects, 0o750); err != nil {
		return nil, fmt.Errorf("open local vault %s: %w", dir, err)
	}
	lock, err := lockDir(filepath.Join(root, "vault.lock"))
	if err != nil {
		return nil, fmt.Errorf("open local vault %s: %w", dir, err)
	}
	v := &Vault{root: root, objects: objects, cfg: cfg, lock: lock}
	if err := v.recover(); err != nil {
		v.Close()
		return nil, fmt.Errorf("open local vault %s: %w", dir, err)
	}
	return v, nil
}

func checkConfig(cfg Config) error {
	return evidence.RetentionPolicy{Mode: cfg.RetentionMode, Period: cfg.RetentionPeriod}.Check()
}

// Close releases the directory lock. The Vault must not be used afterwards.
func (v *Vault) Close() error {
	if v == nil {
		return nil // a Vault that never opened holds nothing
	}
	v.closeOnce.Do(func() {
		v.closeErr = v.lock.Close() // closing the descriptor drops the flock
	})
	return v.closeErr
}

// Ping checks that the objects directory is writable by creating, syncing
// and removing a temporary file in it.
func (v *Vault) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ping local vault: %w", err)
	}
	f, err := os.CreateTemp(v.objects, tempPrefix+"ping-*")
	if err != nil {
		return fmt.Errorf("ping local vault: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write([]byte("ping"))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ping local vault: %w", err)
	}
	return nil
}

// lockKey locks the stripe of key and returns its unlock.
func (v *Vault) lockKey(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &v.keyLocks[h.Sum32()%uint32(len(v.keyLocks))]
	m.Lock()
	return m.Unlock
}

// paths returns the directory holding key's files and the paths of its
// data file and sidecar. key must be valid.
func (v *Vault) paths(key string) (dir, data, meta string) {
	p := filepath.Join(v.objects, filepath.FromSlash(key))
	return filepath.Dir(p), p + dataSuffix, p + metaSuffix
}

// recover deletes temporary files and sidecars whose data never became
// visible. It runs in Open, before any operation, under the directory lock,
// so nothing it removes can belong to a Put in progress.
func (v *Vault) recover() error {
	return filepath.WalkDir(v.objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, tempPrefix):
			return removeIfExists(p)
		case strings.HasSuffix(name, metaSuffix):
			data := strings.TrimSuffix(p, metaSuffix) + dataSuffix
			if _, err := os.Lstat(data); errors.Is(err, fs.ErrNotExist) {
				return removeIfExists(p)
			}
		}
		return nil
	})
}

func removeIfExists(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// syncDir makes the directory entries created or removed in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
