package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"signet/app"
	"signet/internal/ids"
	"signet/internal/otp"
	"signet/notify"
)

// `signet loadtest` drives the signing pipeline of a running Signet through
// its public HTTP API, as phones and browsers would, and reports throughput
// and latency per endpoint and per scenario. Everything it needs it makes
// through the API first (the demo company, members and individuals with
// real-name verification, contracts), so the measured phase only signs.
//
// Two rules of the server shape it. A number gets at most
// otp.PerNumberPerDay codes a day, so every signer has its own number and
// signs at most that many times; and codes come only by SMS, so one
// goroutine follows the console sender's texts (GET /api/dev/sms) and hands
// each code to the worker waiting on that number. Each worker owns its
// signers, so a number never has two codes in flight.

// ltKind is the kind of party a signing is for.
type ltKind int

const (
	ltStamp     ltKind = iota // organisation: a member stamps from the inbox with code and PIN
	ltAutoStamp               // organisation: a system stamps with an API key, no person
	ltLink                    // individual: signs from the SMS link with a code
)

// ltScenarios are the scenarios and the parties of their contracts; every
// party is one signing. In mixed, the company and the individual sign the
// same contract in parallel.
var ltScenarios = map[string][]ltKind{
	"stamp":     {ltStamp},
	"autostamp": {ltAutoStamp},
	"link":      {ltLink},
	"mixed":     {ltStamp, ltLink},
}

const (
	ltPassword = "load test member password"
	ltPages    = 2
	// ltCodeWait bounds how long a worker waits for a texted code.
	ltCodeWait = 20 * time.Second
	// ltGrace is how long signings may run on after a phase's time is up.
	ltGrace = 10 * time.Second
)

type ltOptions struct {
	url         string
	scenarios   []string
	concurrency int
	duration    time.Duration
	limit       time.Duration // the measured phase's time limit; 0 for none
	n           int
	warmup      time.Duration
	asJSON      bool
	login       bool
	padMB       int
	urls        []string // the replicas -url names
}

// loadtestCmd parses the flags, runs every scenario asked for and prints
// the report.
func loadtestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o ltOptions
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "the running server (console SMS sender, reached over loopback), or several replicas of one, comma-separated: requests go round-robin")
	scen := fs.String("scenario", "stamp", "stamp, autostamp, link or mixed; several, comma-separated, run one after another")
	fs.IntVar(&o.concurrency, "concurrency", 50, "concurrent callers")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "measured phase of each scenario")
	fs.IntVar(&o.n, "n", 0, "signings per scenario instead of -duration (with -duration too: whichever ends first)")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "unmeasured signing before each scenario; with -duration its rate sizes how many contracts to prepare")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.IntVar(&o.padMB, "pad-mb", 0, "grow each contract's PDF by this many MB of incompressible data, to measure large documents")
	fs.BoolVar(&o.login, "login", false, "link: sign in through each link (login-code, login) in the measured phase instead of reusing the signer's session")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, u := range strings.Split(o.url, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			o.urls = append(o.urls, u)
		}
	}
	if len(o.urls) == 0 {
		return errors.New("loadtest: -url is empty")
	}
	if o.n > 0 {
		o.limit = 0
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "duration" {
				o.limit = o.duration
			}
		})
	} else {
		o.limit = o.duration
	}
	for _, s := range strings.Split(*scen, ",") {
		if _, ok := ltScenarios[strings.TrimSpace(s)]; !ok {
			return fmt.Errorf("loadtest: unknown scenario %q (stamp, autostamp, link, mixed)", s)
		}
		o.scenarios = append(o.scenarios, strings.TrimSpace(s))
	}
	switch {
	case o.concurrency < 1:
		return errors.New("loadtest: -concurrency must be at least 1")
	case o.n < 0 || o.n == 0 && o.duration <= 0:
		return errors.New("loadtest: give -n > 0 or a -duration")
	case o.n == 0 && o.warmup <= 0:
		return errors.New("loadtest: -duration needs a -warmup to size the run; give -n instead")
	}
	doc, err := ltDocument(o.padMB)
	if err != nil {
		return err
	}
	lt := &loadtest{opt: o, log: stderr, pdf: doc, mobiles: map[string]bool{}, runID: strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
		hc: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency + 16}}}
	rep, err := lt.run(ctx)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout)
	return nil
}

// loadtest is one run against one server.
type loadtest struct {
	opt   ltOptions
	log   io.Writer
	hc    *http.Client
	runID string
	sms   *smsBroker
	pdf   []byte // the document every contract carries

	owner, operator string // access tokens
	apiKey          string // for auto-stamping
	sealID          string
	orgName         string
	orgUSCC         string
	cleanup         []string // authorisations to withdraw, then API keys to revoke

	seq     int
	mobiles map[string]bool // numbers given out in this run
	// serial is held around two setup requests that do not bear running in
	// parallel on the server: accepting an invitation hashes the password
	// (argon2id) inside a transaction, which on SQLite holds the write lock
	// and starves every other writer; and two first real-name applications
	// deadlock on InnoDB (a locking read of a missing row, then an insert).
	serial  sync.Mutex
	rr      atomic.Uint64 // round-robin position over opt.urls
	workers []ltWorker
	next    int // round-robin position over workers
}

// ltWorker is one concurrent caller's signers: the member and the
// individual it signs as until their numbers' codes run out.
type ltWorker struct{ member, person *ltSigner }

// ltSigner is a verified person with their own number.
type ltSigner struct {
	kind                ltKind
	mobile, name, token string
	left                int // codes the number may still receive today
}

