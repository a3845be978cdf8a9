package identity_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"signet/identity"
	"signet/pki"
)

// standIn is a local httptest stand-in for a third-party 3-factor service:
// it checks the HMAC signature and answers from its small register.
type standIn struct {
	*httptest.Server
	calls    atomic.Int32
	failures atomic.Int32 // answer 503 this many times first
	delay    time.Duration
}

const providerSecret = "provider-shared-secret"

func newStandIn(t *testing.T) *standIn {
	s := &standIn{}
	register := map[string]string{idAlice: "张三", idBob: "李四"}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		if s.delay > 0 {
			time.Sleep(s.delay)
		}
		if s.failures.Load() > 0 {
			s.failures.Add(-1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sig := identity.SignHTTPRequest(providerSecret, r.URL.Path, r.Header.Get("X-Signet-Timestamp"), r.Header.Get("X-Signet-Nonce"), body)
		if r.Header.Get("X-Signet-Signature") != sig {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			RequestID string `json:"request_id"`
			Factors   int    `json:"factors"`
			Name      string `json:"name"`
			IDNumber  string `json:"id_number"`
			Mobile    string `json:"mobile"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.Factors != 3 || req.Mobile == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		code, msg := "0", "一致"
		switch name, ok := register[req.IDNumber]; {
		case !ok:
			code, msg = "2", "库中无此号"
		case name != req.Name:
			code, msg = "1", "不一致"
		}
		json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg, "serial": "SN-" + req.RequestID})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *standIn) provider(t *testing.T) *identity.HTTPProvider {
	p, err := identity.NewHTTPProvider(identity.HTTPConfig{URL: s.URL + "/v1/check", Secret: providerSecret, Factors: 3, Timeout: 300 * time.Millisecond, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHTTPProvider(t *testing.T) {
	s := newStandIn(t)
	p := s.provider(t)
	claim := identity.Claim{Name: "张三", IDNumber: idAlice, Mobile: "+8613812345678"}
	t.Run("Match", func(t *testing.T) {
		v, err := p.Verify(ctx, claim)
		if err != nil || v.Outcome != identity.OutcomeMatch || v.Reference == "" {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("Mismatch", func(t *testing.T) {
		c := claim
		c.Name = "王五"
		v, err := p.Verify(ctx, c)
		if err != nil || v.Outcome != identity.OutcomeMismatch || v.Reason == "" {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("RetriesTransientFailures", func(t *testing.T) {
		s.calls.Store(0)
		s.failures.Store(2)
		v, err := p.Verify(ctx, claim)
		if err != nil || v.Outcome != identity.OutcomeMatch || s.calls.Load() != 3 {
			t.Fatalf("%+v %v after %d calls", v, err, s.calls.Load())
		}
	})
	t.Run("ErrProviderUnavailableAfterRetries", func(t *testing.T) {
		s.calls.Store(0)
		s.failures.Store(10)
		defer s.failures.Store(0)
		_, err := p.Verify(ctx, claim)
		if !errors.Is(err, identity.ErrProviderUnavailable) || s.calls.Load() != 3 {
			t.Fatalf("%v after %d calls", err, s.calls.Load())
		}
	})
	t.Run("ErrProviderUnavailableOnTimeout", func(t *testing.T) {
		s.delay = time.Second
		defer func() { s.delay = 0 }()
		_, err := p.Verify(ctx, claim)
		if !errors.Is(err, identity.ErrProviderUnavailable) {
			t.Fatal(err)
		}
	})
	t.Run("WrongSecretIsNotRetried", func(t *testing.T) {
		bad, _ := identity.NewHTTPProvider(identity.HTTPConfig{URL: s.URL, Secret: "wrong", Retries: 2})
		s.calls.Store(0)
		if _, err := bad.Verify(ctx, claim); !errors.Is(err, identity.ErrProviderUnavailable) || s.calls.Load() != 1 {
			t.Fatalf("%v after %d calls", err, s.calls.Load())
		}
	})
	t.Run("BadConfig", func(t *testing.T) {
		for _, c := range []identity.HTTPConfig{{URL: "ftp://x", Secret: "s"}, {URL: s.URL}, {URL: s.URL, Secret: "s", Factors: 5}, {URL: s.URL, Secret: "s", Codes: "0:maybe"}} {
			if _, err := identity.NewHTTPProvider(c); err == nil {
				t.Errorf("%+v accepted", c)
			}
		}
	})
}

func TestPersonHTTP(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := newStandIn(t)
		e := newEnv(t, dialect, func(d *identity.Deps, _ *identity.Options) { d.Provider = s.provider(t) })
		const pid, pid2 = "0190a0a0-0000-7000-8000-000000000011", "0190a0a0-0000-7000-8000-000000000012"
		e.save(pid, "张三", idAlice, identity.MethodHTTP)
		pv, err := e.svc.SubmitPerson(ctx, pid, applicant(pid))
		if err != nil || pv.State != identity.StateApproved || pv.ProviderRef == "" {
			t.Fatalf("http check: %v %+v", err, pv)
		}
		if _, err := e.ca.PartyCredential(ctx, pki.Person, pid, pki.ECDSA); err != nil {
			t.Fatal(err)
		}
		// A mismatch rejects; the provider's reason is kept.
		e.save(pid2, "王五", idBob, identity.MethodHTTP)
		if pv, err = e.svc.SubmitPerson(ctx, pid2, applicant(pid2)); err != nil || pv.State != identity.StateRejected || pv.Reason == "" {
			t.Fatalf("mismatch: %v %+v", err, pv)
		}
		// The provider down: the application waits for an operator.
		e.save(pid2, "李四", idBob, identity.MethodHTTP)
		s.failures.Store(100)
		if pv, err = e.svc.SubmitPerson(ctx, pid2, applicant(pid2)); err != nil || pv.State != identity.StateResubmitted {
			t.Fatalf("provider down: %v %+v", err, pv)
		}
		if q, _ := e.svc.Queue(ctx); len(q) != 1 || q[0].ID != pv.ID {
			t.Fatalf("queue = %+v", q)
		}
	})
}
