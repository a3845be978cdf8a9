//go:build cluster

// The cluster test (issue #16): three `signet serve` replicas, each on its
// own node of a 3-node MariaDB Galera cluster and its own process of a
// 4-process distributed MinIO, under concurrent signing work sent
// round-robin, while one replica is killed, one Galera node stopped and
// one MinIO process killed, each restarted later. Then nothing may be
// lost, duplicated or half done. deploy/scripts/test.sh runs it on its own
// (go test -tags cluster -run TestCluster ./cmd/signet), after the other
// tests, and writes its figures to the log; docs/scale-out.md quotes them.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"signet/app"
	"signet/evidence"
	"signet/internal/kek"
	"signet/internal/testenv"
	"signet/notify"
	"signet/notify/twiliotest"
	"signet/tenants"
)

// TestMain lets the test binary be a replica: the cluster test starts
// itself again with SIGNET_CLUSTER_REPLICA=1 and the arguments of
// `signet serve`, so no separate build is needed.
func TestMain(m *testing.M) {
	if os.Getenv("SIGNET_CLUSTER_REPLICA") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// Timing of the run, from the start of the load.
const (
	clLoad         = 100 * time.Second // the load's length
	clKillReplica  = 15 * time.Second  // kill -9 replica 1 …
	clBackReplica  = 30 * time.Second  // … and start it again
	clStopGalera   = 40 * time.Second  // stop Galera node 2 (replica 2's) …
	clBackGalera   = 55 * time.Second  // … and start it again
	clKillMinIO    = 65 * time.Second  // kill -9 MinIO process 2 (replica 2's) …
	clBackMinIO    = 80 * time.Second  // … and start it again
	clBucket       = 5 * time.Second   // throughput is counted per bucket
	clWorkers      = 6                 // concurrent signers
	clReplicas     = 3
	clTwilioSID    = "AC00000000000000000000000000000001"
	clTwilioToken  = "clustertesttoken0123456789abcdef"
	clTwilioSender = "+15005550006"
)

func TestCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	t0 := time.Now()
	galera := testenv.StartGalera(t)
	minio := testenv.StartMinIOCluster(t)
	t.Logf("cluster: Galera and MinIO up in %.1f s", time.Since(t0).Seconds())
	twilio := twiliotest.New(t, clTwilioSID, clTwilioToken)
	hooks := newHookReceiver()
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	// The replicas share one public URL, as behind a load balancer: the
	// issuer of access tokens, the links in texts and the Twilio status
	// callbacks all name it.
	reps := make([]*replica, clReplicas)
	lb := httptest.NewServer(balancer(ctx, reps))
	defer lb.Close()
	master, err := kek.Generate("k1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range reps {
		reps[i] = newReplica(t, i, map[string]string{
			"SIGNET_PUBLIC_URL": lb.URL,
			"SIGNET_DB_DSN":     galera.DSN(i), "SIGNET_VAULT": "minio", "SIGNET_MINIO_ENDPOINT": minio.Endpoint(i),
			"SIGNET_MINIO_READ_FALLBACKS": minio.Endpoint((i+1)%4) + "," + minio.Endpoint((i+2)%4) + "," + minio.Endpoint((i+3)%4),
			"SIGNET_MINIO_ACCESS_KEY":     minio.AccessKey(), "SIGNET_MINIO_SECRET_KEY": minio.SecretKey(), "SIGNET_MINIO_BUCKET": minio.Bucket(),
			"SIGNET_VAULT_RETENTION_MODE": "GOVERNANCE", "SIGNET_VAULT_RETENTION": "1h", "SIGNET_MASTER_KEY": master,
			"SIGNET_LOG_LEVEL": "warn", "SIGNET_ARGON2_MEMORY_KIB": "1024", "SIGNET_ARGON2_TIME": "1",
			"SIGNET_OTP_PER_IP_PER_DAY": "1000000", "SIGNET_AUTH_RATE_PER_MIN": "1000000", "SIGNET_WEBHOOK_ALLOW_LOOPBACK": "true",
		})
	}

	// Phase 1: the three replicas start at once on the empty database
	// (migrations and the platform's first start race), with the console
	// SMS sender, and the demo company, its signers and an API key are
	// made through them.
	t1 := time.Now()
	startAll(t, reps, map[string]string{"SIGNET_SMS_SENDER": "console"})
	t.Logf("cluster: 3 replicas ready on an empty database in %.1f s", time.Since(t1).Seconds())
	lt := &loadtest{opt: ltOptions{urls: urlsOf(reps), concurrency: clWorkers, scenarios: []string{"mixed", "autostamp"}},
		log: testWriter{t}, pdf: clDocument(t), mobiles: map[string]bool{}, runID: "cl",
		hc: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	lt.sms = newSMSBroker(lt.devTexts())
	if err := lt.sms.start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lt.setup(ctx); err != nil {
		t.Fatal("setup:", err)
	}
	var hook struct{ ID string }
	if err := lt.retry(ctx, "POST", "/api/webhooks", lt.owner, map[string]any{"url": hookSrv.URL + "/hook",
		"events": []string{"contract.sent", "signer.signed", "contract.completed"}}, &hook); err != nil {
		t.Fatal(err)
	}

	// Phase 2: a graceful restart of every replica (SIGTERM) onto the
	// Twilio stand-in, which counts every text it is asked to send.
	for _, r := range reps {
		r.stop(t)
	}
	startAll(t, reps, map[string]string{"SIGNET_SMS_SENDER": "twilio", "SIGNET_TWILIO_ACCOUNT_SID": clTwilioSID,
		"SIGNET_TWILIO_AUTH_TOKEN": clTwilioToken, "SIGNET_TWILIO_FROM": clTwilioSender, "SIGNET_TWILIO_BASE_URL": twilio.URL()})
	lt.sms = newSMSBroker([]*textSource{{fetch: func(_ context.Context, after int64) ([]notify.SentSMS, error) {
		var out []notify.SentSMS
		msgs := twilio.Messages()
		for i := len(msgs) - 1; i >= int(after); i-- {
			out = append(out, notify.SentSMS{Seq: int64(i + 1), To: msgs[i].To, Body: msgs[i].Body})
		}
		return out, nil
	}}})
	if err := lt.sms.start(ctx); err != nil {
		t.Fatal(err)
	}

	// Phase 3: the load, with the faults on schedule, sent through the
	// balancer as clients reach a deployment.
	lt.opt.urls = []string{lb.URL}
	d := newDriver(lt)
	d.reps = reps
	loadStart := time.Now()
	faults := newFaultLog(loadStart)
	var wg sync.WaitGroup
	for w := range clWorkers {
		wg.Add(1)
		go func() { defer wg.Done(); d.work(ctx, w, loadStart.Add(clLoad)) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); d.batches(ctx, loadStart.Add(clLoad)) }()
	faults.at(clKillReplica, "kill -9 replica 1", func() error {
		d.mu.Lock()
		d.killedAt = time.Now()
		d.mu.Unlock()
		return reps[1].kill()
	})
	faults.at(clBackReplica, "start replica 1", func() error { return reps[1].start(nil) })
	faults.at(clStopGalera, "stop Galera node 2", func() error { return galera.Stop(2) })
	faults.at(clBackGalera, "start Galera node 2", func() error { return galera.Start(2) })
	faults.at(clKillMinIO, "kill -9 MinIO process 2", func() error { return minio.Kill(2) })
	faults.at(clBackMinIO, "start MinIO process 2", func() error { return minio.Start(2) })
	wg.Wait()
	loadTime := time.Since(loadStart)
	for _, f := range faults.done() {
		if f.err != nil {
			t.Fatalf("fault %q: %v", f.what, f.err)
		}
		t.Logf("cluster: %5.1f s %s (took %.1f s)", f.at.Seconds(), f.what, f.took.Seconds())
	}

	// Phase 4: an evidence export of what completed, then the outboxes
	// drain (every text and webhook sent), then the checks.
	completed := d.completedIDs()
	exportID := d.export(ctx, t, completed)
	drain(ctx, t, reps, reps[0].env)
	d.report(t, loadTime, faults)
	checkCluster(ctx, t, reps[0].env, func() {
		for _, r := range reps {
			r.stop(t)
		}
	}, d, twilio, hooks, hook.ID, exportID)
}

// replica is one `signet serve` process of the test binary.
type replica struct {
	i    int
	addr string
	env  map[string]string
	logf string
	cmd  *exec.Cmd
	done chan struct{}
}

func newReplica(t *testing.T, i int, env map[string]string) *replica {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// SIGNET_CLUSTER_LOGS keeps the replicas' logs in a directory.
	logDir := os.Getenv("SIGNET_CLUSTER_LOGS")
	if logDir == "" {
		logDir = t.TempDir()
	} else if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &replica{i: i, addr: addr, env: map[string]string{}, logf: filepath.Join(logDir, fmt.Sprintf("replica%d.log", i))}
	for k, v := range env {
		r.env[k] = v
	}
	r.env["SIGNET_ADDR"], r.env["SIGNET_DATA_DIR"] = addr, t.TempDir()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			b, _ := os.ReadFile(r.logf)
			t.Logf("replica %d log (tail):\n%s", i, tail(string(b), 3000))
		}
	})
	return r
}

