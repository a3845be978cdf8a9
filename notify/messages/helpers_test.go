package messages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"signet/internal/database"
	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/internal/kek"
	"signet/notify"
	"signet/notify/messages"
	"signet/notify/twiliotest"
	"signet/tenants"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	fromNumber = "+15005550006"
	mobile     = "+8613800000002"
)

// env is an outbox over a migrated database sending SMS through the
// Twilio sender to the local stand-in, whose status callbacks reach the
// outbox through a real HTTP server.
type env struct {
	db      *database.DB
	keys    *kek.Keyring
	twilio  *notify.Twilio
	server  *twiliotest.Server
	svc     *messages.Service
	tenant  string
	ctx     context.Context
	clock   *clock
	public  string // the callback receiver's base URL
	callbks sync.WaitGroup
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newEnv(tb testing.TB, dialect string) *env {
	tb.Helper()
	db := dbtest.MustOpen(tb, dialect)
	return newEnvOn(tb, db, twiliotest.New(tb, accountSID, authToken))
}

// newEnvOn builds an env over an open database and a stand-in, so that a
// second "replica" can share both.
func newEnvOn(tb testing.TB, db *database.DB, server *twiliotest.Server) *env {
	tb.Helper()
	e := newEnvURL(tb, db, server.URL())
	e.server = server
	return e
}

// newEnvURL builds an env whose Twilio sender talks to baseURL.
func newEnvURL(tb testing.TB, db *database.DB, baseURL string) *env {
	tb.Helper()
	spec := "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	keys, err := kek.Parse(spec)
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{db: db, keys: keys, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	e.twilio, err = notify.NewTwilio(notify.TwilioConfig{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, BaseURL: baseURL})
	if err != nil {
		tb.Fatal(err)
	}
	// The callback receiver: what app's POST /notify/twilio/status does.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		full := e.public + r.URL.RequestURI()
		err := e.svc.TwilioCallback(r.Context(), e.twilio, full, r.PostForm, r.Header.Get("X-Twilio-Signature"))
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case isAny(err, messages.ErrForged, messages.ErrReplayed):
			w.WriteHeader(http.StatusForbidden)
		default:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	tb.Cleanup(srv.Close)
	e.public = srv.URL
	e.svc, err = messages.NewService(messages.Deps{
		DB: db.DB, Keys: keys, SMS: e.twilio, Provider: "twilio", DigestKey: []byte(strings.Repeat("k", 32)),
		StatusCallback: e.public + "/notify/twilio/status", Profiles: messages.ProfilesFunc(tenants.Messaging),
	}, messages.Options{Now: e.clock.now, BaseDelay: time.Second, MaxDelay: time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	e.tenant = ids.New()
	if err := db.DB.Create(&tenants.Tenant{ID: e.tenant, Name: "甲方科技有限公司", Status: tenants.TenantActive, SMSSignature: "甲方科技"}).Error; err != nil {
		tb.Fatal(err)
	}
	e.ctx = tenants.WithTenant(context.Background(), e.tenant)
	return e
}

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if strings.Contains(err.Error(), t.Error()) {
			return true
		}
	}
	return false
}

// enqueue queues m in a transaction of its own and returns its ID.
func (e *env) enqueue(tb testing.TB, m messages.Outgoing) string {
	tb.Helper()
	var id string
	err := e.db.DB.WithContext(e.ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		id, err = e.svc.Enqueue(e.ctx, tx, m)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func invitation(to string) messages.Outgoing {
	return messages.Outgoing{Kind: notify.KindInvitation, To: to, ToName: "王五", ContractID: ids.New(), PartyID: ids.New(),
		Params: notify.Params{Title: "采购合同", Sender: "甲方科技有限公司", URL: "https://sign.example.com/s/" + strings.Repeat("A", 43)}}
}

// row reads a message back, unscoped.
func (e *env) row(tb testing.TB, id string) messages.Message {
	tb.Helper()
	var m messages.Message
	if err := e.db.DB.WithContext(tenants.Unscoped(context.Background())).Where("id = ?", id).First(&m).Error; err != nil {
		tb.Fatal(err)
	}
	return m
}

func (e *env) dispatch(tb testing.TB) int {
	tb.Helper()
	n, err := e.svc.Dispatch(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// to returns what the stand-in received for number.
func (e *env) to(number string) []twiliotest.Message {
	var out []twiliotest.Message
	for _, m := range e.server.Messages() {
		if m.To == number {
			out = append(out, m)
		}
	}
	return out
}

// status returns a function taking a response and its error, so that
// status(t)(server.Callback(…)) reads as one call.
func status(tb testing.TB) func(*http.Response, error) int {
	return func(resp *http.Response, err error) int {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
}

// signWith signs a callback as Twilio would with token.
func signWith(token, target string, f url.Values) string { return twiliotest.Sign(token, target, f) }
