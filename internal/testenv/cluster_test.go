//go:build cluster

package testenv_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"

	"signet/internal/testenv"
)

// TestGaleraAndMinIOCluster: what the cluster test relies on. A row written
// through one Galera node is read through another; with one node killed
// the other two go on taking writes, and the node rejoins with the row;
// an object put through one MinIO process is read through another, also
// with one process down.
func TestGaleraAndMinIOCluster(t *testing.T) {
	g := testenv.StartGalera(t)
	m := testenv.StartMinIOCluster(t)
	// Causal reads, as Signet opens Galera (internal/database): a node
	// applies another node's commit a moment after it is certified, so a
	// plain read through node 2 right after the insert may not see it yet.
	open := func(i int) *sql.DB {
		db, err := sql.Open("mysql", strings.TrimPrefix(g.DSN(i), "mysql://")+"?wsrep_sync_wait=1")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	n0, n2 := open(0), open(2)
	if _, err := n0.Exec("CREATE TABLE probe (id INT PRIMARY KEY, v VARCHAR(20))"); err != nil {
		t.Fatal(err)
	}
	if _, err := n0.Exec("INSERT INTO probe VALUES (1, 'one')"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := n2.QueryRow("SELECT v FROM probe WHERE id = 1").Scan(&v); err != nil || v != "one" {
		t.Fatalf("read through node 2: %q, %v", v, err)
	}
	if err := g.Kill(1); err != nil {
		t.Fatal(err)
	}
	if _, err := n2.Exec("INSERT INTO probe VALUES (2, 'two')"); err != nil {
		t.Fatal("write with node 1 down:", err)
	}
	if err := g.Start(1); err != nil {
		t.Fatal(err)
	}
	if err := open(1).QueryRow("SELECT v FROM probe WHERE id = 2").Scan(&v); err != nil || v != "two" {
		t.Fatalf("rejoined node 1 reads %q, %v", v, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c0, _ := m.Client(0)
	c3, _ := m.Client(3)
	put := func(c *minio.Client, key string) {
		t.Helper()
		body := []byte("evidence " + key)
		_, err := c.PutObject(ctx, m.Bucket(), key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{
			Mode: minio.Governance, RetainUntilDate: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func(c *minio.Client, key string) {
		t.Helper()
		o, err := c.GetObject(ctx, m.Bucket(), key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(o)
		if err != nil || string(b) != "evidence "+key {
			t.Fatalf("read %s: %q, %v", key, b, err)
		}
	}
	put(c0, "a")
	get(c3, "a")
	if err := m.Kill(2); err != nil {
		t.Fatal(err)
	}
	put(c3, "b")
	get(c0, "b")
	get(c0, "a")
	if err := m.Start(2); err != nil {
		t.Fatal(err)
	}
	// The restarted process answers "no such key" for b until it has
	// reached its peers; the vault asks again (miniovault.Get). Here: it
	// must converge within seconds.
	c2, _ := m.Client(2)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		o, err := c2.GetObject(ctx, m.Bucket(), "b", minio.GetObjectOptions{})
		if err == nil {
			if _, err = o.Stat(); err == nil {
				o.Close()
				break
			}
			o.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted process 2 still cannot read b: %v", err)
		}
	}
	get(c2, "b")
}
