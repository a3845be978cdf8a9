package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOCluster is a distributed MinIO on loopback: four server processes
// with one drive each, forming one erasure set (two data, two parity
// shards), and a versioned bucket with object lock. Any one process may be
// down and every object can still be read and written.
type MinIOCluster struct {
	tb     testing.TB
	dir    string
	bin    string
	ports  []int
	consol []int
	procs  []*exec.Cmd
	done   []chan struct{}
}

const (
	minioClusterUser     = "signet-cluster"
	minioClusterPassword = "signet-cluster-secret"
	minioClusterBucket   = "signet"
	minioClusterNodes    = 4
)

// StartMinIOCluster builds (or finds) the pinned MinIO server with
// deploy/scripts/minio.sh, starts the four processes, waits for the
// cluster to be healthy and makes the bucket.
func StartMinIOCluster(tb testing.TB) *MinIOCluster {
	tb.Helper()
	root, err := repoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(root, "deploy/scripts/minio.sh"), "ensure").Output()
	if err != nil {
		unavailable(tb, "minio-cluster", fmt.Errorf("deploy/scripts/minio.sh ensure: %w", err))
	}
	dir, err := os.MkdirTemp("", "signet-minio-cluster-")
	if err != nil {
		tb.Fatal(err)
	}
	ports, err := freePorts(2 * minioClusterNodes)
	if err != nil {
		tb.Fatal(err)
	}
	m := &MinIOCluster{tb: tb, dir: dir, bin: strings.TrimSpace(string(out)), ports: ports[:minioClusterNodes], consol: ports[minioClusterNodes:],
		procs: make([]*exec.Cmd, minioClusterNodes), done: make([]chan struct{}, minioClusterNodes)}
	tb.Cleanup(m.cleanup)
	for i := range minioClusterNodes {
		if err := m.launch(i); err != nil {
			tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for i := range minioClusterNodes {
		if err := m.wait(i, "/minio/health/cluster", deadline); err != nil {
			tb.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := m.Client(0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.MakeBucket(ctx, minioClusterBucket, minio.MakeBucketOptions{ObjectLocking: true}); err != nil {
		tb.Fatalf("minio cluster: make bucket: %v", err)
	}
	// Healthy is not yet writable everywhere: each process must see every
	// drive before it has write quorum. Wait until a write through each
	// one goes through.
	for i := range minioClusterNodes {
		ci, err := m.Client(i)
		if err != nil {
			tb.Fatal(err)
		}
		for {
			_, err := ci.PutObject(ctx, minioClusterBucket, "probe/"+strconv.Itoa(i), strings.NewReader("probe"), 5, minio.PutObjectOptions{})
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				tb.Fatalf("minio cluster: process %d takes no writes: %v\n%s", i, err, m.logTail(i))
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	tally(tb, "minio-cluster")
	return m
}

func (m *MinIOCluster) launch(i int) error {
	var drives []string
	for j, p := range m.ports {
		drives = append(drives, fmt.Sprintf("http://127.0.0.1:%d%s", p, filepath.Join(m.dir, "d"+strconv.Itoa(j))))
	}
	logf, err := os.OpenFile(filepath.Join(m.dir, fmt.Sprintf("minio%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	args := append([]string{"server", "--quiet", "--address", fmt.Sprintf("127.0.0.1:%d", m.ports[i]),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", m.consol[i])}, drives...)
	cmd := exec.Command(m.bin, args...)
	// In a container (/.dockerenv) MinIO waits for every host to resolve
	// to a non-loopback address; _MINIO_SERVER_LOCAL names this process's
	// own endpoint instead. MINIO_CI_CD lets drives share the root disk.
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+minioClusterUser, "MINIO_ROOT_PASSWORD="+minioClusterPassword,
		"MINIO_UPDATE=off", "MINIO_BROWSER=off", "MINIO_CI_CD=1", "_MINIO_SERVER_LOCAL="+m.Endpoint(i))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("minio cluster process %d: %w", i, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	m.procs[i], m.done[i] = cmd, done
	return nil
}

func (m *MinIOCluster) wait(i int, probe string, deadline time.Time) error {
	for time.Now().Before(deadline) {
		select {
		case <-m.done[i]:
			return fmt.Errorf("minio cluster process %d exited:\n%s", i, m.logTail(i))
		default:
		}
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", m.ports[i], probe))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("minio cluster process %d: %s not OK in time:\n%s", i, probe, m.logTail(i))
}

// Endpoint is process i's address, host:port.
func (m *MinIOCluster) Endpoint(i int) string { return fmt.Sprintf("127.0.0.1:%d", m.ports[i]) }

// AccessKey, SecretKey and Bucket are the credentials and the bucket.
func (m *MinIOCluster) AccessKey() string { return minioClusterUser }
func (m *MinIOCluster) SecretKey() string { return minioClusterPassword }
func (m *MinIOCluster) Bucket() string    { return minioClusterBucket }

// Client is a client of process i.
func (m *MinIOCluster) Client(i int) (*minio.Client, error) {
	return minio.New(m.Endpoint(i), &minio.Options{Creds: credentials.NewStaticV4(minioClusterUser, minioClusterPassword, "")})
}

// Stop stops process i (SIGTERM), Kill kills it (SIGKILL).
func (m *MinIOCluster) Stop(i int) error { return m.signal(i, syscall.SIGTERM) }
func (m *MinIOCluster) Kill(i int) error { return m.signal(i, syscall.SIGKILL) }

func (m *MinIOCluster) signal(i int, sig syscall.Signal) error {
	select {
	case <-m.done[i]:
		return nil
	default:
	}
	if err := syscall.Kill(-m.procs[i].Process.Pid, sig); err != nil {
		return err
	}
	select {
	case <-m.done[i]:
		return nil
	case <-time.After(30 * time.Second):
		syscall.Kill(-m.procs[i].Process.Pid, syscall.SIGKILL)
		<-m.done[i]
		return fmt.Errorf("minio cluster process %d did not stop in 30 s", i)
	}
}

// Start starts process i again and waits until the cluster is healthy
// through it.
func (m *MinIOCluster) Start(i int) error {
	if err := m.launch(i); err != nil {
		return err
	}
	return m.wait(i, "/minio/health/cluster", time.Now().Add(90*time.Second))
}

func (m *MinIOCluster) logTail(i int) string {
	b, _ := os.ReadFile(filepath.Join(m.dir, fmt.Sprintf("minio%d.log", i)))
	s := string(b)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

func (m *MinIOCluster) cleanup() {
	for i := range m.procs {
		if m.procs[i] != nil {
			m.signal(i, syscall.SIGKILL)
		}
	}
	if m.tb.Failed() {
		for i := range m.procs {
			m.tb.Logf("minio cluster process %d log (tail):\n%s", i, m.logTail(i))
		}
	}
	os.RemoveAll(m.dir)
}

// repoRoot is the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); strings.HasPrefix(string(b), "module signet\n") {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module signet above the working directory")
		}
		dir = parent
	}
}
