package evidence

import (
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"time"
)

// Vault errors. Implementations wrap these so callers can match with errors.Is.
var (
	// ErrObjectExists is returned by Put when the key is already taken: the vault never overwrites.
	ErrObjectExists = errors.New("object already exists")
	// ErrObjectNotFound is returned when no object has the key.
	ErrObjectNotFound = errors.New("object not found")
	// ErrRetained is returned when an operation would remove or shorten a retained object.
	ErrRetained = errors.New("object is under retention")
	// ErrInvalidKey is returned for a key that ObjectKey would never build.
	ErrInvalidKey = errors.New("invalid object key")
	// ErrUnavailable is returned, wrapping the cause, when the vault cannot
	// be reached or says it cannot serve now (network failure, 5xx, an I/O
	// error of the disk). Nothing was stored; the operation may be repeated.
	ErrUnavailable = errors.New("vault unavailable")
	// ErrFull is returned, wrapping the cause, when the vault has no space
	// left for an object. Nothing was stored.
	ErrFull = errors.New("vault is full")
)

// RetentionMode says how strictly a retention period holds.
type RetentionMode string

// Retention modes, named as S3 object lock names them.
const (
	// RetentionNone keeps no lock on the object.
	RetentionNone RetentionMode = ""
	// RetentionGovernance can be bypassed by a privileged administrator; used in development and tests.
	RetentionGovernance RetentionMode = "GOVERNANCE"
	// RetentionCompliance can be shortened or removed by nobody, administrators included.
	RetentionCompliance RetentionMode = "COMPLIANCE"
)

// Retention is the write-once lock on one object.
type Retention struct {
	Mode  RetentionMode
	Until time.Time
}

// Active reports whether the lock still holds at now.
func (r Retention) Active(now time.Time) bool {
	return r.Mode != RetentionNone && now.Before(r.Until)
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ContentType string
	Created     time.Time
	Retention   Retention
}

// PutOptions tunes one Put. A zero Retention means the vault's configured default.
type PutOptions struct {
	ContentType string
	Retention   *Retention
}

// Vault is write-once object storage for artefacts. Every artefact that matters
// is stored here before any database row points at it.
//
// Implementations must be safe for concurrent use.
type Vault interface {
	// Put stores size bytes from r under key. It returns [ErrObjectExists] when
	// the key is taken (it never overwrites), [ErrInvalidKey] for a bad key,
	// and [ErrUnavailable] or [ErrFull] when the storage cannot take it now.
	// A failed Put leaves nothing readable under key.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// Get opens the object. The caller closes the reader. Returns
	// [ErrObjectNotFound], or [ErrUnavailable] when the storage cannot be reached.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Stat describes the object without reading it. Returns [ErrObjectNotFound].
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List calls fn for every object whose key starts with prefix, in key order,
	// and stops at the first error fn returns.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// ExtendRetention moves the object's lock to r. While the lock holds,
	// shortening it, removing it or changing its mode returns [ErrRetained].
	ExtendRetention(ctx context.Context, key string, r Retention) error
	// Delete removes the object. It returns [ErrRetained] while a lock holds
	// and [ErrObjectNotFound] when there is nothing to delete.
	Delete(ctx context.Context, key string) error
	// Ping checks that the vault is reachable and writable; /readyz calls it.
	Ping(ctx context.Context) error
}

// ObjectKey builds the vault key of an artefact. It is the only place keys
// are made, so every key starts with the tenant that owns the object:
//
//	t/<tenant>/<kind>/<digest>
//
// Platform-wide objects use the tenant "platform".
func ObjectKey(tenantID, kind, digestHex string) string {
	return path.Join("t", tenantID, kind, digestHex)
}

// ValidKey reports whether key has the shape ObjectKey builds: non-empty
// segments of [A-Za-z0-9._-] of at most 250 bytes (a file name on disk), no
// "." or ".." segments, at most 512 bytes in all.
// Implementations call it so a key can never escape its prefix on disk.
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || len(seg) > 250 {
			return false
		}
		for _, c := range seg {
			ok := c == '.' || c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			if !ok {
				return false
			}
		}
	}
	return true
}
