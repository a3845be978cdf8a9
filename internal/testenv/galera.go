package testenv

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Galera is a 3-node MariaDB Galera cluster on loopback ports, for the
// cluster test: Debian's mariadbd and galera-4, one data directory and
// port set per node, state transfer by rsync. Its nodes can be stopped,
// killed and started again while the test runs.
type Galera struct {
	tb    testing.TB
	dir   string
	nodes [3]*galeraNode
}

type galeraNode struct {
	i                 int
	dir, cnf          string
	sql, gcomm, ist   int
	sst               int
	cmd               *exec.Cmd
	done              chan struct{}
	bootstrapped      bool
	startedAtLeastOne bool
}

const (
	galeraProvider = "/usr/lib/galera/libgalera_smm.so"
	galeraSync     = 90 * time.Second // how long a node may take to be Synced
)

// StartGalera starts the cluster and creates database signet in it; it
// stops every node when tb ends. Without mariadbd, galera-4 or rsync the
// test fails in CI and is skipped elsewhere.
func StartGalera(tb testing.TB) *Galera {
	tb.Helper()
	for _, tool := range []string{"mariadbd", "mariadb-install-db", "rsync"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(tb, "galera", fmt.Errorf("%s is not installed (Debian: mariadb-server galera-4 rsync)", tool))
		}
	}
	if _, err := os.Stat(galeraProvider); err != nil {
		unavailable(tb, "galera", fmt.Errorf("%s: %w (Debian: galera-4)", galeraProvider, err))
	}
	dir, err := os.MkdirTemp("", "signet-galera-")
	if err != nil {
		tb.Fatal(err)
	}
	g := &Galera{tb: tb, dir: dir}
	tb.Cleanup(g.cleanup)
	// Run as mysql when root: rsync's state-transfer daemon, started as
	// root, drops to nobody and could not write the joiner's data.
	owner := ""
	if os.Getuid() == 0 {
		owner = "mysql"
		if err := os.Chmod(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	ports, err := freePorts(12)
	if err != nil {
		tb.Fatal(err)
	}
	var peers []string
	for i := range g.nodes {
		n := &galeraNode{i: i, dir: filepath.Join(dir, "n"+strconv.Itoa(i)), sql: ports[4*i], gcomm: ports[4*i+1], ist: ports[4*i+2], sst: ports[4*i+3]}
		n.cnf = filepath.Join(n.dir, "my.cnf")
		g.nodes[i] = n
		peers = append(peers, "127.0.0.1:"+strconv.Itoa(n.gcomm))
	}
	for _, n := range g.nodes {
		if err := os.MkdirAll(filepath.Join(n.dir, "data"), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(n.cnf, []byte(n.config(owner, peers)), 0o644); err != nil {
			tb.Fatal(err)
		}
		if owner != "" {
			if err := chownTree(n.dir, owner); err != nil {
				tb.Fatal(err)
			}
		}
	}
	args := []string{"--defaults-file=" + g.nodes[0].cnf, "--auth-root-authentication-method=normal"}
	if owner != "" {
		args = append(args, "--user="+owner)
	}
	if out, err := exec.Command("mariadb-install-db", args...).CombinedOutput(); err != nil {
		tb.Fatalf("galera: mariadb-install-db: %v\n%s", err, out)
	}
	g.nodes[0].bootstrapped = true
	if err := g.Start(0); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i < len(g.nodes); i++ {
		if err := g.Start(i); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := g.open(0, "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE IF NOT EXISTS signet CHARACTER SET utf8mb4"); err != nil {
		tb.Fatal(err)
	}
	tally(tb, "galera")
	return g
}

func (n *galeraNode) config(owner string, peers []string) string {
	userLine := ""
	if owner != "" {
		userLine = "user=" + owner + "\n"
	}
	return fmt.Sprintf(`[mariadbd]
datadir=%[1]s/data
socket=%[1]s/sock
port=%[2]d
bind-address=127.0.0.1
pid-file=%[1]s/pid
log-error=%[1]s/err.log
%[3]sskip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=0
max_connections=400
wsrep_on=ON
wsrep_provider=%[4]s
wsrep_cluster_name=signet
wsrep_cluster_address=gcomm://%[5]s
wsrep_node_name=n%[6]d
wsrep_node_address=127.0.0.1:%[7]d
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:%[7]d;ist.recv_addr=127.0.0.1:%[8]d;gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:%[9]d
`, n.dir, n.sql, userLine, galeraProvider, strings.Join(peers, ","), n.i, n.gcomm, n.ist, n.sst)
}

// DSN is node i's address in the form internal/database.Open takes.
func (g *Galera) DSN(i int) string {
	return fmt.Sprintf("mysql://root@tcp(127.0.0.1:%d)/signet", g.nodes[i].sql)
}

// Start starts node i (again) and waits until it is Synced in a cluster of
// three. Only the very first start of node 0 bootstraps the cluster.
func (g *Galera) Start(i int) error {
	n := g.nodes[i]
	args := []string{"--defaults-file=" + n.cnf}
	if n.bootstrapped && !n.startedAtLeastOne {
		args = append(args, "--wsrep-new-cluster")
	}
	cmd := exec.Command("mariadbd", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("galera node %d: %w", i, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	n.cmd, n.done, n.startedAtLeastOne = cmd, done, true
	deadline := time.Now().Add(galeraSync)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("galera node %d exited while starting:\n%s", i, g.logTail(i))
		default:
		}
		// Synced in a cluster of every node that runs now.
		want := 0
		for j := range g.nodes {
			if g.running(j) {
				want++
			}
		}
		if size, state, err := g.Status(i); err == nil && size >= want && state == "Synced" {
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("galera node %d not Synced after %v:\n%s", i, galeraSync, g.logTail(i))
}

func (g *Galera) running(i int) bool {
	n := g.nodes[i]
	if n.done == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// Stop shuts node i down cleanly (SIGTERM) and waits for it.
func (g *Galera) Stop(i int) error { return g.signal(i, syscall.SIGTERM) }

// Kill kills node i (SIGKILL).
func (g *Galera) Kill(i int) error { return g.signal(i, syscall.SIGKILL) }

func (g *Galera) signal(i int, sig syscall.Signal) error {
	n := g.nodes[i]
	if !g.running(i) {
		return nil
	}
	if err := syscall.Kill(-n.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("galera node %d: %w", i, err)
	}
	select {
	case <-n.done:
		return nil
	case <-time.After(60 * time.Second):
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
		return fmt.Errorf("galera node %d did not stop within 60 s of %v; killed", i, sig)
	}
}

// Status is node i's view: the cluster's size and its own state.
func (g *Galera) Status(i int) (int, string, error) {
	db, err := g.open(i, "")
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	var name, size, state string
	if err := db.QueryRow("SHOW STATUS LIKE 'wsrep_cluster_size'").Scan(&name, &size); err != nil {
		return 0, "", err
	}
	if err := db.QueryRow("SHOW STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &state); err != nil {
		return 0, "", err
	}
	n, _ := strconv.Atoi(size)
	return n, state, nil
}

func (g *Galera) open(i int, database string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", "127.0.0.1:"+strconv.Itoa(g.nodes[i].sql), database
	cfg.Timeout = 2 * time.Second
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

func (g *Galera) logTail(i int) string {
	b, _ := os.ReadFile(filepath.Join(g.nodes[i].dir, "err.log"))
	s := string(b)
	if len(s) > 3000 {
		s = s[len(s)-3000:]
	}
	return s
}

func (g *Galera) cleanup() {
	for i := range g.nodes {
		if g.nodes[i] != nil && g.running(i) {
			syscall.Kill(-g.nodes[i].cmd.Process.Pid, syscall.SIGKILL)
			<-g.nodes[i].done
		}
	}
	if g.tb.Failed() {
		for i := range g.nodes {
			if g.nodes[i] != nil {
				g.tb.Logf("galera node %d log (tail):\n%s", i, g.logTail(i))
			}
		}
	}
	os.RemoveAll(g.dir)
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// chownTree gives dir and everything under it to the named user.
func chownTree(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return errors.Join(os.Lchown(p, uid, gid))
	})
}
