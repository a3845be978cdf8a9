package tsa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"time"

	"signet/internal/cms"
	"signet/internal/rfc3161"
)

// Client defaults.
const (
	// DefaultTimeout bounds one exchange with one TSA.
	DefaultTimeout = 10 * time.Second
	// DefaultAttempts is how often one TSA is tried before the next.
	DefaultAttempts = 2
	// DefaultBackoff is the pause before the second attempt at a TSA; it
	// doubles for each further attempt, up to 5 seconds.
	DefaultBackoff = 200 * time.Millisecond

	maxBackoff      = 5 * time.Second
	maxResponseSize = 1 << 20
)

// Token is a time-stamp token that has been verified.
type Token struct {
	// DER is the TimeStampToken, a CMS ContentInfo, to embed as it is.
	DER []byte
	// Info is what the token asserts.
	Info *Info
}

// ClientConfig holds what a Client is built from.
type ClientConfig struct {
	// URLs are the TSAs, tried in order: the next only when one has failed
	// every attempt, or answered in a way that retrying will not change.
	URLs []string
	// Roots are the roots a TSA certificate must chain to. Required.
	Roots *x509.CertPool
	// Intermediates may help build chains the TSAs do not send whole.
	Intermediates *x509.CertPool
	// Policy, if not zero, is requested (reqPolicy) and required of the token.
	Policy x509.OID
	// HTTPClient sends the requests. Nil means a client with default settings.
	HTTPClient *http.Client
	// Timeout bounds one attempt at one TSA. Zero means DefaultTimeout.
	Timeout time.Duration
	// Attempts is how often each TSA is tried. Zero means DefaultAttempts.
	Attempts int
	// Backoff is the pause before the second attempt at a TSA. Zero means
	// DefaultBackoff.
	Backoff time.Duration
}

// Client obtains time-stamp tokens and returns only those that verified. It
// is safe for concurrent use.
type Client struct {
	endpoints     []endpoint
	roots         *x509.CertPool
	intermediates *x509.CertPool
	policy        *x509.OID
	timeout       time.Duration
	attempts      int
	backoff       time.Duration
}

// endpoint is one TSA: something that answers a DER request with a DER response.
type endpoint struct {
	name     string
	exchange func(ctx context.Context, req []byte) ([]byte, error)
}

// NewClient returns a Client for the TSAs at cfg.URLs.
func NewClient(cfg ClientConfig) (*Client, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("new tsa client: no urls")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	var endpoints []endpoint
	for _, raw := range cfg.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("new tsa client: invalid url %q", raw)
		}
		endpoints = append(endpoints, endpoint{name: raw, exchange: httpExchange(hc, raw)})
	}
	return newClient(cfg, endpoints)
}

// NewLocalClient returns a Client whose only TSA is a, called in-process
// without HTTP. Its tokens go through the same checks as a remote TSA's.
func NewLocalClient(a *Authority, roots *x509.CertPool) (*Client, error) {
	return newClient(ClientConfig{Roots: roots}, []endpoint{{
		name: "local",
		exchange: func(ctx context.Context, req []byte) ([]byte, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return a.Respond(req)
		},
	}})
}

func newClient(cfg ClientConfig, endpoints []endpoint) (*Client, error) {
	if cfg.Roots == nil {
		return nil, errors.New("new tsa client: roots are required")
	}
	if cfg.Timeout < 0 || cfg.Attempts < 0 || cfg.Backoff < 0 {
		return nil, errors.New("new tsa client: negative timeout, attempts or backoff")
	}
	c := &Client{
		endpoints:     endpoints,
		roots:         cfg.Roots,
		intermediates: cfg.Intermediates,
		timeout:       orDefault(cfg.Timeout, DefaultTimeout),
		attempts:      orDefault(cfg.Attempts, DefaultAttempts),
		backoff:       orDefault(cfg.Backoff, DefaultBackoff),
	}
	if !cfg.Policy.Equal(x509.OID{}) {
		c.policy = &cfg.Policy
	}
	return c, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Timestamp obtains a token over digest, an h digest of the data. It sends a
// request with a fresh random nonce and certReq set, and returns the token
// only once the response is granted, answers this request (nonce), covers
// this digest (imprint), carries the requested policy if any, and its
// signature and chain verify against the Client's roots.
//
// It tries each TSA in turn, each up to Attempts times with growing pauses.
// When all fail it returns an *UnavailableError listing every attempt. When
// ctx ends first it returns ctx's error, wrapped.
func (c *Client) Timestamp(ctx context.Context, digest []byte, h Hash) (*Token, error) {
	if !h.Available() || len(digest) != h.Size() {
		return nil, fmt.Errorf("timestamp: digest is not a %v digest", h)
	}
	req := &rfc3161.Request{
		// NULL parameters, as OpenSSL sends them: some TSAs reject absent ones.
		HashAlgorithm: cms.AlgorithmIdentifier{Algorithm: h.oid(), Parameters: []byte{0x05, 0x00}},
		HashedMessage: digest,
		Policy:        c.policy,
		Nonce:         randomNonce(),
		CertReq:       true,
	}
	der, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}

	var attempts []Attempt
	for _, ep := range c.endpoints {
		for try := 1; try <= c.attempts; try++ {
			if try > 1 {
				if err := sleep(ctx, c.pause(try)); err != nil {
					return nil, fmt.Errorf("timestamp: %w", err)
				}
			}
			tok, err := c.try(ctx, ep, der, req, h)
			if err == nil {
				return tok, nil
			}
			attempts = append(attempts, Attempt{URL: ep.name, Try: try, Err: err})
			if ctx.Err() != nil {
				return nil, fmt.Errorf("timestamp: %w", context.Cause(ctx))
			}
			if !retryable(err) {
				break
			}
		}
	}
	return nil, &UnavailableError{Attempts: attempts}
}

