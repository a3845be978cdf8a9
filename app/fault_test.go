package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"signet/evidence"
	"signet/internal/database"
	"signet/internal/pdftest"
	"signet/internal/testenv"
)

// The fault suite (issue 14): storage and database failures in the middle of
// a signing end in a clean answer with a stable code, leave nothing half
// written, and the same signing succeeds once the service is back. Every
// service is reached over loopback through an in-test TCP proxy the test
// cuts, so the shared MariaDB and MinIO are never stopped. The TSA-down case
// is TestSigningWithoutTSA.

// tcpProxy forwards a loopback port to a service. cut closes the listener
// and every connection, as a stopped server would look; restore listens on
// the same port again.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	// putsLeft, when positive, counts down the HTTP PUT requests clients
	// send; the proxy cuts itself when it reaches zero, before forwarding.
	putsLeft int
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *tcpProxy) forward(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client) || !p.track(server) {
		client.Close()
		server.Close()
		return
	}
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 && p.sawPuts(buf[:n]) {
			return // cut: this request never reaches the server
		}
		if n > 0 {
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	server.Close()
}

// sawPuts counts the PUT requests in a chunk a client sent and cuts the
// proxy when the armed count runs out.
func (p *tcpProxy) sawPuts(chunk []byte) bool {
	p.mu.Lock()
	if p.putsLeft <= 0 {
		p.mu.Unlock()
		return false
	}
	p.putsLeft -= bytes.Count(chunk, []byte("PUT /"))
	hit := p.putsLeft <= 0
	p.mu.Unlock()
	if hit {
		p.cut()
	}
	return hit
}

// cutAtPut arms the proxy to cut itself at the n-th PUT from now.
func (p *tcpProxy) cutAtPut(n int) {
	p.mu.Lock()
	p.putsLeft = n
	p.mu.Unlock()
}

// dropConns closes every open connection, keeping the listener: a server
// restart as its clients see it.
func (p *tcpProxy) dropConns() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.putsLeft = 0
	p.mu.Unlock()
	p.dropConns()
}

func (p *tcpProxy) restore() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port was just released; another test may hold it a moment
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// pendingSigning is a sent contract with one individual signer, verified
// and logged in, ready to sign.
type pendingSigning struct {
	kid, link, signer, mobile string
	// unsent is set while a code may have been issued for this signing
	// without its text printed yet (a code request cut off, or answered
	// sent but not yet texted).
	unsent *bool
}

// sendForSigning makes a contract for one verified individual.
func (ta *testApp) sendForSigning(owner company, ops string, sms *smsInbox, name, idNumber, mobile string) pendingSigning {
	t := ta.t
	t.Helper()
	r := ta.uploadFile(owner.Access, "c.pdf", contractPDF())
	mustStatus(t, r, http.StatusCreated)
	fileID := r.JSON(t)["id"].(string)
	r = ta.call("POST", "/api/contracts", owner.Access, map[string]any{"title": "故障测试", "document_ids": []string{fileID}, "send": true,
		"parties": []any{map[string]any{"kind": "person", "name": name, "mobile": mobile,
			"fields": []any{map[string]any{"kind": "signature", "document": 0, "page": 2, "x": 300, "y": 250}}}}})
	mustStatus(t, r, http.StatusCreated)
	p := pendingSigning{kid: r.JSON(t)["id"].(string), link: sms.lastLink(t), mobile: mobile, unsent: new(bool)}
	mustStatus(t, ta.call("POST", "/api/auth/mobile/code", "", map[string]any{"mobile": mobile}), http.StatusAccepted)
	r = ta.call("POST", "/api/auth/mobile", "", map[string]any{"mobile": mobile, "code": sms.code(t), "name": name})
	mustStatus(t, r, http.StatusOK)
	p.signer = r.JSON(t)["access_token"].(string)
	ta.verifyPerson(p.signer, ops, sms, name, idNumber, mobile)
	return p
}