// ltContract is a contract to prepare: the signings it is for.
type ltContract struct {
	id   string // once made
	jobs []*ltJob
}

// ltJob is one signing.
type ltJob struct {
	kind     ltKind
	contract *ltContract
	partyID  string
	token    string // the individual's link token
	who      *ltSigner
}

// ltProblem is an answer with status ≥ 300, or a failure to get one.
type ltProblem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []any  `json:"errors"`
}

func (p *ltProblem) Error() string {
	if len(p.Errors) > 0 {
		return fmt.Sprintf("%d %s: %s %v", p.Status, p.Code, p.Detail, p.Errors)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail)
}

// problemCode is the code an error is counted under.
func problemCode(err error) string {
	var p *ltProblem
	if errors.As(err, &p) {
		return p.Code
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "cut_off"
	}
	return "client_error"
}

type ltMultipart struct {
	data  []byte
	ctype string
}

func multipartOf(fields map[string]string, name string, file []byte) ltMultipart {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(file)
	w.Close()
	return ltMultipart{b.Bytes(), w.FormDataContentType()}
}

// call sends one request and decodes a JSON answer into out (or copies
// it, for *[]byte). The duration runs to the answer's last byte.
// ltIdemKey is the context key of the Idempotency-Key that retry sends
// with every attempt of one POST.
type ltIdemKey struct{}

// call sends a request to the next replica, round-robin.
func (lt *loadtest) call(ctx context.Context, method, path, token string, body, out any) (time.Duration, error) {
	return lt.callAt(ctx, lt.opt.urls[lt.rr.Add(1)%uint64(len(lt.opt.urls))], method, path, token, body, out)
}

// callAt sends a request to the replica at base.
func (lt *loadtest) callAt(ctx context.Context, base, method, path, token string, body, out any) (time.Duration, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case ltMultipart:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, err
	}
	if key, ok := ctx.Value(ltIdemKey{}).(string); ok && method == http.MethodPost {
		req.Header.Set("Idempotency-Key", key)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("User-Agent", "signet-loadtest")
	start := time.Now()
	res, err := lt.hc.Do(req)
	if err != nil {
		code := "transport"
		if ctx.Err() != nil {
			code = "cut_off"
		}
		return time.Since(start), &ltProblem{Code: code, Detail: err.Error()}
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, &ltProblem{Status: res.StatusCode, Code: "transport", Detail: err.Error()}
	}
	if res.StatusCode >= 300 {
		p := &ltProblem{}
		_ = json.Unmarshal(data, p)
		p.Status = res.StatusCode
		if p.Code == "" {
			p.Code, p.Detail = strconv.Itoa(res.StatusCode), strings.TrimSpace(string(data))
		}
		return d, p
	}
	switch o := out.(type) {
	case nil:
	case *[]byte:
		*o = data
	default:
		if err := json.Unmarshal(data, out); err != nil {
			return d, &ltProblem{Status: res.StatusCode, Code: "bad_answer", Detail: err.Error()}
		}
	}
	return d, nil
}

// must is call for the setup, where any failure ends the run with advice
// for the limits a load test from one address runs into.
func (lt *loadtest) must(ctx context.Context, method, path, token string, body, out any) error {
	_, err := lt.call(ctx, method, path, token, body, out)
	if err == nil {
		return nil
	}
	var p *ltProblem
	switch {
	case !errors.As(err, &p):
	case p.Code == "otp_ip_limit" || p.Code == "rate_limited":
		return fmt.Errorf("%s %s: %w (every code and sign-in comes from one address: start the server with SIGNET_OTP_PER_IP_PER_DAY=1000000 SIGNET_AUTH_RATE_PER_MIN=100000)", method, path, err)
	case p.Status == http.StatusNotFound && strings.HasPrefix(path, "/api/dev/"):
		return fmt.Errorf("%s %s: %w (the server needs the console SMS sender, reached over loopback)", method, path, err)
	}
	return fmt.Errorf("%s %s: %w", method, path, err)
}

// retry is must for a request that may be repeated: a server still busy
// with signings cut off at the end of a phase, a database deadlock, or a
// replica that went away, may fail it for a while. Every attempt carries
// the same Idempotency-Key, so a POST whose answer was lost is not done
// twice.
func (lt *loadtest) retry(ctx context.Context, method, path, token string, body, out any) error {
	var err error
	if _, ok := ctx.Value(ltIdemKey{}).(string); !ok {
		ctx = context.WithValue(ctx, ltIdemKey{}, "lt-"+ids.New())
	}
	for _, pause := range []time.Duration{time.Second, 3 * time.Second, 10 * time.Second, 0} {
		err = lt.must(ctx, method, path, token, body, out)
		var p *ltProblem
		if err == nil || !errors.As(err, &p) || p.Code != "transport" && p.Status < 500 || pause == 0 || ctx.Err() != nil {
			return err
		}
		time.Sleep(pause)
	}
	return err
}