// pause returns how long to wait before attempt try (from 2) at a TSA.
func (c *Client) pause(try int) time.Duration {
	d := c.backoff
	for i := 2; i < try && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// try makes one exchange with one TSA and checks the answer.
func (c *Client) try(ctx context.Context, ep endpoint, der []byte, req *rfc3161.Request, h Hash) (*Token, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	respDER, err := ep.exchange(ctx, der)
	if err != nil {
		return nil, err
	}
	return c.check(respDER, req, h)
}

// check validates a DER TimeStampResp against the request it answers. It is
// the only way a Client turns a response into a Token.
func (c *Client) check(respDER []byte, req *rfc3161.Request, h Hash) (*Token, error) {
	resp, err := rfc3161.ParseResponse(respDER)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if resp.Status != rfc3161.StatusGranted && resp.Status != rfc3161.StatusGrantedWithMods {
		e := &RejectedError{Status: Status(resp.Status), FailInfo: FailureInfo(resp.FailInfo)}
		if len(resp.StatusString) > 0 {
			e.Text = resp.StatusString[0]
		}
		return nil, e
	}
	if resp.Token == nil {
		return nil, fmt.Errorf("%w: response granted without a token", ErrMalformed)
	}
	info, err := verifyToken(resp.Token, VerifyOptions{Roots: c.roots, Intermediates: c.intermediates})
	if err != nil {
		return nil, err
	}
	if info.Nonce == nil || info.Nonce.Cmp(req.Nonce) != 0 {
		return nil, ErrNonceMismatch
	}
	if err := info.checkImprint(req.HashedMessage, h); err != nil {
		return nil, err
	}
	if req.Policy != nil && !info.Policy.Equal(*req.Policy) {
		return nil, fmt.Errorf("%w: got %s", ErrPolicyMismatch, info.Policy)
	}
	return &Token{DER: resp.Token, Info: info}, nil
}

// retryable reports whether asking the same TSA again may succeed. A TSA that
// refused the request or sent a token that does not check out is not asked
// again; the next one is.
func retryable(err error) bool {
	var rejected *RejectedError
	var status *httpStatusError
	switch {
	case errors.As(err, &rejected):
		return rejected.transient()
	case errors.As(err, &status):
		return status.code >= 500 || status.code == http.StatusTooManyRequests
	case errors.Is(err, errContentType),
		errors.Is(err, ErrMalformed), errors.Is(err, ErrBadSignature), errors.Is(err, ErrUntrusted),
		errors.Is(err, ErrImprintMismatch), errors.Is(err, ErrNonceMismatch), errors.Is(err, ErrPolicyMismatch):
		return false
	}
	return true // the network, a timeout, the in-process signer
}

// httpStatusError is an HTTP answer other than 200.
type httpStatusError struct{ code int }

func (e *httpStatusError) Error() string {
	return fmt.Sprintf("tsa: http status %d %s", e.code, http.StatusText(e.code))
}

var errContentType = errors.New("tsa: response is not " + ReplyContentType)

// httpExchange POSTs requests to one TSA URL (RFC 3161 §3.4).
func httpExchange(hc *http.Client, url string) func(context.Context, []byte) ([]byte, error) {
	return func(ctx context.Context, der []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(der))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", QueryContentType)
		req.Header.Set("Accept", ReplyContentType)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, &httpStatusError{resp.StatusCode}
		}
		if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != ReplyContentType {
			return nil, errContentType
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
		if err != nil {
			return nil, err
		}
		if len(body) > maxResponseSize {
			return nil, fmt.Errorf("%w: response over %d bytes", ErrMalformed, maxResponseSize)
		}
		return body, nil
	}
}

// randomNonce returns a random positive 64-bit nonce, the size RFC 3161
// §2.4.1 suggests and every TSA accepts.
func randomNonce() *big.Int {
	b := make([]byte, 8)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	b[0] |= 0x01 // never zero
	return new(big.Int).SetBytes(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