// trySign asks for a willingness code and signs with it. codeMu serialises
// asking and reading the code, since the console log is shared.
func (ta *testApp) trySign(p pendingSigning, sms *smsInbox, codeMu *sync.Mutex, sig []byte) response {
	codeMu.Lock()
	defer codeMu.Unlock()
	before := len(sms.codesTo(p.mobile))
	r := ta.call("POST", "/api/links/"+p.link+"/code", p.signer, map[string]any{"signature_png": sig})
	if r.Status != http.StatusAccepted {
		*p.unsent = *p.unsent || r.Status >= 500 // it may have issued a code before failing
		return r
	}
	// A code whose text could not go at once (the database was cut while
	// it was sent) waits in the outbox, and the resend guard answers
	// "sent": false meanwhile. Send what waits, as the outbox job does;
	// sign with a code texted since, or with the last one when no text is
	// owed. Signing with a code that a newer, untexted one replaced would
	// count as a wrong entry of the live code.
	if _, err := ta.Messages.Dispatch(context.Background()); err != nil && !database.Unavailable(err) {
		ta.t.Logf("dispatch: %v", err)
	}
	codes := sms.codesTo(p.mobile)
	switch {
	case len(codes) > before:
		*p.unsent = false
	case r.JSON(ta.t)["sent"] == true:
		*p.unsent = true
		fallthrough
	case *p.unsent || len(codes) == 0:
		return response{Status: http.StatusServiceUnavailable, Body: []byte(`{"code":"code_not_texted"}`)}
	}
	return ta.call("POST", "/api/links/"+p.link+"/sign", p.signer, map[string]any{"signature_png": sig, "code": codes[len(codes)-1]})
}

// mustBeUnsigned fails unless the contract is as it was before any signing:
// in progress, revision 0, nobody signed, and its event chain intact.
func (ta *testApp) mustBeUnsigned(owner company, kid string) {
	t := ta.t
	t.Helper()
	r := ta.call("GET", "/api/contracts/"+kid, owner.Access, nil)
	mustStatus(t, r, http.StatusOK)
	k := r.JSON(t)
	doc := k["documents"].([]any)[0].(map[string]any)
	if k["state"] != "in_progress" || doc["revision"] != float64(0) || strings.Contains(string(r.Body), `"state":"signed"`) {
		t.Fatalf("a failed signing left something behind: %s", r.Body)
	}
	ta.mustCheckChain(owner, kid)
}

// mustBeSignedOnce fails unless the contract has exactly one signature
// (revision 1), and at most its archive time-stamp (revision 2): the
// archive at completion is best effort, and a database cut at that moment
// leaves it to the archive job.
func (ta *testApp) mustBeSignedOnce(owner company, kid string) {
	t := ta.t
	t.Helper()
	r := ta.call("GET", "/api/contracts/"+kid, owner.Access, nil)
	mustStatus(t, r, http.StatusOK)
	k := r.JSON(t)
	doc := k["documents"].([]any)[0].(map[string]any)
	rev := doc["revision"]
	if k["state"] != "completed" || (rev != float64(1) && rev != float64(2)) {
		t.Fatalf("contract %s: state %v, revision %v; want completed after exactly one signature: %s", kid, k["state"], rev, r.Body)
	}
	if rev == float64(2) {
		r = ta.call("GET", "/api/contracts/"+kid+"/events", owner.Access, nil)
		if !strings.Contains(string(r.Body), `"type":"document.archived"`) {
			t.Fatalf("contract %s: revision 2 is not its archive: %s", kid, r.Body)
		}
	}
	ta.mustCheckChain(owner, kid)
}

func (ta *testApp) mustCheckChain(owner company, kid string) {
	t := ta.t
	t.Helper()
	ctx := context.Background()
	roots, inter, err := ta.TimestampRoots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := evidence.CheckChain(tenantCtx(owner.TenantID), ta.DB.DB, evidence.ContractChain(kid), roots, inter); err != nil {
		t.Fatalf("evidence chain of %s: %+v %v", kid, rep, err)
	}
}

