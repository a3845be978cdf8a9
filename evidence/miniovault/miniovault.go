package miniovault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"signet/evidence"
)

// Config says where the bucket is and which retention a Put applies when its
// [evidence.PutOptions] carries none.
type Config struct {
	// Endpoint is the server's host:port, without scheme.
	Endpoint string
	// ReadFallbacks are other processes of the same distributed MinIO
	// (host:port each). A read that Endpoint answers with "no such key" is
	// asked of them before it is believed: a process that has just
	// restarted answers so for objects written while it was down, until it
	// has caught up with its peers. Writes and readiness use Endpoint only.
	ReadFallbacks []string
	// AccessKey and SecretKey are the credentials; see LogValue for logging them.
	AccessKey string
	SecretKey string
	// Bucket is created with object lock if it does not exist.
	Bucket string
	// UseSSL selects https.
	UseSSL bool
	// Region is optional; it is used when creating the bucket.
	Region string
	// RetentionMode is the default lock mode; [evidence.RetentionNone] means
	// no per-object default (a default an operator set on the bucket still applies).
	RetentionMode evidence.RetentionMode
	// RetentionPeriod is how long the default lock holds after Put.
	RetentionPeriod time.Duration
}

// LogValue logs the configuration with the secret key masked.
func (c Config) LogValue() slog.Value {
	secret := ""
	if c.SecretKey != "" {
		secret = "********"
	}
	return slog.GroupValue(
		slog.String("endpoint", c.Endpoint),
		slog.Any("read_fallbacks", c.ReadFallbacks),
		slog.String("access_key", c.AccessKey),
		slog.String("secret_key", secret),
		slog.String("bucket", c.Bucket),
		slog.Bool("use_ssl", c.UseSSL),
		slog.String("region", c.Region),
		slog.String("retention_mode", string(c.RetentionMode)),
		slog.Duration("retention_period", c.RetentionPeriod),
	)
}

// Vault is an [evidence.Vault] in a MinIO bucket with object lock. It is
// safe for concurrent use.
type Vault struct {
	client *minio.Client
	// fallbacks are clients of Config.ReadFallbacks, in order.
	fallbacks []*minio.Client
	bucket    string
	cfg       Config
}

var _ evidence.Vault = (*Vault)(nil)

// Open connects to the server and makes sure the bucket exists with object
// lock, creating it if missing. It fails when the bucket exists without
// object lock, since that cannot be switched on afterwards.
func Open(ctx context.Context, cfg Config) (*Vault, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, fmt.Errorf("open minio vault: %w", err)
	}
	v := &Vault{bucket: cfg.Bucket, cfg: cfg}
	for i, ep := range append([]string{cfg.Endpoint}, cfg.ReadFallbacks...) {
		client, err := minio.New(ep, &minio.Options{
			Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: cfg.UseSSL,
			Region: cfg.Region,
		})
		if err != nil {
			return nil, fmt.Errorf("open minio vault %s: %w", ep, err)
		}
		if i == 0 {
			v.client = client
		} else {
			v.fallbacks = append(v.fallbacks, client)
		}
	}
	if err := v.ensureBucket(ctx); err != nil {
		return nil, fmt.Errorf("open minio vault %s/%s: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	return v, nil
}

func checkConfig(cfg Config) error {
	switch {
	case cfg.Endpoint == "":
		return errors.New("no endpoint")
	case cfg.Bucket == "":
		return errors.New("no bucket")
	}
	for _, ep := range append([]string{cfg.Endpoint}, cfg.ReadFallbacks...) {
		if ep == "" || strings.Contains(ep, "://") {
			return fmt.Errorf("endpoint %q must be host:port, without scheme (set UseSSL for https)", ep)
		}
	}
	switch {
	case cfg.Bucket == "":
		return errors.New("no bucket")
	}
	if err := (evidence.RetentionPolicy{Mode: cfg.RetentionMode, Period: cfg.RetentionPeriod}).Check(); err != nil {
		return err
	}
	return nil
}

func (v *Vault) ensureBucket(ctx context.Context) error {
	exists, err := v.client.BucketExists(ctx, v.bucket)
	if err != nil {
		return fmt.Errorf("check bucket: %w", err)
	}
	if !exists {
		err := v.client.MakeBucket(ctx, v.bucket, minio.MakeBucketOptions{Region: v.cfg.Region, ObjectLocking: true})
		// Another instance may have created it since BucketExists; the lock
		// check below decides whether that bucket is usable.
		if err != nil && errorCode(err) != "BucketAlreadyOwnedByYou" {
			return fmt.Errorf("create bucket with object lock: %w", err)
		}
	}
	lock, _, _, _, err := v.client.GetObjectLockConfig(ctx, v.bucket)
	if errorCode(err) == "ObjectLockConfigurationNotFoundError" || (err == nil && lock != "Enabled") {
		return fmt.Errorf("bucket %s exists without object lock, which can only be enabled when a bucket is created: use a new bucket", v.bucket)
	}
	if err != nil {
		return fmt.Errorf("check object lock: %w", err)
	}
	return nil
}

// Ping checks that the server answers and the bucket exists. It writes
// nothing: every write to a locked bucket leaves a version behind.
func (v *Vault) Ping(ctx context.Context) error {
	exists, err := v.client.BucketExists(ctx, v.bucket)
	if err != nil {
		return fmt.Errorf("ping minio vault: %w", translate(err))
	}
	if !exists {
		return fmt.Errorf("ping minio vault: bucket %s does not exist", v.bucket)
	}
	return v.clusterHealth(ctx)
}

// clusterHealth asks a MinIO server whether, as it sees the cluster, it
// has write quorum (GET /minio/health/cluster). A process of a distributed
// MinIO that has just restarted answers the bucket check at once but may
// not reach its peers yet, and then serves reads from its own drive alone
// (an object written meanwhile is "not found"): until it answers 200, the
// vault is unavailable and the replica is not ready. Servers other than
// MinIO (S3) do not serve the path and are not judged by it.
func (v *Vault) clusterHealth(ctx context.Context) error {
	scheme := "http"
	if v.cfg.UseSSL {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+v.cfg.Endpoint+"/minio/health/cluster", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ping minio vault: %w", translate(err))
	}
	res.Body.Close()
	if res.StatusCode == http.StatusServiceUnavailable {
		return fmt.Errorf("ping minio vault: %w: the server has no write quorum yet", evidence.ErrUnavailable)
	}
	return nil
}

// errorCode returns the S3 error code in err, or "".
func errorCode(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}

// translate maps the S3 errors that mean a vault sentinel to that sentinel
// and returns other errors unchanged. A server that cannot be reached, or
// that answers it cannot serve now, is [evidence.ErrUnavailable] (a full one
// [evidence.ErrFull]), wrapping the cause.
func translate(err error) error {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		if unreachable(err) {
			return fmt.Errorf("%w: %w", evidence.ErrUnavailable, err)
		}
		return err
	}
	switch {
	case resp.Code == "XMinioStorageFull" || resp.StatusCode == http.StatusInsufficientStorage:
		return fmt.Errorf("%w: %w", evidence.ErrFull, err)
	case resp.StatusCode >= 500 || resp.Code == "SlowDown" || resp.Code == "XMinioServerNotInitialized":
		return fmt.Errorf("%w: %w", evidence.ErrUnavailable, err)
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchVersion":
		return evidence.ErrObjectNotFound
	case resp.Code == "PreconditionFailed":
		return evidence.ErrObjectExists
	// MinIO answers InvalidRequest "Object is WORM protected and cannot be
	// overwritten" to deleting a locked version and to shortening a lock;
	// AWS answers AccessDenied, which can also mean other things, so only
	// MinIO's is mapped.
	case resp.Code == "InvalidRequest" && strings.Contains(resp.Message, "WORM protected"):
		return evidence.ErrRetained
	}
	return err
}