// run makes the demo company and runs each scenario.
func (lt *loadtest) run(ctx context.Context) (*ltReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rep := &ltReport{Date: time.Now().UTC(), URL: strings.Join(lt.opt.urls, ","), Client: ltMachine{OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()}, Concurrency: lt.opt.concurrency}
	start := time.Now()
	lt.sms = newSMSBroker(lt.devTexts())
	if err := lt.sms.start(ctx); err != nil {
		return nil, err
	}
	if err := lt.setup(ctx); err != nil {
		return nil, err
	}
	defer lt.teardown()
	lt.workers = make([]ltWorker, lt.opt.concurrency)
	fmt.Fprintf(lt.log, "loadtest: demo company ready in %.1f s\n", time.Since(start).Seconds())
	rep.Server = lt.serverStats(ctx)
	for _, name := range lt.opt.scenarios {
		sr, err := lt.scenario(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		rep.Scenarios = append(rep.Scenarios, sr)
	}
	rep.LostTexts = lt.sms.lostCount()
	return rep, nil
}

// setup makes (or reuses) the demo company through POST /api/dev/demo and
// lets members of role member use its seal, and an API key auto-stamp.
func (lt *loadtest) setup(ctx context.Context) error {
	// The demo makes the company, its seal and the operator, then sends a
	// sample contract and looks for its invitation text, which the outbox
	// job may send a moment after it looked: the demo then answers 500
	// with everything made. Its documented credentials are used then.
	demo := app.DemoResult{OwnerEmail: app.DemoOwnerEmail, OwnerPassword: app.DemoOwnerPassword,
		OperatorEmail: app.DemoOperatorEmail, OperatorPass: app.DemoOperatorPasswd}
	if _, err := lt.call(ctx, "POST", "/api/dev/demo", "", map[string]any{"verify_signer": false}, &demo); err != nil {
		var p *ltProblem
		if !errors.As(err, &p) || p.Status != http.StatusInternalServerError {
			return fmt.Errorf("POST /api/dev/demo: %w (the server needs the console SMS sender, reached over loopback)", err)
		}
		fmt.Fprintf(lt.log, "loadtest: POST /api/dev/demo: %v; going on with the demo's documented logins\n", err)
	}
	var err error
	if lt.owner, err = lt.login(ctx, demo.OwnerEmail, demo.OwnerPassword); err != nil {
		return err
	}
	if lt.operator, err = lt.login(ctx, demo.OperatorEmail, demo.OperatorPass); err != nil {
		return err
	}
	var org struct{ Name, USCC, State string }
	if err := lt.must(ctx, "GET", "/api/identity/organisation", lt.owner, nil, &org); err != nil {
		return err
	}
	lt.orgName, lt.orgUSCC = org.Name, org.USCC
	var seals []struct{ ID, Kind, State string }
	if err := lt.must(ctx, "GET", "/api/seals", lt.owner, nil, &seals); err != nil {
		return err
	}
	for _, s := range seals {
		if s.Kind == "official" && s.State == "active" {
			lt.sealID = s.ID
		}
	}
	if lt.sealID == "" || org.State != "approved" {
		return errors.New("the demo company has no active official seal or is not verified")
	}
	until := time.Now().Add(24 * time.Hour)
	grants := []map[string]any{{"role": "member", "valid_until": until}}
	if slices.Contains(lt.opt.scenarios, "autostamp") {
		var key struct{ ID, Secret string }
		if err := lt.must(ctx, "POST", "/api/api-keys", lt.owner, map[string]any{"name": "loadtest " + lt.runID,
			"scopes": []string{"contracts:read", "contracts:write", "seals:use"}}, &key); err != nil {
			return err
		}
		lt.apiKey = key.Secret
		defer func() { lt.cleanup = append(lt.cleanup, "/api/api-keys/"+key.ID) }()
		grants = append(grants, map[string]any{"api_key_id": key.ID, "auto_stamp": true, "valid_until": until})
	}
	for _, g := range grants {
		var z struct{ ID string }
		if err := lt.must(ctx, "POST", "/api/seals/"+lt.sealID+"/authorisations", lt.owner, g, &z); err != nil {
			return err
		}
		lt.cleanup = append(lt.cleanup, "/api/seals/"+lt.sealID+"/authorisations/"+z.ID)
	}
	return nil
}

// teardown withdraws the run's authorisations and API key, so runs do not
// pile up grants on the demo seal.
func (lt *loadtest) teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range lt.cleanup {
		_, _ = lt.call(ctx, "DELETE", p, lt.owner, nil, nil)
	}
}