// TestFaultMinIOStopsDuringSigning cuts MinIO at the signed PDF's upload,
// after the willingness record was stored: 503 storage_unavailable, the
// contract untouched, and the same signing goes through once MinIO is back.
func TestFaultMinIOStopsDuringSigning(t *testing.T) {
	m := testenv.MinIO(t)
	proxy := newTCPProxy(t, m.Endpoint)
	ta := newTestApp(t, func(c *Config) {
		c.Vault, c.MinIOEndpoint, c.MinIOAccessKey, c.MinIOSecretKey, c.MinIOBucket = "minio", proxy.addr, m.AccessKey, m.SecretKey, m.Bucket
	})
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲公司", "owner-minio@example.com")
	p := ta.sendForSigning(owner, ops, sms, "王五", idMember, "13800000002")
	sig := signaturePNG(t)
	var codeMu sync.Mutex

	// The willingness record is the signing's first upload; the signed PDF
	// comes after it.
	proxy.cutAtPut(2)
	r := ta.trySign(p, sms, &codeMu, sig)
	mustStatus(t, r, http.StatusServiceUnavailable)
	wantCode(t, r, "storage_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	proxy.restore()
	ta.mustBeUnsigned(owner, p.kid)

	// MinIO stopped before the signing starts: the same answer.
	proxy.cut()
	r = ta.trySign(p, sms, &codeMu, sig)
	mustStatus(t, r, http.StatusServiceUnavailable)
	wantCode(t, r, "storage_unavailable")
	proxy.restore()
	ta.mustBeUnsigned(owner, p.kid)

	r = ta.trySign(p, sms, &codeMu, sig)
	mustStatus(t, r, http.StatusOK)
	ta.mustBeSignedOnce(owner, p.kid)
}

// TestFaultMinIOStopsDuringBatch: a stamp batch whose runner finds MinIO
// gone keeps its items pending (no item fails, no seal use is logged) and
// finishes once MinIO is back, each item stamped once.
func TestFaultMinIOStopsDuringBatch(t *testing.T) {
	m := testenv.MinIO(t)
	proxy := newTCPProxy(t, m.Endpoint)
	ta := newTestApp(t, func(c *Config) {
		c.Vault, c.MinIOEndpoint, c.MinIOAccessKey, c.MinIOSecretKey, c.MinIOBucket = "minio", proxy.addr, m.AccessKey, m.SecretKey, m.Bucket
	})
	_, seal, key := ta.stampingOrg()
	doc := pdftest.Document(pdftest.Page{Width: 595, Height: 842, Texts: []pdftest.Text{{X: 72, Y: 700, Size: 16, S: "营业执照"}}})
	r := ta.stampBatch(key, seal, doc, doc)
	mustStatus(t, r, http.StatusAccepted)
	id := r.JSON(t)["id"].(string)

	proxy.cut()
	if _, err := ta.Signing.RunBatches(context.Background()); !errors.Is(err, evidence.ErrUnavailable) {
		t.Fatalf("run with MinIO away: %v, want a storage error", err)
	}
	proxy.restore()
	r = ta.call("GET", "/api/stamp-batches/"+id, key, nil)
	if b := r.JSON(t); b["state"] == "done" || b["failed"].(float64) != 0 || b["done"].(float64) != 0 {
		t.Fatalf("after the outage: %s", r.Body)
	}
	// The batch waits a little before it is due again (simulated).
	ta.DB.DB.Exec("UPDATE stamp_batches SET locked_until = ? WHERE id = ?", time.Now().UTC().Add(-time.Second), id)
	if _, err := ta.Signing.RunBatches(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = ta.call("GET", "/api/stamp-batches/"+id, key, nil)
	if b := r.JSON(t); b["state"] != "done" || b["done"].(float64) != 2 || b["failed"].(float64) != 0 {
		t.Fatalf("after MinIO came back: %s", r.Body)
	}
}

// TestFaultMariaDBRestartUnderLoad signs several contracts at once while
// every database connection is cut, twice, and the server refuses new ones
// for a moment in between. Each signing either succeeded or failed and is
// retried; in the end every contract has exactly one signature and an
// intact evidence chain.
func TestFaultMariaDBRestartUnderLoad(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	target := "127.0.0.1:3306"
	if i, j := strings.Index(dsn, "tcp("), strings.Index(dsn, ")/"); i >= 0 && j > i {
		target = dsn[i+4 : j]
	}
	proxy := newTCPProxy(t, target)
	ta := newTestApp(t, func(c *Config) { c.DBDSN = strings.Replace(dsn, "tcp("+target+")", "tcp("+proxy.addr+")", 1) })
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲公司", "owner-db@example.com")
	people := []struct{ name, id, mobile string }{
		{"王五", idMember, "13800000002"}, {"赵六", idOwnerA, "13800000003"}, {"孙七", idOwnerB, "13800000004"},
	}
	var pending []pendingSigning
	for _, pp := range people {
		pending = append(pending, ta.sendForSigning(owner, ops, sms, pp.name, pp.id, pp.mobile))
	}
	sig := signaturePNG(t)
	var codeMu sync.Mutex

	stop := make(chan struct{})
	var cutter sync.WaitGroup
	cutter.Add(1)
	go func() {
		defer cutter.Done()
		for _, d := range []time.Duration{150 * time.Millisecond, 700 * time.Millisecond} {
			select {
			case <-stop:
				return
			case <-time.After(d):
			}
			proxy.cut() // the server goes down...
			time.Sleep(300 * time.Millisecond)
			proxy.restore() // ...and comes back
		}
	}()
	var wg sync.WaitGroup
	failures := make([][]string, len(pending))
	for i, p := range pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(90 * time.Second)
			for time.Now().Before(deadline) {
				r := ta.trySign(p, sms, &codeMu, sig)
				switch {
				case r.Status == http.StatusOK:
					return
				case r.Status == http.StatusConflict && bytes.Contains(r.Body, []byte(`"invalid_state"`)):
					// An earlier attempt did sign: its answer was lost with
					// the connection. The final check counts signatures.
					return
				case r.Status >= 500 || r.Status == http.StatusUnprocessableEntity || r.Status == http.StatusTooManyRequests:
					failures[i] = append(failures[i], problemCode(r))
					time.Sleep(200 * time.Millisecond)
				default:
					t.Errorf("signing %s: unexpected %d %s", p.kid, r.Status, r.Body)
					return
				}
			}
			t.Errorf("signing %s never succeeded after the database came back", p.kid)
		}()
	}
	wg.Wait()
	close(stop)
	cutter.Wait()
	t.Logf("failed attempts before success, per contract: %q", failures)
	// A cut connection is 503 database_unavailable, never a bare 500.
	for _, f := range failures {
		for _, code := range f {
			if strings.HasPrefix(code, "500") {
				t.Errorf("a signing cut off from the database answered %s", code)
			}
		}
	}
	for _, p := range pending {
		ta.mustBeSignedOnce(owner, p.kid)
	}
}

