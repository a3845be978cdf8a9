package webhooks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// checkURL validates an endpoint URL when it is registered: HTTPS (plain
// HTTP only to loopback when allowLoopback), no credentials, and no host
// that is, or obviously names, an address webhooks must not reach. Host
// names are resolved only when connecting (see dialControl), because DNS
// can change between now and then.
func checkURL(raw string, allowLoopback bool) (string, string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", "must be an absolute https:// URL"
	}
	if len(raw) > 2000 {
		return "", "must be at most 2000 characters"
	}
	if u.User != nil {
		return "", "must not carry credentials"
	}
	host := strings.ToLower(u.Hostname())
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if ip.Unmap().IsLoopback() {
			loopback = true
		} else if !publicAddr(ip) {
			return "", "must not point to a private, link-local or reserved address"
		}
	} else if numericHost(host) {
		return "", "must use a host name or a dotted-decimal IPv4 address (no 2130706433, 0x7f.1 or 017700000001)"
	}
	switch {
	case loopback && !allowLoopback:
		return "", "must not point to a private, link-local or reserved address"
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback:
	default:
		return "", "must be an absolute https:// URL"
	}
	u.Fragment = ""
	return u.String(), ""
}

// numericHost reports whether host, which is not a plain IP address, would
// still be read as one by resolvers that follow inet_aton: one number
// (2130706433), hex or octal parts (0x7f.1, 0177.0.0.1), fewer than four
// parts (127.1). No top-level domain is all digits or starts with 0x, so
// a host whose last label is one is a number, never a name.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.HasPrefix(last, "0x") {
		last = last[2:]
		return strings.Trim(last, "0123456789abcdef") == ""
	}
	return last == "" || strings.Trim(last, "0123456789") == ""
}

// publicAddr reports whether ip is a globally routable unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// reserved are ranges netip does not classify but no webhook should reach:
// carrier-grade NAT, IETF protocol assignments, benchmarking, documentation
// and "this network".
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// errBlockedAddress is the error a connection to a refused address fails with.
type errBlockedAddress struct{ addr string }

func (e errBlockedAddress) Error() string {
	return "refused to connect to non-public address " + e.addr
}

// dialControl runs after DNS resolution, on the address actually dialled,
// so a name that resolves (or re-resolves) to an internal address is caught.
func dialControl(allowLoopback bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return errBlockedAddress{address}
		}
		if publicAddr(ip) || allowLoopback && ip.Unmap().IsLoopback() {
			return nil
		}
		return errBlockedAddress{address}
	}
}

// newClient is the bounded HTTP client deliveries go through: no proxy, a
// connect-time address check, timeouts, and redirects only to the same host
// and only ones that keep the POST (307, 308).
func newClient(timeout time.Duration, allowLoopback bool) *http.Client {
	d := &net.Dialer{Timeout: min(timeout, 5*time.Second), Control: dialControl(allowLoopback)}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    min(timeout, 5*time.Second),
		ResponseHeaderTimeout:  timeout,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 || req.URL.Host != via[0].URL.Host || req.Method != http.MethodPost ||
				via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// deliveryError says why a request failed, for the delivery log the tenant
// reads, in words that name the endpoint's host and nothing of the
// platform's network: not the resolver it asked (Go's DNS errors say "on
// 10.0.0.2:53"), nor the internal address a name resolved to.
func deliveryError(err error) string {
	var (
		dnsErr  *net.DNSError
		blocked errBlockedAddress
		tlsErr  *tls.CertificateVerificationError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &blocked):
		return "refused to connect to a non-public address"
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "could not resolve " + dnsErr.Name + ": no such host"
		case dnsErr.IsTimeout:
			return "could not resolve " + dnsErr.Name + ": timeout"
		}
		return "could not resolve " + dnsErr.Name
	case errors.As(err, &tlsErr):
		return "the receiver's TLS certificate was not accepted: " + tlsErr.Err.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "timeout waiting for the receiver"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before the receiver answered"
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH):
		return "the receiver is unreachable"
	}
	var tlsAlert tls.AlertError
	var recErr tls.RecordHeaderError
	if errors.As(err, &tlsAlert) || errors.As(err, &recErr) || strings.Contains(err.Error(), "tls: ") {
		return "the TLS handshake with the receiver failed"
	}
	return "the request to the receiver failed"
}

// readCapped reads at most n bytes of r as text for the delivery log.
func readCapped(r io.Reader, n int) string {
	b, _ := io.ReadAll(io.LimitReader(r, int64(n)))
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// sendRequest posts body to url with the delivery headers.
func sendRequest(ctx context.Context, c *http.Client, url string, headers map[string]string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Signet-Webhooks/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.Do(req)
}
