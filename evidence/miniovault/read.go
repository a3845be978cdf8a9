package miniovault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"signet/evidence"
)

// Get opens the key's current version for reading.
func (v *Vault) Get(ctx context.Context, key string) (io.ReadCloser, evidence.ObjectInfo, error) {
	if !evidence.ValidKey(key) {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %q: %w", key, evidence.ErrInvalidKey)
	}
	obj, st, err := getFrom(ctx, v.client, v.bucket, key)
	// A process of a distributed MinIO that has just restarted may answer
	// "no such key" for an object written while it was down, until it
	// reaches its peers (seconds, sometimes longer). Signet reads only keys
	// its rows name, so a miss is asked of the other processes
	// (Config.ReadFallbacks), or without them asked again a few times,
	// before it is believed.
	if errorCode(err) == "NoSuchKey" {
		for _, c := range v.fallbacks {
			if ctx.Err() != nil {
				break
			}
			if o, s, ferr := getFrom(ctx, c, v.bucket, key); ferr == nil {
				obj, st, err = o, s, nil
				break
			}
		}
	}
	for attempt := 0; len(v.fallbacks) == 0 && errorCode(err) == "NoSuchKey" && attempt < 3 && ctx.Err() == nil; attempt++ {
		time.Sleep(time.Duration(attempt+1) * 250 * time.Millisecond)
		obj, st, err = getFrom(ctx, v.client, v.bucket, key)
	}
	if err != nil {
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, translate(err))
	}
	info, err := infoOf(key, st)
	if err != nil {
		obj.Close()
		return nil, evidence.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	return obj, info, nil
}

// getFrom opens key in bucket through c. Stat sends the GET; the body it
// opens is what the caller then reads, so the description and the bytes
// are of the same version.
func getFrom(ctx context.Context, c *minio.Client, bucket, key string) (*minio.Object, minio.ObjectInfo, error) {
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, minio.ObjectInfo{}, err
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, minio.ObjectInfo{}, err
	}
	return obj, st, nil
}

// Stat describes the key's current version.
func (v *Vault) Stat(ctx context.Context, key string) (evidence.ObjectInfo, error) {
	if !evidence.ValidKey(key) {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %q: %w", key, evidence.ErrInvalidKey)
	}
	st, err := v.client.StatObject(ctx, v.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, translate(err))
	}
	info, err := infoOf(key, st)
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return info, nil
}

// List lists current versions in key order (S3 lists keys in byte order).
// It asks MinIO for metadata in the listing, so describing an object costs
// no extra request; a server that does not return it (plain S3) gets a HEAD
// per object instead. Keys that ObjectKey could not have made (stored by
// other tools) are skipped.
func (v *Vault) List(ctx context.Context, prefix string, fn func(evidence.ObjectInfo) error) error {
	// No valid key starts with a prefix whose complete segments are invalid
	// (MinIO would even refuse "../" as a bad request).
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 && !evidence.ValidKey(prefix[:i]) {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx) // stops the lister goroutine when we return early
	defer cancel()
	for o := range v.client.ListObjects(ctx, v.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithMetadata: true}) {
		if o.Err != nil {
			return fmt.Errorf("list %s: %w", prefix, translate(o.Err))
		}
		if !evidence.ValidKey(o.Key) {
			continue
		}
		var info evidence.ObjectInfo
		var err error
		if o.UserMetadata == nil {
			info, err = v.Stat(ctx, o.Key)
			if errors.Is(err, evidence.ErrObjectNotFound) {
				continue // deleted since it was listed
			}
		} else {
			info, err = listedInfoOf(o)
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("list %s: %w", prefix, err) // the lister stops silently when ctx ends
	}
	return nil
}