// TestFaultVaultDiskFull runs the local vault on a small tmpfs filled up to
// a few pages: 507 storage_full, nothing half written and no temporary
// files left behind, and the same signing succeeds once space is freed.
func TestFaultVaultDiskFull(t *testing.T) {
	dir := smallTmpfs(t, "4m")
	ta := newTestApp(t, func(c *Config) { c.VaultDir = dir })
	sms := ta.inbox()
	ops := ta.operatorToken()
	owner := ta.signUp("甲公司", "owner-full@example.com")
	p := ta.sendForSigning(owner, ops, sms, "王五", idMember, "13800000002")
	sig := signaturePNG(t)
	var codeMu sync.Mutex

	// Leave room for the willingness record (a data file and its sidecar,
	// a page each) but not for the signed PDF.
	filler := filepath.Join(dir, "filler")
	fill(t, filler, 3*4096)
	r := ta.trySign(p, sms, &codeMu, sig)
	if r.Status != http.StatusInsufficientStorage {
		t.Fatalf("status %d, want 507; body %s", r.Status, r.Body)
	}
	wantCode(t, r, "storage_full")
	ta.mustBeUnsigned(owner, p.kid)
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "@tmp-") {
			t.Errorf("a failed Put left %s behind", path)
		}
		return nil
	})

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r = ta.trySign(p, sms, &codeMu, sig)
	mustStatus(t, r, http.StatusOK)
	ta.mustBeSignedOnce(owner, p.kid)
}

// smallTmpfs mounts a tmpfs of the given size for the test. It needs root;
// elsewhere the test skips loudly, and fails in CI.
func smallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := "FAULT TEST UNAVAILABLE: cannot mount a small tmpfs (needs root): " + strings.TrimSpace(string(out))
		if testenv.CI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return filepath.Join(dir)
}

// fill writes a file until the file system has about leave bytes free.
func fill(t *testing.T, path string, leave int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free <= leave {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, free-leave)); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
}

// problemCode is the status and problem code of a response, for logs.
func problemCode(r response) string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.Body, &p)
	return strconv.Itoa(r.Status) + " " + p.Code
}

// TestTCPProxy checks the fault suite's own tool: it forwards, cuts at the
// armed PUT, refuses while cut, and forwards again once restored.
func TestTCPProxy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Method) }))
	defer srv.Close()
	proxy := newTCPProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	client := &http.Client{Timeout: 5 * time.Second}
	put := func() error {
		req, _ := http.NewRequest(http.MethodPut, "http://"+proxy.addr+"/k", strings.NewReader("body"))
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	proxy.cutAtPut(2)
	if err := put(); err != nil {
		t.Fatalf("first PUT: %v", err)
	}
	if err := put(); err == nil {
		t.Fatal("second PUT went through the cut")
	}
	if err := put(); err == nil {
		t.Fatal("PUT went through while cut")
	}
	proxy.restore()
	if err := put(); err != nil {
		t.Fatalf("PUT after restore: %v", err)
	}
}