func (lt *loadtest) login(ctx context.Context, email, password string) (string, error) {
	var s struct {
		AccessToken string `json:"access_token"`
	}
	err := lt.must(ctx, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": password}, &s)
	return s.AccessToken, err
}

// scenario warms up, prepares the contracts, and measures their signing.
func (lt *loadtest) scenario(ctx context.Context, name string) (ltScenario, error) {
	kinds := ltScenarios[name]
	n, c := lt.opt.n, lt.opt.concurrency
	if lt.opt.warmup > 0 {
		// One signing per worker: enough to warm up and to time a round.
		jobs, err := lt.prepare(ctx, kinds, c)
		if err != nil {
			return ltScenario{}, err
		}
		before := lt.serverStats(ctx)
		warm := lt.execute(ctx, jobs, lt.opt.warmup, newRecorder())
		rate := float64(warm.signings.count()) / warm.elapsed.Seconds()
		fmt.Fprintf(lt.log, "loadtest: %s: warm-up %d signings at %.1f/s, %d failed %v\n", name, warm.signings.count(), rate, warm.signings.errs, topCodes(warm.signings.codes))
		if warm.signings.errs > warm.signings.count() {
			// Nothing worth measuring, and a server that may need a while
			// before it answers again.
			out := warm.report(name, c, lt.opt.warmup, before, lt.serverStats(ctx), 0)
			out.Note = "most warm-up signings failed, so the measured phase was skipped: these are the warm-up's figures"
			return out, nil
		}
		if n == 0 {
			// Enough for the duration at the warm-up's rate, with a margin.
			n = int(math.Ceil(rate*lt.opt.duration.Seconds()*1.3)) + c
		}
	}
	start := time.Now()
	jobs, err := lt.prepare(ctx, kinds, n)
	if err != nil {
		return ltScenario{}, err
	}
	fmt.Fprintf(lt.log, "loadtest: %s: prepared %d signings in %.1f s\n", name, n, time.Since(start).Seconds())
	before, cpu0 := lt.serverStats(ctx), clientCPU()
	res := lt.execute(ctx, jobs, lt.opt.limit, newRecorder())
	after, cpu1 := lt.serverStats(ctx), clientCPU()
	return res.report(name, n, lt.opt.limit, before, after, cpu1-cpu0), nil
}

// prepare plans n signings round-robin over the workers, enrols the
// signers that need it and makes the contracts; it returns each worker's
// signings in order.
func (lt *loadtest) prepare(ctx context.Context, kinds []ltKind, n int) ([][]*ltJob, error) {
	perWorker := make([][]*ltJob, len(lt.workers))
	var fresh []*ltSigner
	var contracts []*ltContract
	for k := 0; k < n; k++ {
		if k%len(kinds) == 0 {
			contracts = append(contracts, &ltContract{})
		}
		j := &ltJob{kind: kinds[k%len(kinds)], contract: contracts[len(contracts)-1]}
		w := &lt.workers[lt.next%len(lt.workers)]
		if j.kind != ltAutoStamp {
			slot, cost := &w.member, 1
			if j.kind == ltLink {
				slot = &w.person
				if lt.opt.login {
					cost = 2
				}
			}
			if *slot == nil || (*slot).left < cost {
				*slot = lt.newSigner(j.kind)
				fresh = append(fresh, *slot)
			}
			(*slot).left -= cost
			j.who = *slot
		}
		j.contract.jobs = append(j.contract.jobs, j)
		perWorker[lt.next%len(lt.workers)] = append(perWorker[lt.next%len(lt.workers)], j)
		lt.next++
	}
	// Few at a time: the embedded default's SQLite pool has 8 connections,
	// and a writer that queries beside its transaction needs two.
	par := min(lt.opt.concurrency, 4)
	t0 := time.Now()
	if err := parallel(ctx, len(fresh), par, func(i int) error { return lt.enrol(ctx, fresh[i]) }); err != nil {
		return nil, err
	}
	t1 := time.Now()
	if err := parallel(ctx, len(contracts), par, func(i int) error { return lt.makeContract(ctx, contracts[i]) }); err != nil {
		return nil, err
	}
	fmt.Fprintf(lt.log, "loadtest: enrolled %d signers in %.1f s, sent %d contracts in %.1f s\n", len(fresh), t1.Sub(t0).Seconds(), len(contracts), time.Since(t1).Seconds())
	lt.sms.settle(ctx)
	return perWorker, nil
}

// newSigner names a new person with a number of their own. One code of the
// number's day goes to enrolling them, and one is kept for a retry.
func (lt *loadtest) newSigner(k ltKind) *ltSigner {
	lt.seq++
	mobile := ""
	for mobile == "" || lt.mobiles[mobile] {
		mobile = fmt.Sprintf("+86139%08d", rand.IntN(1e8))
	}
	lt.mobiles[mobile] = true
	return &ltSigner{kind: k, mobile: mobile, name: fmt.Sprintf("压测%s-%d", lt.runID, lt.seq), left: otp.PerNumberPerDay - 2}
}

// enrol makes a member of the demo company (invited, with the seal's PIN)
// or an individual (signed in by SMS), and verifies their real name.
func (lt *loadtest) enrol(ctx context.Context, s *ltSigner) error {
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	code := ""
	if s.kind == ltStamp {
		var inv struct{ Token string }
		email := fmt.Sprintf("load-%s@signet.test", s.mobile[1:])
		if err := lt.retry(ctx, "POST", "/api/invitations", lt.owner, map[string]any{"email": email, "role": "member"}, &inv); err != nil {
			return err
		}
		lt.serial.Lock()
		err := lt.must(ctx, "POST", "/api/invitations/accept", "", map[string]any{"token": inv.Token, "name": s.name, "password": ltPassword}, &sess)
		lt.serial.Unlock()
		if err != nil {
			return err
		}
		if code, err = lt.texted(ctx, s.mobile, "/api/identity/person/mobile-code", sess.AccessToken, map[string]any{"mobile": s.mobile}); err != nil {
			return err
		}
	} else {
		c, err := lt.texted(ctx, s.mobile, "/api/auth/mobile/code", "", map[string]any{"mobile": s.mobile})
		if err != nil {
			return err
		}
		if err := lt.must(ctx, "POST", "/api/auth/mobile", "", map[string]any{"mobile": s.mobile, "code": c, "name": s.name}, &sess); err != nil {
			return err
		}
	}
	s.token = sess.AccessToken
	// An application that fails with a 500 (a deadlock) has used its code:
	// try once more, with a new code.
	id := residentID()
	var v struct{ ID string }
	for try := 0; ; try++ {
		if s.kind == ltStamp && try > 0 {
			var err error
			if code, err = lt.texted(ctx, s.mobile, "/api/identity/person/mobile-code", s.token, map[string]any{"mobile": s.mobile}); err != nil {
				return err
			}
		}
		lt.serial.Lock()
		err := lt.must(ctx, "PUT", "/api/identity/person", s.token, map[string]any{"name": s.name, "id_number": id,
			"mobile": s.mobile, "code": code, "method": "manual"}, &v)
		lt.serial.Unlock()
		var p *ltProblem
		if err == nil {
			break
		}
		if try > 0 || !errors.As(err, &p) || p.Status < 500 {
			return err
		}
	}
	for _, kind := range []string{"id_front", "id_back"} {
		if err := lt.retry(ctx, "POST", "/api/identity/person/documents", s.token, multipartOf(map[string]string{"kind": kind}, kind+".png", ltPNG(64, 40)), nil); err != nil {
			return err
		}
	}
	if err := lt.retry(ctx, "POST", "/api/identity/person/submit", s.token, nil, nil); err != nil {
		return err
	}
	if err := lt.retry(ctx, "POST", "/api/operator/identity/persons/"+v.ID+"/approve", lt.operator, nil, nil); err != nil {
		return err
	}
	if s.kind == ltStamp {
		return lt.retry(ctx, "PUT", "/api/seals/"+lt.sealID+"/pin", s.token, map[string]any{"pin": app.DemoPIN}, nil)
	}
	return nil
}

// texted asks for a code with a POST and returns the code texted to mobile.
func (lt *loadtest) texted(ctx context.Context, mobile, path, token string, body any) (string, error) {
	ch := lt.sms.expect(mobile)
	defer lt.sms.forget(mobile, ch)
	// A code request that failed (InnoDB deadlocks concurrent ones) sent
	// nothing, so it may be repeated.
	if err := lt.retry(ctx, "POST", path, token, body, nil); err != nil {
		return "", err
	}
	return lt.sms.wait(ctx, ch)
}

// makeContract uploads the sample contract and sends it with one party per
// signing, like the demo's: the company stamps, the individual signs.
func (lt *loadtest) makeContract(ctx context.Context, c *ltContract) error {
	var parties []any
	for _, j := range c.jobs {
		if j.kind == ltLink {
			parties = append(parties, map[string]any{"kind": "person", "order": 1, "name": j.who.name, "mobile": j.who.mobile, "fields": []any{
				map[string]any{"kind": "signature", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -10},
				map[string]any{"kind": "date", "document": 0, "anchor": "乙方（签字）", "offset_x": 80, "offset_y": -60},
			}})
			continue
		}
		parties = append(parties, map[string]any{"kind": "organization", "order": 1, "org_name": lt.orgName, "org_uscc": lt.orgUSCC,
			"auto_stamp": j.kind == ltAutoStamp, "fields": []any{
				map[string]any{"kind": "seal", "document": 0, "anchor": "甲方（盖章）", "offset_x": 70, "offset_y": -40},
				map[string]any{"kind": "date", "document": 0, "anchor": "甲方（盖章）", "offset_y": -60},
				map[string]any{"kind": "cross_page", "document": 0},
			}})
	}
	var k struct {
		ID      string
		Parties []struct{ ID string }
	}
	// A send that fails (InnoDB deadlocks concurrent ones) leaves a draft
	// holding the document: try again with a new upload.
	for try := 0; ; try++ {
		var f struct{ ID string }
		if err := lt.retry(ctx, "POST", "/api/files", lt.owner, multipartOf(nil, "load.pdf", lt.pdf), &f); err != nil {
			return err
		}
		err := lt.must(ctx, "POST", "/api/contracts", lt.owner, map[string]any{"title": "压测合同 " + lt.runID, "document_ids": []string{f.ID},
			"send": true, "remind_every_hours": 0, "parties": parties}, &k)
		var p *ltProblem
		if err == nil {
			break
		}
		if try == 2 || !errors.As(err, &p) || p.Code != "transport" && p.Status < 500 {
			return err
		}
		time.Sleep(time.Second)
	}
	c.id = k.ID
	if len(k.Parties) != len(c.jobs) {
		return fmt.Errorf("contract %s has %d parties, want %d", k.ID, len(k.Parties), len(c.jobs))
	}
	for i, j := range c.jobs {
		j.partyID = k.Parties[i].ID
		if j.kind != ltLink {
			continue
		}
		// The invitation's link is in an SMS; a new link comes back in the
		// answer, so no text has to be matched to its contract.
		var l struct{ URL string }
		if err := lt.retry(ctx, "POST", "/api/contracts/"+k.ID+"/parties/"+j.partyID+"/link", lt.owner, nil, &l); err != nil {
			return err
		}
		j.token = l.URL[strings.LastIndex(l.URL, "/")+1:]
	}
	return nil
}

// ltResult is one phase's measurements.
type ltResult struct {
	rec      *recorder
	signings *series // end to end, the wait for texted codes included
	api      *series // the same signings' HTTP calls only
	elapsed  time.Duration
	ranOut   bool // every prepared signing was done before the time was up
}

// execute runs each worker's signings in order until they are done or
// limit (if not 0) has passed.
func (lt *loadtest) execute(ctx context.Context, perWorker [][]*ltJob, limit time.Duration, rec *recorder) ltResult {
	start := time.Now()
	if limit > 0 {
		// Signings still running well after the limit are cut off and fail.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit+ltGrace)
		defer cancel()
	}
	var wg sync.WaitGroup
	e2e, api := &series{}, &series{}
	var mu sync.Mutex
	for _, jobs := range perWorker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, j := range jobs {
				if ctx.Err() != nil || limit > 0 && time.Since(start) >= limit {
					return
				}
				t0 := time.Now()
				var spent time.Duration
				err := lt.sign(ctx, &ltCalls{rec: rec, spent: &spent}, j)
				mu.Lock()
				e2e.add(time.Since(t0), err)
				api.add(spent, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return ltResult{rec: rec, signings: e2e, api: api, elapsed: elapsed, ranOut: lt.opt.n == 0 && elapsed < limit}
}

// sign does one signing as its signer would.
func (lt *loadtest) sign(ctx context.Context, rec *ltCalls, j *ltJob) error {
	switch j.kind {
	case ltAutoStamp:
		return rec.call(ctx, lt, "POST /api/inbox/{partyID}/auto-stamp", "/api/inbox/"+j.partyID+"/auto-stamp", lt.apiKey, map[string]any{"seal_id": lt.sealID}, nil)
	case ltStamp:
		base, mark := "/api/inbox/"+j.partyID, map[string]any{"seal_id": lt.sealID}
		code, err := lt.code(ctx, rec, "POST /api/inbox/{partyID}/code", base+"/code", j.who, mark)
		if err != nil {
			return err
		}
		return rec.call(ctx, lt, "POST /api/inbox/{partyID}/sign", base+"/sign", j.who.token, map[string]any{"seal_id": lt.sealID, "code": code, "pin": app.DemoPIN}, nil)
	}
	base, token := "/api/links/"+j.token, j.who.token
	if lt.opt.login {
		code, err := lt.code(ctx, rec, "POST /api/links/{token}/login-code", base+"/login-code", &ltSigner{mobile: j.who.mobile}, nil)
		if err != nil {
			return err
		}
		var s struct {
			AccessToken string `json:"access_token"`
		}
		if err := rec.call(ctx, lt, "POST /api/links/{token}/login", base+"/login", "", map[string]any{"code": code}, &s); err != nil {
			return err
		}
		token = s.AccessToken
	}
	who := &ltSigner{mobile: j.who.mobile, token: token}
	mark := map[string]any{"signature_png": ltSignaturePNG}
	code, err := lt.code(ctx, rec, "POST /api/links/{token}/code", base+"/code", who, mark)
	if err != nil {
		return err
	}
	return rec.call(ctx, lt, "POST /api/links/{token}/sign", base+"/sign", token, map[string]any{"signature_png": ltSignaturePNG, "code": code}, nil)
}

// code asks for a code and waits for its text; the wait is recorded as
// its own line.
func (lt *loadtest) code(ctx context.Context, rec *ltCalls, name, path string, who *ltSigner, body any) (string, error) {
	ch := lt.sms.expect(who.mobile)
	defer lt.sms.forget(who.mobile, ch)
	var t struct {
		Sent bool `json:"sent"`
	}
	if err := rec.call(ctx, lt, name, path, who.token, body, &t); err != nil {
		return "", err
	}
	if !t.Sent {
		err := &ltProblem{Status: 202, Code: "code_not_sent", Detail: "a code for this number is still live"}
		rec.rec.add(ltSMSWait, 0, err)
		return "", err
	}
	start := time.Now()
	code, err := lt.sms.wait(ctx, ch)
	rec.rec.add(ltSMSWait, time.Since(start), err)
	return code, err
}

const ltSMSWait = "(code texted: GET /api/dev/sms)"

// parallel runs fn(0..n-1) on at most par goroutines and returns the
// first error; after one, the rest are skipped.
func parallel(ctx context.Context, n, par int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range min(par, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil || i >= n || ctx.Err() != nil
				mu.Unlock()
				if stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		return ctx.Err()
	}
	return first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// smsBroker follows the texts of one or more sources (each replica's
// console sender, or a stand-in SMS provider) and hands each code to the
// worker waiting on its number. A console keeps only its latest 100
// texts, so the broker polls often and counts any it missed.
type smsBroker struct {
	sources []*textSource
	mu      sync.Mutex
	waiting map[string]chan string
	lost    int64
	last    time.Time // when the latest text arrived
}

// textSource is where texts are read from: fetch returns those after seq
// after, newest first.
type textSource struct {
	fetch func(ctx context.Context, after int64) ([]notify.SentSMS, error)
	after int64
}

func newSMSBroker(sources []*textSource) *smsBroker {
	return &smsBroker{sources: sources, waiting: map[string]chan string{}, last: time.Now()}
}

// devTexts reads each replica's console sender through /api/dev/sms.
func (lt *loadtest) devTexts() []*textSource {
	var out []*textSource
	for _, base := range lt.opt.urls {
		out = append(out, &textSource{fetch: func(ctx context.Context, after int64) ([]notify.SentSMS, error) {
			var page struct{ Items []notify.SentSMS }
			_, err := lt.callAt(ctx, base, "GET", "/api/dev/sms?after="+strconv.FormatInt(after, 10), "", nil, &page)
			if p := (*ltProblem)(nil); errors.As(err, &p) && p.Status == http.StatusNotFound {
				err = fmt.Errorf("GET %s/api/dev/sms: %w (the server needs the console SMS sender, reached over loopback)", base, err)
			}
			return page.Items, err
		}})
	}
	return out
}

var ltCodeRE = regexp.MustCompile(`(?:验证码为|code is) ?(\d{6})`)

// start reads where the texts stand and follows them from there.
func (b *smsBroker) start(ctx context.Context) error {
	for _, src := range b.sources {
		items, err := src.fetch(ctx, 0)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			src.after = items[0].Seq
		}
	}
	go b.follow(ctx)
	return nil
}

func (b *smsBroker) follow(ctx context.Context) {
	for ctx.Err() == nil {
		b.mu.Lock()
		busy := len(b.waiting) > 0
		b.mu.Unlock()
		for _, src := range b.sources {
			items, err := src.fetch(ctx, src.after)
			if err != nil || len(items) == 0 {
				continue // a replica that is down has nothing new
			}
			b.mu.Lock()
			if oldest := items[len(items)-1].Seq; oldest > src.after+1 {
				b.lost += oldest - src.after - 1
			}
			for i := len(items) - 1; i >= 0; i-- {
				m := items[i]
				if c := ltCodeRE.FindStringSubmatch(m.Body); c != nil {
					if ch, ok := b.waiting[m.To]; ok {
						ch <- c[1]
						delete(b.waiting, m.To)
					}
				}
			}
			src.after, b.last = items[0].Seq, time.Now()
			b.mu.Unlock()
		}
		pause := 100 * time.Millisecond
		if busy {
			pause = 10 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

// expect registers a wait for the next code texted to mobile; register
// before asking for the code.
func (b *smsBroker) expect(mobile string) chan string {
	ch := make(chan string, 1)
	b.mu.Lock()
	b.waiting[mobile] = ch
	b.mu.Unlock()
	return ch
}

func (b *smsBroker) forget(mobile string, ch chan string) {
	b.mu.Lock()
	if b.waiting[mobile] == ch {
		delete(b.waiting, mobile)
	}
	b.mu.Unlock()
}

func (b *smsBroker) wait(ctx context.Context, ch chan string) (string, error) {
	select {
	case c := <-ch:
		return c, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(ltCodeWait):
		return "", &ltProblem{Code: "code_not_texted", Detail: "no code arrived at /api/dev/sms"}
	}
}

// settle waits until the invitations of the prepared contracts have gone
// out (no text for a second, at most 30 s), so the outbox is quiet when
// measuring starts.
func (b *smsBroker) settle(ctx context.Context) {
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && ctx.Err() == nil; {
		b.mu.Lock()
		quiet := time.Since(b.last) > time.Second
		b.mu.Unlock()
		if quiet {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *smsBroker) lostCount() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lost
}

// residentID is a random valid resident identity number (GB 11643): a
// Beijing region, a birth date in 1970-1999, its check character.
func residentID() string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rand.IntN(30*365))
	s := "110105" + birth.Format("20060102") + fmt.Sprintf("%03d", rand.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return s + string("10X98765432"[sum%11])
}

// ltPNG is a plain image standing in for an ID photo or a drawn signature.
func ltPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		y := h/2 + int(float64(h/4)*math.Sin(float64(x)/8))
		for d := -1; d <= 1; d++ {
			img.Set(x, y+d, color.NRGBA{20, 20, 20, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

var ltSignaturePNG = ltPNG(240, 80)

// recorder collects each endpoint's latencies and errors.
type recorder struct {
	mu  sync.Mutex
	eps map[string]*series
}

func newRecorder() *recorder { return &recorder{eps: map[string]*series{}} }

// series is one line of the report: latencies of the successes, and the
// failures by problem code.
type series struct {
	ok    []time.Duration
	errs  int
	codes map[string]int
}

func (s *series) add(d time.Duration, err error) {
	if err == nil {
		s.ok = append(s.ok, d)
		return
	}
	s.errs++
	if s.codes == nil {
		s.codes = map[string]int{}
	}
	s.codes[problemCode(err)]++
}

func (s *series) count() int { return len(s.ok) }

func (r *recorder) add(name string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.eps[name]
	if s == nil {
		s = &series{}
		r.eps[name] = s
	}
	s.add(d, err)
}

// ltCalls records one signing's calls under their endpoints and adds up
// the time they took.
type ltCalls struct {
	rec   *recorder
	spent *time.Duration
}

// call is a POST with lt.call, recorded under name.
func (c *ltCalls) call(ctx context.Context, lt *loadtest, name, path, token string, body, out any) error {
	d, err := lt.call(ctx, "POST", path, token, body, out)
	c.rec.add(name, d, err)
	*c.spent += d
	return err
}

// clientCPU is the CPU time this process has used, in seconds, from
// /proc/self/stat (utime and stime in USER_HZ, 100 on Linux); 0 elsewhere.
func clientCPU() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state is
	// the first, utime the 12th, stime the 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100
}

// serverStats reads the server's Go version, GOMAXPROCS and CPU time from
// its Prometheus metrics.
func (lt *loadtest) serverStats(ctx context.Context) ltServer {
	var raw []byte
	var s ltServer
	if _, err := lt.call(ctx, "GET", "/metrics", "", nil, &raw); err != nil {
		return s
	}
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, _ := strings.Cut(line, " ")
		switch {
		case name == "process_cpu_seconds_total":
			s.CPUSeconds, _ = strconv.ParseFloat(value, 64)
		case name == "go_sched_gomaxprocs_threads":
			f, _ := strconv.ParseFloat(value, 64)
			s.GOMAXPROCS = int(f)
		case strings.HasPrefix(name, `go_info{version="`):
			s.Go = strings.TrimSuffix(strings.TrimPrefix(name, `go_info{version="`), `"}`)
		}
	}
	return s
}

// The report.

type ltReport struct {
	Date        time.Time    `json:"date"`
	URL         string       `json:"url"`
	Client      ltMachine    `json:"client"`
	Server      ltServer     `json:"server"`
	Concurrency int          `json:"concurrency"`
	Scenarios   []ltScenario `json:"scenarios"`
	// LostTexts counts texts the console dropped before they were read.
	LostTexts int64 `json:"lost_texts"`
}

type ltMachine struct {
	OS         string `json:"os"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
}

type ltServer struct {
	Go         string  `json:"go,omitempty"`
	GOMAXPROCS int     `json:"gomaxprocs,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
}

type ltScenario struct {
	Name     string  `json:"name"`
	Prepared int     `json:"prepared"`
	Signings int     `json:"signings"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"signings_per_second"`
	// Latency is end to end: from asking for the code to the signed
	// answer. APILatency leaves out the wait for the texted code.
	Latency    ltLatency `json:"latency_ms"`
	APILatency ltLatency `json:"api_latency_ms"`
	Codes      []string  `json:"error_codes,omitempty"`
	Endpoints  []ltLine  `json:"endpoints"`
	// ServerCPUSeconds is the server process's CPU time in the measured phase.
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	Note             string  `json:"note,omitempty"`
}

type ltLatency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

type ltLine struct {
	Endpoint string    `json:"endpoint"`
	Count    int       `json:"count"`
	Errors   int       `json:"errors"`
	Codes    []string  `json:"error_codes,omitempty"`
	PerSec   float64   `json:"per_second"`
	Latency  ltLatency `json:"latency_ms"`
}

func latencyOf(d []time.Duration) ltLatency {
	if len(d) == 0 {
		return ltLatency{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	// Nearest rank.
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return float64(s[max(i, 0)].Microseconds()) / 1000
	}
	return ltLatency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: at(1)}
}

// topCodes lists the three most frequent problem codes as "code×n".
func topCodes(m map[string]int) []string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		return m[codes[i]] > m[codes[j]] || m[codes[i]] == m[codes[j]] && codes[i] < codes[j]
	})
	var out []string
	for _, c := range codes[:min(len(codes), 3)] {
		out = append(out, fmt.Sprintf("%s×%d", c, m[c]))
	}
	return out
}

func (r ltResult) report(name string, prepared int, limit time.Duration, before, after ltServer, clientCPU float64) ltScenario {
	secs := r.elapsed.Seconds()
	out := ltScenario{Name: name, Prepared: prepared, Signings: r.signings.count(), Errors: r.signings.errs, Seconds: secs,
		PerSec: float64(r.signings.count()) / secs, Latency: latencyOf(r.signings.ok), APILatency: latencyOf(r.api.ok), Codes: topCodes(r.signings.codes),
		ServerCPUSeconds: after.CPUSeconds - before.CPUSeconds, ClientCPUSeconds: clientCPU}
	names := make([]string, 0, len(r.rec.eps))
	for n := range r.rec.eps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.rec.eps[n]
		out.Endpoints = append(out.Endpoints, ltLine{Endpoint: n, Count: s.count(), Errors: s.errs, Codes: topCodes(s.codes),
			PerSec: float64(s.count()) / secs, Latency: latencyOf(s.ok)})
	}
	if r.ranOut {
		out.Note = fmt.Sprintf("every prepared signing was done after %.1f s of the %s asked for: the warm-up underestimated the rate", secs, limit)
	}
	return out
}

func (rep *ltReport) print(w io.Writer) {
	fmt.Fprintf(w, "signet loadtest  %s  %s\n", rep.Date.Format(time.RFC3339), rep.URL)
	fmt.Fprintf(w, "client: %s, %d CPUs, GOMAXPROCS %d, %s", rep.Client.OS, rep.Client.CPUs, rep.Client.GOMAXPROCS, rep.Client.Go)
	if rep.Server.Go != "" {
		fmt.Fprintf(w, "; server: GOMAXPROCS %d, %s", rep.Server.GOMAXPROCS, rep.Server.Go)
	}
	fmt.Fprintf(w, "\nconcurrency %d\n", rep.Concurrency)
	for _, s := range rep.Scenarios {
		fmt.Fprintf(w, "\n== %s: %d signings in %.1f s = %.1f signings/s, %d failed %v\n", s.Name, s.Signings, s.Seconds, s.PerSec, s.Errors, s.Codes)
		fmt.Fprintf(w, "   end to end ms:      p50 %.0f  p95 %.0f  p99 %.0f  max %.0f\n", s.Latency.P50, s.Latency.P95, s.Latency.P99, s.Latency.Max)
		fmt.Fprintf(w, "   HTTP calls only ms: p50 %.0f  p95 %.0f  p99 %.0f  max %.0f\n", s.APILatency.P50, s.APILatency.P95, s.APILatency.P99, s.APILatency.Max)
		if s.Signings > 0 {
			fmt.Fprintf(w, "   CPU per signing: server %.1f ms, this client %.1f ms\n", 1000*s.ServerCPUSeconds/float64(s.Signings), 1000*s.ClientCPUSeconds/float64(s.Signings))
		}
		if s.Note != "" {
			fmt.Fprintf(w, "   note: %s\n", s.Note)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\tcount\terrors\t/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t\t")
		for _, e := range s.Endpoints {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\t%s\n", e.Endpoint, e.Count, e.Errors, e.PerSec,
				e.Latency.P50, e.Latency.P95, e.Latency.P99, e.Latency.Max, strings.Join(e.Codes, " "))
		}
		tw.Flush()
	}
	if rep.LostTexts > 0 {
		fmt.Fprintf(w, "\n%d texts were dropped by the console sender before they were read\n", rep.LostTexts)
	}
}
