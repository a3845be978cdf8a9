package app

import (
	"net/netip"
	"testing"
)

// TestForwardedClient: X-Forwarded-For is believed only from a trusted
// proxy, read from the right, and a client cannot spoof its address by
// writing the header itself.
func TestForwardedClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	for _, c := range []struct {
		peer, xff string
		trusted   []netip.Prefix
		want      string
	}{
		{"203.0.113.9", "", trusted, "203.0.113.9"},
		{"203.0.113.9", "198.51.100.1", trusted, "203.0.113.9"},          // an untrusted peer's header is ignored
		{"203.0.113.9", "198.51.100.1", nil, "203.0.113.9"},              // no proxies configured
		{"10.1.2.3", "198.51.100.1", trusted, "198.51.100.1"},            // one proxy
		{"10.1.2.3", "1.1.1.1, 198.51.100.1", trusted, "198.51.100.1"},   // the client wrote 1.1.1.1 itself
		{"10.1.2.3", "198.51.100.1, 192.0.2.1", trusted, "198.51.100.1"}, // two proxies
		{"10.1.2.3", "10.9.9.9, 10.8.8.8", trusted, "10.9.9.9"},          // all trusted: the first
		{"10.1.2.3", "not-an-ip", trusted, "10.1.2.3"},                   // malformed: the peer
		{"10.1.2.3", "::ffff:198.51.100.1", trusted, "198.51.100.1"},
	} {
		if got := forwardedClient(c.peer, c.xff, c.trusted); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