func (r *replica) url() string { return "http://" + r.addr }

// balancer passes each request to the next ready replica, as a load
// balancer (or a Kubernetes Service) with readiness checks does: every
// 500 ms it asks each replica's /readyz, which fails while the replica's
// database node or object store is away and from SIGTERM on, and a replica
// that refuses the connection (killed, restarting) is skipped at once.
func balancer(ctx context.Context, reps []*replica) http.Handler {
	var next atomic.Uint64
	ready := make([]atomic.Bool, len(reps))
	probe := &http.Client{Timeout: time.Second}
	go func() {
		for ctx.Err() == nil {
			for i, r := range reps {
				if r == nil {
					continue
				}
				res, err := probe.Get(r.url() + "/readyz")
				ready[i].Store(err == nil && res.StatusCode == http.StatusOK)
				if err == nil {
					res.Body.Close()
				}
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	hc := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		start := next.Add(1)
		order := make([]int, 0, 2*len(reps))
		for k := range uint64(len(reps)) {
			if i := int((start + k) % uint64(len(reps))); ready[i].Load() {
				order = append(order, i)
			}
		}
		for k := range uint64(len(reps)) { // none ready: try them all
			order = append(order, int((start+k)%uint64(len(reps))))
		}
		for _, i := range order {
			rep := reps[i]
			req, err := http.NewRequestWithContext(r.Context(), r.Method, rep.url()+r.URL.RequestURI(), bytes.NewReader(body))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			req.Header = r.Header.Clone()
			req.Host = r.Host
			res, err := hc.Do(req)
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				continue // never reached the replica: the next may take it
			}
			if err != nil {
				// The replica may have acted on it: as a load balancer,
				// never send a request twice.
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			for k, v := range res.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(res.StatusCode)
			io.Copy(w, res.Body)
			res.Body.Close()
			return
		}
		http.Error(w, "no replica answers", http.StatusBadGateway)
	})
}

// start runs the replica with extra settings (kept for later restarts)
// and waits until /readyz answers 200.
func (r *replica) start(extra map[string]string) error {
	for k, v := range extra {
		r.env[k] = v
	}
	logf, err := os.OpenFile(r.logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "SIGNET_CLUSTER_REPLICA=1")
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	r.cmd, r.done = cmd, done
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("replica %d exited while starting (see its log)", r.i)
		default:
		}
		res, err := http.Get(r.url() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("replica %d not ready after 90 s", r.i)
}

// kill is kill -9.
func (r *replica) kill() error {
	if r.cmd == nil || r.cmd.Process == nil {
		return nil
	}
	select {
	case <-r.done:
		return nil
	default:
	}
	err := syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
	return err
}

// stop is SIGTERM: the replica drains and exits by itself.
func (r *replica) stop(t *testing.T) {
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.done:
	case <-time.After(45 * time.Second):
		t.Fatalf("replica %d did not exit within 45 s of SIGTERM", r.i)
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("replica %d exited with status %d after SIGTERM", r.i, code)
	}
}

