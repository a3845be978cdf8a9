package testenv

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"
)

// MinIOConfig points a test at the MinIO server `make test` started.
type MinIOConfig struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	// Bucket is a fresh random name the test may create (with object lock);
	// nothing has created it yet.
	Bucket string
}

// MinIO returns the test server's coordinates and a fresh bucket name. The
// server comes from SIGNET_TEST_MINIO_ENDPOINT, _ACCESS_KEY and _SECRET_KEY,
// which deploy/scripts/minio.sh exports.
func MinIO(tb testing.TB) MinIOConfig {
	tb.Helper()
	cfg := MinIOConfig{
		Endpoint:  os.Getenv("SIGNET_TEST_MINIO_ENDPOINT"),
		AccessKey: os.Getenv("SIGNET_TEST_MINIO_ACCESS_KEY"),
		SecretKey: os.Getenv("SIGNET_TEST_MINIO_SECRET_KEY"),
		Bucket:    RandomName("signet-test-"),
	}
	if cfg.Endpoint == "" {
		unavailable(tb, "minio", errMissingEnv("SIGNET_TEST_MINIO_ENDPOINT"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+cfg.Endpoint+"/minio/health/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		unavailable(tb, "minio", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		unavailable(tb, "minio", errMissingEnv("healthy server at "+cfg.Endpoint))
	}
	tally(tb, "minio")
	return cfg
}

type errMissingEnv string

func (e errMissingEnv) Error() string { return "not set: " + string(e) }
