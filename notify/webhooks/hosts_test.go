package webhooks_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"signet/internal/dbtest"
	"signet/internal/valid"
	"signet/notify/webhooks"
)

// TestNumericHostsRefused: a host written as one number, in hex or octal,
// or with fewer than four parts is an IPv4 address to many resolvers
// (inet_aton): https://2130706433/ is 127.0.0.1. Such hosts are refused
// when the endpoint is registered; ordinary names are not.
func TestNumericHostsRefused(t *testing.T) {
	e := newEnv(t, dbtest.Dialects[0], webhooks.Options{})
	strict := webhooks.NewService(e.db.DB, e.keys, webhooks.Options{Now: e.clock.Now})
	for _, u := range []string{"https://2130706433/", "https://0x7f.1/", "https://017700000001/", "https://127.1/",
		"https://0x7f000001/hook", "https://10.1/", "https://0177.0.0.1/", "https://1.2.3.4.5/", "https://2130706433./"} {
		_, _, err := strict.CreateEndpoint(e.ctx, webhooks.EndpointInput{URL: &u, Events: []string{"*"}})
		var v valid.Errors
		if !errors.As(err, &v) {
			t.Errorf("%s: accepted (%v)", u, err)
		}
	}
	for _, u := range []string{"https://hooks.example.com/x", "https://1password.example/", "https://8.8.8.8/", "https://x.123abc/"} {
		if _, _, err := strict.CreateEndpoint(e.ctx, webhooks.EndpointInput{URL: &u, Events: []string{"*"}}); err != nil {
			t.Errorf("%s: refused: %v", u, err)
		}
	}
}

// failingTransport fails every request with err, as the dialer would.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// TestDeliveryLogHidesInternalAddresses: the delivery log a tenant reads
// says why a delivery failed without the platform's resolver address or
// the internal address a name resolved to.
func TestDeliveryLogHidesInternalAddresses(t *testing.T) {
	dnsErr := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "hooks.example.com", Server: "10.0.0.2:53", IsNotFound: true}}
	e := newEnv(t, dbtest.Dialects[0], webhooks.Options{Client: &http.Client{Transport: failingTransport{dnsErr}}})
	ep, _ := e.endpoint(t, "https://hooks.example.com/x")
	e.enqueue(t, webhooks.Event{Type: "contract.created"})
	e.deliver(t, e.svc)
	d := e.deliveries(t, ep.ID)[0]
	if strings.Contains(d.LastError, "10.0.0.2") || !strings.Contains(d.LastError, "hooks.example.com") {
		t.Fatalf("DNS failure logged as %q", d.LastError)
	}

	// A name that resolves to an internal address: refused, and the
	// address is not shown.
	rc := newReceiver(t)
	ep, _ = e.endpoint(t, rc.URL)
	strict := webhooks.NewService(e.db.DB, e.keys, webhooks.Options{Now: e.clock.Now})
	e.enqueue(t, webhooks.Event{Type: "contract.created"})
	if _, err := strict.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	d = e.deliveries(t, ep.ID)[0]
	if strings.Contains(d.LastError, "127.0.0.1") || !strings.Contains(d.LastError, "non-public address") {
		t.Fatalf("blocked connection logged as %q", d.LastError)
	}
	as, err := e.svc.Attempts(e.ctx, []string{d.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as[d.ID] {
		if strings.Contains(a.Error, "127.0.0.1") || strings.Contains(a.Error, "10.0.0.2") {
			t.Fatalf("attempt logged as %q", a.Error)
		}
	}
}