func startAll(t *testing.T, reps []*replica, extra map[string]string) {
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i, r := range reps {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.start(extra) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func urlsOf(reps []*replica) []string {
	var out []string
	for _, r := range reps {
		out = append(out, r.url())
	}
	return out
}

// driver runs the signing work and keeps what the checks need.
type driver struct {
	lt   *loadtest
	reps []*replica
	mu   sync.Mutex
	// contracts are those whose creation succeeded, with their outcome.
	contracts []*clContract
	batchIDs  []string
	signs     []clEvent // every signing attempt's end
	failures  map[string]int
	killedAt  time.Time // when replica 1 was killed
	enrolMu   sync.Mutex
}

type clContract struct {
	id    string
	jobs  []*ltJob
	signs int // signings that succeeded
}

type clEvent struct {
	at     time.Time
	ok     bool
	status int
	code   string
}

func newDriver(lt *loadtest) *driver { return &driver{lt: lt, failures: map[string]int{}} }

// work makes contracts (a company stamps, an individual signs from a link,
// every third one an auto-stamping company too) and signs them until end.
func (d *driver) work(ctx context.Context, w int, end time.Time) {
	var member, person *ltSigner
	for n := 0; time.Now().Before(end) && ctx.Err() == nil; n++ {
		kinds := []ltKind{ltStamp, ltLink}
		if n%3 == 2 {
			kinds = append(kinds, ltAutoStamp)
		}
		c := &ltContract{}
		for _, k := range kinds {
			j := &ltJob{kind: k, contract: c}
			slot := &member
			if k == ltLink {
				slot = &person
			}
			if k != ltAutoStamp {
				if *slot == nil || (*slot).left < 2 {
					d.enrolMu.Lock()
					*slot = d.lt.newSigner(k)
					d.enrolMu.Unlock()
					if err := d.retryAll(ctx, func() error { return d.lt.enrol(ctx, *slot) }); err != nil {
						d.fail("enrol", err)
						*slot = nil
						time.Sleep(time.Second)
						goto next
					}
				}
				j.who = *slot
			}
			c.jobs = append(c.jobs, j)
		}
		if err := d.retryAll(ctx, func() error { return d.lt.makeContract(ctx, c) }); err != nil {
			d.fail("create", err)
			continue
		}
		{
			cc := &clContract{id: c.id, jobs: c.jobs}
			d.mu.Lock()
			d.contracts = append(d.contracts, cc)
			d.mu.Unlock()
			for _, j := range c.jobs {
				if j.who != nil {
					j.who.left--
				}
				if d.sign(ctx, j) {
					d.mu.Lock()
					cc.signs++
					d.mu.Unlock()
				}
			}
		}
	next:
	}
}

// sign does one signing, trying again on another replica when the answer
// was a transport error or a 5xx; a signing that committed although its
// answer was lost shows as already signed, which counts as done.
func (d *driver) sign(ctx context.Context, j *ltJob) bool {
	for try := 0; try < 6 && ctx.Err() == nil; try++ {
		var spent time.Duration
		err := d.lt.sign(ctx, &ltCalls{rec: newRecorder(), spent: &spent}, j)
		ev := clEvent{at: time.Now(), ok: err == nil}
		var p *ltProblem
		if errors.As(err, &p) {
			ev.status, ev.code = p.Status, p.Code
		}
		d.mu.Lock()
		d.signs = append(d.signs, ev)
		d.mu.Unlock()
		if err == nil {
			return true
		}
		if p != nil && (p.Code == "invalid_state" || p.Code == "link_invalid") {
			return d.signed(ctx, j)
		}
		// otp_expired: the code approved a document that changed since
		// (another party signed in parallel); a client asks for a new one.
		if p == nil || p.Status != 0 && p.Status < 500 && p.Code != "code_not_texted" && p.Code != "code_not_sent" && p.Code != "otp_expired" && p.Status != http.StatusConflict {
			d.fail("sign", err)
			return false
		}
		time.Sleep(time.Duration(500*(try+1)) * time.Millisecond)
	}
	return d.signed(ctx, j)
}

// signed asks the API whether j's party has signed.
func (d *driver) signed(ctx context.Context, j *ltJob) bool {
	var c struct {
		Parties []struct{ ID, State string }
	}
	if err := d.lt.retry(ctx, "GET", "/api/contracts/"+j.contract.id, d.lt.owner, nil, &c); err != nil {
		return false
	}
	for _, p := range c.Parties {
		if p.ID == j.partyID {
			return p.State == "signed"
		}
	}
	return false
}

// retryAll runs fn up to five times while it fails with a transport error
// or a 5xx.
func (d *driver) retryAll(ctx context.Context, fn func() error) error {
	var err error
	for try := 0; try < 5 && ctx.Err() == nil; try++ {
		if err = fn(); err == nil {
			return nil
		}
		var p *ltProblem
		if !errors.As(err, &p) || p.Status != 0 && p.Status < 500 {
			return err
		}
		time.Sleep(time.Second)
	}
	return err
}

func (d *driver) fail(what string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := what
	var p *ltProblem
	if errors.As(err, &p) {
		key = fmt.Sprintf("%s %d %s", what, p.Status, p.Code)
	}
	if d.failures[key] == 0 {
		d.lt.log.Write([]byte(fmt.Sprintf("cluster: %s gave up: %v\n", what, err)))
	}
	d.failures[key]++
}

// batches queues an auto-stamp batch of three documents every 10 s.
func (d *driver) batches(ctx context.Context, end time.Time) {
	for time.Now().Before(end) && ctx.Err() == nil {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("seal_id", d.lt.sealID)
		mw.WriteField("x", "100")
		mw.WriteField("y", "100")
		for i := range 3 {
			fw, _ := mw.CreateFormFile("file", fmt.Sprintf("batch-%d.pdf", i))
			fw.Write(d.lt.pdf)
		}
		mw.Close()
		var b struct{ ID string }
		err := d.lt.retry(ctx, "POST", "/api/stamp-batches", d.lt.apiKey, ltMultipart{data: body.Bytes(), ctype: mw.FormDataContentType()}, &b)
		if err != nil {
			d.fail("batch", err)
		} else {
			d.mu.Lock()
			d.batchIDs = append(d.batchIDs, b.ID)
			d.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
}

func (d *driver) completedIDs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, c := range d.contracts {
		if c.signs == len(c.jobs) {
			out = append(out, c.id)
		}
	}
	return out
}

// export asks for the evidence packages of up to 50 completed contracts
// and waits for the export to finish.
func (d *driver) export(ctx context.Context, t *testing.T, ids []string) string {
	if len(ids) == 0 {
		t.Fatal("no contract completed")
	}
	ids = ids[:min(len(ids), 50)]
	var e struct {
		ID, State   string
		Total, Done int
	}
	if err := d.lt.retry(ctx, "POST", "/api/evidence/exports", d.lt.owner, map[string]any{"contract_ids": ids}, &e); err != nil {
		t.Fatal("export:", err)
	}
	deadline := time.Now().Add(4 * time.Minute)
	for e.State != "done" && e.State != "failed" && time.Now().Before(deadline) {
		time.Sleep(2 * time.Second)
		if err := d.lt.retry(ctx, "GET", "/api/evidence/exports/"+e.ID, d.lt.owner, nil, &e); err != nil {
			t.Fatal(err)
		}
	}
	if e.State != "done" || e.Done != len(ids) {
		t.Fatalf("evidence export %s: state %s, %d of %d done", e.ID, e.State, e.Done, len(ids))
	}
	return e.ID
}

// hookReceiver counts webhook deliveries per event id.
type hookReceiver struct {
	mu     sync.Mutex
	counts map[string]int
	first  map[string]time.Time
}

func newHookReceiver() *hookReceiver {
	return &hookReceiver{counts: map[string]int{}, first: map[string]time.Time{}}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	id := r.Header.Get("Signet-Event-Id")
	if h.counts[id]++; h.counts[id] == 1 {
		h.first[id] = time.Now()
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// faultLog runs the faults on schedule, each in its own goroutine.
type faultLog struct {
	start time.Time
	wg    sync.WaitGroup
	mu    sync.Mutex
	list  []fault
}

type fault struct {
	what     string
	at, took time.Duration
	err      error
}

func newFaultLog(start time.Time) *faultLog { return &faultLog{start: start} }

func (f *faultLog) at(when time.Duration, what string, fn func() error) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		time.Sleep(time.Until(f.start.Add(when)))
		t0 := time.Now()
		err := fn()
		f.mu.Lock()
		f.list = append(f.list, fault{what: what, at: t0.Sub(f.start), took: time.Since(t0), err: err})
		f.mu.Unlock()
	}()
}

func (f *faultLog) done() []fault {
	f.wg.Wait()
	sort.Slice(f.list, func(i, j int) bool { return f.list[i].at < f.list[j].at })
	return f.list
}

// drain waits until every text and webhook delivery has left its outbox.
func drain(ctx context.Context, t *testing.T, reps []*replica, env map[string]string) {
	a := readOnly(ctx, t, env)
	defer a.Close()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var msgs, hooks, batches int64
		db := a.DB.WithContext(tenants.Unscoped(ctx))
		// Texts postponed by the per-recipient or per-tenant caps wait
		// for their hour; they are not owed yet.
		db.Table("messages").Where("state = ? AND error <> ?", "pending", "held back by the rate limit").Count(&msgs)
		db.Table("webhook_deliveries").Where("state = ?", "pending").Count(&hooks)
		db.Table("stamp_batches").Where("state IN ?", []string{"queued", "running"}).Count(&batches)
		if msgs+hooks+batches == 0 {
			return
		}
		if time.Now().After(deadline) {
			type row struct {
				Table, State, Lease, Error string
				Attempts                   int
				NextAttemptAt              time.Time
				LockedUntil                *time.Time
			}
			var rows []row
			db.Raw(`SELECT 'stamp_batches' AS `+"`table`"+`, state, lease, '' AS error, attempts, next_attempt_at, locked_until FROM stamp_batches WHERE state IN ('queued', 'running')
				UNION ALL SELECT 'webhook_deliveries', state, lease, '', attempts, next_attempt_at, locked_until FROM webhook_deliveries WHERE state = 'pending'
				UNION ALL SELECT 'messages', state, lease, error, attempts, next_attempt_at, locked_until FROM messages WHERE state = 'pending' AND next_attempt_at < ? LIMIT 40`,
				time.Now().UTC().Add(time.Minute)).Scan(&rows)
			for _, r := range rows {
				t.Logf("pending %s: state %s, %d attempts, next %s, locked until %v, lease %q, error %q", r.Table, r.State, r.Attempts, r.NextAttemptAt.Format(time.TimeOnly), r.LockedUntil, r.Lease, r.Error)
			}
			var items []struct{ BatchID, State, Error string }
			db.Raw("SELECT batch_id, state, error FROM stamp_batch_items ORDER BY batch_id, n").Scan(&items)
			for _, it := range items {
				t.Logf("batch item of %s: %s %q", it.BatchID, it.State, it.Error)
			}
			if os.Getenv("SIGNET_CLUSTER_LOGS") != "" {
				for _, r := range reps {
					if r.cmd != nil && r.cmd.Process != nil {
						r.cmd.Process.Signal(syscall.SIGQUIT) // goroutine dump into the log
					}
				}
				time.Sleep(2 * time.Second)
			}
			t.Fatalf("outboxes not drained after 3 minutes: %d texts, %d webhook deliveries, %d batches pending", msgs, hooks, batches)
		}
		time.Sleep(time.Second)
	}
}

func readOnly(ctx context.Context, t *testing.T, env map[string]string) *app.App {
	cfg, err := app.LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.NewReadOnly(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// report logs throughput per bucket and the failures, for docs/scale-out.md.
func (d *driver) report(t *testing.T, load time.Duration, faults *faultLog) {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := faults.start
	n := int(load/clBucket) + 1
	ok, bad := make([]int, n), make([]int, n)
	codes := map[string]int{}
	for _, e := range d.signs {
		b := int(e.at.Sub(start) / clBucket)
		if b < 0 || b >= n {
			continue
		}
		if e.ok {
			ok[b]++
		} else {
			bad[b]++
			codes[fmt.Sprintf("%d %s", e.status, e.code)]++
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "cluster: signings per second by %v bucket (failed attempts in brackets):\n", clBucket)
	for b := range n {
		var marks []string
		for _, f := range faults.list {
			if int(f.at/clBucket) == b {
				marks = append(marks, f.what)
			}
		}
		fmt.Fprintf(&sb, "  %3d–%3d s  %5.1f/s  [%d]  %s\n", b*int(clBucket.Seconds()), (b+1)*int(clBucket.Seconds()),
			float64(ok[b])/clBucket.Seconds(), bad[b], strings.Join(marks, "; "))
	}
	total := 0
	for _, v := range ok {
		total += v
	}
	fmt.Fprintf(&sb, "cluster: %d signings in %.0f s (%.1f/s), %d contracts, %d batches; failed attempts by answer: %v; given up: %v\n",
		total, load.Seconds(), float64(total)/load.Seconds(), len(d.contracts), len(d.batchIDs), codes, d.failures)
	t.Log(sb.String())
	for k := range codes {
		if strings.HasPrefix(k, "500 ") {
			t.Errorf("a signing failed with a 500 (%s): failures during a fault must be clean (transport error or 503)", k)
		}
	}
	// A flow the driver gave up on after its retries (a signer's code
	// that came too late, a session that went stale across a kill) is
	// logged above with its answer. None may be a server error, and they
	// must stay rare (3 %): the invariants checked afterwards hold regardless.
	given := 0
	for k, n := range d.failures {
		given += n
		if strings.Contains(k, " 5") {
			t.Errorf("work given up after a server error: %s (%d)", k, n)
		}
	}
	if given*100 > 3*len(d.contracts) {
		t.Errorf("%d flows given up for %d contracts (more than 3%%): %v", given, len(d.contracts), d.failures)
	}
}

// checkCluster is the verdict: consistent contracts, no signature lost or
// doubled, valid final PDFs and chains, every text and webhook once, every
// batch item once, a verifiable export.
func checkCluster(ctx context.Context, t *testing.T, env map[string]string, stop func(), d *driver, twilio *twiliotest.Server, hooks *hookReceiver, hookID, exportID string) {
	a := readOnly(ctx, t, env)
	defer a.Close()
	db := a.DB.WithContext(tenants.Unscoped(ctx))
	roots, inter, err := a.TimestampRoots(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Contracts: every party the driver saw sign is signed, once; a
	// contract all of whose parties signed is completed and its final PDF
	// carries one valid signature per signing.
	d.mu.Lock()
	contracts := slices.Clone(d.contracts)
	d.mu.Unlock()
	var dup []struct {
		DocumentID, PartyID string
		N                   int
	}
	db.Raw(`SELECT document_id, party_id, COUNT(*) AS n FROM contract_revisions WHERE party_id <> '' GROUP BY document_id, party_id HAVING COUNT(*) > 1`).Scan(&dup)
	if len(dup) > 0 {
		t.Errorf("signatures stored twice: %+v", dup)
	}
	verified := 0
	for _, c := range contracts {
		var row struct{ Status string }
		db.Table("contracts").Select("state AS status").Where("id = ?", c.id).Scan(&row)
		var states []string
		db.Table("contract_parties").Where("contract_id = ? AND role = ?", c.id, "signer").Order("id").Pluck("state", &states)
		signed := 0
		for _, s := range states {
			if s == "signed" {
				signed++
			}
		}
		if signed < c.signs {
			t.Errorf("contract %s: the driver saw %d signings, the database holds %d", c.id, c.signs, signed)
		}
		if (signed == len(states)) != (row.Status == "completed") {
			t.Errorf("contract %s: status %s with parties %v", c.id, row.Status, states)
		}
		var revs []struct {
			ID      string
			N       int
			PartyID string
		}
		db.Table("contract_revisions").Where("contract_id = ?", c.id).Order("n").Scan(&revs)
		// Revision 0 is the prepared document; archive revisions (a
		// completed contract's document time-stamp) name no party.
		got, archives := 0, 0
		for _, r := range revs[min(1, len(revs)):] {
			if r.PartyID == "" {
				archives++
			} else {
				got++
			}
		}
		if got != signed || archives > 1 || (archives == 1 && row.Status != "completed") {
			t.Errorf("contract %s: %d signed revisions for %d signed parties, %d archive revisions (status %s)", c.id, got, signed, archives, row.Status)
		}
		if rep, err := evidence.CheckChain(tenants.Unscoped(ctx), a.DB.DB, evidence.ContractChain(c.id), roots, inter); err != nil || rep.Events == 0 {
			t.Errorf("contract %s: event chain: %v (%d events)", c.id, err, rep.Events)
		}
		if row.Status != "completed" || verified >= 40 {
			continue
		}
		var pdf []byte
		if err := d.lt.retry(ctx, "GET", "/api/contracts/"+c.id+"/revisions/"+revs[len(revs)-1].ID+"/pdf", d.lt.owner, nil, &pdf); err != nil {
			t.Errorf("contract %s: final PDF: %v", c.id, err)
			continue
		}
		rep, err := a.VerifyPDF(ctx, pdf)
		if err != nil || rep.Verdict != "valid" || len(rep.Signatures) < signed {
			t.Errorf("contract %s: final PDF: %v, verdict %s, %d signatures for %d signings", c.id, err, rep.Verdict, len(rep.Signatures), signed)
		}
		verified++
	}

	// The export: its packages verify offline.
	var zipped []byte
	if _, err := d.lt.call(ctx, "GET", "/api/evidence/exports/"+exportID+"/download", d.lt.owner, nil, &zipped); err != nil {
		t.Fatal("export download:", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal("export:", err)
	}
	checked := 0
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".zip") || checked >= 3 {
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		p := filepath.Join(t.TempDir(), filepath.Base(f.Name))
		os.WriteFile(p, b, 0o600)
		var out, errw bytes.Buffer
		if err := evidenceVerify([]string{p}, &out, &errw); err != nil {
			t.Errorf("evidence package %s: %v\n%s%s", f.Name, err, out.String(), errw.String())
		}
		checked++
	}
	if checked == 0 {
		t.Errorf("the export holds no package: %d files", len(zr.File))
	}
	// The replicas stop before the outboxes are compared with what the
	// receivers got, so no text (one held back by the per-recipient cap
	// until the hour) is sent while they are read.
	stop()

	// No request failed with a 500 on any replica: a fault gives a clean,
	// retryable 503 or a broken connection.
	for _, r := range d.reps {
		b, _ := os.ReadFile(r.logf)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"status":500`) || strings.Contains(line, `"msg":"request failed"`) {
				t.Errorf("replica %d: %s", r.i, tail(line, 600))
			}
		}
	}

	// Texts: the provider got each sent outbox row's message exactly once.
	var sent []struct{ ID, ProviderID string }
	db.Table("messages").Select("id, provider_id").Where("channel = ? AND provider = ? AND provider_id <> ''", "sms", "twilio").Scan(&sent)
	bySID := map[string]int{}
	for _, m := range twilio.Messages() {
		bySID[m.SID]++
	}
	rows := map[string]bool{}
	for _, m := range sent {
		if rows[m.ProviderID] {
			t.Errorf("two outbox rows name provider message %s", m.ProviderID)
		}
		rows[m.ProviderID] = true
		if bySID[m.ProviderID] != 1 {
			t.Errorf("text %s (outbox row %s) reached the provider %d times", m.ProviderID, m.ID, bySID[m.ProviderID])
		}
	}
	if extra := len(bySID) - len(rows); extra != 0 {
		t.Errorf("the provider got %d texts that no outbox row accounts for (sent twice)", extra)
		// Name them and their rows: the status callback carries the row's id.
		for _, m := range twilio.Messages() {
			if rows[m.SID] {
				continue
			}
			u, _ := url.Parse(m.StatusCallback)
			id := u.Query().Get("m")
			var row struct {
				State, ProviderID, Error, Kind string
				Attempts                       int
				SentAt, ExpiresAt              *time.Time
			}
			db.Table("messages").Select("state, provider_id, error, kind, attempts, sent_at, expires_at").Where("id = ?", id).Scan(&row)
			t.Logf("unaccounted text %s at %s to %s: row %s %+v", m.SID, m.DateCreated.Format(time.TimeOnly+".000"), m.To, id, row)
		}
	}
	var stuck int64
	owed := db.Table("messages").Where("state NOT IN ? AND error <> ?", []string{"sent", "expired"}, "held back by the rate limit")
	owed.Count(&stuck)
	if stuck > 0 {
		var states []string
		db.Table("messages").Where("state NOT IN ? AND error <> ?", []string{"sent", "expired"}, "held back by the rate limit").Pluck("state", &states)
		t.Errorf("%d texts not sent: %v", stuck, states)
	}

	// Webhooks: every event delivered once.
	var evIDs []string
	db.Table("webhook_deliveries").Where("endpoint_id = ?", hookID).Pluck("event_id", &evIDs)
	var undelivered int64
	db.Table("webhook_deliveries").Where("endpoint_id = ? AND state <> ?", hookID, "delivered").Count(&undelivered)
	hooks.mu.Lock()
	// Delivery is at least once: a replica killed after the receiver
	// answered, before it recorded the answer, delivers again when its
	// lease runs out (receivers dedupe by event id). Only that may repeat.
	redelivered := 0
	for _, id := range evIDs {
		n, first := hooks.counts[id], hooks.first[id]
		crash := !d.killedAt.IsZero() && !first.After(d.killedAt) && d.killedAt.Sub(first) < 15*time.Second
		switch {
		case n == 2 && crash:
			redelivered++
		case n != 1:
			t.Errorf("webhook event %s received %d times (first at %s, replica killed at %s)", id, n, first.Format(time.TimeOnly), d.killedAt.Format(time.TimeOnly))
		}
	}
	t.Logf("cluster: %d webhook events delivered again after the replica that sent them was killed", redelivered)
	if len(hooks.counts) != len(evIDs) {
		t.Errorf("receiver got %d distinct events, the outbox holds %d", len(hooks.counts), len(evIDs))
	}
	hooks.mu.Unlock()
	if undelivered > 0 || len(evIDs) == 0 {
		t.Errorf("%d webhook deliveries not delivered, %d in all", undelivered, len(evIDs))
	}

	// Batches: every item stamped once.
	for _, id := range d.batchIDs {
		var items []struct {
			N     int
			State string
		}
		db.Table("stamp_batch_items").Where("batch_id = ?", id).Scan(&items)
		done := 0
		for _, it := range items {
			if it.State == "done" {
				done++
			}
		}
		if len(items) != 3 || done != 3 {
			t.Errorf("stamp batch %s: items %+v", id, items)
		}
	}

	t.Logf("cluster: checked %d contracts (%d final PDFs verified), %d texts, %d webhook events, %d batches, %d exported packages verified",
		len(contracts), verified, len(sent), len(evIDs), len(d.batchIDs), checked)
}

func clDocument(t *testing.T) []byte {
	doc, err := ltDocument(0)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