// unreachable reports whether err is the transport failing: the server is
// down, the connection was cut or a deadline passed waiting for it. A
// canceled context is the caller giving up, not the server failing.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Headers and list-metadata keys that carry an object's lock.
const (
	lockModeHeader  = "X-Amz-Object-Lock-Mode"
	lockUntilHeader = "X-Amz-Object-Lock-Retain-Until-Date"
)

// infoOf describes an object from a HEAD or GET response.
func infoOf(key string, o minio.ObjectInfo) (evidence.ObjectInfo, error) {
	ret, err := lockOf(o.Metadata.Get(lockModeHeader), o.Metadata.Get(lockUntilHeader))
	if err != nil {
		return evidence.ObjectInfo{}, err
	}
	return evidence.ObjectInfo{
		Key:         key,
		Size:        o.Size,
		ContentType: o.ContentType,
		Created:     o.LastModified.UTC().Truncate(time.Second),
		Retention:   ret,
	}, nil
}

// listedInfoOf describes an object from a listing made WithMetadata, where
// MinIO puts the system metadata in UserMetadata under lower-case names.
func listedInfoOf(o minio.ObjectInfo) (evidence.ObjectInfo, error) {
	ret, err := lockOf(o.UserMetadata[strings.ToLower(lockModeHeader)], o.UserMetadata[strings.ToLower(lockUntilHeader)])
	if err != nil {
		return evidence.ObjectInfo{}, err
	}
	return evidence.ObjectInfo{
		Key:         o.Key,
		Size:        o.Size,
		ContentType: o.UserMetadata["content-type"],
		Created:     o.LastModified.UTC().Truncate(time.Second),
		Retention:   ret,
	}, nil
}

func lockOf(mode, until string) (evidence.Retention, error) {
	if mode == "" {
		return evidence.Retention{}, nil
	}
	m := evidence.RetentionMode(strings.ToUpper(mode))
	if err := evidence.RetentionMode.Check(m); err != nil {
		return evidence.Retention{}, err
	}
	t, err := time.Parse(time.RFC3339, until)
	if err != nil {
		return evidence.Retention{}, fmt.Errorf("parse retain-until date %q: %w", until, err)
	}
	return evidence.Retention{Mode: m, Until: t.UTC()}, nil
}
