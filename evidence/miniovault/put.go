package miniovault

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"

	"signet/evidence"
)

// Put uploads exactly size bytes from r with If-None-Match: *, so the server
// refuses it when the key's current version is an object, and with the lock
// in the same request. A body shorter or longer than size fails before the
// server has all of it, so nothing is stored.
func (v *Vault) Put(ctx context.Context, key string, r io.Reader, size int64, opts evidence.PutOptions) (evidence.ObjectInfo, error) {
	if !evidence.ValidKey(key) {
		return evidence.ObjectInfo{}, fmt.Errorf("put %q: %w", key, evidence.ErrInvalidKey)
	}
	if size < 0 {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: negative size %d", key, size)
	}
	ret, err := evidence.RetentionPolicy{Mode: v.cfg.RetentionMode, Period: v.cfg.RetentionPeriod}.ForPut(opts.Retention, time.Now())
	if err != nil {
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	contentType := opts.ContentType
	if contentType == "" {
		contentType = defaultContentType
	}
	po := minio.PutObjectOptions{ContentType: contentType}
	if ret.Mode != evidence.RetentionNone {
		po.Mode = minio.RetentionMode(ret.Mode)
		po.RetainUntilDate = ret.Until
	}
	po.SetMatchETagExcept("*")

	body := evidence.NewSizedReader(ctx, r, size)
	if size == 0 {
		// The client sends no body for size 0 and never reads r, so check
		// here that r is empty.
		if _, err := body.Read(nil); err != io.EOF {
			return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
		}
	}
	up, err := v.client.PutObject(ctx, v.bucket, key, body, size, po)
	if err != nil {
		if body.Err() != nil {
			// The body's own failure says more than the transport's report of it.
			return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, body.Err())
		}
		return evidence.ObjectInfo{}, fmt.Errorf("put %s: %w", key, translate(err))
	}
	st, err := v.client.StatObject(ctx, v.bucket, key, minio.StatObjectOptions{VersionID: up.VersionID})
	if err == nil {
		if info, err := infoOf(key, st); err == nil {
			return info, nil
		}
	}
	// The object is stored; failing now would make the caller retry into
	// ErrObjectExists. Describe it from what we sent, with our clock.
	return evidence.ObjectInfo{
		Key:         key,
		Size:        size,
		ContentType: contentType,
		Created:     time.Now().UTC().Truncate(time.Second),
		Retention:   ret,
	}, nil
}

// defaultContentType is what S3 stores when a PUT names none.
const defaultContentType = "application/octet-stream"
