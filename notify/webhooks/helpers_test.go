package webhooks_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/internal/kek"
	"signet/notify/webhooks"
	"signet/tenants"
)

var _ webhooks.Keys = (*kek.Keyring)(nil)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// hit is one request a receiver got.
type hit struct {
	Header http.Header
	Body   []byte
}

// receiver is an httptest server answering with statuses in turn (the last
// one repeats) and recording every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []hit
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.hits = append(r.hits, hit{Header: req.Header.Clone(), Body: b})
		st := http.StatusOK
		if len(r.statuses) > 0 {
			st = r.statuses[min(len(r.hits), len(r.statuses))-1]
		}
		r.mu.Unlock()
		w.WriteHeader(st)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) Hits() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// env is one tenant's webhooks service over a real database.
type env struct {
	db    *database.DB
	keys  *kek.Keyring
	clock *clock
	svc   *webhooks.Service
	ctx   context.Context
}

func mustKeys(t *testing.T) *kek.Keyring {
	t.Helper()
	spec, err := kek.Generate("k1")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := kek.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func newEnv(t *testing.T, dialect string, opt webhooks.Options) *env {
	t.Helper()
	e := &env{db: dbtest.MustOpen(t, dialect), keys: mustKeys(t), clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	e.ctx = tenants.WithTenant(context.Background(), ids.New())
	e.svc = e.service(opt)
	return e
}

// service is another Service over the same database, as after a restart.
func (e *env) service(opt webhooks.Options) *webhooks.Service {
	opt.AllowLoopback = true
	if opt.Now == nil {
		opt.Now = e.clock.Now
	}
	return webhooks.NewService(e.db.DB, e.keys, opt)
}

func (e *env) endpoint(t *testing.T, url string, events ...string) (webhooks.Endpoint, string) {
	t.Helper()
	if len(events) == 0 {
		events = []string{"contract.*"}
	}
	ep, secret, err := e.svc.CreateEndpoint(e.ctx, webhooks.EndpointInput{URL: &url, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return ep, secret
}

// enqueue commits one event in its own transaction.
func (e *env) enqueue(t *testing.T, ev webhooks.Event) {
	t.Helper()
	err := e.db.WithContext(e.ctx).Transaction(func(tx *gorm.DB) error { return e.svc.Enqueue(e.ctx, tx, ev) })
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) deliveries(t *testing.T, endpointID string) []webhooks.Delivery {
	t.Helper()
	p, err := e.svc.Deliveries(e.ctx, endpointID, pageAll)
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func (e *env) deliver(t *testing.T, svc *webhooks.Service) int {
	t.Helper()
	n, err := svc.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// forEachDialect runs f as one parallel-free subtest per database.
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}
